// Python's multiprocessing.Value: one C number in shared memory, guarded by a lock that travels
// with it (default a new RLock; `{ lock: false }` is Python's RawValue).
import { invalidArgType } from '../runtime/errors';
import { hold, withLock } from '../sync/hold';
import { Lock } from '../sync/lock';
import { Kind } from '../runtime/native';
import { RLock } from '../sync/rlock';
import { buildFrom, existingHandle, expectShared, makeShareable } from '../runtime/handle-transfer';
import { brands, createData, lockOption, openData, registerSharedClass, requireLock, SharedData, SharedOptions } from './value-storage';
import { checkElement, SharedTypedArray, Typecode, typeInfo } from './typecode';

export type ValueOptions = SharedOptions;

export class Value<T extends number | bigint = number> {
  readonly #d: SharedData;
  readonly #view: SharedTypedArray;
  readonly #atomic: boolean;

  /**
   * `new Value('i', 5)`, `new Value('q', 5n)`, `new Value('d', 0.5, { lock: false })`. The initial
   * value defaults to 0 (0n for the 64-bit integer codes).
   */
  constructor(typecode: Typecode, initial?: T, options?: ValueOptions) {
    const existing = existingHandle(Kind.Shared, this);
    if (existing !== undefined) {
      this.#d = openData(existing, false, 'Value');
    } else {
      const info = typeInfo(typecode);
      const v = initial === undefined ? (info.sort === 'bigint' ? 0n : 0) : checkElement(info, initial, 'initial');
      const lock = lockOption(options);
      this.#d = createData(this, info, 1, false, lock);
      this.#d.view[0] = v;
    }
    this.#view = this.#d.view;
    this.#atomic = this.#d.info.sort !== 'float';
    brands.set(this, 'Value');
    makeShareable(this, Kind.Shared, this.#d.handle);
  }

  /** The number in shared memory (a bigint for 'l', 'L', 'q', 'Q'). Integers wrap as in C. */
  get value(): T {
    return (this.#atomic ? Atomics.load(this.#view as Int32Array, 0) : this.#view[0]) as T;
  }

  set value(v: T) {
    const x = checkElement(this.#d.info, v, 'value');
    if (this.#atomic) Atomics.store(this.#view as Int32Array, 0, x as number);
    else this.#view[0] = x;
  }

  get typecode(): Typecode {
    return this.#d.info.code;
  }

  /** The lock that guards the value; ERR_NO_LOCK when created with `{ lock: false }`. */
  getLock(): Lock | RLock {
    return requireLock(this.#d, 'Value');
  }

  /** Python's `v.acquire()`: acquires the value's lock. */
  acquire(blocking?: boolean, timeout?: number): boolean {
    return requireLock(this.#d, 'Value').acquire(blocking, timeout);
  }

  release(): void {
    requireLock(this.#d, 'Value').release();
  }

  /** `using _ = v.hold();` holds the value's lock to the end of the block (Python's `with v:`). */
  hold(): Disposable {
    return hold(requireLock(this.#d, 'Value'));
  }

  withLock<R>(fn: () => R): R {
    if (typeof fn !== 'function') throw invalidArgType('The "fn" argument must be a function', fn);
    return withLock(requireLock(this.#d, 'Value'), fn);
  }

  /** Restores a Value received through postMessage or workerData; its lock comes along. */
  static from<T extends number | bigint = number>(shared: unknown): Value<T> {
    if (shared instanceof Value) return shared as Value<T>;
    if (brands.has(shared as object)) throw invalidArgType('Value.from() expects a Value', shared);
    const s = expectShared(shared, 'Value', Kind.Shared);
    return buildFrom({ shared: s }, () => new Value<T>('b'));
  }
}

registerSharedClass(false, (handle) => buildFrom({ handle }, () => new Value('b')));
