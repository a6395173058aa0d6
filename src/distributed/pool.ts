// DistributedPool: Pool's API over BullMQ on Redis. Each call becomes jobs (one per chunk) in a
// BullMQ queue; worker processes started with `native-threading worker` (possibly on other
// machines) run them on local Pools and return the results. Redis is reached by a connector
// thread (connector.ts), so blocking calls block only the calling thread.
import { randomUUID } from 'node:crypto';
import { ERR_DEPENDENCY_MISSING, ERR_JOB_FAILED } from './errors';
import { coded } from '../runtime/errors';
import { AsyncResult, resultInternals } from '../pool/async-result';
import { DistributedIterator } from './iterator';
import { ConnectorLink } from './link';
import { TaskModule, taskModule } from './modules';
import { serializePortable } from './portable';
import type { ExportEntry, ToPool } from './protocol';
import { DEFAULT_CONNECTION_TIMEOUT_MS } from './settings';
import { decodeError, decodeValue, JobData, JobKind, JobResult } from './wire';

/**
 * The options of `new DistributedPool()`: where Redis is, the BullMQ queue the workers
 * (`native-threading worker`) take jobs from, and the task modules both sides import.
 */
export interface DistributedPoolOptions {
  /** The Redis server: `redis://host:port` (or `rediss://`, with a password: `redis://:secret@host:port/db`). */
  redis: string;
  /** More ioredis options (plain data: they travel to the connector thread). */
  redisOptions?: Record<string, unknown>;
  /** The BullMQ queue's name: the workers' `--queue`. */
  queue: string;
  /** BullMQ's key prefix (default `bull`): the workers' `--prefix`. */
  prefix?: string;
  /** The modules whose exported functions this pool runs (paths relative to the working
   * directory, absolute paths or file: URLs): the same modules as the workers' `--import`. */
  import: Array<string | URL>;
  /** How long Redis may be out of reach, while results are outstanding, before those calls
   * fail with ERR_DISTRIBUTED_CONNECTION (ms, default 20,000). */
  connectionTimeout?: number;
  /** How many chunks an imap keeps submitted ahead of its consumer (default 64). */
  imapWindow?: number;
}

/** How long the constructor waits for the connector thread to import the task modules. */
const READY_TIMEOUT_MS = 60_000;

/** An exported function, as jobs name it. */
interface Target {
  module: string;
  exportName: string;
  hash: string;
}

/** A call with chunks outstanding. */
interface Call {
  kind: JobKind;
  /** Chunks submitted whose outcome has not arrived. */
  pending: number;
  /** More chunks may be submitted (an imap reading its input). */
  open: boolean;
  chunkDone(index: number, ok: boolean, value: unknown): void;
  fail(err: Error): void;
}

type State = 'running' | 'closed' | 'terminated';

const notRunning = (): Error => coded(Error, 'ERR_POOL_NOT_RUNNING', 'the pool is not running (close() or terminate() was called)');

/**
 * Python's `ray.util.multiprocessing.Pool`, on BullMQ: `Pool`'s API, with the work done by
 * `native-threading worker` processes on any machine that reaches the same Redis.
 * @example
 * import { DistributedPool } from 'native-threading/distributed';
 * import { square } from './tasks.mjs';
 * const pool = new DistributedPool({ redis: 'redis://127.0.0.1:6379', queue: 'squares', import: ['./tasks.mjs'] });
 * pool.map(square, [1, 2, 3]); // [1, 4, 9]
 * pool.close();
 * await pool.joinAsync();
 */
export class DistributedPool {
  readonly #link: ConnectorLink;
  readonly #modules: TaskModule[];
  readonly #connectionTimeout: number;
  readonly #imapWindow: number;
  #exports: ExportEntry[] | undefined;
  #importError: Error | undefined;
  readonly #targets = new WeakMap<Function, Target>();
  readonly #calls = new Map<number, Call>();
  #nextCall = 0;
  #state: State = 'running';
  #closeSent = false;
  #ended = false;
  #joinWaiters: Array<() => void> = [];

