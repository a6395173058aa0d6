// Python's multiprocessing.Array: a fixed-length array of C numbers in shared memory, guarded
// by a lock that travels with it (default a new RLock; `{ lock: false }` is Python's RawArray).
import { invalidArgType, outOfRange } from '../runtime/errors';
import { hold, withLock } from '../sync/hold';
import { Lock } from '../sync/lock';
import { Kind } from '../runtime/native';
import { RLock } from '../sync/rlock';
import { buildFrom, existingHandle, expectShared, makeShareable } from '../runtime/handle-transfer';
import { brands, createData, lockOption, MAX_BYTES, openData, registerSharedClass, requireLock, SharedData, SharedOptions } from './value-storage';
import { checkElement, ElementOf, SharedTypedArray, Typecode, typeInfo, ViewOf } from './typecode';
import { invalidThis } from '../runtime/receiver';

/** The options of `new SharedArray()`: `{ lock }`: true or omitted a new RLock, false none (RawArray), or a Lock or RLock to use. */
export type SharedArrayOptions = SharedOptions;

/**
 * Python's `multiprocessing.Array`: a fixed-length array of C numbers in shared memory, with a lock
 * that travels with it (default a new RLock; `{ lock: false }` is Python's RawArray). Element
 * reads and writes do not take the lock. Shared as an argument, or with `SharedArray.from()` for a
 * `postMessage`/`workerData` clone.
 * @example
 * const squares = new SharedArray('i', 4);
 * squares.withLock(() => {
 *   for (let i = 0; i < squares.length; i++) squares.set(i, i * i);
 * });
 * squares.toArray(); // [0, 1, 4, 9]
 */
export class SharedArray<C extends Typecode = Typecode> {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is SharedArray<Typecode> {
    return typeof x === 'object' && x !== null && #d in x;
  }

  readonly #d: SharedData;
  readonly #view: SharedTypedArray;
  readonly #atomic: boolean;

  /**
   * `new SharedArray('i', 10)` (ten zeros) or `new SharedArray('d', [1.5, 2.5])` (a copy of an
   * array-like or iterable, each element checked as `set()` does).
   */
  constructor(typecode: C, sizeOrInit: number | ArrayLike<number | bigint> | Iterable<number | bigint>, options?: SharedArrayOptions) {
    const existing = existingHandle(Kind.Shared, this);
    if (existing !== undefined) {
      this.#d = openData(existing, true, 'SharedArray');
    } else {
      const info = typeInfo(typecode);
      let init: Array<number | bigint> | undefined;
      let length: number;
      if (typeof sizeOrInit === 'number') {
        if (!Number.isInteger(sizeOrInit) || sizeOrInit < 0) {
          throw outOfRange('The value of "size" is out of range. It must be an integer >= 0', sizeOrInit);
        }
        length = sizeOrInit;
      } else if (typeof sizeOrInit === 'object' && sizeOrInit !== null && (Symbol.iterator in sizeOrInit || 'length' in sizeOrInit)) {
        const items = Array.from(sizeOrInit as ArrayLike<unknown>);
        init = items.map((v, i) => checkElement(info, v, `sizeOrInit[${i}]`));
        length = init.length;
      } else {
        throw invalidArgType('The "sizeOrInit" argument must be of type number, or an array-like or iterable object', sizeOrInit);
      }
      if (length * info.bytes > MAX_BYTES) {
        throw outOfRange(`The value of "size" is out of range. It must be <= ${Math.floor(MAX_BYTES / info.bytes)} for typecode '${info.code}'`, length);
      }
      this.#d = createData(this, info, length, true, lockOption(options));
      if (init !== undefined) {
        const view = this.#d.view;
        for (let i = 0; i < init.length; i++) view[i] = init[i];
      }
    }
    this.#view = this.#d.view;
    this.#atomic = this.#d.info.sort !== 'float';
    brands.set(this, 'SharedArray');
    makeShareable(this, Kind.Shared, this.#d.handle);
  }

  /** The number of elements (fixed at creation). */
  get length(): number {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'length');
    return this.#d.length;
  }

