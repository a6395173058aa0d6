// Python's Manager().dict(): a dictionary with string keys, shared by threads and processes.
// Every call is atomic (see dict-list-state.ts); values are copies in and out, as through Python's
// proxies: `d.get('xs').push(1)` changes a copy, `d.set('xs', [...d.get('xs'), 1])` the dict
// (atomic only per call). Each call reads and writes the whole dict, so its cost grows with the
// dict's size. Keys keep their insertion order, as in Python.
import { invalidArgType } from '../runtime/errors';
import { expectShared, isLiveShareable, JsKind, makeShareableOver, registerReviver } from '../runtime/handle-transfer';
import { adoptedState, buildOver, checkStorable, SharedState } from './dict-list-state';

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

export class SharedDict<V = unknown> implements Iterable<[string, V]> {
  readonly #state: SharedState<Map<string, V>>;

  constructor(init?: SharedDictInit<V>) {
    const adopted = adoptedState<Map<string, V>>();
    if (adopted !== undefined) {
      this.#state = adopted;
    } else {
      const entries = initialEntries<V>(init);
      checkStorable(entries, 'the initial contents', 'SharedDict');
      this.#state = SharedState.create(entries);
    }
    makeShareableOver(this, JsKind.SharedDict, this.#state.queue);
  }

  /** The value of `key`, or `defaultValue` (undefined) when there is none. */
  get(key: string): V | undefined;
  get<D>(key: string, defaultValue: D): V | D;
  get<D>(key: string, defaultValue?: D): V | D | undefined {
    checkKey(key);
    return this.#state.read((m) => (m.has(key) ? (m.get(key) as V) : defaultValue));
  }

  set(key: string, value: V): void {
    checkKey(key);
    checkStorable(value, 'the value', 'SharedDict');
    this.#state.apply((m) => ({ result: undefined, next: new Map(m).set(key, value) }));
  }

  has(key: string): boolean {
    checkKey(key);
    return this.#state.read((m) => m.has(key));
  }

  /** Removes `key`; false when there was none (where Python's `del` raises KeyError). */
  delete(key: string): boolean {
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
    return this.#state.read((m) => [...m.keys()]);
  }

  values(): V[] {
    return this.#state.read((m) => [...m.values()]);
  }

  entries(): Array<[string, V]> {
    return this.#state.read((m) => [...m.entries()]);
  }

  /** A snapshot as a plain object (every key an own property, `'__proto__'` included). */
  toObject(): Record<string, V> {
    return Object.fromEntries(this.entries()) as Record<string, V>;
  }

  get size(): number {
    return this.#state.read((m) => m.size);
  }

  /** Iterates over a snapshot of the entries, as a Map does (Python iterates over the keys). */
  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries()[Symbol.iterator]();
  }

  /** Restores a SharedDict received through postMessage or workerData. */
  static from<V = unknown>(shared: unknown): SharedDict<V> {
    if (shared instanceof SharedDict) return shared as SharedDict<V>;
    if (isLiveShareable(shared)) throw invalidArgType('SharedDict.from() expects a SharedDict', shared);
    const s = expectShared(shared, 'SharedDict', JsKind.SharedDict);
    return buildOver(s, () => new SharedDict<V>());
  }
}

registerReviver(JsKind.SharedDict, (shared) => buildOver(shared, () => new SharedDict()));
