// Python's threading.RLock. Owner = this thread's id across threads and processes. Body words:
// owner, recursion count (written by the owner only), waiters (RLockWord in runtime/layout.ts).
import { coded, outOfRange } from '../runtime/errors';
import { hold, withLock } from './hold';
import { agentId, asyncWaitersOf, Kind, memory, native, Op, wordOf } from '../runtime/native';
import { Limit, RLockWord } from '../runtime/layout';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { acquireArgs, lockTimeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';

const MAX_DEPTH = Limit.RLockDepth;

export class RLock {
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
      memory[w + RLockWord.Count] = 1;
      return true;
    }
    if (owner === agentId) {
      if (memory[w + RLockWord.Count] === MAX_DEPTH) throw outOfRange('RLock recursion is too deep', MAX_DEPTH + 1);
      memory[w + RLockWord.Count]++;
      return true;
    }
    return false;
  }

  acquire(blocking?: boolean, timeout?: number): boolean {
    const t = blocking === undefined && timeout === undefined ? -1 : acquireArgs(blocking, timeout);
    if (this.#try()) return true;
    if (t === 0) return false;
    return native.block(Op.RLock, this.#h, t) === 1;
  }

  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    return tryThenWaitAsync(() => lockTimeoutMs(timeout), options, () => this.#try(), Op.RLock, this.#h);
  }

  /** Only the owning thread may release: otherwise ERR_LOCK_NOT_OWNED. */
  release(): void {
    const w = this.#w;
    if (Atomics.load(memory, w) !== agentId) {
      throw coded(Error, 'ERR_LOCK_NOT_OWNED', 'cannot release un-acquired lock');
    }
    const depth = memory[w + RLockWord.Count] - 1;
    memory[w + RLockWord.Count] = depth;
    if (depth !== 0) return;
    Atomics.store(memory, w, 0);
    if (Atomics.load(memory, w + RLockWord.Waiters) !== 0 || Atomics.load(memory, asyncWaitersOf(this.#h)) !== 0) {
      native.rlockWake(this.#h);
    }
  }

  /** Held by any thread (Python 3.14). */
  locked(): boolean {
    return Atomics.load(memory, this.#w) !== 0;
  }

  hold(): Disposable {
    return hold(this);
  }

  withLock<T>(fn: () => T): T {
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
