// Python's threading.Lock. The uncontended acquire and release are one CAS on the lock word in
// shared memory, done here in JavaScript (no native call); contended paths block in the kernel.
import { coded } from '../runtime/errors';
import { hold, withLock } from './hold';
import { Kind, memory, native, Op, wordOf } from '../runtime/native';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { acquireArgs, lockTimeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

/**
 * Python's `threading.Lock` (also `multiprocessing.Lock`): a mutual-exclusion lock that blocks for
 * real across worker threads and processes. Any thread may release it. Share it as a `Thread`,
 * `Process` or `Pool` argument; a clone received through `postMessage`/`workerData` needs
 * `Lock.from()`. Methods called on anything else throw `ERR_INVALID_THIS`.
 * @example
 * const lock = new Lock();
 * lock.withLock(() => {
 *   // one thread or process at a time
 * });
 */
export class Lock {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Lock {
    return typeof x === 'object' && x !== null && #w in x;
  }

  readonly #h: number;
  readonly #w: number;

  /** A new, unlocked lock (Python's `Lock()`). */
  constructor() {
    this.#h = existingHandle(Kind.Lock, this) ?? native.create(Kind.Lock, this);
    this.#w = wordOf(this.#h);
    makeShareable(this, Kind.Lock, this.#h);
  }

  /**
   * Python's `acquire(blocking=True, timeout=-1)`, timeout in milliseconds: takes the lock, blocking
   * the calling thread while another holds it. `timeout` undefined, null, -1 or Infinity waits
   * forever; `acquire(false)` or a timeout of 0 only tries.
   * @returns true once acquired; false when not (it was held, or `timeout` ms passed).
   * @throws `ERR_OUT_OF_RANGE` for a negative timeout other than -1, or NaN; `ERR_INVALID_ARG_VALUE`
   * for a timeout with `blocking` false; `ERR_INVALID_ARG_TYPE` for arguments of the wrong type.
   */
  acquire(blocking?: boolean, timeout?: number): boolean {
    // The hot paths (here, release(), RLock's, Semaphore.acquire, Event.isSet/set) check the
    // receiver only once something failed: a wrong one fails at `this.#w`, and the catch turns
    // that into ERR_INVALID_THIS. An up-front check cost a few percent of an uncontended pair.
    try {
      const t = blocking === undefined && timeout === undefined ? -1 : acquireArgs(blocking, timeout);
      if (Atomics.compareExchange(memory, this.#w, 0, 1) === 0) return true;
      if (t === 0) return false;
      return native.block(Op.Lock, this.#h, t) === 1;
    } catch (e) {
      throw Lock.#is(this) ? e : invalidThis(this, 'Lock', 'acquire');
    }
  }

  /**
   * The Promise form of `acquire(true, timeout)`: resolves true once acquired, false after `timeout`
   * ms (undefined, null, -1 or Infinity: no limit; 0: only tries). Does not block the thread.
   * Aborting `options.signal` rejects with its reason and leaves the lock untaken. Bad arguments
   * reject with the codes `acquire()` throws.
   */
  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Lock.#is(this)) return Promise.reject(invalidThis(this, 'Lock', 'acquireAsync'));
    return tryThenWaitAsync(() => lockTimeoutMs(timeout), options, () => Atomics.compareExchange(memory, this.#w, 0, 1) === 0, Op.Lock, this.#h);
  }

  /**
   * Python's `release()`: frees the lock and wakes one waiter. Any thread or process may release.
   * @throws `ERR_LOCK_NOT_HELD` when the lock is not locked.
   */
  release(): void {
    try {
      const was = Atomics.compareExchange(memory, this.#w, 1, 0);
      if (was === 1) return;
      if (was === 0) throw coded(Error, 'ERR_LOCK_NOT_HELD', 'release unlocked lock');
      native.lockRelease(this.#h);
    } catch (e) {
      throw Lock.#is(this) ? e : invalidThis(this, 'Lock', 'release');
    }
  }

  /** Python's `locked()`: whether some thread or process holds the lock now. */
  locked(): boolean {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'locked');
    return Atomics.load(memory, this.#w) !== 0;
  }

  /**
   * Python's `with lock:`: acquires (waiting forever) and returns a Disposable that releases once:
   * `using _ = lock.hold();`.
   */
  hold(): Disposable {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'hold');
    return hold(this);
  }

  /**
   * Python's `with lock:` as a call: acquires (waiting forever), runs `fn`, releases even when `fn`
   * throws, and returns `fn`'s result.
   * @throws `ERR_INVALID_ARG_TYPE` (before acquiring) when `fn` is not a function.
   */
  withLock<T>(fn: () => T): T {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'withLock');
    return withLock(this, fn);
  }

  /**
   * Restores a Lock received through `postMessage` or `workerData` (a structured clone); a Lock is
   * returned as is.
   * @throws `ERR_INVALID_ARG_TYPE` for anything that is not a (clone of a) Lock.
   */
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
