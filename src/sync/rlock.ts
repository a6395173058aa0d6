// Python's threading.RLock. Owner = this thread's id across threads and processes. Body words:
// owner, recursion count (written by the owner only), waiters (RLockWord in runtime/layout.ts).
// An owner that ended holding it is taken over in native code (core/rlock.rs): the owner word
// is then RLockBits.OwnerDied until taken, and the taker's count has its top bit set (negative).
import { coded, outOfRange } from '../runtime/errors';
import { hold, withLock } from './hold';
import { agentId, asyncWaitersOf, Kind, memory, native, Op, wordOf } from '../runtime/native';
import { Limit, RLockBits, RLockWord } from '../runtime/layout';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { acquireArgs, lockTimeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

const MAX_DEPTH = Limit.RLockDepth;

/**
 * Python's `threading.RLock` (also `multiprocessing.RLock`): a re-entrant lock, owned by one thread
 * of one process, which may acquire it again and must release it as many times. When that thread
 * ends holding it (or its process dies), the next acquirer takes it over and is told (`ownerDied`).
 * Shared as a `Lock` is; a `postMessage`/`workerData` clone needs `RLock.from()`.
 * @example
 * const rlock = new RLock();
 * rlock.withLock(() => {
 *   rlock.withLock(() => {}); // the owner may take it again
 * });
 */
export class RLock {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is RLock {
    return typeof x === 'object' && x !== null && #w in x;
  }

  readonly #h: number;
  readonly #w: number;

  /** A new, unowned re-entrant lock (Python's `RLock()`). */
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
      const count = memory[w + RLockWord.Count];
      // The levels, without the top bit (a holding taken over from a dead owner).
      if ((count & MAX_DEPTH) === MAX_DEPTH) throw outOfRange('RLock recursion is too deep', MAX_DEPTH + 1);
      memory[w + RLockWord.Count] = count + 1;
      return true;
    }
    return false;
  }

  /**
   * Python's `acquire(blocking=True, timeout=-1)`, timeout in milliseconds: takes the lock, or one
   * more level of it when this thread owns it already. `timeout` undefined, null, -1 or Infinity
   * waits forever; `acquire(false)` or 0 only tries. An owner that ended is taken over: checked
   * every 50 ms while waiting, and at the deadline (at once when only trying).
   * @returns true once acquired (`ownerDied` then tells whether the lock was taken over); false when another thread owns it (after `timeout` ms, if given).
   * @throws `ERR_OUT_OF_RANGE` for a negative timeout other than -1, NaN, or a recursion deeper than
   * 2^31-1; `ERR_INVALID_ARG_VALUE` for a timeout with `blocking` false; `ERR_INVALID_ARG_TYPE` for
   * arguments of the wrong type.
   */
  acquire(blocking?: boolean, timeout?: number): boolean {
    try {
      const t = blocking === undefined && timeout === undefined ? -1 : acquireArgs(blocking, timeout);
      if (this.#try()) return true;
      // Native even when only trying: the lock may be free after a dead owner, or held by one.
      return native.block(Op.RLock, this.#h, t) === 1;
    } catch (e) {
      throw RLock.#is(this) ? e : invalidThis(this, 'RLock', 'acquire');
    }
  }

  /**
   * The Promise form of `acquire(true, timeout)`: resolves true once acquired, false after `timeout`
   * ms (same rule as `acquire()`); aborting `options.signal` rejects with its reason. Bad arguments
   * reject with the codes `acquire()` throws.
   */
  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!RLock.#is(this)) return Promise.reject(invalidThis(this, 'RLock', 'acquireAsync'));
    const h = this.#h;
    const tryNow = (t: number): boolean => this.#try() || (t === 0 && native.block(Op.RLock, h, 0) === 1);
    return tryThenWaitAsync(() => lockTimeoutMs(timeout), options, tryNow, Op.RLock, h);
  }

  /**
   * Python's `release()`: drops one level; the last frees the lock and wakes a waiter.
   * @throws `ERR_LOCK_NOT_OWNED` when this thread does not own the lock.
   */
  release(): void {
    try {
      const w = this.#w;
      if (Atomics.load(memory, w) !== agentId) {
        throw coded(Error, 'ERR_LOCK_NOT_OWNED', 'cannot release un-acquired lock');
      }
      const depth = memory[w + RLockWord.Count] - 1;
      if (depth > 0) {
        memory[w + RLockWord.Count] = depth;
        return;
      }
      if (depth < 0) {
        // The count's top bit: a holding taken over from a dead owner, released natively.
        native.rlockRelease(this.#h);
        return;
      }
      memory[w + RLockWord.Count] = 0;
      Atomics.store(memory, w, 0);
      if (Atomics.load(memory, w + RLockWord.Waiters) !== 0 || Atomics.load(memory, asyncWaitersOf(this.#h)) !== 0) {
        native.rlockWake(this.#h);
      }
    } catch (e) {
      throw RLock.#is(this) ? e : invalidThis(this, 'RLock', 'release');
    }
  }

  /**
   * Python's `locked()` (3.14): whether any thread or process holds the lock now. A lock whose
   * owner ended holding it stays locked until an acquirer takes it over.
   */
  locked(): boolean {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'locked');
    const owner = Atomics.load(memory, this.#w);
    return owner !== 0 && owner !== RLockBits.OwnerDied;
  }

  /**
   * Whether the current holding of the lock began by taking it over from an owner that ended
   * holding it (its thread ended, or its process was killed, crashed or exited): what it guards
   * may be half updated. False while the lock is free; reset by the release that ends the holding
   * (the last level). Beyond Python (POSIX's robust mutexes report it as `EOWNERDEAD`); the
   * acquisition itself succeeds as usual.
   */
  get ownerDied(): boolean {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'ownerDied');
    const w = this.#w;
    const owner = Atomics.load(memory, w);
    return owner !== 0 && owner !== RLockBits.OwnerDied && Atomics.load(memory, w + RLockWord.Count) < 0;
  }

  /** Python's `with rlock:`: acquires (waiting forever) and returns a Disposable that releases once. */
  hold(): Disposable {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'hold');
    return hold(this);
  }

  /**
   * Python's `with rlock:` as a call: acquires (waiting forever), runs `fn`, releases even when it
   * throws, and returns its result.
   * @throws `ERR_INVALID_ARG_TYPE` (before acquiring) when `fn` is not a function.
   */
  withLock<T>(fn: () => T): T {
    if (!RLock.#is(this)) throw invalidThis(this, 'RLock', 'withLock');
    return withLock(this, fn);
  }

  /**
   * Restores an RLock received through `postMessage` or `workerData`; an RLock is returned as is.
   * @throws `ERR_INVALID_ARG_TYPE` for anything that is not a (clone of an) RLock.
   */
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
