// Python's multiprocessing.Queue and JoinableQueue, across threads and processes. Items are
// copied into shared memory: numbers, strings, Buffers, Uint8Arrays, booleans, null and
// undefined directly; plain data (objects and arrays of those) as its JSON text; anything else
// the structured-clone algorithm takes through v8.serialize (primitives inside are leased, and
// restored on get()).
import { coded, invalidArgType, outOfRange } from '../runtime/errors';
import { QueueTag, QueueWord } from '../runtime/layout';
import { Kind, memory, native, Op, wordOf } from '../runtime/native';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver, Shared } from '../runtime/handle-transfer';
import { deserializeItem, serializeItem } from '../runtime/serialize';
import { signalOf, timeoutMs, WaitOptions } from '../runtime/validate';
import { waitAsync } from '../runtime/wait-async';
import { invalidThis } from '../runtime/receiver';

/**
 * Python's `queue.Empty`: `get()` of an empty queue without blocking, or after its timeout.
 * @example
 * try {
 *   queue.getNowait();
 * } catch (e) {
 *   if (e instanceof EmptyError) console.log(e.code); // 'ERR_QUEUE_EMPTY'
 * }
 */
export class EmptyError extends Error {
  /** Always `'ERR_QUEUE_EMPTY'`. */
  readonly code = 'ERR_QUEUE_EMPTY';
  /** An error with `message`, named `'EmptyError'`. */
  constructor(message = 'the queue is empty') {
    super(message);
    this.name = 'EmptyError';
  }
}

/**
 * Python's `queue.Full`: `put()` to a full queue without blocking, or after its timeout.
 * @example
 * const queue = new Queue(1);
 * queue.put('a');
 * try {
 *   queue.putNowait('b');
 * } catch (e) {
 *   if (e instanceof FullError) console.log(e.code); // 'ERR_QUEUE_FULL'
 * }
 */
export class FullError extends Error {
  /** Always `'ERR_QUEUE_FULL'`. */
  readonly code = 'ERR_QUEUE_FULL';
  /** An error with `message`, named `'FullError'`. */
  constructor(message = 'the queue is full') {
    super(message);
    this.name = 'FullError';
  }
}

// Moved to runtime/serialize.ts; re-exported for the modules that still import them from here.

/** What queueGet returns when the queue is empty. */
const EMPTY = Object.freeze({});

/** Puts `item` (encoded as the native side expects); 0 queued, 1 full. */
function putItem(h: number, item: unknown): number {
  switch (typeof item) {
    case 'number':
      return native.queuePut(h, QueueTag.Number, item);
    case 'string':
      // UTF-8 cannot carry a lone surrogate: such strings take the v8 path, which keeps them.
      if ((item as string & { isWellFormed(): boolean }).isWellFormed()) return native.queuePut(h, QueueTag.String, item);
      break;
    case 'boolean':
      return native.queuePut(h, QueueTag.Simple, item ? 3 : 2);
    case 'undefined':
      return native.queuePut(h, QueueTag.Simple, 0);
    case 'object':
      if (item === null) return native.queuePut(h, QueueTag.Simple, 1);
      if (item instanceof Uint8Array && !(item.buffer instanceof SharedArrayBuffer)) {
        if (Buffer.isBuffer(item)) return native.queuePut(h, QueueTag.Buffer, item);
        if (item.constructor === Uint8Array) return native.queuePut(h, QueueTag.Uint8Array, item);
      }
  }
  return putEncoded(h, serializeItem(item));
}

/** Puts an item serializeItem encoded. */
function putEncoded(h: number, encoded: string | Buffer): number {
  return native.queuePut(h, typeof encoded === 'string' ? QueueTag.Json : QueueTag.V8, encoded);
}

/** Whether `putItem` would serialize `item` (done once, before the first attempt). */
function needsSerializer(item: unknown): boolean {
  return typeof item === 'object' && item !== null && !(item instanceof Uint8Array);
}

function decode(v: unknown): unknown {
  return Array.isArray(v) ? deserializeItem(v[0] as string | Buffer) : v;
}

function validBlock(block: unknown): boolean {
  if (block !== undefined && typeof block !== 'boolean') throw invalidArgType('The "block" argument must be of type boolean', block);
  return block !== false;
}

