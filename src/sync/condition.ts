// Python's threading.Condition over a Lock or RLock (default: a new RLock). The condition
// keeps its lock alive, and `from()` brings the lock along.
import { invalidArgType } from '../runtime/errors';
import { hold, withLock } from './hold';
import { Lock } from './lock';
import { Kind, native, Op } from '../runtime/native';
import { RLock } from './rlock';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { count, signalOf, timeoutMs, WaitOptions } from '../runtime/validate';
import { waitAsync } from '../runtime/wait-async';
import { invalidInstanceArg, invalidThis } from '../runtime/receiver';

/**
 * Python's `threading.Condition` (also `multiprocessing.Condition`) over a Lock or RLock: wait for
 * a notify across threads and processes. `from()` brings the lock along.
 * @example
 * const cond = new Condition();
 * let ready = false; // in practice, state in shared memory (a Value)
 * cond.withLock(() => {
 *   cond.waitFor(() => ready, 100); // false after 100 ms
 * });
 */
export class Condition {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Condition {
    return typeof x === 'object' && x !== null && #h in x;
  }

  readonly #h: number;
  readonly #lock: Lock | RLock;

  /**
   * Python's `Condition(lock=None)`: over `lock`, or a new RLock when none is given.
   * @throws `ERR_INVALID_ARG_TYPE` when `lock` is not a Lock or an RLock (for a structured clone of
   * one, the message names the `from()` to call first).
   */
  constructor(lock?: Lock | RLock) {
    const existing = existingHandle(Kind.Condition, this);
    if (existing !== undefined) {
      this.#h = existing;
      const [l, isRLock] = native.condLock(existing);
      this.#lock = isRLock ? RLock.fromHandle(l) : Lock.fromHandle(l);
    } else {
      if (lock === undefined || lock === null) lock = new RLock();
      if (!(lock instanceof Lock) && !(lock instanceof RLock)) {
        throw invalidInstanceArg('The "lock" argument must be a Lock or an RLock', lock, ['Lock', 'RLock']);
      }
      this.#lock = lock;
      const lh = lock instanceof Lock ? Lock.handleOf(lock) : RLock.handleOf(lock);
      this.#h = native.create(Kind.Condition, this, lh);
    }
    makeShareable(this, Kind.Condition, this.#h);
  }

  /** The underlying lock (Python's `_lock`). */
  get lock(): Lock | RLock {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'lock');
    return this.#lock;
  }

