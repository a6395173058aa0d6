// Python's Manager().dict(): a dictionary with string keys, shared by threads and processes.
// Every call is atomic (see dict-list-state.ts); values are copies in and out, as through Python's
// proxies: `d.get('xs').push(1)` changes a copy, `d.set('xs', [...d.get('xs'), 1])` the dict
// (atomic only per call). Each call reads and writes the whole dict, so its cost grows with the
// dict's size. Keys keep their insertion order, as in Python.
import { invalidArgType } from '../runtime/errors';
import { expectShared, isLiveShareable, JsKind, makeShareableOver, registerReviver } from '../runtime/handle-transfer';
import { adoptedState, buildOver, checkStorable, SharedState } from './dict-list-state';
import { invalidThis } from '../runtime/receiver';

/** What `new SharedDict(init)` and `Manager.dict(init)` take: an object's own enumerable string
 * keys, or `[key, value]` pairs (a Map, an array of pairs, another SharedDict). */
export type SharedDictInit<V> = Record<string, V> | Iterable<readonly [string, V]>;

function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw invalidArgType('The "key" argument must be of type string', key);
  return key;
}

function initialEntries<V>(init: unknown): Map<string, V> {
  if (init === undefined || init === null) return new Map();
  if (typeof init !== 'object') throw invalidArgType('The "init" argument must be an object or an iterable of [key, value] pairs', init);
  if (!(Symbol.iterator in init)) return new Map(Object.entries(init as Record<string, V>));
  const map = new Map<string, V>();
  for (const pair of init as Iterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2) throw invalidArgType('Each entry of "init" must be a [key, value] pair', pair);
    map.set(checkKey(pair[0]), pair[1] as V);
  }
  return map;
}

/**
 * Python's `Manager().dict()`: a dictionary with string keys shared by threads and processes. Each
 * call is atomic (it waits while another thread or process is in a call, without a timeout);
 * values are copies in and out, as through Python's proxies. Shared as an argument, or with
 * `SharedDict.from()` for a `postMessage`/`workerData` clone.
 * @example
 * const scores = new SharedDict<number>({ a: 1 });
 * scores.set('b', 2);
 * scores.get('b'); // 2
 * scores.toObject(); // { a: 1, b: 2 }
 */
export class SharedDict<V = unknown> implements Iterable<[string, V]> {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is SharedDict<unknown> {
    return typeof x === 'object' && x !== null && #state in x;
  }

  readonly #state: SharedState<Map<string, V>>;

  /**
   * A dict holding `init`: an object's own enumerable string keys, or `[key, value]` pairs (a Map,
   * an array of pairs, another SharedDict); empty without it.
   * @throws `ERR_INVALID_ARG_TYPE` for another `init` or a pair with a non-string key;
   * `ERR_INVALID_ARG_VALUE` for a value that cannot be cloned; `ERR_NOT_SHAREABLE` for a
   * SharedArrayBuffer inside one.
   */
  constructor(init?: SharedDictInit<V>) {
    const adopted = adoptedState<Map<string, V>>();
    if (adopted !== undefined) {
      this.#state = adopted;
    } else {
      const entries = initialEntries<V>(init);
      checkStorable(entries, 'the initial contents', 'SharedDict');
      this.#state = SharedState.create(entries, JsKind.SharedDict);
    }
    makeShareableOver(this, JsKind.SharedDict, this.#state.cell);
  }

  /**
   * Python's `d.get(key)`: a copy of the value of `key`, or undefined when there is none.
   * @throws `ERR_INVALID_ARG_TYPE` when `key` is not a string.
   */
  get(key: string): V | undefined;
  /**
   * Python's `d.get(key, default)`: a copy of the value of `key`, or `defaultValue` when there is
   * none. `ERR_INVALID_ARG_TYPE` when `key` is not a string.
   */
  get<D>(key: string, defaultValue: D): V | D;
  get<D>(key: string, defaultValue?: D): V | D | undefined {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'get');
    checkKey(key);
    return this.#state.read((m) => (m.has(key) ? (m.get(key) as V) : defaultValue));
  }

  /**
   * Python's `d[key] = value`: stores a copy of `value`.
   * @throws `ERR_INVALID_ARG_TYPE` when `key` is not a string; `ERR_INVALID_ARG_VALUE` for a value
   * that cannot be cloned (a function...); `ERR_NOT_SHAREABLE` for a SharedArrayBuffer inside it.
   * The dict is unchanged when it throws.
   */
  set(key: string, value: V): void {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'set');
    checkKey(key);
    checkStorable(value, 'the value', 'SharedDict');
    this.#state.apply((m) => ({ result: undefined, next: new Map(m).set(key, value) }));
  }

  /** Python's `key in d`. `ERR_INVALID_ARG_TYPE` when `key` is not a string. */
  has(key: string): boolean {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'has');
    checkKey(key);
    return this.#state.read((m) => m.has(key));
  }

  /** Removes `key`; false when there was none (where Python's `del` raises KeyError). */
  delete(key: string): boolean {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'delete');
    checkKey(key);
    return this.#state.apply((m) => {
      if (!m.has(key)) return { result: false };
      const next = new Map(m);
      next.delete(key);
      return { result: true, next };
    });
  }

  /** A snapshot of the keys, in insertion order. */
  keys(): string[] {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'keys');
    return this.#state.read((m) => [...m.keys()]);
  }

  /** Python's `d.values()`: a snapshot (copies) of the values, in insertion order. */
  values(): V[] {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'values');
    return this.#state.read((m) => [...m.values()]);
  }

  /** Python's `d.items()`: a snapshot of the `[key, value]` pairs, in insertion order. */
  entries(): Array<[string, V]> {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'entries');
    return this.#state.read((m) => [...m.entries()]);
  }

  /** A snapshot as a plain object (every key an own property, `'__proto__'` included). */
  toObject(): Record<string, V> {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'toObject');
    return Object.fromEntries(this.entries()) as Record<string, V>;
  }

  /** Python's `len(d)`: the number of keys. */
  get size(): number {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', 'size');
    return this.#state.read((m) => m.size);
  }

  /** Iterates over a snapshot of the entries, as a Map does (Python iterates over the keys). */
  [Symbol.iterator](): IterableIterator<[string, V]> {
    if (!SharedDict.#is(this)) throw invalidThis(this, 'SharedDict', '[Symbol.iterator]');
    return this.entries()[Symbol.iterator]();
  }

  /**
   * Restores a SharedDict received through `postMessage` or `workerData`; a SharedDict is returned
   * as is.
   * @throws `ERR_INVALID_ARG_TYPE` for anything that is not a (clone of a) SharedDict.
   */
  static from<V = unknown>(shared: unknown): SharedDict<V> {
    if (shared instanceof SharedDict) return shared as SharedDict<V>;
    if (isLiveShareable(shared)) throw invalidArgType('SharedDict.from() expects a SharedDict', shared);
    const s = expectShared(shared, 'SharedDict', JsKind.SharedDict);
    return buildOver(s, JsKind.SharedDict, () => new SharedDict<V>());
  }
}

registerReviver(JsKind.SharedDict, (shared) => buildOver(shared, JsKind.SharedDict, () => new SharedDict()));
