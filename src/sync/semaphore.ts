// Python's threading.Semaphore and BoundedSemaphore. Body words: 0 value, 1 waiters, 2 initial.
import { hold, withLock } from './hold';
import { Kind, memory, native, Op, wordOf } from '../runtime/native';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { count, semaphoreAcquireArgs, timeoutMs, WaitOptions } from '../runtime/validate';
import { tryThenWaitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

export class Semaphore {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Semaphore {
    return typeof x === 'object' && x !== null && #w in x;
  }

  readonly #h: number;
  readonly #w: number;

  constructor(value: number = 1) {
    const kind = new.target === BoundedSemaphore ? Kind.BoundedSemaphore : Kind.Semaphore;
    const existing = existingHandle(kind, this);
    this.#h = existing ?? native.create(kind, this, count(value, 'value', 0));
    this.#w = wordOf(this.#h);
    makeShareable(this, kind, this.#h);
  }

  #try(): boolean {
    let v = Atomics.load(memory, this.#w);
    while (v > 0) {
      const seen = Atomics.compareExchange(memory, this.#w, v, v - 1);
      if (seen === v) return true;
      v = seen;
    }
    return false;
  }

  /** Python's `acquire(blocking=True, timeout=None)`, timeout in milliseconds. */
  acquire(blocking?: boolean, timeout?: number): boolean {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'acquire');
    const t = blocking === undefined && timeout === undefined ? -1 : semaphoreAcquireArgs(blocking, timeout);
    if (this.#try()) return true;
    if (t === 0) return false;
    return native.block(Op.Semaphore, this.#h, t) === 1;
  }

  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Semaphore.#is(this)) return Promise.reject(invalidThis(this, 'Semaphore', 'acquireAsync'));
    return tryThenWaitAsync(() => timeoutMs(timeout), options, () => this.#try(), Op.Semaphore, this.#h);
  }

  /** Adds `n` (default 1) and wakes up to `n` waiters. */
  release(n: number = 1): void {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'release');
    native.semRelease(this.#h, count(n, 'n', 1));
  }

  /** The current value (Python's private `_value`, exposed for inspection). */
  get value(): number {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'value');
    return Atomics.load(memory, this.#w);
  }

  hold(): Disposable {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'hold');
    return hold(this);
  }

  withLock<T>(fn: () => T): T {
    if (!Semaphore.#is(this)) throw invalidThis(this, 'Semaphore', 'withLock');
    return withLock(this, fn);
  }

  static from<T extends typeof Semaphore>(this: T, shared: unknown): InstanceType<T> {
    if (shared instanceof this) return shared as InstanceType<T>;
    const s = expectShared(shared, this.name, this === BoundedSemaphore ? Kind.BoundedSemaphore : Kind.Semaphore);
    return buildFrom({ shared: s }, () => new this() as InstanceType<T>);
  }
}

/** Releasing above the initial value throws ERR_SEMAPHORE_OVER_RELEASED. */
export class BoundedSemaphore extends Semaphore {}

registerReviver(Kind.Semaphore, (shared) => buildFrom({ shared }, () => new Semaphore()));
registerReviver(Kind.BoundedSemaphore, (shared) => buildFrom({ shared }, () => new BoundedSemaphore()));
