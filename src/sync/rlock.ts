// Python's threading.RLock. Owner = this thread's id across threads and processes. Body words:
// 0 owner, 1 recursion count (written by the owner only), 2 waiters.
import { coded, outOfRange } from '../runtime/errors';
import { hold, withLock } from './hold';
import { agentId, asyncWaitersOf, Kind, memory, native, Op, wordOf } from '../runtime/native';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { acquireArgs, lockTimeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

const MAX_DEPTH = 0x7fffffff;

export class RLock {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is RLock {
    return typeof x === 'object' && x !== null && #w in x;
  }

  readonly #h: number;
  readonly #w: number;

  constructor() {
    this.#h = existingHandle(Kind.RLock, this) ?? native.create(Kind.RLock, this);
    this.#w = wordOf(this.#h);
    makeShareable(this, Kind.RLock, this.#h);
  }

  /** Takes the lock (or one more level of it) without waiting. */
  #try(): boolean {
    const w = this.#w;
    const owner = Atomics.compareExchange(memory, w, 0, agentId);
    if (owner === 0) {
      memory[w + 1] = 1;
      return true;
    }
    if (owner === agentId) {
      if (memory[w + 1] === MAX_DEPTH) throw outOfRange('RLock recursion is too deep', MAX_DEPTH + 1);
      memory[w + 1]++;
      return true;
    }
    return false;
  }

  acquire(blocking?: boolean, timeout?: number): boolean {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'acquire');
    const t = blocking === undefined && timeout === undefined ? -1 : acquireArgs(blocking, timeout);
    if (this.#try()) return true;
    if (t === 0) return false;
    return native.block(Op.RLock, this.#h, t) === 1;
  }

  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!RLock.#is(this)) return Promise.reject(invalidThis(this, 'RLock', 'acquireAsync'));
    return tryThenWaitAsync(() => lockTimeoutMs(timeout), options, () => this.#try(), Op.RLock, this.#h);
  }

  /** Only the owning thread may release: otherwise ERR_LOCK_NOT_OWNED. */
  release(): void {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'release');
    const w = this.#w;
    if (Atomics.load(memory, w) !== agentId) {
      throw coded(Error, 'ERR_LOCK_NOT_OWNED', 'cannot release un-acquired lock');
    }
    const depth = memory[w + 1] - 1;
    memory[w + 1] = depth;
    if (depth !== 0) return;
    Atomics.store(memory, w, 0);
    if (Atomics.load(memory, w + 2) !== 0 || Atomics.load(memory, asyncWaitersOf(this.#h)) !== 0) {
      native.rlockWake(this.#h);
    }
  }

  /** Held by any thread (Python 3.14). */
  locked(): boolean {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'locked');
    return Atomics.load(memory, this.#w) !== 0;
  }

  hold(): Disposable {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'hold');
    return hold(this);
  }

  withLock<T>(fn: () => T): T {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'withLock');
    return withLock(this, fn);
  }

  static from(shared: unknown): RLock {
    if (shared instanceof RLock) return shared;
    const s = expectShared(shared, 'RLock', Kind.RLock);
    return buildFrom({ shared: s }, () => new RLock());
  }

  /** @internal */
  static fromHandle(handle: number): RLock {
    return buildFrom({ handle }, () => new RLock());
  }

  /** @internal */
  static handleOf(lock: RLock): number {
    return lock.#h;
  }
}

registerReviver(Kind.RLock, (shared) => buildFrom({ shared }, () => new RLock()));
