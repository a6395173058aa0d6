// Python's multiprocessing.Value: one C number in shared memory, guarded by a lock that travels
// with it (default a new RLock; `{ lock: false }` is Python's RawValue).
import { invalidArgType } from '../runtime/errors';
import { hold, withLock } from '../sync/hold';
import { Lock } from '../sync/lock';
import { Kind } from '../runtime/native';
import { RLock } from '../sync/rlock';
import { buildFrom, existingHandle, expectShared, makeShareable } from '../runtime/handle-transfer';
import { brands, createData, lockOption, openData, registerSharedClass, requireLock, SharedData, SharedOptions } from './value-storage';
import { BigintTypecode, checkElement, NumberTypecode, SharedTypedArray, Typecode, typeInfo } from './typecode';
import { invalidThis } from '../runtime/receiver';

/** The options of `new Value()`: `{ lock }`: true or omitted a new RLock, false none (RawValue), or a Lock or RLock to use. */
export type ValueOptions = SharedOptions;

class ValueImpl<T extends number | bigint = number> {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is ValueImpl<number | bigint> {
    return typeof x === 'object' && x !== null && #d in x;
  }

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
    if (!ValueImpl.#is(this)) throw invalidThis(this, 'Value', 'value');
    return (this.#atomic ? Atomics.load(this.#view as Int32Array, 0) : this.#view[0]) as T;
  }

  set value(v: T) {
    if (!ValueImpl.#is(this)) throw invalidThis(this, 'Value', 'value');
    const x = checkElement(this.#d.info, v, 'value');
    if (this.#atomic) Atomics.store(this.#view as Int32Array, 0, x as number);
    else this.#view[0] = x;
  }

  /** The typecode given to the constructor (`'i'`, `'d'`, `'q'`...). */
  get typecode(): Typecode {
    if (!ValueImpl.#is(this)) throw invalidThis(this, 'Value', 'typecode');
    return this.#d.info.code;
  }

  /** The lock that guards the value; ERR_NO_LOCK when created with `{ lock: false }`. */
  getLock(): Lock | RLock {
    if (!ValueImpl.#is(this)) throw invalidThis(this, 'Value', 'getLock');
    return requireLock(this.#d, 'Value');
  }

  /**
   * Python's `v.acquire()`: the value's lock's `acquire(blocking, timeout)`, with its timeout rule.
   * @throws `ERR_NO_LOCK` for a Value made with `{ lock: false }`; what the lock's `acquire()` throws.
   */
  acquire(blocking?: boolean, timeout?: number): boolean {
    if (!ValueImpl.#is(this)) throw invalidThis(this, 'Value', 'acquire');
    return requireLock(this.#d, 'Value').acquire(blocking, timeout);
  }

  /**
   * Python's `v.release()`: releases the value's lock.
   * @throws `ERR_NO_LOCK` for a Value made with `{ lock: false }`; `ERR_LOCK_NOT_OWNED` (an RLock,
   * the default) or `ERR_LOCK_NOT_HELD` (a Lock) when not held.
   */
  release(): void {
    if (!ValueImpl.#is(this)) throw invalidThis(this, 'Value', 'release');
    requireLock(this.#d, 'Value').release();
  }

  /**
   * `using _ = v.hold();` holds the value's lock (waiting forever) to the end of the block (Python's
   * `with v:`); `ERR_NO_LOCK` for a Value made with `{ lock: false }`.
   */
  hold(): Disposable {
    if (!ValueImpl.#is(this)) throw invalidThis(this, 'Value', 'hold');
    return hold(requireLock(this.#d, 'Value'));
  }

  /**
   * Python's `with v:` as a call: runs `fn` holding the value's lock (waiting forever for it) and
   * returns its result.
   * @throws `ERR_INVALID_ARG_TYPE` when `fn` is not a function; `ERR_NO_LOCK` for a Value made with
   * `{ lock: false }`.
   */
  withLock<R>(fn: () => R): R {
    if (!ValueImpl.#is(this)) throw invalidThis(this, 'Value', 'withLock');
    if (typeof fn !== 'function') throw invalidArgType('The "fn" argument must be a function', fn);
    return withLock(requireLock(this.#d, 'Value'), fn);
  }

  /** Restores a Value received through postMessage or workerData; its lock comes along. */
  static from<T extends number | bigint = number>(shared: unknown): Value<T> {
    if (shared instanceof ValueImpl) return shared as Value<T>;
    if (brands.has(shared as object)) throw invalidArgType('Value.from() expects a Value', shared);
    const s = expectShared(shared, 'Value', Kind.Shared);
    return buildFrom({ shared: s }, () => new ValueImpl<T>('b')) as Value<T>;
  }
}
Object.defineProperty(ValueImpl, 'name', { value: 'Value' });

/**
 * Python's `multiprocessing.Value`: one C number in shared memory, with a lock that travels with
 * it (default a new RLock; `{ lock: false }` is Python's RawValue). Reads and writes of `value` do
 * not take the lock, as in Python. Shared as an argument, or with `Value.from()` for a
 * `postMessage`/`workerData` clone; methods called on anything else throw `ERR_INVALID_THIS`.
 * @example
 * const counter = new Value('i', 0);
 * counter.withLock(() => {
 *   counter.value += 1;
 * });
 */
export type Value<T extends number | bigint = number> = ValueImpl<T>;

/** How `new Value(...)` is typed: the element type follows the typecode (bigint for l/L/q/Q,
 * else number) and a literal initial value widens (`new Value('i', 0)` is a `Value<number>`). */
export interface ValueConstructor {
  /**
   * Python's `Value(typecode, initial, lock=True)`: `new Value('q', 5n)`; the initial value
   * defaults to 0n. `{ lock: false }` is Python's RawValue; a Lock or RLock given is used as is.
   * @throws `ERR_INVALID_ARG_VALUE` for an unknown typecode; `ERR_OUT_OF_RANGE`/`ERR_INVALID_ARG_TYPE` for an initial value the type cannot hold.
   * @example
   * const counter = new Value('i', 0);
   * counter.withLock(() => { counter.value += 1; });
   */
  new (typecode: BigintTypecode, initial?: bigint, options?: ValueOptions): Value<bigint>;
  /** `new Value('i', 5)`, `new Value('d', 0.5, { lock: false })`; the initial value defaults to 0. */
  new (typecode: NumberTypecode, initial?: number, options?: ValueOptions): Value<number>;
  /** A typecode known only as `Typecode` (chosen at run time): the value is `number | bigint`. */
  new <C extends Typecode>(typecode: C & (Typecode extends C ? unknown : never), initial?: number | bigint, options?: ValueOptions): Value<number | bigint>;
  /** The prototype of every Value (`v instanceof Value`). */
  readonly prototype: Value<number | bigint>;
  /** Restores a Value received through postMessage, workerData or a target's arguments; its
   * lock comes along. A Value is returned as is. */
  from<T extends number | bigint = number>(shared: unknown): Value<T>;
}

/**
 * The Value class: `new Value(typecode, initial?, options?)` and `Value.from(shared)` (see
 * ValueConstructor).
 */
export const Value: ValueConstructor = ValueImpl;

registerSharedClass(false, (handle) => buildFrom({ handle }, () => new ValueImpl('b')));
