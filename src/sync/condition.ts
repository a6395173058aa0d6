// Python's threading.Condition over a Lock or RLock (default: a new RLock). The condition
// keeps its lock alive, and `from()` brings the lock along.
import { invalidArgType } from '../runtime/errors';
import { hold, withLock } from './hold';
import { Lock } from './lock';
import { Kind, native, Op } from '../runtime/native';
import { RLock } from './rlock';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { count, signalOf, timeoutMs, WaitOptions } from '../runtime/validate';
import { waitAsync } from '../runtime/wait-async';
import { invalidInstanceArg, invalidThis } from '../runtime/receiver';

export class Condition {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Condition {
    return typeof x === 'object' && x !== null && #h in x;
  }

  readonly #h: number;
  readonly #lock: Lock | RLock;

  constructor(lock?: Lock | RLock) {
    const existing = existingHandle(Kind.Condition, this);
    if (existing !== undefined) {
      this.#h = existing;
      const [l, isRLock] = native.condLock(existing);
      this.#lock = isRLock ? RLock.fromHandle(l) : Lock.fromHandle(l);
    } else {
      if (lock === undefined || lock === null) lock = new RLock();
      if (!(lock instanceof Lock) && !(lock instanceof RLock)) {
        throw invalidInstanceArg('The "lock" argument must be a Lock or an RLock', lock, ['Lock', 'RLock']);
      }
      this.#lock = lock;
      const lh = lock instanceof Lock ? Lock.handleOf(lock) : RLock.handleOf(lock);
      this.#h = native.create(Kind.Condition, this, lh);
    }
    makeShareable(this, Kind.Condition, this.#h);
  }

  /** The underlying lock (Python's `_lock`). */
  get lock(): Lock | RLock {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'lock');
    return this.#lock;
  }

  acquire(blocking?: boolean, timeout?: number): boolean {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'acquire');
    return this.#lock.acquire(blocking, timeout);
  }

  acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Condition.#is(this)) return Promise.reject(invalidThis(this, 'Condition', 'acquireAsync'));
    return this.#lock.acquireAsync(timeout, options);
  }

  release(): void {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'release');
    this.#lock.release();
  }

  /** Releases the lock, waits for a notify (true) or `timeout` ms (false), re-acquires. */
  wait(timeout?: number): boolean {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'wait');
    return native.block(Op.Condition, this.#h, timeoutMs(timeout)) === 1;
  }

  waitAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Condition.#is(this)) return Promise.reject(invalidThis(this, 'Condition', 'waitAsync'));
    try {
      const t = timeoutMs(timeout);
      return waitAsync(Op.Condition, this.#h, t, signalOf(options)).then((r) => r === 1);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Waits until `predicate()` is true or `timeout` ms pass; returns its last value. */
  waitFor(predicate: () => boolean, timeout?: number): boolean {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'waitFor');
    const t = checkedPredicate(predicate, timeout);
    const end = t < 0 ? Infinity : performance.now() + t;
    let result = predicate();
    while (!result) {
      const left = end - performance.now();
      if (end !== Infinity && left <= 0) break;
      this.wait(end === Infinity ? undefined : left);
      result = predicate();
    }
    return result;
  }

  async waitForAsync(predicate: () => boolean, timeout?: number, options?: WaitOptions): Promise<boolean> {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'waitForAsync');
    const t = checkedPredicate(predicate, timeout);
    const signal = signalOf(options);
    const end = t < 0 ? Infinity : performance.now() + t;
    let result = predicate();
    while (!result) {
      const left = end - performance.now();
      if (end !== Infinity && left <= 0) break;
      await this.waitAsync(end === Infinity ? undefined : left, { signal });
      result = predicate();
    }
    return result;
  }

  /** Wakes up to `n` (default 1) waiters, first come first served. */
  notify(n: number = 1): void {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'notify');
    native.condNotify(this.#h, count(n, 'n', 0));
  }

  notifyAll(): void {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'notifyAll');
    native.condNotify(this.#h, 0x7fffffff);
  }

  hold(): Disposable {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'hold');
    return hold(this);
  }

  withLock<T>(fn: () => T): T {
    if (!Condition.#is(this)) throw invalidThis(this, 'Condition', 'withLock');
    return withLock(this, fn);
  }

  static from(shared: unknown): Condition {
    if (shared instanceof Condition) return shared;
    const s = expectShared(shared, 'Condition', Kind.Condition);
    return buildFrom({ shared: s }, () => new Condition());
  }
}

function checkedPredicate(predicate: unknown, timeout: unknown): number {
  if (typeof predicate !== 'function') throw invalidArgType('The "predicate" argument must be a function', predicate);
  return timeoutMs(timeout);
}

registerReviver(Kind.Condition, (shared) => buildFrom({ shared }, () => new Condition()));
