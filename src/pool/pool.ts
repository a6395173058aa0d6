// Python's multiprocessing.Pool (child processes) and multiprocessing.pool.ThreadPool (worker
// threads): one implementation (pool-core.ts), two kinds of worker.
import { AsyncResult, resultInternals } from './async-result';
import { invalidArgType, outOfRange } from '../runtime/errors';
import { PoolCore, Task, WorkerKind } from './core';
import { PoolIterator } from './iterator';
import { TASK_SINGLE } from './protocol';
import { defaultChunksize, EncodedCalls, encodeCalls, encodeItems, makeTask, releaseTask, targetOf } from './tasks';
import { cpuCount } from '../processes/process';
import { assertNoSharedMemory } from '../runtime/serialize';
import { ExportRef } from '../targets/locate';
import { locate } from '../targets/locate';
import { assertNotImportingTarget } from '../targets/load';
import { signalOf, WaitOptions } from '../runtime/validate';
import type { ArgsOf, ItemOf, ResultOf, Untyped } from '../targets/types';

/**
 * The options of `new Pool()` and `new ThreadPool()` (Python's `Pool(processes, initializer,
 * initargs, maxtasksperchild)`).
 */
export interface PoolOptions {
  /** Number of workers; default cpuCount(). */
  processes?: number;
  /** Exported function each worker calls once, with `initargs`, before its first task. */
  initializer?: Function;
  /** The arguments of `initializer` (default none); they travel as task arguments do. */
  initargs?: unknown[];
  /** A worker ends after this many tasks (chunks) and a new one replaces it; default no limit. */
  maxTasksPerChild?: number;
}

type Callback<R> = ((result: R) => void) | null | undefined;
type ErrorCallback = ((error: Error) => void) | null | undefined;

function checkFunction(fn: unknown, name: string): asserts fn is Function {
  if (typeof fn !== 'function') throw invalidArgType(`The "${name}" argument must be a function`, fn);
}

function checkOptionalFunction(fn: unknown, name: string): void {
  if (fn !== undefined && fn !== null) checkFunction(fn, name);
}

function checkCount(n: unknown, name: string): number {
  if (typeof n !== 'number') throw invalidArgType(`The "${name}" argument must be of type number`, n);
  if (!Number.isInteger(n) || n < 1 || n > 0x7fffffff) throw outOfRange(`The value of "${name}" is out of range. It must be an integer >= 1`, n);
  return n;
}

