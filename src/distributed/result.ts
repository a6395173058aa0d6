// The outcome of an applyAsync/mapAsync/starmapAsync on a DistributedPool: Pool's AsyncResult
// API (get, getAsync, wait, ready, successful, await), waiting through the connector link.
import { TimeoutError } from '../../index';
import { coded } from '../runtime/errors';
import type { ConnectorLink } from './link';
import { signalOf, timeoutMs } from '../runtime/validate';

interface Waiter {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/**
 * The outcome of a DistributedPool's `applyAsync()`, `mapAsync()` or `starmapAsync()`, as Pool's
 * AsyncResult: block with `get(timeout)` (TimeoutError, `ERR_TIMEOUT`), or `await` it.
 * @example
 * const r = pool.applyAsync(square, [3]);
 * await r; // 9
 */
export class DistributedResult<R> implements PromiseLike<R> {
  readonly #link: ConnectorLink;
  readonly #callback: ((value: R) => void) | undefined;
  readonly #errorCallback: ((error: Error) => void) | undefined;
  #outcome: { ok: boolean; value: unknown } | undefined;
  #waiters: Waiter[] = [];
  #promise: Promise<R> | undefined;

  /** @internal */
  constructor(link: ConnectorLink, callback?: (value: R) => void, errorCallback?: (error: Error) => void) {
    this.#link = link;
    this.#callback = callback;
    this.#errorCallback = errorCallback;
  }

  /** Blocks the calling thread until the result is ready, or `timeout` ms pass. */
  wait(timeout?: number): void {
    const t = timeoutMs(timeout);
    if (this.#outcome === undefined) this.#link.waitUntil(() => this.#outcome !== undefined, t);
  }

  /** The result (blocks); rethrows the task's error; TimeoutError when not ready within `timeout` ms. */
  get(timeout?: number): R {
    this.wait(timeout);
    return this.#unwrap();
  }

  /** The Promise form of get(); `options.signal` aborts the wait (not the task). */
  getAsync(timeout?: number, options?: { signal?: AbortSignal }): Promise<R> {
    let t: number;
    let signal: AbortSignal | undefined;
    try {
      t = timeoutMs(timeout);
      signal = signalOf(options);
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.ready()) return this.#settled();
    if (t === 0) return Promise.reject(new TimeoutError());
    return new Promise<R>((resolve, reject) => {
      const timer = t > 0 ? setTimeout(() => finish(reject, new TimeoutError()), t) : undefined;
      const onAbort = (): void => finish(reject, signal!.reason);
      const finish = (how: (v: never) => void, v: unknown): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        how(v as never);
      };
      const waiter: Waiter = { resolve: (v) => finish(resolve, v), reject: (e) => finish(reject, e) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** `await result`: the value, or the task's error. */
  then<T1 = R, T2 = never>(
    onfulfilled?: ((value: R) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.#settled().then(onfulfilled, onrejected);
  }

  /** Whether the call has completed (its callback has run). */
  ready(): boolean {
    if (this.#outcome === undefined) this.#link.poll();
    return this.#outcome !== undefined;
  }

  /** Whether the call completed without an error; ERR_RESULT_NOT_READY before it completes. */
  successful(): boolean {
    if (!this.ready()) throw coded(Error, 'ERR_RESULT_NOT_READY', 'the result is not ready');
    return this.#outcome!.ok;
  }

  /** @internal The call's outcome; the callback runs first, as in Python. */
  settle(ok: boolean, value: unknown): void {
    if (this.#outcome !== undefined) return;
    try {
      if (ok) this.#callback?.(value as R);
      else this.#errorCallback?.(value as Error);
    } catch (e) {
      // The callback's error is the program's (an uncaught exception), not the task's.
      process.nextTick(() => {
        throw e;
      });
    }
    this.#outcome = { ok, value };
    for (const w of this.#waiters.splice(0)) {
      if (ok) w.resolve(value);
      else w.reject(value);
    }
  }

  #unwrap(): R {
    if (this.#outcome === undefined) throw new TimeoutError();
    if (!this.#outcome.ok) throw this.#outcome.value;
    return this.#outcome.value as R;
  }

  #settled(): Promise<R> {
    this.#promise ??=
      this.#outcome !== undefined
        ? new Promise<R>((resolve) => resolve(this.#unwrap()))
        : new Promise<R>((resolve, reject) => this.#waiters.push({ resolve: resolve as (v: unknown) => void, reject }));
    return this.#promise;
  }
}
