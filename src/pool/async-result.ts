// Python's multiprocessing.pool.AsyncResult, also a PromiseLike: `await pool.applyAsync(...)`.
import { coded } from '../runtime/errors';
import { signalOf, timeoutMs, WaitOptions } from '../runtime/validate';

/**
 * Python's `multiprocessing.TimeoutError`: `AsyncResult.get(timeout)` / `getAsync(timeout)` or an
 * imap iterator's `next(timeout)` gave up waiting (the task goes on).
 * @example
 * try {
 *   pool.applyAsync(slow).get(100);
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log(e.code); // 'ERR_TIMEOUT'
 * }
 */
export class TimeoutError extends Error {
  /** Always `'ERR_TIMEOUT'`. */
  readonly code = 'ERR_TIMEOUT';
  /** An error with `message`, named `'TimeoutError'`. */
  constructor(message = 'the result is not ready') {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** How a result waits: by running its pool's message loop on the waiting thread. */
export interface ResultPump {
  /** Handles messages until `done()` or until `timeoutMs` pass (-1: no limit); blocks. */
  runUntil(done: () => boolean, timeoutMs: number): void;
  /** Handles what has arrived, without blocking. */
  poll(): void;
  /** Makes sure the event loop handles messages as they arrive. */
  arm(): void;
}

const enum State {
  Pending,
  Ok,
  Failed,
}

interface Waiter<R> {
  resolve(value: R): void;
  reject(reason: unknown): void;
}

interface Internals {
  create<R>(pump: ResultPump, callback?: (r: R) => void, errorCallback?: (e: Error) => void): AsyncResult<R>;
  /** `callbacks: false`: ready at once without them (Python's map of nothing). */
  settle<R>(r: AsyncResult<R>, ok: boolean, value: unknown, callbacks?: boolean): void;
}
/** @internal */
export let resultInternals: Internals;

/**
 * Python's `multiprocessing.pool.AsyncResult`: the outcome of `applyAsync()`, `mapAsync()` or
 * `starmapAsync()`. Block with `get(timeout)`, or `await` it (it is a PromiseLike).
 * @example
 * const r = pool.applyAsync(square, [3]);
 * r.get(1000); // 9, or TimeoutError after 1 s
 * await r; // 9
 */
export class AsyncResult<R> implements PromiseLike<R> {
  #pump: ResultPump;
  #state = State.Pending;
  #value: unknown;
  #callback: ((r: R) => void) | undefined;
  #errorCallback: ((e: Error) => void) | undefined;
  #waiters: Waiter<R>[] = [];
  #promise: Promise<R> | undefined;

  private constructor(pump: ResultPump, callback?: (r: R) => void, errorCallback?: (e: Error) => void) {
    this.#pump = pump;
    this.#callback = callback;
    this.#errorCallback = errorCallback;
  }

  /** Blocks until the result is ready, or `timeout` ms pass. */
  wait(timeout?: number): void {
    const t = timeoutMs(timeout);
    if (this.#state === State.Pending) this.#pump.runUntil(() => this.#state !== State.Pending, t);
  }

  /** The result; rethrows the task's error; TimeoutError when not ready within `timeout` ms. */
  get(timeout?: number): R {
    this.wait(timeout);
    if (this.#state === State.Pending) throw new TimeoutError();
    if (this.#state === State.Failed) throw this.#value;
    return this.#value as R;
  }

  /** The Promise form of get(); `options.signal` aborts the wait (not the task). */
  getAsync(timeout?: number, options?: WaitOptions): Promise<R> {
    let t: number;
    let signal: AbortSignal | undefined;
    try {
      t = timeoutMs(timeout);
      signal = signalOf(options);
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#state === State.Pending) this.#pump.poll();
    if (this.#state === State.Ok) return Promise.resolve(this.#value as R);
    if (this.#state === State.Failed) return Promise.reject(this.#value);
    if (t === 0) return Promise.reject(new TimeoutError());
    return new Promise<R>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stop = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        stop();
        reject(signal!.reason);
      };
      const waiter: Waiter<R> = {
        resolve: (v) => {
          stop();
          resolve(v);
        },
        reject: (e) => {
          stop();
          reject(e);
        },
      };
      if (t > 0) {
        timer = setTimeout(() => {
          stop();
          reject(new TimeoutError());
        }, t);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#pump.arm();
    });
  }

  /**
   * `await result`: resolves with the result or rejects with the task's error (`ERR_POOL_TERMINATED`
   * when the pool was terminated first); no timeout.
   */
  then<T1 = R, T2 = never>(
    onfulfilled?: ((value: R) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.#settled().then(onfulfilled, onrejected);
  }

  /** One Promise of the outcome for every `then` (`await`): no timer, no signal, made once. */
  #settled(): Promise<R> {
    if (this.#promise === undefined) {
      if (this.#state === State.Pending) this.#pump.poll();
      if (this.#state === State.Ok) this.#promise = Promise.resolve(this.#value as R);
      else if (this.#state === State.Failed) this.#promise = Promise.reject(this.#value);
      else {
        this.#promise = new Promise<R>((resolve, reject) => this.#waiters.push({ resolve, reject }));
        this.#pump.arm();
      }
    }
    return this.#promise;
  }

  /** Whether the call has completed (its callback has run). */
  ready(): boolean {
    if (this.#state === State.Pending) this.#pump.poll();
    return this.#state !== State.Pending;
  }

  /** Whether the call completed without throwing; ERR_RESULT_NOT_READY before it completes. */
  successful(): boolean {
    if (!this.ready()) throw coded(Error, 'ERR_RESULT_NOT_READY', 'the result is not ready');
    return this.#state === State.Ok;
  }

  #settle(ok: boolean, value: unknown, callbacks: boolean): void {
    if (this.#state !== State.Pending) return;
    // The callback runs before the result is ready, as in Python; an error it throws is the
    // program's, reported as an uncaught exception (not as the task's).
    try {
      if (callbacks && ok) this.#callback?.(value as R);
      else if (callbacks) this.#errorCallback?.(value as Error);
    } catch (e) {
      process.nextTick(() => {
        throw e;
      });
    }
    this.#state = ok ? State.Ok : State.Failed;
    this.#value = value;
    for (const w of [...this.#waiters]) {
      if (ok) w.resolve(value as R);
      else w.reject(value);
    }
  }

  static {
    resultInternals = {
      create: (pump, callback, errorCallback) => new AsyncResult(pump, callback, errorCallback),
      settle: (r, ok, value, callbacks = true) => r.#settle(ok, value, callbacks),
    };
  }
}