  /**
   * The underlying lock's `ownerDied`: whether its current holding began by taking it over from a
   * holder that died holding it.
   */
  get ownerDied(): boolean {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'ownerDied');
    return this.#lock.ownerDied;
  }

  /**
   * Acquires the underlying lock: that lock's `acquire(blocking, timeout)`, with its timeout rule and
   * errors.
   */
  acquire(blocking?: boolean, timeout?: number): boolean {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'acquire');
    return this.#lock.acquire(blocking, timeout);
  }

  /** The underlying lock's `acquireAsync(timeout, options)`. */
  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Condition.#is(this)) return Promise.reject(invalidThis(this, 'Condition', 'acquireAsync'));
    return this.#lock.acquireAsync(timeout, options);
  }

  /** Releases the underlying lock (`ERR_LOCK_NOT_HELD` / `ERR_LOCK_NOT_OWNED` as that lock throws). */
  release(): void {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'release');
    this.#lock.release();
  }

  /**
   * Python's `wait(timeout=None)`: releases the lock, blocks until notified or `timeout` ms pass,
   * then re-acquires it. `timeout` undefined, null or Infinity waits forever; 0 or negative does not
   * wait for a notify.
   * @returns true when notified, false on timeout.
   * @throws `ERR_LOCK_NOT_HELD` (a Lock) or `ERR_LOCK_NOT_OWNED` (an RLock) when this thread does not
   * hold the lock; `ERR_OUT_OF_RANGE` for NaN; `ERR_INVALID_ARG_TYPE` for a non-number.
   */
  wait(timeout?: number): boolean {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'wait');
    return native.block(Op.Condition, this.#h, timeoutMs(timeout)) === 1;
  }

  /**
   * The Promise form of `wait(timeout)`: resolves true when notified, false on timeout, with the lock
   * held again either way. Aborting `options.signal` rejects with its reason once the lock is taken
   * back. Errors reject with the codes `wait()` throws.
   */
  waitAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Condition.#is(this)) return Promise.reject(invalidThis(this, 'Condition', 'waitAsync'));
    try {
      const t = timeoutMs(timeout);
      return waitAsync(Op.Condition, this.#h, t, signalOf(options)).then((r) => r === 1);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Python's `wait_for(predicate, timeout=None)`: waits (as `wait()`) until `predicate()` is true or
   * `timeout` ms pass in all; returns the predicate's last value. Call with the lock held.
   * @throws `ERR_INVALID_ARG_TYPE` when `predicate` is not a function; what `wait()` throws.
   */
  waitFor(predicate: () => boolean, timeout?: number): boolean {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'waitFor');
    const t = checkedPredicate(predicate, timeout);
    const end = t < 0 ? Infinity : performance.now() + t;
    let result = predicate();
    while (!result) {
      const left = end - performance.now();
      if (end !== Infinity && left <= 0) break;
      this.wait(end === Infinity ? undefined : left);
      result = predicate();
    }
    return result;
  }

  /**
   * The Promise form of `waitFor(predicate, timeout)`: resolves with the predicate's last value;
   * aborting `options.signal` rejects with its reason. Errors reject as `waitFor()` throws them.
   */
  async waitForAsync(predicate: () => boolean, timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'waitForAsync');
    const t = checkedPredicate(predicate, timeout);
    const signal = signalOf(options);
    const end = t < 0 ? Infinity : performance.now() + t;
    let result = predicate();
    while (!result) {
      const left = end - performance.now();
      if (end !== Infinity && left <= 0) break;
      await this.waitAsync(end === Infinity ? undefined : left, { signal });
      result = predicate();
    }
    return result;
  }

  /**
   * Python's `notify(n=1)`: wakes up to `n` waiters, first come first served. Call with the lock held.
   * A waiter that died (its process killed, its thread ended) is passed by, and a notification a
   * waiter received but could not return with before it died goes to the next waiter.
   * @throws `ERR_LOCK_NOT_HELD` / `ERR_LOCK_NOT_OWNED` when this thread does not hold the lock;
   * `ERR_OUT_OF_RANGE` for a negative or fractional `n`.
   */
  notify(n: number = 1): void {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'notify');
    native.condNotify(this.#h, count(n, 'n', 0));
  }

  /** Python's `notify_all()`: wakes every waiter. Throws as `notify()` does. */
  notifyAll(): void {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'notifyAll');
    native.condNotify(this.#h, 0x7fffffff);
  }

  /** Python's `with cond:`: acquires the lock (waiting forever); the Disposable releases it once. */
  hold(): Disposable {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'hold');
    return hold(this);
  }

  /**
   * Python's `with cond:` as a call: runs `fn` holding the lock and returns its result.
   * @throws `ERR_INVALID_ARG_TYPE` (before acquiring) when `fn` is not a function.
   */
  withLock<T>(fn: () => T): T {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'withLock');
    return withLock(this, fn);
  }

  /**
   * Restores a Condition (and its lock) received through `postMessage` or `workerData`; a Condition
   * is returned as is.
   * @throws `ERR_INVALID_ARG_TYPE` for anything that is not a (clone of a) Condition.
   */
  static from(shared: unknown): Condition {
    if (shared instanceof Condition) return shared;
    const s = expectShared(shared, 'Condition', Kind.Condition);
    return buildFrom({ shared: s }, () => new Condition());
  }
}

function checkedPredicate(predicate: unknown, timeout: unknown): number {
  if (typeof predicate !== 'function') throw invalidArgType('The "predicate" argument must be a function', predicate);
  return timeoutMs(timeout);
}

registerReviver(Kind.Condition, (shared) => buildFrom({ shared }, () => new Condition()));
