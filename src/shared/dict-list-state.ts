// The state of a SharedDict or SharedList: one encoded value in a state cell
// (src-rs/core/state_cell.rs), which every call reads whole and a call that changes it replaces
// whole. A call enters the cell (waiting while another thread or process is in a call), reads a
// copy of the value without taking anything from the cell, and, if it changed the value,
// commits the new one, which the cell publishes with one atomic store. So a thread or process
// that dies at any point of a call (killed, a worker terminated) leaves the value as it was
// before that call or after it, and the next caller takes the cell over from it.
//
// The value is encoded as a queue item is (runtime/serialize.ts). The encoding leases the shared
// primitives inside, and the commit turns each lease into a reference that the stored value
// holds until it is replaced. A read borrows them (reviveBorrowed): it consumes nothing, and only
// what a call returns is revived.
import { coded, invalidArgType, invalidArgValue, withCause } from '../runtime/errors';
import { StateCellWord } from '../runtime/layout';
import { Kind, memory, native, wordOf } from '../runtime/native';
import { DefaultSerializer } from 'node:v8';
import { decodeUnrevived, encodeValue, holdsShared } from '../runtime/serialize';
import { buildFrom, existingHandle, JsKind, makeShareable, reviveBorrowed, Shared, withoutLeases } from '../runtime/handle-transfer';

/** What an operation returns: its result and, when it changes the state, the new state. */
export interface Step<S, R> {
  result: R;
  next?: S;
}

/** Which class a state belongs to: the format word of its cell, set at creation. */
export type StateClass = JsKind.SharedDict | JsKind.SharedList;

const nameOf = (c: StateClass): string => (c === JsKind.SharedDict ? 'SharedDict' : 'SharedList');

/** An encoded value and the descriptors of the leases its encoding took (float64s as bytes). */
interface Encoded {
  value: Buffer;
  descriptors: Uint8Array;
}

function encode(value: unknown, cls: StateClass): Encoded {
  const leases: Shared[] = [];
  const name = nameOf(cls);
  let encoded: Buffer;
  try {
    encoded = encodeValue(value, `a ${name} value`, 'throw', (m) => `the value cannot be stored in a ${name}: ${m}`, 0, leases)!;
  } catch (e) {
    // A getter of the value called this dict or list again: the call fails as that one did.
    const cause = (e as { cause?: { code?: unknown } }).cause;
    throw cause?.code === 'ERR_REENTRANT_CALL' ? cause : e;
  }
  const numbers = new Float64Array(leases.length * 6);
  leases.forEach((s, i) => numbers.set(s.d, i * 6));
  return { value: encoded, descriptors: new Uint8Array(numbers.buffer) };
}

/** The native state cell: the one primitive a SharedDict's or SharedList's instance holds,
 * and shares in its place. */
class StateCell {
  readonly handle: number;
  readonly #w: number;

  /** A new cell holding `initial`, or (inside `buildFrom`) the existing one. */
  constructor(cls?: StateClass, initial?: Encoded) {
    this.handle =
      existingHandle(Kind.StateCell, this) ?? native.create(Kind.StateCell, this, cls!, initial!.value, initial!.descriptors);
    this.#w = wordOf(this.handle);
    makeShareable(this, Kind.StateCell, this.handle);
  }

  /** Leaves the cell, which this thread holds. */
  leave(): void {
    Atomics.store(memory, this.#w + StateCellWord.Holder, 0);
    if (Atomics.load(memory, this.#w + StateCellWord.Waiters) !== 0) native.stateWake(this.handle);
  }
}

export class SharedState<S> {
  readonly cell: StateCell;
  readonly #cls: StateClass;

  constructor(cell: StateCell, cls: StateClass) {
    this.cell = cell;
    this.#cls = cls;
  }

  /** A new state holding `initial` (checked with checkStorable by the caller). */
  static create<S>(initial: S, cls: StateClass): SharedState<S> {
    return new SharedState<S>(new StateCell(cls, encode(initial, cls)), cls);
  }

  /** Runs `op` on the state while holding it; commits the state it returns, if any. */
  apply<R>(op: (state: S) => Step<S, R>): R {
    const bytes = native.stateEnter(this.cell.handle);
    let held = true;
    try {
      const { value, marked } = decodeUnrevived(bytes);
      const { result, next } = op((marked ? reviveBorrowed(value) : value) as S);
      if (next !== undefined) {
        const encoded = encode(next, this.#cls);
        native.stateCommit(this.cell.handle, encoded.value, encoded.descriptors);
        held = false;
      }
      return result;
    } finally {
      if (held) this.cell.leave();
    }
  }

  /** Runs `read` on a copy of the state, changing nothing; only its result is revived. */
  read<R>(read: (state: S) => R): R {
    const bytes = native.stateEnter(this.cell.handle);
    if (!holdsShared(bytes)) {
      // Plain data: the copy is all this call needs.
      this.cell.leave();
      return read(decodeUnrevived(bytes).value as S);
    }
    // Instances are revived from the stored references, which only hold while the cell is held.
    try {
      return reviveBorrowed(read(decodeUnrevived(bytes).value as S));
    } finally {
      this.cell.leave();
    }
  }
}

/** A state over the cell a SharedDict's or SharedList's descriptor carries (adopted). */
let adopting: SharedState<unknown> | undefined;

/** Runs `build` (a constructor call) so that it attaches to the state `shared` describes, which
 * must be a `cls` state (ERR_INVALID_ARG_TYPE otherwise: the kind a clone carries is not sealed). */
export function buildOver<T>(shared: Shared, cls: StateClass, build: () => T): T {
  const cell = buildFrom({ shared }, () => new StateCell());
  const name = nameOf(cls);
  if (native.stateFormat(cell.handle) !== cls) throw invalidArgType(`${name}.from() expects a ${name} received through postMessage, workerData or a target's arguments`, shared);
  adopting = new SharedState(cell, cls);
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
