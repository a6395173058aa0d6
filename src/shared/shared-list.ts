// Python's Manager().list(): a list shared by threads and processes. Every call is atomic (see
// dict-list-state.ts); items are copies in and out, as through Python's proxies. Each call reads
// and writes the whole list, so its cost grows with the list's length.
import { coded, invalidArgType, outOfRange } from '../runtime/errors';
import { expectShared, isLiveShareable, JsKind, makeShareableOver, registerReviver } from '../runtime/handle-transfer';
import { adoptedState, buildOver, checkStorable, SharedState } from './dict-list-state';
import { invalidThis } from '../runtime/receiver';

function items<V>(values: unknown, name: string): V[] {
  const iterable = values !== null && values !== undefined && typeof (values as Iterable<V>)[Symbol.iterator] === 'function';
  if (!iterable) throw invalidArgType(`The "${name}" argument must be an iterable`, values);
  return Array.from(values as Iterable<V>);
}

function checkIndex(index: unknown): number {
  if (typeof index !== 'number') throw invalidArgType('The "index" argument must be of type number', index);
  if (!Number.isInteger(index)) throw outOfRange('The value of "index" is out of range. It must be an integer', index);
  return index;
}

/** The position of `index` (negative: from the end) in a list of `length`, or ERR_OUT_OF_RANGE. */
function position(index: number, length: number): number {
  const p = index < 0 ? index + length : index;
  if (p < 0 || p >= length) {
    const allowed = length === 0 ? 'The list is empty' : `It must be >= ${-length} and < ${length}`;
    throw outOfRange(`The value of "index" is out of range (list index out of range). ${allowed}`, index);
  }
  return p;
}

/**
 * Python's `Manager().list()`: a list shared by threads and processes. Each call is atomic (it
 * waits while another thread or process is in a call, without a timeout); items are copies in and
 * out. Shared as an argument, or with `SharedList.from()` for a `postMessage`/`workerData` clone.
 * @example
 * const log = new SharedList<string>();
 * log.append('started');
 * log.get(-1); // 'started'
 * log.length; // 1
 */
export class SharedList<V = unknown> implements Iterable<V> {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is SharedList<unknown> {
    return typeof x === 'object' && x !== null && #state in x;
  }

  readonly #state: SharedState<V[]>;

  /**
   * A list of the items of `init` (any iterable), or an empty one.
   * @throws `ERR_INVALID_ARG_TYPE` when `init` is not iterable; `ERR_INVALID_ARG_VALUE` /
   * `ERR_NOT_SHAREABLE` for an item that cannot be stored (as `set()`).
   */
  constructor(init?: Iterable<V>) {
    const adopted = adoptedState<V[]>();
    if (adopted !== undefined) {
      this.#state = adopted;
    } else {
      const initial = init === undefined || init === null ? [] : items<V>(init, 'init');
      checkStorable(initial, 'the initial items', 'SharedList');
      this.#state = SharedState.create(initial, JsKind.SharedList);
    }
    makeShareableOver(this, JsKind.SharedList, this.#state.cell);
  }

  /** The item at `index` (negative: from the end). */
  get(index: number): V {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', 'get');
    checkIndex(index);
    return this.#state.read((list) => list[position(index, list.length)] as V);
  }

  /**
   * Python's `l[index] = value`: replaces the item at `index` (negative: from the end) with a copy
   * of `value`.
   * @throws `ERR_OUT_OF_RANGE` for an index outside the list or not an integer;
   * `ERR_INVALID_ARG_TYPE` for a non-number index; `ERR_INVALID_ARG_VALUE` for a value that cannot
   * be cloned; `ERR_NOT_SHAREABLE` for a SharedArrayBuffer inside it.
   */
  set(index: number, value: V): void {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', 'set');
    checkIndex(index);
    checkStorable(value, 'the value', 'SharedList');
    this.#state.apply((list) => {
      const next = list.slice();
      next[position(index, list.length)] = value;
      return { result: undefined, next };
    });
  }

  /**
   * Python's `l.append(value)`: adds a copy of `value` at the end.
   * @throws `ERR_INVALID_ARG_VALUE` for a value that cannot be cloned; `ERR_NOT_SHAREABLE` for a
   * SharedArrayBuffer inside it.
   */
  append(value: V): void {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', 'append');
    checkStorable(value, 'the value', 'SharedList');
    this.#state.apply((list) => ({ result: undefined, next: [...list, value] }));
  }

  /** Appends every item of `values` (any iterable, read before the list is touched). */
  extend(values: Iterable<V>): void {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', 'extend');
    const added = items<V>(values, 'values');
    checkStorable(added, 'the values', 'SharedList');
    this.#state.apply((list) => ({ result: undefined, next: [...list, ...added] }));
  }

  /** Removes and returns the item at `index` (default the last). */
  pop(index: number = -1): V {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', 'pop');
    checkIndex(index);
    return this.#state.apply((list) => {
      if (list.length === 0) throw coded(RangeError, 'ERR_OUT_OF_RANGE', 'pop from empty list');
      const p = position(index, list.length);
      const next = list.slice();
      const [removed] = next.splice(p, 1);
      return { result: removed as V, next };
    });
  }

  /** Inserts `value` before `index`; as in Python, an index past either end means that end. */
  insert(index: number, value: V): void {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', 'insert');
    checkIndex(index);
    checkStorable(value, 'the value', 'SharedList');
    this.#state.apply((list) => {
      const p = index < 0 ? Math.max(0, index + list.length) : Math.min(index, list.length);
      const next = list.slice();
      next.splice(p, 0, value);
      return { result: undefined, next };
    });
  }

  /** A snapshot of the items. */
  toArray(): V[] {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', 'toArray');
    return this.#state.read((list) => list);
  }

  /** Python's `len(l)`: the number of items. */
  get length(): number {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', 'length');
    return this.#state.read((list) => list.length);
  }

  /** Iterates over a snapshot of the items. */
  [Symbol.iterator](): IterableIterator<V> {
    if (!SharedList.#is(this)) throw invalidThis(this, 'SharedList', '[Symbol.iterator]');
    return this.toArray()[Symbol.iterator]();
  }

  /** Restores a SharedList received through postMessage or workerData. */
  static from<V = unknown>(shared: unknown): SharedList<V> {
    if (shared instanceof SharedList) return shared as SharedList<V>;
    if (isLiveShareable(shared)) throw invalidArgType('SharedList.from() expects a SharedList', shared);
    const s = expectShared(shared, 'SharedList', JsKind.SharedList);
    return buildOver(s, JsKind.SharedList, () => new SharedList<V>());
  }
}

registerReviver(JsKind.SharedList, (shared) => buildOver(shared, JsKind.SharedList, () => new SharedList()));
