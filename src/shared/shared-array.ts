// Python's multiprocessing.Array: a fixed-length array of C numbers in shared memory, guarded
// by a lock that travels with it (default a new RLock; `{ lock: false }` is Python's RawArray).
import { invalidArgType, outOfRange } from '../runtime/errors';
import { hold, withLock } from '../sync/hold';
import { Lock } from '../sync/lock';
import { Kind } from '../runtime/native';
import { RLock } from '../sync/rlock';
import { buildFrom, existingHandle, expectShared, makeShareable } from '../runtime/handle-transfer';
import { brands, createData, lockOption, MAX_BYTES, openData, registerSharedClass, requireLock, SharedData, SharedOptions } from './value-storage';
import { checkElement, SharedTypedArray, Typecode, typeInfo } from './typecode';

export type SharedArrayOptions = SharedOptions;

export class SharedArray {
  readonly #d: SharedData;
  readonly #view: SharedTypedArray;
  readonly #atomic: boolean;

  /**
   * `new SharedArray('i', 10)` (ten zeros) or `new SharedArray('d', [1.5, 2.5])` (a copy of an
   * array-like or iterable, each element checked as `set()` does).
   */
  constructor(typecode: Typecode, sizeOrInit: number | ArrayLike<number | bigint> | Iterable<number | bigint>, options?: SharedArrayOptions) {
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

  get length(): number {
    return this.#d.length;
  }

  get typecode(): Typecode {
    return this.#d.info.code;
  }

  /** A live typed array over the shared memory (Int32Array for 'i', BigInt64Array for 'q'...). */
  get view(): SharedTypedArray {
    return this.#view;
  }

  /** Element `i`; negative indexes count from the end, as in Python. */
  get(i: number): number | bigint {
    const j = this.#index(i);
    return this.#atomic ? Atomics.load(this.#view as Int32Array, j) : this.#view[j];
  }

  /** Stores `v` at `i`; integers wrap as in C, floats round to the element type. */
  set(i: number, v: number | bigint): void {
    const j = this.#index(i);
    const x = checkElement(this.#d.info, v, 'value');
    if (this.#atomic) Atomics.store(this.#view as Int32Array, j, x as number);
    else this.#view[j] = x;
  }

  /** A copy of the elements (Python's `arr[:]`). */
  toArray(): Array<number | bigint> {
    return Array.from(this.#view as ArrayLike<number | bigint>);
  }

  *[Symbol.iterator](): IterableIterator<number | bigint> {
    for (let i = 0; i < this.#d.length; i++) yield this.get(i);
  }

  /** The lock that guards the array; ERR_NO_LOCK when created with `{ lock: false }`. */
  getLock(): Lock | RLock {
    return requireLock(this.#d, 'SharedArray');
  }

  /** Python's `arr.acquire()`: acquires the array's lock. */
  acquire(blocking?: boolean, timeout?: number): boolean {
    return requireLock(this.#d, 'SharedArray').acquire(blocking, timeout);
  }

  release(): void {
    requireLock(this.#d, 'SharedArray').release();
  }

  /** `using _ = arr.hold();` holds the array's lock to the end of the block (Python's `with arr:`). */
  hold(): Disposable {
    return hold(requireLock(this.#d, 'SharedArray'));
  }

  withLock<R>(fn: () => R): R {
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
  static from(shared: unknown): SharedArray {
    if (shared instanceof SharedArray) return shared;
    if (brands.has(shared as object)) throw invalidArgType('SharedArray.from() expects a SharedArray', shared);
    const s = expectShared(shared, 'SharedArray', Kind.Shared);
    return buildFrom({ shared: s }, () => new SharedArray('b', 0));
  }
}

registerSharedClass(true, (handle) => buildFrom({ handle }, () => new SharedArray('b', 0)));