  /** Starts the connector thread and waits until it has imported the task modules (it
   * connects to Redis in the background: calls made before that wait for it). */
  constructor(options: DistributedPoolOptions) {
    if (typeof options !== 'object' || options === null) throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be an object');
    const { redis, queue, prefix, redisOptions = {}, connectionTimeout = DEFAULT_CONNECTION_TIMEOUT_MS, imapWindow = 64 } = options;
    if (typeof redis !== 'string' || !/^rediss?:\/\//.test(redis)) {
      throw coded(TypeError, 'ERR_INVALID_ARG_VALUE', 'options.redis must be a Redis URL (redis://host:port)');
    }
    if (typeof queue !== 'string' || queue === '') throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'options.queue must be a non-empty string');
    if (prefix !== undefined && (typeof prefix !== 'string' || prefix === '')) throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'options.prefix must be a non-empty string');
    if (typeof redisOptions !== 'object' || redisOptions === null) throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'options.redisOptions must be an object');
    if (!Array.isArray(options.import) || options.import.length === 0) {
      throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'options.import must list the task modules (the workers\' --import modules)');
    }
    this.#connectionTimeout = positive(connectionTimeout, 'options.connectionTimeout');
    this.#imapWindow = positiveInteger(imapWindow, 'options.imapWindow');
    requireDependencies();
    this.#modules = options.import.map((spec) => {
      try {
        return taskModule(spec);
      } catch (e) {
        throw Object.assign(coded(TypeError, 'ERR_INVALID_ARG_VALUE', `cannot read the task module ${String(spec)}: ${(e as Error).message}`), { cause: e });
      }
    });
    this.#link = new ConnectorLink(
      {
        redis,
        redisOptions,
        queue,
        prefix,
        modules: this.#modules.map((m) => ({ name: m.name, url: m.url })),
        connectionTimeout: this.#connectionTimeout,
        poolId: randomUUID().slice(0, 8),
      },
      (msg) => this.#onMessage(msg),
    );
    this.#link.onExit(() => this.#connectorEnded());
    this.#link.hold();
    try {
      if (!this.#link.waitUntil(() => this.#exports !== undefined || this.#ended, READY_TIMEOUT_MS)) {
        throw coded(Error, 'ERR_DISTRIBUTED_START', `importing the task modules took over ${READY_TIMEOUT_MS} ms`);
      }
    } finally {
      this.#link.release();
    }
    if (this.#importError !== undefined) {
      this.terminate();
      throw this.#importError;
    }
  }

  /** Runs `fn(...args, kwargs?)` on a worker and returns its result (blocks the calling thread). */
  apply<R>(fn: Function, args?: unknown[], kwargs?: object): R {
    return this.applyAsync<R>(fn, args, kwargs).get();
  }

  /** The non-blocking apply(): an AsyncResult (Pool's); `callback`/`errorCallback` run on this thread first. */
  applyAsync<R>(fn: Function, args: unknown[] = [], kwargs?: object, callback?: (result: R) => void, errorCallback?: (error: Error) => void): AsyncResult<R> {
    this.#checkRunning();
    const target = this.#target(fn);
    if (!Array.isArray(args)) throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "args" argument must be an array');
    if (kwargs !== undefined && (typeof kwargs !== 'object' || kwargs === null)) throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "kwargs" argument must be an object');
    const payload = serializePortable(kwargs === undefined ? [args] : [args, kwargs], `the arguments of ${fn.name || 'the task'}`);
    const result = resultInternals.create<R>(this.#link, callback, errorCallback);
    const call = this.#startCall('apply', {
      chunkDone: (_index, ok, value) => resultInternals.settle(result, ok, value),
      fail: (err) => resultInternals.settle(result, false, err),
    });
    this.#submit(call, [{ index: 0, data: jobData(target, 'apply', payload) }]);
    this.#endInput(call);
    return result;
  }

  /** Python's `map`: `fn` over every item, the results in input order (blocks the calling thread). */
  map<R>(fn: Function, iterable: Iterable<unknown>, chunksize?: number): R[] {
    return this.mapAsync<R>(fn, iterable, chunksize).get();
  }

  /** The non-blocking map(); one job per chunk (default chunksize: ceil(items / 64)). */
  mapAsync<R>(fn: Function, iterable: Iterable<unknown>, chunksize?: number, callback?: (result: R[]) => void, errorCallback?: (error: Error) => void): AsyncResult<R[]> {
    return this.#mapCall<R>('map', fn, iterable, chunksize, callback, errorCallback);
  }

  /** Python's `starmap`: `fn(...args)` for every argument list, in input order (blocks). */
  starmap<R>(fn: Function, iterable: Iterable<unknown[]>, chunksize?: number): R[] {
    return this.starmapAsync<R>(fn, iterable, chunksize).get();
  }

  /** The non-blocking starmap(). */
  starmapAsync<R>(fn: Function, iterable: Iterable<unknown[]>, chunksize?: number, callback?: (result: R[]) => void, errorCallback?: (error: Error) => void): AsyncResult<R[]> {
    return this.#mapCall<R>('starmap', fn, iterable, chunksize, callback, errorCallback);
  }

  /** Python's `imap`: results in input order, as they come; the input is read as results are
   * consumed (at most `imapWindow` chunks ahead). Default chunksize 1. */
  imap<R>(fn: Function, iterable: Iterable<unknown>, chunksize = 1): DistributedIterator<R> {
    return this.#imapCall<R>(true, fn, iterable, chunksize);
  }

  /** Python's `imap_unordered`: results in the order they finish. */
  imapUnordered<R>(fn: Function, iterable: Iterable<unknown>, chunksize = 1): DistributedIterator<R> {
    return this.#imapCall<R>(false, fn, iterable, chunksize);
  }

  /** No more calls; the outstanding ones finish, then the connection closes. */
  close(): void {
    if (this.#state === 'running') this.#state = 'closed';
    this.#maybeSendClose();
  }

  /** Stops at once: unfinished results fail with ERR_POOL_TERMINATED, and the jobs not yet
   * started are taken back from the queue (running ones finish on their workers; their results
   * are dropped). */
  terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    const err = coded(Error, 'ERR_POOL_TERMINATED', 'the pool was terminated before this result was ready');
    for (const [id, call] of [...this.#calls]) {
      this.#calls.delete(id);
      this.#link.release();
      call.fail(err);
    }
    if (!this.#closeSent && !this.#ended) {
      this.#closeSent = true;
      this.#link.send({ t: 'terminate' });
    }
  }

  /** Waits (blocking) until the pool has ended, after close() or terminate(). */
  join(): void {
    this.#checkJoinable();
    this.#link.waitUntil(() => this.#ended, -1);
  }

  /** The Promise form of join(). */
  joinAsync(): Promise<void> {
    try {
      this.#checkJoinable();
    } catch (e) {
      return Promise.reject(e);
    }
    this.#link.poll();
    if (this.#ended) return Promise.resolve();
    this.#link.hold();
    return new Promise<void>((resolve) => this.#joinWaiters.push(resolve)).finally(() => this.#link.release());
  }

  /** `using pool = new DistributedPool(...)`: terminate() at the end of the block, as Python's `with`. */
  [Symbol.dispose](): void {
    this.terminate();
  }

  /** `await using`: terminate() and wait for the connection to close. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.joinAsync();
  }

  #checkRunning(): void {
    if (this.#state !== 'running') throw notRunning();
  }

  #checkJoinable(): void {
    if (this.#state === 'running') throw coded(Error, 'ERR_POOL_RUNNING', 'join() before close() or terminate()');
  }

  /** How jobs name `fn`: the task module that exports it. */
  #target(fn: Function): Target {
    if (typeof fn !== 'function') throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "fn" argument must be a function');
    const known = this.#targets.get(fn);
    if (known !== undefined) return known;
    const source = Function.prototype.toString.call(fn);
    const same = this.#exports!.filter((e) => e.source === source && e.fnName === fn.name);
    const entry = same.find((e) => e.exportName === fn.name) ?? (same.length === 1 ? same[0] : undefined);
    if (entry === undefined) {
      const name = fn.name || '<anonymous>';
      throw coded(
        Error,
        'ERR_TARGET_NOT_EXPORTED',
        `${name} is not exported by any of the pool's task modules (${this.#modules.map((m) => m.name).join(', ')}): export it from one of them`,
      );
    }
    const target = { module: entry.module, exportName: entry.exportName, hash: this.#modules.find((m) => m.name === entry.module)!.hash };
    this.#targets.set(fn, target);
    return target;
  }

  #startCall(kind: JobKind, sink: Pick<Call, 'chunkDone' | 'fail'>): number {
    const id = this.#nextCall++;
    this.#calls.set(id, { kind, pending: 0, open: true, ...sink });
    this.#link.hold();
    return id;
  }

  #submit(id: number, jobs: Array<{ index: number; data: JobData }>): void {
    const call = this.#calls.get(id);
    if (call === undefined || jobs.length === 0) return;
    call.pending += jobs.length;
    this.#link.send({ t: 'submit', call: id, jobs });
  }

  /** No more chunks for call `id`. */
  #endInput(id: number): void {
    const call = this.#calls.get(id);
    if (call === undefined) return;
    call.open = false;
    if (call.pending === 0) this.#finishCall(id);
  }

  #finishCall(id: number): void {
    if (!this.#calls.delete(id)) return;
    this.#link.release();
    this.#maybeSendClose();
  }

  #maybeSendClose(): void {
    if (this.#state === 'closed' && this.#calls.size === 0 && !this.#closeSent && !this.#ended) {
      this.#closeSent = true;
      this.#link.send({ t: 'close' });
    }
  }

  #mapCall<R>(kind: 'map' | 'starmap', fn: Function, iterable: Iterable<unknown>, chunksize: number | undefined, callback?: (result: R[]) => void, errorCallback?: (error: Error) => void): AsyncResult<R[]> {
    this.#checkRunning();
    const target = this.#target(fn);
    const items = toArray(iterable, kind);
    const size = chunksize === undefined ? Math.max(1, Math.ceil(items.length / 64)) : positiveInteger(chunksize, 'chunksize');
    // Every chunk is serialized before any is submitted: one that cannot be leaves nothing behind.
    const jobs: Array<{ index: number; data: JobData }> = [];
    for (let start = 0, index = 0; start < items.length; start += size, index++) {
      const chunk = items.slice(start, start + size);
      jobs.push({ index, data: jobData(target, kind, serializePortable(chunk, `the items ${start}..${start + chunk.length - 1} of ${kind}(${fn.name || ''})`)) });
    }
    const result = resultInternals.create<R[]>(this.#link, callback, errorCallback);
    const values: R[] = new Array(items.length);
    let left = jobs.length;
    const id = this.#startCall(kind, {
      chunkDone: (index, ok, value) => {
        if (!ok) {
          resultInternals.settle(result, false, value);
          this.#cancel(id);
          return;
        }
        const chunk = value as R[];
        for (let i = 0; i < chunk.length; i++) values[index * size + i] = chunk[i];
        if (--left === 0) resultInternals.settle(result, true, values);
      },
      fail: (err) => resultInternals.settle(result, false, err),
    });
    this.#submit(id, jobs);
    this.#endInput(id);
    if (jobs.length === 0) resultInternals.settle(result, true, values);
    return result;
  }

  #imapCall<R>(ordered: boolean, fn: Function, iterable: Iterable<unknown>, chunksize: number): DistributedIterator<R> {
    this.#checkRunning();
    const target = this.#target(fn);
    const size = positiveInteger(chunksize, 'chunksize');
    if (iterable === null || typeof (iterable as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "iterable" argument must be iterable');
    }
    const input = iterable[Symbol.iterator]();
    const iterator = new DistributedIterator<R>(this.#link, ordered, this.#imapWindow);
    const id = this.#startCall('map', { chunkDone: (index, ok, value) => iterator.chunkDone(index, ok, value), fail: (err) => iterator.fail(err) });
    let index = 0;
    let done = false;
    iterator.start({
      submitNext: () => {
        if (done) return false;
        const chunk: unknown[] = [];
        try {
          while (chunk.length < size) {
            const next = input.next();
            if (next.done) break;
            chunk.push(next.value);
          }
        } catch (e) {
          // The input threw: its error takes this chunk's place, and the input ends there.
          done = true;
          iterator.chunkDone(index++, false, e);
          this.#endInput(id);
          return true;
        }
        if (chunk.length === 0) {
          done = true;
          this.#endInput(id);
          return false;
        }
        if (chunk.length < size) done = true;
        const at = index++;
        try {
          this.#submit(id, [{ index: at, data: jobData(target, 'map', serializePortable(chunk, `an item of imap(${fn.name || ''})`)) }]);
        } catch (e) {
          iterator.chunkDone(at, false, e);
        }
        if (done) this.#endInput(id);
        return true;
      },
      cancel: () => {
        done = true;
        this.#cancel(id);
      },
    });
    return iterator;
  }

  /** Drops call `id`'s outstanding chunks (results that still come are ignored). */
  #cancel(id: number): void {
    if (!this.#calls.has(id)) return;
    this.#link.send({ t: 'cancel', call: id });
    this.#finishCall(id);
  }

  #onMessage(msg: ToPool): void {
    switch (msg.t) {
      case 'ready':
        this.#exports = msg.exports;
        if (msg.error !== undefined) this.#importError = decodeError(msg.error);
        break;
      case 'chunk': {
        const call = this.#calls.get(msg.call);
        if (call === undefined) return;
        call.pending--;
        const [ok, value] = outcome(msg.result);
        call.chunkDone(msg.index, ok, value);
        if (!call.open && call.pending === 0) this.#finishCall(msg.call);
        break;
      }
      case 'fail': {
        const call = this.#calls.get(msg.call);
        if (call === undefined) return;
        this.#calls.delete(msg.call);
        this.#link.release();
        call.fail(decodeError(msg.error));
        this.#maybeSendClose();
        break;
      }
      case 'closed':
        this.#connectorEnded();
        break;
    }
  }

  #connectorEnded(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#state === 'running') this.#state = 'closed';
    const err = coded(Error, 'ERR_DISTRIBUTED_CONNECTION', "the pool's connector thread ended");
    for (const [id, call] of [...this.#calls]) {
      this.#calls.delete(id);
      this.#link.release();
      call.fail(err);
    }
    for (const w of this.#joinWaiters.splice(0)) w();
  }
}

