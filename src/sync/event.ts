// Python's threading.Event. Body words: 0 = flag (bit 0) | number of set()s (bits 1..),
// 1 = blocked waiters. A set() always changes word 0, so a waiter woken by it returns true even
// if a clear() follows at once.
import { asyncWaitersOf, Kind, memory, native, Op, wordOf } from '../runtime/native';
import { EventWord } from '../runtime/layout';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { timeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

/**
 * Python's `threading.Event` (also `multiprocessing.Event`): a flag that threads and processes wait
 * for.
 * @example
 * const done = new Event();
 * // in another thread or process: done.set();
 * await done.waitAsync(1000); // true once set, false after 1 s
 */
export class Event {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Event {
    return typeof x === 'object' && x !== null && #w in x;
  }

  readonly #h: number;
  readonly #w: number;

  /** A new Event, not set (Python's `Event()`). */
  constructor() {
    this.#h = existingHandle(Kind.Event, this) ?? native.create(Kind.Event, this);
    this.#w = wordOf(this.#h);
    makeShareable(this, Kind.Event, this.#h);
  }

  /** Python's `is_set()`: whether the flag is set. */
  isSet(): boolean {
    try {
      return (Atomics.load(memory, this.#w) & 1) !== 0;
    } catch (e) {
      throw Event.#is(this) ? e : invalidThis(this, 'Event', 'isSet');
    }
  }

  /** Python's `set()`: raises the flag and wakes every waiter, in any thread or process. */
  set(): void {
    try {
      // One CAS raises the flag and counts the set(), so no waiter can see one without the other.
      let word = Atomics.load(memory, this.#w);
      for (;;) {
        if ((word & 1) !== 0) return;
        const seen = Atomics.compareExchange(memory, this.#w, word, word + 3);
        if (seen === word) break;
        word = seen;
      }
      if (Atomics.load(memory, this.#w + EventWord.Waiters) !== 0 || Atomics.load(memory, asyncWaitersOf(this.#h)) !== 0) {
        native.eventWake(this.#h);
      }
    } catch (e) {
      throw Event.#is(this) ? e : invalidThis(this, 'Event', 'set');
    }
  }

  /** Python's `clear()`: lowers the flag; later waits block until the next `set()`. */
  clear(): void {
    if (!Event.#is(this)) throw invalidThis(this, 'Event', 'clear');
    Atomics.and(memory, this.#w, ~1);
  }

  /**
   * Python's `wait(timeout=None)`: blocks until the flag is set or `timeout` ms pass. `timeout`
   * undefined, null or Infinity waits forever; 0 or negative only checks.
   * @returns true once set (even if cleared again at once), false on timeout.
   * @throws `ERR_OUT_OF_RANGE` for NaN; `ERR_INVALID_ARG_TYPE` for a non-number.
   */
  wait(timeout?: number): boolean {
    if (!Event.#is(this)) throw invalidThis(this, 'Event', 'wait');
    const t = timeoutMs(timeout);
    if ((Atomics.load(memory, this.#w) & 1) !== 0) return true;
    if (t === 0) return false;
    return native.block(Op.Event, this.#h, t) === 1;
  }

  /**
   * The Promise form of `wait(timeout)`: resolves true once set, false on timeout; aborting
   * `options.signal` rejects with its reason. Bad arguments reject with the codes `wait()` throws.
   */
  waitAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Event.#is(this)) return Promise.reject(invalidThis(this, 'Event', 'waitAsync'));
    return tryThenWaitAsync(() => timeoutMs(timeout), options, () => (Atomics.load(memory, this.#w) & 1) !== 0, Op.Event, this.#h);
  }

  /** @internal */
  static handleOf(e: Event): number {
    return e.#h;
  }

  /**
   * Restores an Event received through `postMessage` or `workerData`; an Event is returned as is.
   * @throws `ERR_INVALID_ARG_TYPE` for anything that is not a (clone of an) Event.
   */
  static from(shared: unknown): Event {
    if (shared instanceof Event) return shared;
    const s = expectShared(shared, 'Event', Kind.Event);
    return buildFrom({ shared: s }, () => new Event());
  }
}

registerReviver(Kind.Event, (shared) => buildFrom({ shared }, () => new Event()));