function checkIterable(it: unknown): Iterable<unknown> {
  if (typeof it !== 'object' && typeof it !== 'string') throw invalidArgType('The "iterable" argument must be iterable', it);
  if (it === null || typeof (it as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw invalidArgType('The "iterable" argument must be iterable', it);
  }
  return it as Iterable<unknown>;
}

function checkChunksize(c: unknown): number | undefined {
  return c === undefined || c === null ? undefined : checkCount(c, 'chunksize');
}

/** One call's arguments: `[x]` for map, the item's own for starmap. */
function callOf(item: unknown, star: boolean): unknown[] {
  if (!star) return [item];
  if (Array.isArray(item)) return item;
  if (typeof item === 'object' && item !== null && typeof (item as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return Array.from(item as Iterable<unknown>);
  }
  throw invalidArgType('Each item of a starmap iterable must be an array of arguments', item);
}

/** starmap's calls: the input itself when it is an array of arrays (no copy), else each item's
 * arguments. */
function starCalls(iterable: Iterable<unknown>): unknown[][] {
  if (Array.isArray(iterable) && iterable.every(Array.isArray)) return iterable as unknown[][];
  return Array.from(iterable, (item) => callOf(item, true));
}

/**
 * Python's `multiprocessing.Pool`: a pool of child processes running exported functions. Every
 * blocking call has an Async form returning an AsyncResult (awaitable) or a PoolIterator.
 * `using pool = new Pool()` terminates it at the end of the block.
 * @example
 * // main.mjs
 * export const square = (x) => x * x;
 * if (isMainModule(import.meta)) {
 *   using pool = new Pool(2);
 *   console.log(pool.map(square, [1, 2, 3])); // [1, 4, 9]
 *   console.log(await pool.applyAsync(square, [4])); // 16
 * }
 */
export class Pool {
  readonly #core: PoolCore;
  readonly #kind: WorkerKind;

  /**
   * Python's `Pool(processes=None, initializer=None, initargs=(), maxtasksperchild=None)`: a number
   * is `processes` (default `cpuCount()`). Returns once the workers run.
   * @throws `ERR_OUT_OF_RANGE` for a count below 1 or not an integer; `ERR_INVALID_ARG_TYPE` for
   * options of the wrong type; `ERR_TARGET_NOT_EXPORTED` for an initializer that is not exported;
   * `ERR_NOT_SHAREABLE` for a SharedArrayBuffer in `initargs` (Pool); `ERR_WORKER_START` when a
   * worker ends before it starts; `ERR_START_DURING_IMPORT` while this thread imports its target.
   */
  constructor(options?: number | PoolOptions) {
    this.#kind = new.target === ThreadPool || Object.prototype.isPrototypeOf.call(ThreadPool.prototype, new.target.prototype) ? 'thread' : 'process';
    assertNotImportingTarget(new.target.name);
    const opts: PoolOptions =
      typeof options === 'number' ? { processes: options } : options === undefined || options === null ? {} : (options as PoolOptions);
    if (typeof opts !== 'object') throw invalidArgType('The "options" argument must be a number or an object', options);
    const size = opts.processes === undefined || opts.processes === null ? cpuCount() : checkCount(opts.processes, 'processes');
    checkOptionalFunction(opts.initializer, 'initializer');
    const initargs = opts.initargs ?? [];
    if (!Array.isArray(initargs)) throw invalidArgType('The "initargs" option must be an array', initargs);
    const maxTasks = opts.maxTasksPerChild === undefined || opts.maxTasksPerChild === null ? 0 : checkCount(opts.maxTasksPerChild, 'maxTasksPerChild');
    if (this.#kind === 'process') assertNoSharedMemory(initargs, 'a Pool initializer argument');
    const initializer: ExportRef | null = opts.initializer ? locate(opts.initializer, 'initializer') : null;
    this.#core = new PoolCore({ kind: this.#kind, size, initializer, initargs, maxTasks });
  }

  /**
   * Python's `apply(func, args, kwds)`: calls `fn(...args)` (with `kwargs` as one last argument
   * when given) in a worker and blocks this thread until its result is back. Argument and
   * result types follow `fn`; `apply<R>(fn, ...)` names the result of a target typed only as
   * `Function`.
   * @throws the task's own error (its class, code and the worker's stack);
   * `ERR_TARGET_NOT_EXPORTED` / `ERR_TARGET_IN_TEST_FILE` before anything runs when `fn`
   * cannot travel; `ERR_POOL_NOT_RUNNING` after `close()`/`terminate()`; `ERR_WORKER_DIED`
   * when its worker ends while running it.
   */
  apply<F extends () => unknown>(fn: F): ResultOf<F>;
  /** `apply(fn, args)`: as above, with `args` typed by `fn`'s parameters. */
  apply<F extends Function>(fn: F, args: ArgsOf<F>, kwargs?: null): ResultOf<F>;
  /** `apply(fn, args, kwargs)`: as above; `kwargs` is passed as one last argument. */
  apply<F extends Function>(fn: F, args: unknown[], kwargs: object): ResultOf<F>;
  /** `apply<R>(fn, ...)`: as above, for a `fn` typed only as `Function`; `R` names its result. */
  apply<R, F extends Function = Function>(fn: F & Untyped<F>, args?: unknown[], kwargs?: object | null): R;
  apply(fn: Function, args?: unknown[], kwargs?: object | null): unknown {
    return this.applyAsync(fn, args ?? [], kwargs ?? null).get();
  }

  /**
   * Python's `apply_async(func, args, kwds, callback, error_callback)`: submits one call and
   * returns its AsyncResult at once (`await` it, or `get(timeout)` to block). `callback` gets
   * the result, `errorCallback` the error, on this thread, before `ready()` turns true.
   * @throws at the call, as `apply()` does; the task's own error comes through the AsyncResult.
   */
  applyAsync<F extends () => unknown>(fn: F): AsyncResult<ResultOf<F>>;
  /** `applyAsync(fn, args, null, callback?, errorCallback?)`: as above, `args` typed by `fn`. */
  applyAsync<F extends Function>(fn: F, args: ArgsOf<F>, kwargs?: null, callback?: Callback<ResultOf<F>>, errorCallback?: ErrorCallback): AsyncResult<ResultOf<F>>;
  /** `applyAsync(fn, args, kwargs, ...)`: as above; `kwargs` is passed as one last argument. */
  applyAsync<F extends Function>(fn: F, args: unknown[], kwargs: object, callback?: Callback<ResultOf<F>>, errorCallback?: ErrorCallback): AsyncResult<ResultOf<F>>;
  /** `applyAsync<R>(fn, ...)`: as above, for a `fn` typed only as `Function`. */
  applyAsync<R, F extends Function = Function>(fn: F & Untyped<F>, args?: unknown[], kwargs?: object | null, callback?: Callback<R>, errorCallback?: ErrorCallback): AsyncResult<R>;
  applyAsync(fn: Function, args: unknown[] = [], kwargs?: object | null, callback?: Callback<unknown>, errorCallback?: ErrorCallback): AsyncResult<unknown> {
    checkFunction(fn, 'fn');
    if (!Array.isArray(args)) throw invalidArgType('The "args" argument must be an array', args);
    if (kwargs !== undefined && kwargs !== null && typeof kwargs !== 'object') throw invalidArgType('The "kwargs" argument must be an object', kwargs);
    checkOptionalFunction(callback, 'callback');
    checkOptionalFunction(errorCallback, 'errorCallback');
    const core = this.#core;
    core.checkRunning();
    const target = targetOf(fn, locate(fn, 'target'));
    const calls = encodeCalls(this.#kind, [kwargs === undefined || kwargs === null ? args : [...args, kwargs]]);
    const result = resultInternals.create<unknown>(core, callback ?? undefined, errorCallback ?? undefined);
    core.submit(makeTask(target, TASK_SINGLE, calls, (ok, value) => resultInternals.settle(result, ok, value)));
    return result;
  }

  /**
   * Python's `map(func, iterable, chunksize)`: `fn(item)` for every item, sent to the workers
   * in chunks (default: about four chunks per worker), and blocks for the results in input
   * order.
   * @throws the first failed task's error (the other results are lost, as in Python); at the
   * call, as `apply()` does, and `ERR_INVALID_ARG_TYPE` for an input that is not iterable.
   * Chunks go to the workers as they are encoded: when one cannot be sent, the call throws and
   * chunks before it may have run (as in Python).
   * @example
   * const pool = new Pool(2);
   * pool.map(square, [1, 2, 3]); // [1, 4, 9]
   */
  map<F extends Function>(fn: F, iterable: Iterable<ItemOf<F>>, chunksize?: number): ResultOf<F>[];
  /** `map<R>(fn, ...)`: as above, for a `fn` typed only as `Function`. */
  map<R, F extends Function = Function>(fn: F & Untyped<F>, iterable: Iterable<unknown>, chunksize?: number): R[];
  map(fn: Function, iterable: Iterable<unknown>, chunksize?: number): unknown[] {
    return this.mapAsync(fn, iterable, chunksize).get();
  }

  /** Python's `map_async(...)`: `map()` without blocking; the AsyncResult gives the array. */
  mapAsync<F extends Function>(fn: F, iterable: Iterable<ItemOf<F>>, chunksize?: number, callback?: Callback<ResultOf<F>[]>, errorCallback?: ErrorCallback): AsyncResult<ResultOf<F>[]>;
  /** `mapAsync<R>(fn, ...)`: as above, for a `fn` typed only as `Function`. */
  mapAsync<R, F extends Function = Function>(fn: F & Untyped<F>, iterable: Iterable<unknown>, chunksize?: number, callback?: Callback<R[]>, errorCallback?: ErrorCallback): AsyncResult<R[]>;
  mapAsync(fn: Function, iterable: Iterable<unknown>, chunksize?: number, callback?: Callback<unknown[]>, errorCallback?: ErrorCallback): AsyncResult<unknown[]> {
    return this.#mapAsync(fn, iterable, chunksize, false, callback, errorCallback);
  }

  /** Python's `starmap(func, iterable, chunksize)`: `fn(...item)` for every item (an array of
   * arguments); blocks for the results in input order. Throws as `map()` does. */
  starmap<F extends Function>(fn: F, iterable: Iterable<ArgsOf<F>>, chunksize?: number): ResultOf<F>[];
  /** `starmap<R>(fn, ...)`: as above, for a `fn` typed only as `Function`. */
  starmap<R, F extends Function = Function>(fn: F & Untyped<F>, iterable: Iterable<unknown[]>, chunksize?: number): R[];
  starmap(fn: Function, iterable: Iterable<unknown[]>, chunksize?: number): unknown[] {
    return this.starmapAsync(fn, iterable, chunksize).get();
  }

  /** Python's `starmap_async(...)`: `starmap()` without blocking. */
  starmapAsync<F extends Function>(fn: F, iterable: Iterable<ArgsOf<F>>, chunksize?: number, callback?: Callback<ResultOf<F>[]>, errorCallback?: ErrorCallback): AsyncResult<ResultOf<F>[]>;
  /** `starmapAsync<R>(fn, ...)`: as above, for a `fn` typed only as `Function`. */
  starmapAsync<R, F extends Function = Function>(fn: F & Untyped<F>, iterable: Iterable<unknown[]>, chunksize?: number, callback?: Callback<R[]>, errorCallback?: ErrorCallback): AsyncResult<R[]>;
  starmapAsync(fn: Function, iterable: Iterable<unknown[]>, chunksize?: number, callback?: Callback<unknown[]>, errorCallback?: ErrorCallback): AsyncResult<unknown[]> {
    return this.#mapAsync(fn, iterable, chunksize, true, callback, errorCallback);
  }

  #mapAsync<R>(fn: Function, iterable: Iterable<unknown>, chunksize: number | undefined, star: boolean, callback: Callback<R[]>, errorCallback: ErrorCallback): AsyncResult<R[]> {
    checkFunction(fn, 'fn');
    checkIterable(iterable);
    const size = checkChunksize(chunksize);
    checkOptionalFunction(callback, 'callback');
    checkOptionalFunction(errorCallback, 'errorCallback');
    const core = this.#core;
    core.checkRunning();
    const target = targetOf(fn, locate(fn, 'target'));
    const calls = star ? starCalls(iterable) : Array.isArray(iterable) ? iterable : Array.from(iterable);
    const per = size ?? defaultChunksize(calls.length, core.size);
    const result = resultInternals.create<R[]>(core, callback ?? undefined, errorCallback ?? undefined);
    const out = new Array<R>(calls.length);
    // Python calls no callback for a map of nothing.
    if (calls.length === 0) {
      resultInternals.settle(result, true, out, false);
      return result;
    }
    let left = Math.ceil(calls.length / per);
    let failed = false;
    const done =
      (n: number) =>
      (ok: boolean, value: unknown): void => {
        if (failed) return;
        if (!ok) {
          failed = true;
          resultInternals.settle(result, false, value);
          return;
        }
        const values = value as ArrayLike<R>;
        for (let i = 0; i < values.length; i++) out[n * per + i] = values[i];
        if (--left === 0) resultInternals.settle(result, true, out);
      };
    // Each chunk is submitted as soon as it is encoded: idle workers start on the first while
    // this thread encodes the rest. A chunk that cannot be sent fails the call here, as before;
    // the chunks before it that a worker already took run (as in Python), and are ignored.
    const submitted: Task[] = [];
    try {
      for (let i = 0, n = 0; i < calls.length; i += per, n++) {
        const end = Math.min(i + per, calls.length);
        const encoded = star ? encodeCalls(this.#kind, calls.slice(i, end) as unknown[][]) : encodeItems(this.#kind, calls, i, end);
        const task = makeTask(target, 0, encoded, done(n));
        submitted.push(task);
        core.submit(task);
      }
    } catch (e) {
      failed = true;
      for (const task of core.withdraw(submitted)) releaseTask(task);
      throw e;
    }
    return result;
  }

  /**
   * Python's `imap(func, iterable, chunksize=1)`: an iterator (sync and async) over the
   * results in input order, as they come; the input is read ahead lazily, and leaving the loop
   * early stops reading it. `next(timeout)` throws TimeoutError (`ERR_TIMEOUT`).
   */
  imap<F extends Function>(fn: F, iterable: Iterable<ItemOf<F>>, chunksize?: number): PoolIterator<ResultOf<F>>;
  /** `imap<R>(fn, ...)`: as above, for a `fn` typed only as `Function`. */
  imap<R, F extends Function = Function>(fn: F & Untyped<F>, iterable: Iterable<unknown>, chunksize?: number): PoolIterator<R>;
  imap(fn: Function, iterable: Iterable<unknown>, chunksize?: number): PoolIterator<unknown> {
    return this.#imap(fn, iterable, chunksize, true);
  }

  /** Python's `imap_unordered(...)`: as `imap()`, the results in the order they finish. */
  imapUnordered<F extends Function>(fn: F, iterable: Iterable<ItemOf<F>>, chunksize?: number): PoolIterator<ResultOf<F>>;
  /** `imapUnordered<R>(fn, ...)`: as above, for a `fn` typed only as `Function`. */
  imapUnordered<R, F extends Function = Function>(fn: F & Untyped<F>, iterable: Iterable<unknown>, chunksize?: number): PoolIterator<R>;
  imapUnordered(fn: Function, iterable: Iterable<unknown>, chunksize?: number): PoolIterator<unknown> {
    return this.#imap(fn, iterable, chunksize, false);
  }

  #imap<R>(fn: Function, iterable: Iterable<unknown>, chunksize: number | undefined, ordered: boolean): PoolIterator<R> {
    checkFunction(fn, 'fn');
    checkIterable(iterable);
    const per = checkChunksize(chunksize) ?? 1;
    const core = this.#core;
    core.checkRunning();
    const target = targetOf(fn, locate(fn, 'target'));
    const input = iterable[Symbol.iterator]();
    const kind = this.#kind;
    let index = 0;
    let finished = false;
    const results = new PoolIterator<R>(core, ordered, () => {
      if (finished) return;
      finished = true;
      input.return?.();
    });
    core.addFeeder({
      next(): Task | undefined {
        while (!finished) {
          const n = index++;
          const calls: unknown[] = [];
          try {
            while (calls.length < per) {
              const step = input.next();
              if (step.done) {
                finished = true;
                break;
              }
              calls.push(step.value);
            }
          } catch (e) {
            // The input failed: its error takes this chunk's place, and the input ends there.
            finished = true;
            results.chunkDone(n, false, e);
            results.inputEnded(n + 1);
            return undefined;
          }
          if (calls.length === 0) {
            results.inputEnded(n);
            return undefined;
          }
          let encoded: EncodedCalls;
          try {
            encoded = encodeItems(kind, calls);
          } catch (e) {
            results.chunkDone(n, false, e);
            if (finished) results.inputEnded(n + 1);
            continue;
          }
          if (finished) results.inputEnded(n + 1);
          return makeTask(target, 0, encoded, (ok, value) => results.chunkDone(n, ok, value));
        }
        return undefined;
      },
      fail(err: Error): void {
        results.poolEnded(err);
      },
    });
    return results;
  }

  /** No more work: workers end once what was submitted is done. */
  close(): void {
    this.#core.close();
  }

  /** Ends the workers now; unfinished results fail with ERR_POOL_TERMINATED. */
  terminate(): void {
    this.#core.terminate();
  }

  /** After close() or terminate() (else ERR_POOL_RUNNING): blocks until every worker has ended. */
  join(): void {
    this.#core.join();
  }

  /** `options.signal` stops the waiting, not the pool. */
  joinAsync(options?: WaitOptions): Promise<void> {
    let joined: Promise<void>;
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf(options);
      joined = this.#core.joinAsync();
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal === undefined) return joined;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      joined.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** `using pool = new Pool()`: terminate() at the end of the block, as Python's `with`. */
  [Symbol.dispose](): void {
    this.terminate();
  }

  /**
   * `await using pool = new Pool()`: `terminate()`, then waits for the workers to end
   * (`joinAsync()`).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.joinAsync();
  }
}

/**
 * Python's `multiprocessing.pool.ThreadPool`: the Pool API on worker threads, whose arguments and
 * results travel by structured clone (a SharedArrayBuffer stays shared).
 * @example
 * // main.mjs
 * export const square = (x) => x * x;
 * if (isMainModule(import.meta)) {
 *   using pool = new ThreadPool(2);
 *   console.log(pool.map(square, [1, 2, 3])); // [1, 4, 9]
 * }
 */
export class ThreadPool extends Pool {}
