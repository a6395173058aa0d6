// The state of a SharedDict or SharedList: one serialized value in a Queue of size 1, which is
// both its storage and its lock. A call takes the value out (blocking while another thread or
// process holds it), computes, and puts the value back (the new one, or the same), so every
// call is atomic across threads and processes.
//
// The value is serialized here (v8.serialize) and stored as a Buffer. Shared primitives inside
// it are leased by that serialization and taken over when the state is read back (revive), so a
// state that was read always goes back serialized anew, never as the bytes it came as.
//
// Limit: a thread or process that dies in the middle of a call (killed, or a worker terminated
// between taking the state and putting it back) takes the state with it, and later calls block
// for ever, as a killed Python process can leave a multiprocessing.Queue unusable.
import { DefaultSerializer, deserialize, serialize } from 'node:v8';
import { coded, invalidArgValue, withCause } from '../runtime/errors';
import { Queue } from './queue';
import { buildFrom, revive, Shared, withoutLeases } from '../runtime/handle-transfer';

/** What an operation returns: its result and, when it changes the state, the new state. The new
 * state must be a new object: the old one goes back intact if the new one cannot be stored. */
export interface Step<S, R> {
  result: R;
  next?: S;
}

export class SharedState<S> {
  readonly queue: Queue<Buffer>;

  constructor(queue: Queue<Buffer>) {
    this.queue = queue;
  }

  /** A new state holding `initial` (checked with checkStorable by the caller). */
  static create<S>(initial: S): SharedState<S> {
    const queue = new Queue<Buffer>(1);
    queue.put(serialize(initial));
    return new SharedState<S>(queue);
  }

  /** Runs `op` on the state while holding it. */
  apply<R>(op: (state: S) => Step<S, R>): R {
    const stored = this.queue.get();
    let state: S | undefined;
    let back: Buffer | undefined;
    try {
      state = revive(deserialize(stored)) as S;
      const { result, next } = op(state);
      back = serialize(next ?? state);
      return result;
    } finally {
      // Whatever failed, the state goes back as it was, so that no call can keep it.
      this.queue.put(back ?? restored(stored, state));
    }
  }

  /** Runs `read` on the state while holding it, changing nothing. */
  read<R>(read: (state: S) => R): R {
    return this.apply((state) => ({ result: read(state) }));
  }
}

/** The old state to put back after a failure: re-serialized once it has been revived. */
function restored<S>(stored: Buffer, state: S | undefined): Buffer {
  if (state === undefined) return stored;
  try {
    return serialize(state);
  } catch {
    return stored;
  }
}

/** A state over the Queue a SharedDict's or SharedList's descriptor carries (adopted). */
let adopting: SharedState<unknown> | undefined;

/** Runs `build` (a constructor call) so that it attaches to the state `shared` describes. */
export function buildOver<T>(shared: Shared, build: () => T): T {
  adopting = new SharedState(buildFrom({ shared }, () => new Queue<Buffer>()));
  try {
    return build();
  } finally {
    adopting = undefined;
  }
}

/** In a constructor: the state to attach to, if this construction is a `buildOver`. */
export function adoptedState<S>(): SharedState<S> | undefined {
  const s = adopting;
  adopting = undefined;
  return s as SharedState<S> | undefined;
}

interface HostObjectWriter {
  _writeHostObject(value: object): void;
}
const writeHostObject = (DefaultSerializer.prototype as unknown as HostObjectWriter)._writeHostObject;

const notShareable = (className: string): Error =>
  coded(
    TypeError,
    'ERR_NOT_SHAREABLE',
    `a ${className} value cannot hold a SharedArrayBuffer, which cannot be copied to another process: use Value or SharedArray for shared memory`,
  );

/** v8.serialize's serializer, refusing shared memory (which another process cannot see). */
class TrialSerializer extends DefaultSerializer {
  readonly #className: string;

  constructor(className: string) {
    super();
    this.#className = className;
  }

  _getSharedArrayBufferId(): never {
    throw notShareable(this.#className);
  }

  _writeHostObject(value: object): void {
    if (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer) throw notShareable(this.#className);
    writeHostObject.call(this, value);
  }
}

/** Throws (before the state is touched) when `value` cannot be stored: not structured-cloneable
 * (ERR_INVALID_ARG_VALUE), or holding a SharedArrayBuffer (ERR_NOT_SHAREABLE). The trial
 * serialization leases nothing. */
export function checkStorable(value: unknown, what: string, className: string): void {
  const trial = new TrialSerializer(className);
  trial.writeHeader();
  try {
    withoutLeases(() => trial.writeValue(value));
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_NOT_SHAREABLE') throw e;
    throw withCause(invalidArgValue(`${what} cannot be stored in a ${className}: ${(e as Error).message} (values must be structured-cloneable)`), e);
  }
}