  /** The typecode given to the constructor (`'i'`, `'d'`, `'q'`...). */
  get typecode(): C {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'typecode');
    return this.#d.info.code as C;
  }

  /** A live typed array over the shared memory (Int32Array for 'i', BigInt64Array for 'q'...). */
  get view(): ViewOf<C> {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'view');
    return this.#view as ViewOf<C>;
  }

  /** Element `i`; negative indexes count from the end, as in Python. */
  get(i: number): ElementOf<C> {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'get');
    const j = this.#index(i);
    return (this.#atomic ? Atomics.load(this.#view as Int32Array, j) : this.#view[j]) as ElementOf<C>;
  }

  /** Stores `v` at `i`; integers wrap as in C, floats round to the element type. */
  set(i: number, v: ElementOf<C>): void {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'set');
    const j = this.#index(i);
    const x = checkElement(this.#d.info, v, 'value');
    if (this.#atomic) Atomics.store(this.#view as Int32Array, j, x as number);
    else this.#view[j] = x;
  }

  /** A copy of the elements (Python's `arr[:]`). */
  toArray(): Array<ElementOf<C>> {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'toArray');
    return Array.from(this.#view as ArrayLike<number | bigint>) as Array<ElementOf<C>>;
  }

  /** Iterates over the elements, reading each from shared memory as the loop reaches it. */
  [Symbol.iterator](): IterableIterator<ElementOf<C>> {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', '[Symbol.iterator]');
    return this.#elements();
  }

  *#elements(): IterableIterator<ElementOf<C>> {
    for (let i = 0; i < this.#d.length; i++) yield this.get(i);
  }

  /** The lock that guards the array; ERR_NO_LOCK when created with `{ lock: false }`. */
  getLock(): Lock | RLock {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'getLock');
    return requireLock(this.#d, 'SharedArray');
  }

  /**
   * Python's `arr.acquire()`: the array's lock's `acquire(blocking, timeout)`, with its timeout rule.
   * @throws `ERR_NO_LOCK` for an array made with `{ lock: false }`; what the lock's `acquire()`
   * throws.
   */
  acquire(blocking?: boolean, timeout?: number): boolean {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'acquire');
    return requireLock(this.#d, 'SharedArray').acquire(blocking, timeout);
  }

  /**
   * Python's `arr.release()`: releases the array's lock.
   * @throws `ERR_NO_LOCK` for an array made with `{ lock: false }`; `ERR_LOCK_NOT_OWNED` (an RLock,
   * the default) or `ERR_LOCK_NOT_HELD` (a Lock) when not held.
   */
  release(): void {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'release');
    requireLock(this.#d, 'SharedArray').release();
  }

  /**
   * `using _ = arr.hold();` holds the array's lock (waiting forever) to the end of the block
   * (Python's `with arr:`); `ERR_NO_LOCK` for an array made with `{ lock: false }`.
   */
  hold(): Disposable {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'hold');
    return hold(requireLock(this.#d, 'SharedArray'));
  }

  /**
   * Python's `with arr:` as a call: runs `fn` holding the array's lock (waiting forever for it) and
   * returns its result.
   * @throws `ERR_INVALID_ARG_TYPE` when `fn` is not a function; `ERR_NO_LOCK` for an array made
   * with `{ lock: false }`.
   */
  withLock<R>(fn: () => R): R {
    if (!SharedArray.#is(this)) throw invalidThis(this, 'SharedArray', 'withLock');
    if (typeof fn !== 'function') throw invalidArgType('The "fn" argument must be a function', fn);
    return withLock(requireLock(this.#d, 'SharedArray'), fn);
  }

  #index(i: unknown): number {
    if (typeof i !== 'number') throw invalidArgType('The "index" argument must be of type number', i);
    const n = this.#d.length;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(i) || j < 0 || j >= n) {
      throw outOfRange(`The value of "index" is out of range. It must be an integer >= ${-n} and < ${n}`, i);
    }
    return j;
  }

  /** Restores a SharedArray received through postMessage or workerData; its lock comes along. */
  static from<C extends Typecode = Typecode>(shared: unknown): SharedArray<C> {
    if (shared instanceof SharedArray) return shared as SharedArray<C>;
    if (brands.has(shared as object)) throw invalidArgType('SharedArray.from() expects a SharedArray', shared);
    const s = expectShared(shared, 'SharedArray', Kind.Shared);
    return buildFrom({ shared: s }, () => new SharedArray('b', 0)) as SharedArray<Typecode> as SharedArray<C>;
  }
}

registerSharedClass(true, (handle) => buildFrom({ handle }, () => new SharedArray('b', 0)));