/**
 * Python's `multiprocessing.Queue`: a FIFO queue in shared memory for threads and processes. Items
 * are copied in and out (structured clone; shared objects inside arrive working).
 * @example
 * const queue = new Queue<string>();
 * queue.put('job');
 * queue.get(); // 'job'
 * await queue.getAsync(100); // rejects with EmptyError after 100 ms
 */
export class Queue<T = unknown> {
  /** Whether `x` is an instance (a structured clone or another object is not). */
  static #is(x: unknown): x is Queue<unknown> {
    return typeof x === 'object' && x !== null && #h in x;
  }

  readonly #h: number;
  readonly #w: number;
  #closed = false;

  /**
   * Python's `Queue(maxsize=0)`: holds at most `maxsize` items; 0 or negative: no limit.
   * @throws `ERR_OUT_OF_RANGE` for NaN, a fraction or more than 2^31-1; `ERR_INVALID_ARG_TYPE` for
   * a non-number.
   */
  constructor(maxsize: number = 0) {
    const joinable = new.target === JoinableQueue || Object.prototype.isPrototypeOf.call(JoinableQueue, new.target);
    const existing = existingHandle(Kind.Queue, this);
    if (existing !== undefined) {
      this.#h = existing;
    } else {
      if (typeof maxsize !== 'number') throw invalidArgType('The "maxsize" argument must be of type number', maxsize);
      if (Number.isNaN(maxsize) || (Number.isFinite(maxsize) && !Number.isInteger(maxsize)) || maxsize > 0x7fffffff) {
        throw outOfRange('The value of "maxsize" is out of range. It must be an integer <= 2147483647', maxsize);
      }
      this.#h = native.create(Kind.Queue, this, maxsize > 0 ? maxsize : 0, joinable);
    }
    this.#w = wordOf(this.#h);
    makeShareable(this, Kind.Queue, this.#h);
  }

  /**
   * Python's `put(item, block=True, timeout=None)`: adds `item`, blocking while the queue is full.
   * `timeout` undefined, null or Infinity waits forever; 0 or negative, or `block` false, does not
   * wait.
   * @throws FullError (`ERR_QUEUE_FULL`) when still full; `ERR_QUEUE_CLOSED` after `close()`;
   * `ERR_INVALID_ARG_VALUE` for an item that cannot be cloned (a function...); `ERR_NOT_SHAREABLE`
   * for a SharedArrayBuffer inside it; `ERR_MEMORY_ALLOCATION_FAILED` when shared memory is full.
   */
  put(item: T, block?: boolean, timeout?: number): void {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'put');
    const blocking = validBlock(block);
    const t = blocking ? timeoutMs(timeout) : (timeoutMs(timeout), 0);
    this.#checkOpen();
    const h = this.#h;
    // Encode once: a value with no fast path is serialized before the first attempt.
    const encoded = needsSerializer(item) ? serializeItem(item) : undefined;
    const attempt = (): number => (encoded !== undefined ? putEncoded(h, encoded) : putItem(h, item));
    if (attempt() === 0) return;
    if (t === 0) throw new FullError();
    const end = t < 0 ? Infinity : performance.now() + t;
    for (;;) {
      const seen = Atomics.load(memory, this.#w + QueueWord.NotFull) >>> 0;
      if (attempt() === 0) return;
      const left = end - performance.now();
      if (left <= 0) throw new FullError();
      native.block(Op.QueueChange, h, left === Infinity ? -1 : left, QueueWord.NotFull, seen);
    }
  }

  /**
   * Python's `get(block=True, timeout=None)`: removes and returns the oldest item, blocking while the
   * queue is empty. `timeout` undefined, null or Infinity waits forever; 0 or negative, or `block`
   * false, does not wait.
   * @throws EmptyError (`ERR_QUEUE_EMPTY`) when still empty.
   */
  get(block?: boolean, timeout?: number): T {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'get');
    const blocking = validBlock(block);
    const t = blocking ? timeoutMs(timeout) : (timeoutMs(timeout), 0);
    const h = this.#h;
    let v = native.queueGet(h, EMPTY);
    if (v !== EMPTY) return decode(v) as T;
    if (t === 0) throw new EmptyError();
    const end = t < 0 ? Infinity : performance.now() + t;
    for (;;) {
      const seen = Atomics.load(memory, this.#w + QueueWord.NotEmpty) >>> 0;
      v = native.queueGet(h, EMPTY);
      if (v !== EMPTY) return decode(v) as T;
      const left = end - performance.now();
      if (left <= 0) throw new EmptyError();
      native.block(Op.QueueChange, h, left === Infinity ? -1 : left, QueueWord.NotEmpty, seen);
    }
  }

  /** Python's `put_nowait(item)`: `put(item, false)`; FullError when full. */
  putNowait(item: T): void {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'putNowait');
    this.put(item, false);
  }

  /** Python's `get_nowait()`: `get(false)`; EmptyError when empty. */
  getNowait(): T {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'getNowait');
    return this.get(false);
  }

  /**
   * The Promise form of `put(item, true, timeout)`: resolves once queued; rejects with FullError
   * after `timeout` ms (undefined, null or Infinity: no limit; 0: one try), with the codes `put()`
   * throws, or with the reason of an aborted `options.signal` (nothing queued).
   */
  async putAsync(item: T, timeout?: number, options?: WaitOptions): Promise<void> {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'putAsync');
    const t = timeoutMs(timeout);
    const signal = signalOf(options);
    this.#checkOpen();
    if (signal?.aborted) throw signal.reason;
    const h = this.#h;
    const encoded = needsSerializer(item) ? serializeItem(item) : undefined;
    const end = t < 0 ? Infinity : performance.now() + t;
    for (;;) {
      const seen = Atomics.load(memory, this.#w + QueueWord.NotFull) >>> 0;
      if ((encoded !== undefined ? putEncoded(h, encoded) : putItem(h, item)) === 0) return;
      const left = end - performance.now();
      if (left <= 0) throw new FullError();
      await waitAsync(Op.QueueChange, h, left === Infinity ? -1 : left, signal, QueueWord.NotFull, seen);
    }
  }

  /**
   * The Promise form of `get(true, timeout)`: resolves with the oldest item; rejects with EmptyError
   * after `timeout` ms (0: one try), or with the reason of an aborted `options.signal` (nothing
   * taken).
   */
  async getAsync(timeout?: number, options?: WaitOptions): Promise<T> {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'getAsync');
    const t = timeoutMs(timeout);
    const signal = signalOf(options);
    if (signal?.aborted) throw signal.reason;
    const h = this.#h;
    const end = t < 0 ? Infinity : performance.now() + t;
    for (;;) {
      const seen = Atomics.load(memory, this.#w + QueueWord.NotEmpty) >>> 0;
      const v = native.queueGet(h, EMPTY);
      if (v !== EMPTY) return decode(v) as T;
      const left = end - performance.now();
      if (left <= 0) throw new EmptyError();
      await waitAsync(Op.QueueChange, h, left === Infinity ? -1 : left, signal, QueueWord.NotEmpty, seen);
    }
  }

  /** Python's `qsize()`: the number of items (approximate while others put and get). */
  qsize(): number {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'qsize');
    const w = this.#w;
    const inRing = (Atomics.load(memory, w + QueueWord.Tail) - Atomics.load(memory, w + QueueWord.Head)) | 0;
    return Math.max(0, inRing) + Atomics.load(memory, w + QueueWord.OverflowCount);
  }

  /** Python's `empty()`: whether `qsize()` is 0 (approximate while others put and get). */
  empty(): boolean {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'empty');
    return this.qsize() === 0;
  }

  /** Python's `full()`: whether the queue holds `maxsize` items (approximate; never for no limit). */
  full(): boolean {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'full');
    const max = Atomics.load(memory, this.#w + QueueWord.Maxsize);
    return max > 0 && this.qsize() >= max;
  }

  /**
   * Python's `close()`: this handle puts no more (`ERR_QUEUE_CLOSED`); other handles, and `get()`,
   * work on.
   */
  close(): void {
    if (!Queue.#is(this)) throw invalidThis(this, 'Queue', 'close');
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw coded(Error, 'ERR_QUEUE_CLOSED', 'the queue is closed');
  }

  /** @internal The next item, or `empty` when there is none: a poll without an exception. */
  static tryGet<T, E>(q: Queue<T>, empty: E): T | E {
    const v = native.queueGet(q.#h, EMPTY);
    return v === EMPTY ? empty : (decode(v) as T);
  }

  /** @internal A Promise-form wait for an item to arrive, or undefined when one may be there
   * already: the native wait's id (for native.abortWait) and its outcome (ABORTED if so).
   * Lighter than getAsync with an AbortSignal, for a pool's result loop. */
  static waitArrival(q: Queue<unknown>): [number, Promise<number>] | undefined {
    const seen = Atomics.load(memory, q.#w + QueueWord.NotEmpty) >>> 0;
    if (q.qsize() > 0) return undefined;
    return native.waitAsync(Op.QueueChange, q.#h, -1, QueueWord.NotEmpty, seen);
  }

  /** @internal The handle of `q` for JoinableQueue's `method`: ERR_INVALID_THIS unless `q` is a JoinableQueue. */
  protected static joinableHandleOf(q: unknown, method: string): number {
    if (!Queue.#is(q) || !(q instanceof JoinableQueue)) throw invalidThis(q, 'JoinableQueue', method);
    return q.#h;
  }

  /**
   * Restores a Queue (a JoinableQueue when it is one) received through `postMessage` or
   * `workerData`; a Queue is returned as is.
   * @throws `ERR_INVALID_ARG_TYPE` for anything that is not a (clone of a) Queue.
   */
  static from<T = unknown>(shared: unknown): Queue<T> {
    if (shared instanceof Queue) return shared as Queue<T>;
    return reviveQueue(expectShared(shared, 'Queue', Kind.Queue)) as Queue<T>;
  }
}

/** The Queue or JoinableQueue a descriptor names. It is adopted (checked) before its words are
 * read; the holder's reference goes when it is collected. */
function reviveQueue(s: Shared, joinableOnly = false, from: unknown = s): Queue {
  const holder = {};
  const handle = native.adopt(Kind.Queue, holder, s.d);
  const joinable = Atomics.load(memory, wordOf(handle, QueueWord.Joinable)) !== 0;
  if (joinableOnly && !joinable) throw invalidArgType('JoinableQueue.from() expects a JoinableQueue', from);
  return buildFrom({ handle }, () => (joinable ? new JoinableQueue() : new Queue()));
}

/**
 * Python's `multiprocessing.JoinableQueue`: a Queue that counts unfinished items; `taskDone()`
 * marks one done, `join()` waits until all are.
 * @example
 * const jobs = new JoinableQueue<number>();
 * jobs.put(1);
 * // a consumer: jobs.get(); ...; jobs.taskDone();
 * await jobs.joinAsync(); // once every item put is done
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /**
   * Python's `task_done()`: one item got with `get()` is processed.
   * @throws `ERR_TASK_DONE_TOO_MANY` when called more times than items were put.
   */
  taskDone(): void {
    native.queueTaskDone(Queue.joinableHandleOf(this, 'taskDone'));
  }

  /**
   * Python's `join()`: blocks the calling thread until every item put has been marked done (no
   * timeout, as in Python).
   */
  join(): void {
    const h = Queue.joinableHandleOf(this, 'join');
    for (;;) {
      const seen = Atomics.load(memory, wordOf(h, QueueWord.AllDone)) >>> 0;
      if (Atomics.load(memory, wordOf(h, QueueWord.Unfinished)) === 0) return;
      native.block(Op.QueueChange, h, -1, QueueWord.AllDone, seen);
    }
  }

  /** The Promise form of `join()`: resolves once every item put has been marked done. */
  async joinAsync(): Promise<void> {
    const h = Queue.joinableHandleOf(this, 'joinAsync');
    for (;;) {
      const seen = Atomics.load(memory, wordOf(h, QueueWord.AllDone)) >>> 0;
      if (Atomics.load(memory, wordOf(h, QueueWord.Unfinished)) === 0) return;
      await waitAsync(Op.QueueChange, h, -1, undefined, QueueWord.AllDone, seen);
    }
  }

  /**
   * Restores a JoinableQueue received through `postMessage` or `workerData`; a JoinableQueue is
   * returned as is.
   * @throws `ERR_INVALID_ARG_TYPE` for anything else, a plain Queue's clone included.
   */
  static override from<T = unknown>(shared: unknown): JoinableQueue<T> {
    if (shared instanceof JoinableQueue) return shared as JoinableQueue<T>;
    return reviveQueue(expectShared(shared, 'JoinableQueue', Kind.Queue), true, shared) as JoinableQueue<T>;
  }
}

registerReviver(Kind.Queue, (shared) => reviveQueue(shared));
