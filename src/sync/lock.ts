// Python's threading.Lock. The uncontended acquire and release are one CAS on the lock word in
// shared memory, done here in JavaScript (no native call); contended paths block in the kernel.
import { coded } from '../runtime/errors';
import { hold, withLock } from './hold';
import { Kind, memory, native, Op, wordOf } from '../runtime/native';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { acquireArgs, lockTimeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

export class Lock {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Lock {
    return typeof x === 'object' && x !== null && #w in x;
  }

  readonly #h: number;
  readonly #w: number;

  constructor() {
    this.#h = existingHandle(Kind.Lock, this) ?? native.create(Kind.Lock, this);
    this.#w = wordOf(this.#h);
    makeShareable(this, Kind.Lock, this.#h);
  }

  /** Python's `acquire(blocking=True, timeout=-1)`, timeout in milliseconds. */
  acquire(blocking?: boolean, timeout?: number): boolean {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'acquire');
    const t = blocking === undefined && timeout === undefined ? -1 : acquireArgs(blocking, timeout);
    if (Atomics.compareExchange(memory, this.#w, 0, 1) === 0) return true;
    if (t === 0) return false;
    return native.block(Op.Lock, this.#h, t) === 1;
  }

  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Lock.#is(this)) return Promise.reject(invalidThis(this, 'Lock', 'acquireAsync'));
    return tryThenWaitAsync(() => lockTimeoutMs(timeout), options, () => Atomics.compareExchange(memory, this.#w, 0, 1) === 0, Op.Lock, this.#h);
  }

  /** Any thread may release; releasing an unlocked lock throws ERR_LOCK_NOT_HELD. */
  release(): void {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'release');
    const was = Atomics.compareExchange(memory, this.#w, 1, 0);
    if (was === 1) return;
    if (was === 0) throw coded(Error, 'ERR_LOCK_NOT_HELD', 'release unlocked lock');
    native.lockRelease(this.#h);
  }

  locked(): boolean {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'locked');
    return Atomics.load(memory, this.#w) !== 0;
  }

  hold(): Disposable {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'hold');
    return hold(this);
  }

  withLock<T>(fn: () => T): T {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'withLock');
    return withLock(this, fn);
  }

  /** Restores a Lock received through postMessage or workerData. */
  static from(shared: unknown): Lock {
    if (shared instanceof Lock) return shared;
    const s = expectShared(shared, 'Lock', Kind.Lock);
    return buildFrom({ shared: s }, () => new Lock());
  }

  /** @internal A second instance over a lock this thread holds (a Condition's lock). */
  static fromHandle(handle: number): Lock {
    return buildFrom({ handle }, () => new Lock());
  }

  /** @internal */
  static handleOf(lock: Lock): number {
    return lock.#h;
  }

}

registerReviver(Kind.Lock, (shared) => buildFrom({ shared }, () => new Lock()));