function jobData(target: Target, kind: JobKind, payload: Buffer): JobData {
  return { v: 1, m: target.module, x: target.exportName, h: target.hash, k: kind, a: payload.toString('base64') };
}

/** A job result as [ok, value] (its values decoded, a failure as an Error). */
function outcome(result: JobResult): [boolean, unknown] {
  if (!result.ok) return [false, decodeError(result.e)];
  try {
    return [true, decodeValue(result.r)];
  } catch (e) {
    return [false, Object.assign(coded(Error, ERR_JOB_FAILED, `a job's result could not be read: ${(e as Error).message}`), { cause: e })];
  }
}

function toArray(iterable: Iterable<unknown>, kind: 'map' | 'starmap'): unknown[] {
  if (iterable === null || typeof (iterable as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "iterable" argument must be iterable');
  }
  const items = Array.from(iterable);
  if (kind === 'starmap') {
    return items.map((args, i) => {
      if (args === null || typeof (args as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
        throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', `starmap: item ${i} must be an iterable of arguments`);
      }
      return Array.from(args as Iterable<unknown>);
    });
  }
  return items;
}

function positive(v: unknown, what: string): number {
  if (typeof v !== 'number') throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', `${what} must be a number`);
  if (!(v > 0)) throw coded(RangeError, 'ERR_OUT_OF_RANGE', `${what} must be > 0. Received ${v}`);
  return v;
}

function positiveInteger(v: unknown, what: string): number {
  if (!Number.isInteger(positive(v, what))) throw coded(RangeError, 'ERR_OUT_OF_RANGE', `${what} must be an integer. Received ${String(v)}`);
  return v as number;
}

/** bullmq and ioredis are optional peer dependencies: only this part of the package needs them. */
function requireDependencies(): void {
  const missing = ['bullmq', 'ioredis'].filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw coded(
      Error,
      ERR_DEPENDENCY_MISSING,
      `native-threading/distributed needs ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed: npm install bullmq ioredis`,
    );
  }
}
