// Python's threading.Lock. The uncontended acquire and release are one CAS on the lock word in
// shared memory, done here in JavaScript (no native call); contended paths block in the kernel.
// The word records the holding process (LockBits in runtime/layout.ts): when that process dies
// holding the lock, the next acquirer takes it over in native code (core/lock.rs).
import { coded } from '../runtime/errors';
import { hold, withLock } from './hold';
import { Kind, memory, native, Op, processTag, wordOf } from '../runtime/native';
import { LockBits } from '../runtime/layout';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { acquireArgs, lockTimeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

/** The word of a lock this process holds uncontended: what the fast paths write and expect. */
const LOCKED_BY_ME = (processTag << LockBits.TagShift) | LockBits.Locked;

/**
 * Python's `threading.Lock` (also `multiprocessing.Lock`): a mutual-exclusion lock that blocks for
 * real across worker threads and processes. Any thread may release it. When the process that took
 * it dies holding it, the next acquirer takes it over and is told (`ownerDied`). Share it as a `Thread`,
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
   * forever; `acquire(false)` or a timeout of 0 only tries. A holder whose process died is taken
   * over: checked every 50 ms while waiting, and at the deadline (at once when only trying).
   * @returns true once acquired (`ownerDied` then tells whether the lock was taken over); false when not (it was held, or `timeout` ms passed).
   * @throws `ERR_OUT_OF_RANGE` for a negative timeout other than -1, or NaN; `ERR_INVALID_ARG_VALUE`
   * for a timeout with `blocking` false; `ERR_INVALID_ARG_TYPE` for arguments of the wrong type.
   */
  acquire(blocking?: boolean, timeout?: number): boolean {
    // The hot paths (here, release(), RLock's, Semaphore.acquire, Event.isSet/set) check the
    // receiver only once something failed: a wrong one fails at `this.#w`, and the catch turns
    // that into ERR_INVALID_THIS. An up-front check cost a few percent of an uncontended pair.
    try {
      const t = blocking === undefined && timeout === undefined ? -1 : acquireArgs(blocking, timeout);
      if (Atomics.compareExchange(memory, this.#w, 0, LOCKED_BY_ME) === 0) return true;
      // Native even when only trying: the lock may be free after a dead holder, or held by one.
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
    const h = this.#h;
    const w = this.#w;
    const tryNow = (t: number): boolean =>
      Atomics.compareExchange(memory, w, 0, LOCKED_BY_ME) === 0 || (t === 0 && native.block(Op.Lock, h, 0) === 1);
    return tryThenWaitAsync(() => lockTimeoutMs(timeout), options, tryNow, Op.Lock, h);
  }

  /**
   * Python's `release()`: frees the lock and wakes one waiter. Any thread or process may release.
   * @throws `ERR_LOCK_NOT_HELD` when the lock is not locked.
   */
  release(): void {
    try {
      const was = Atomics.compareExchange(memory, this.#w, LOCKED_BY_ME, 0);
      if (was === LOCKED_BY_ME) return;
      if (was === 0) throw coded(Error, 'ERR_LOCK_NOT_HELD', 'release unlocked lock');
      native.lockRelease(this.#h);
    } catch (e) {
      throw Lock.#is(this) ? e : invalidThis(this, 'Lock', 'release');
    }
  }

  /**
   * Python's `locked()`: whether some thread or process holds the lock now. A lock whose holding
   * process died stays locked until an acquirer takes it over.
   */
  locked(): boolean {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'locked');
    return (Atomics.load(memory, this.#w) & LockBits.Held) !== 0;
  }

  /**
   * Whether the current holding of the lock began by taking it over from a process that died
   * holding it (killed, crashed, or exited): what it guards may be half updated. False while the
   * lock is free; reset by the release that ends the holding. Beyond Python (POSIX's robust
   * mutexes report it as `EOWNERDEAD`); the acquisition itself succeeds as usual.
   */
  get ownerDied(): boolean {
    if (!Lock.#is(this)) throw invalidThis(this, 'Lock', 'ownerDied');
    const w = Atomics.load(memory, this.#w);
    return (w & LockBits.Held) !== 0 && (w & LockBits.OwnerDied) !== 0;
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
