// Python's threading.Barrier. The action is a JavaScript function and cannot cross threads:
// each handle carries its own (the constructor's, or the one given to from()).
import { BrokenBarrierError, invalidArgType, outOfRange } from '../runtime/errors';
import { Kind, native, Op } from '../runtime/native';
import { BarrierResult, Limit } from '../runtime/layout';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { signalOf, timeoutMs, WaitOptions } from '../runtime/validate';
import { waitAsync } from '../runtime/wait-async';

/** Bitmaps of arrival indexes are one arena block (core/barrier.rs). */
const MAX_PARTIES = Limit.BarrierParties;

export class Barrier {
  readonly #h: number;
  readonly #action: (() => void) | undefined;
  readonly #parties: number;

  constructor(parties: number, action?: () => void, timeout?: number) {
    if (action !== undefined && action !== null && typeof action !== 'function') {
      throw invalidArgType('The "action" argument must be a function', action);
    }
    this.#action = action ?? undefined;
    const existing = existingHandle(Kind.Barrier, this);
    if (existing !== undefined) {
      this.#h = existing;
    } else {
      if (typeof parties !== 'number') throw invalidArgType('The "parties" argument must be of type number', parties);
      if (!Number.isInteger(parties) || parties < 1 || parties > MAX_PARTIES) {
        throw outOfRange(`The value of "parties" is out of range. It must be an integer >= 1 and <= ${MAX_PARTIES}`, parties);
      }
      this.#h = native.create(Kind.Barrier, this, parties, timeoutMs(timeout));
    }
    this.#parties = native.barrierInfo(this.#h)[0];
    makeShareable(this, Kind.Barrier, this.#h);
  }

  /** `undefined`: the barrier's default timeout; `null`: forever. */
  #timeout(timeout: number | null | undefined): number {
    return timeout === undefined ? native.barrierInfo(this.#h)[3] : timeoutMs(timeout);
  }

  /** After an arrival: the index, BrokenBarrierError, or (for the last) run the action. */
  #settle(result: number): number {
    if (result >= 0) return result;
    if (result === BarrierResult.Broken) throw new BrokenBarrierError();
    const index = BarrierResult.Last - result;
    try {
      this.#action?.();
    } catch (e) {
      native.barrierFinish(this.#h, false);
      throw e;
    }
    if (!native.barrierFinish(this.#h, true)) throw new BrokenBarrierError();
    return index;
  }

  /** Waits for all parties; returns this waiter's index in 0 .. parties-1. */
  wait(timeout?: number | null): number {
    return this.#settle(native.block(Op.Barrier, this.#h, this.#timeout(timeout)));
  }

  waitAsync(timeout?: number | null, options?: WaitOptions): Promise<number> {
    try {
      const t = this.#timeout(timeout);
      return waitAsync(Op.Barrier, this.#h, t, signalOf(options)).then((r) => this.#settle(r));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  get parties(): number {
    return this.#parties;
  }

  get nWaiting(): number {
    return native.barrierInfo(this.#h)[1];
  }

  get broken(): boolean {
    return native.barrierInfo(this.#h)[2] === 1;
  }

  /** Breaks the barrier: current and future waiters get BrokenBarrierError until reset(). */
  abort(): void {
    native.barrierAbort(this.#h);
  }

  /** Back to the empty state; threads waiting now get BrokenBarrierError. */
  reset(): void {
    native.barrierReset(this.#h);
  }

  static from(shared: unknown, action?: () => void): Barrier {
    if (shared instanceof Barrier && action === undefined) return shared;
    const s =
      shared instanceof Barrier
        ? { kind: Kind.Barrier, d: native.share(shared.#h) }
        : expectShared(shared, 'Barrier', Kind.Barrier);
    return buildFrom({ shared: s }, () => new Barrier(0, action));
  }
}

registerReviver(Kind.Barrier, (shared) => buildFrom({ shared }, () => new Barrier(0)));
