// Python's threading.Event. Body words: 0 = flag (bit 0) | number of set()s (bits 1..),
// 1 = blocked waiters. A set() always changes word 0, so a waiter woken by it returns true even
// if a clear() follows at once.
import { asyncWaitersOf, Kind, memory, native, Op, wordOf } from '../runtime/native';
import { EventWord } from '../runtime/layout';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { timeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';

export class Event {
  readonly #h: number;
  readonly #w: number;

  constructor() {
    this.#h = existingHandle(Kind.Event, this) ?? native.create(Kind.Event, this);
    this.#w = wordOf(this.#h);
    makeShareable(this, Kind.Event, this.#h);
  }

  isSet(): boolean {
    return (Atomics.load(memory, this.#w) & 1) !== 0;
  }

  /** Sets the flag and wakes every waiter, in any thread or process. */
  set(): void {
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
  }

  clear(): void {
    Atomics.and(memory, this.#w, ~1);
  }

  /** True once set; false when `timeout` ms pass first. */
  wait(timeout?: number): boolean {
    const t = timeoutMs(timeout);
    if ((Atomics.load(memory, this.#w) & 1) !== 0) return true;
    if (t === 0) return false;
    return native.block(Op.Event, this.#h, t) === 1;
  }

  waitAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    return tryThenWaitAsync(() => timeoutMs(timeout), options, () => (Atomics.load(memory, this.#w) & 1) !== 0, Op.Event, this.#h);
  }

  /** @internal */
  static handleOf(e: Event): number {
    return e.#h;
  }

  static from(shared: unknown): Event {
    if (shared instanceof Event) return shared;
    const s = expectShared(shared, 'Event', Kind.Event);
    return buildFrom({ shared: s }, () => new Event());
  }
}

registerReviver(Kind.Event, (shared) => buildFrom({ shared }, () => new Event()));
