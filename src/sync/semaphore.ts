// Python's threading.Semaphore and BoundedSemaphore. Body words: 0 value, 1 waiters, 2 initial.
import { hold, withLock } from './hold';
import { Kind, memory, native, Op, wordOf } from '../runtime/native';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { count, semaphoreAcquireArgs, timeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

/**
 * Python's `threading.Semaphore` (also `multiprocessing.Semaphore`): a counter that `acquire()`
 * decrements, blocking at 0, and `release()` increments, across threads and processes. It has no
 * owner (as in Python): permits taken by a thread or process that dies are not given back.
 * @example
 * const slots = new Semaphore(2);
 * slots.withLock(() => {
 *   // at most two at a time
 * });
 */
export class Semaphore {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Semaphore {
    return typeof x === 'object' && x !== null && #w in x;
  }

  readonly #h: number;
  readonly #w: number;

  /**
   * Python's `Semaphore(value=1)`: starts at `value`.
   * @throws `ERR_OUT_OF_RANGE` unless `value` is an integer in 0 .. 2^31-1; `ERR_INVALID_ARG_TYPE`
   * for a non-number.
   */
  constructor(value: number = 1) {
    const kind = new.target === BoundedSemaphore ? Kind.BoundedSemaphore : Kind.Semaphore;
    const existing = existingHandle(kind, this);
    this.#h = existing ?? native.create(kind, this, count(value, 'value', 0));
    this.#w = wordOf(this.#h);
    makeShareable(this, kind, this.#h);
  }

  #try(): boolean {
    let v = Atomics.load(memory, this.#w);
    while (v > 0) {
      const seen = Atomics.compareExchange(memory, this.#w, v, v - 1);
      if (seen === v) return true;
      v = seen;
    }
    return false;
  }

  /**
   * Python's `acquire(blocking=True, timeout=None)`, timeout in milliseconds: decrements the value,
   * blocking while it is 0. `timeout` undefined, null or Infinity waits forever; 0 or negative, or
   * `acquire(false)`, only tries.
   * @returns true once acquired; false when the value stayed 0.
   * @throws `ERR_INVALID_ARG_VALUE` for a timeout with `blocking` false; `ERR_OUT_OF_RANGE` for NaN;
   * `ERR_INVALID_ARG_TYPE` for arguments of the wrong type.
   */
  acquire(blocking?: boolean, timeout?: number): boolean {
    try {
      const t = blocking === undefined && timeout === undefined ? -1 : semaphoreAcquireArgs(blocking, timeout);
      if (this.#try()) return true;
      if (t === 0) return false;
      return native.block(Op.Semaphore, this.#h, t) === 1;
    } catch (e) {
      throw Semaphore.#is(this) ? e : invalidThis(this, 'Semaphore', 'acquire');
    }
  }

  /**
   * The Promise form of `acquire(true, timeout)`: resolves true once acquired, false after `timeout`
   * ms; aborting `options.signal` rejects with its reason and takes nothing.
   */
  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Semaphore.#is(this)) return Promise.reject(invalidThis(this, 'Semaphore', 'acquireAsync'));
    return tryThenWaitAsync(() => timeoutMs(timeout), options, () => this.#try(), Op.Semaphore, this.#h);
  }

  /**
   * Python's `release(n=1)`: adds `n` and wakes up to `n` waiters.
   * @throws `ERR_OUT_OF_RANGE` unless `n` is an integer >= 1; `ERR_SEMAPHORE_OVER_RELEASED` for a
   * BoundedSemaphore that would go above its initial value.
   */
  release(n: number = 1): void {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'release');
    native.semRelease(this.#h, count(n, 'n', 1));
  }

  /** The current value (Python's private `_value`, for inspection). */
  get value(): number {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'value');
    return Atomics.load(memory, this.#w);
  }

  /** Python's `with sem:`: acquires (waiting forever); the Disposable releases once. */
  hold(): Disposable {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'hold');
    return hold(this);
  }

  /**
   * Python's `with sem:` as a call: runs `fn` between `acquire()` and `release()`, returns its result.
   * @throws `ERR_INVALID_ARG_TYPE` (before acquiring) when `fn` is not a function.
   */
  withLock<T>(fn: () => T): T {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'withLock');
    return withLock(this, fn);
  }

  /**
   * Restores a Semaphore (`BoundedSemaphore.from()`: a BoundedSemaphore) received through
   * `postMessage` or `workerData`; an instance is returned as is.
   * @throws `ERR_INVALID_ARG_TYPE` for anything that is not a (clone of an) instance of this class.
   */
  static from<T extends typeof Semaphore>(this: T, shared: unknown): InstanceType<T> {
    if (shared instanceof this) return shared as InstanceType<T>;
    const s = expectShared(shared, this.name, this === BoundedSemaphore ? Kind.BoundedSemaphore : Kind.Semaphore);
    return buildFrom({ shared: s }, () => new this() as InstanceType<T>);
  }
}

/**
 * Python's `threading.BoundedSemaphore`: a Semaphore whose `release()` above the initial value
 * throws `ERR_SEMAPHORE_OVER_RELEASED`.
 * @example
 * const sem = new BoundedSemaphore(1);
 * sem.acquire();
 * sem.release();
 * // sem.release() again would throw ERR_SEMAPHORE_OVER_RELEASED
 */
export class BoundedSemaphore extends Semaphore {}

registerReviver(Kind.Semaphore, (shared) => buildFrom({ shared }, () => new Semaphore()));
registerReviver(Kind.BoundedSemaphore, (shared) => buildFrom({ shared }, () => new BoundedSemaphore()));
