// Python's threading.Barrier. Each handle runs its own action (the constructor's, or the one
// given to from()); a handle restored without one runs the action it was shared with, when
// that action is exported: it travels as an export (like a target) and is imported where the
// handle is restored. A non-exported action cannot travel: restoring the handle elsewhere
// emits a warning (WARN_BARRIER_ACTION_NOT_EXPORTED).
import { BrokenBarrierError, invalidArgType, outOfRange } from '../runtime/errors';
import { Kind, native, Op } from '../runtime/native';
import { BarrierResult, Limit } from '../runtime/layout';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver, Shared } from '../runtime/handle-transfer';
import { ExportRef, locate } from '../targets/locate';
import { load, loadSync } from '../targets/load';
import { signalOf, timeoutMs, WaitOptions } from '../runtime/validate';
import { waitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

/** The arrivals of a barrier (a word per party) are one arena block (core/barrier.rs). */
const MAX_PARTIES = Limit.BarrierParties;

/**
 * Python's `threading.Barrier` (also `multiprocessing.Barrier`): `parties` threads or processes
 * wait until all have arrived, then all go on; the last to arrive runs the action first. A timeout
 * or `abort()` breaks the barrier: waiters then get BrokenBarrierError (`ERR_BROKEN_BARRIER`). So
 * does a party that dies (its process killed, its thread ended) while its round fills or while it
 * runs the action; `reset()` leaves dead parties out.
 * @example
 * const barrier = new Barrier(2);
 * // in each of two threads or processes:
 * const index = barrier.wait(5000); // 0 or 1
 */
export class Barrier {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Barrier {
    return typeof x === 'object' && x !== null && #h in x;
  }

  readonly #h: number;
  #action: (() => void) | undefined;
  readonly #parties: number;

  /**
   * Python's `Barrier(parties, action=None, timeout=None)`. `action` runs in the last thread to
   * arrive, once per round; exported, it also runs where the barrier is restored in another thread
   * or process. `timeout` (ms) is the default of `wait()`; undefined, null or Infinity: none.
   * @throws `ERR_OUT_OF_RANGE` unless `parties` is an integer in 1 .. 2^23;
   * `ERR_INVALID_ARG_TYPE` for a non-number `parties` or a non-function `action`.
   */
  constructor(parties: number, action?: () => void, timeout?: number) {
    if (action !== undefined && action !== null && typeof action !== 'function') {
      throw invalidArgType('The "action" argument must be a function', action);
    }
    this.#action = action ?? travelling;
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
    makeShareable(this, Kind.Barrier, this.#h, () => this.#action && actionExport(this.#action));
    if (this.#action === undefined && pendingAction !== undefined) {
      void pendingAction.then((fn) => {
        this.#action ??= fn;
      });
    }
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

  /**
   * Python's `wait(timeout=None)`: blocks until all parties have arrived. `timeout` in ms: undefined
   * means the barrier's default, null or Infinity forever; 0 or negative times out at once unless
   * this arrival is the last. A timeout breaks the barrier for everyone, as in Python. The timeout
   * counts from the call: one that passes while the previous round still drains, resets or runs its
   * action breaks the round this wait was waiting for, not that one.
   * @returns this waiter's arrival index, 0 .. parties-1.
   * @throws BrokenBarrierError (`ERR_BROKEN_BARRIER`) when the barrier is or becomes broken (timed
   * out, aborted, reset while waited on, a party died), or the timeout passed before this wait
   * could arrive; the action's own error in the thread that ran it (the barrier then breaks);
   * `ERR_OUT_OF_RANGE` for NaN.
   */
  wait(timeout?: number | null): number {
    if (!Barrier.#is(this)) throw invalidThis(this, 'Barrier', 'wait');
    return this.#settle(native.block(Op.Barrier, this.#h, this.#timeout(timeout)));
  }

  /**
   * The Promise form of `wait(timeout)`: resolves with the arrival index; rejects with
   * BrokenBarrierError as `wait()` throws it; aborting `options.signal` rejects with its reason and
   * withdraws this arrival.
   */
  waitAsync(timeout?: number | null, options?: WaitOptions): Promise<number> {
    if (!Barrier.#is(this)) return Promise.reject(invalidThis(this, 'Barrier', 'waitAsync'));
    try {
      const t = this.#timeout(timeout);
      return waitAsync(Op.Barrier, this.#h, t, signalOf(options)).then((r) => this.#settle(r));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Python's `parties`: the number of parties. */
  get parties(): number {
    if (!Barrier.#is(this)) throw invalidThis(this, 'Barrier', 'parties');
    return this.#parties;
  }

  /** Python's `n_waiting`: how many wait now. */
  get nWaiting(): number {
    if (!Barrier.#is(this)) throw invalidThis(this, 'Barrier', 'nWaiting');
    return native.barrierInfo(this.#h)[1];
  }

  /** Python's `broken`: whether the barrier is broken. */
  get broken(): boolean {
    if (!Barrier.#is(this)) throw invalidThis(this, 'Barrier', 'broken');
    return native.barrierInfo(this.#h)[2] === 1;
  }

  /**
   * Python's `abort()`: breaks the barrier; current and later waiters get BrokenBarrierError until
   * `reset()`.
   */
  abort(): void {
    if (!Barrier.#is(this)) throw invalidThis(this, 'Barrier', 'abort');
    native.barrierAbort(this.#h);
  }

  /**
   * Python's `reset()`: back to the empty, unbroken state; threads waiting now get
   * BrokenBarrierError.
   */
  reset(): void {
    if (!Barrier.#is(this)) throw invalidThis(this, 'Barrier', 'reset');
    native.barrierReset(this.#h);
  }

  /**
   * Restores a Barrier received through `postMessage` or `workerData`. `action`, when given, is this
   * handle's action; without one it runs the exported action the barrier was shared with. A Barrier
   * is returned as is (a new handle over it when `action` is given).
   * @throws `ERR_INVALID_ARG_TYPE` for anything that is not a (clone of a) Barrier.
   */
  static from(shared: unknown, action?: () => void): Barrier {
    if (shared instanceof Barrier) {
      if (action === undefined) return shared;
      // Another handle over the same barrier, with an action of its own.
      return buildFrom({ handle: shared.#h }, () => new Barrier(0, action));
    }
    return restore(expectShared(shared, 'Barrier', Kind.Barrier), action);
  }
}

/** The action a handle being restored takes from its descriptor (see restore()). */
let travelling: (() => void) | undefined;
let pendingAction: Promise<() => void> | undefined;

function restore(s: Shared, action: (() => void) | undefined): Barrier {
  travelling = action === undefined ? travelledAction(s.x) : undefined;
  try {
    return buildFrom({ shared: s }, () => new Barrier(0, action));
  } finally {
    travelling = undefined;
    pendingAction = undefined;
  }
}

/** What travels for `action`: its export, or the name of an action that is not exported. */
type ActionTicket = { ref: ExportRef } | { notExported: string };

const tickets = new WeakMap<Function, ActionTicket>();

function actionExport(action: Function): ActionTicket {
  let ticket = tickets.get(action);
  if (ticket === undefined) {
    try {
      ticket = { ref: locate(action, 'Barrier action') };
    } catch {
      ticket = { notExported: action.name || '<anonymous>' };
    }
    tickets.set(action, ticket);
  }
  return ticket;
}

/** The travelled action, imported here; undefined (with a warning) when it cannot be. An ES
 * module that cannot be required synchronously is imported: the action is set once it is
 * (`pendingAction`), and the thread and process bootstraps wait for it (actionsLoaded()). */
function travelledAction(x: unknown): (() => void) | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  if ('notExported' in x) {
    process.emitWarning(
      `the action of this Barrier (${String((x as { notExported: unknown }).notExported)}) is not exported, so it cannot run in this thread or process: ` +
        'export it from its module (as a target is), or pass one to Barrier.from(shared, action)',
      { code: 'WARN_BARRIER_ACTION_NOT_EXPORTED' },
    );
    return undefined;
  }
  const ref = (x as { ref: ExportRef }).ref;
  try {
    const fn = loadSync(ref, 'Barrier action');
    if (fn !== undefined) return fn as () => void;
    const pending = load(ref, 'Barrier action').then((f) => f as () => void);
    pending.catch((e: unknown) => actionNotLoaded(ref, e));
    loading.add(pending);
    void pending.finally(() => loading.delete(pending)).catch(() => {});
    pendingAction = pending;
  } catch (e) {
    actionNotLoaded(ref, e);
  }
  return undefined;
}

function actionNotLoaded(ref: ExportRef, e: unknown): void {
  process.emitWarning(`the action of this Barrier (${ref.name}, ${ref.url}) cannot be imported here, so it will not run in this thread or process: ${(e as Error)?.message ?? String(e)}`, {
    code: 'WARN_BARRIER_ACTION_NOT_LOADED',
  });
}

const loading = new Set<Promise<unknown>>();

/** While travelled Barrier actions are being imported in this thread: a promise of their
 * end (the bootstraps and pool workers wait for it before calling a target). */
export function actionsLoading(): Promise<void> | undefined {
  if (loading.size === 0) return undefined;
  return Promise.allSettled([...loading]).then(() => actionsLoading());
}

registerReviver(Kind.Barrier, (shared) => restore(shared, undefined));
