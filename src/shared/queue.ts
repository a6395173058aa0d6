// Python's multiprocessing.Queue and JoinableQueue, across threads and processes. Items are
// copied into shared memory: numbers, strings, Buffers, Uint8Arrays, booleans, null and
// undefined directly; anything else the structured-clone algorithm takes through
// v8.serialize (primitives inside are leased, and restored on get()).
import { coded, invalidArgType, outOfRange } from '../runtime/errors';
import { QueueTag, QueueWord } from '../runtime/layout';
import { Kind, memory, native, Op, wordOf } from '../runtime/native';
import { buildFrom, existingHandle, expectShared, makeShareable, registerReviver } from '../runtime/handle-transfer';
import { deserializeItem, serializeItem } from '../runtime/serialize';
import { signalOf, timeoutMs, WaitOptions } from '../runtime/validate';
import { waitAsync } from '../runtime/wait-async';

/** Python's queue.Empty. */
export class EmptyError extends Error {
  readonly code = 'ERR_QUEUE_EMPTY';
  constructor(message = 'the queue is empty') {
    super(message);
    this.name = 'EmptyError';
  }
}

/** Python's queue.Full. */
export class FullError extends Error {
  readonly code = 'ERR_QUEUE_FULL';
  constructor(message = 'the queue is full') {
    super(message);
    this.name = 'FullError';
  }
}

// Moved to runtime/serialize.ts; re-exported for the modules that still import them from here.
export { assertNoSharedMemory, hasSharedMemory, serializeItem } from '../runtime/serialize';

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
  return native.queuePut(h, QueueTag.V8, serializeItem(item));
}

/** Whether `putItem` would serialize `item` (done once, before the first attempt). */
function needsSerializer(item: unknown): boolean {
  return typeof item === 'object' && item !== null && !(item instanceof Uint8Array);
}

function decode(v: unknown): unknown {
  return Array.isArray(v) ? deserializeItem(v[0] as Buffer) : v;
}

function validBlock(block: unknown): boolean {
  if (block !== undefined && typeof block !== 'boolean') throw invalidArgType('The "block" argument must be of type boolean', block);
  return block !== false;
}

export class Queue<T = unknown> {
  readonly #h: number;
  readonly #w: number;
  #closed = false;

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

  /** Python's `put(item, block=True, timeout=None)`; FullError when full. */
  put(item: T, block?: boolean, timeout?: number): void {
    const blocking = validBlock(block);
    const t = blocking ? timeoutMs(timeout) : (timeoutMs(timeout), 0);
    this.#checkOpen();
    const h = this.#h;
    // Encode once: a value with no fast path is serialized before the first attempt.
    const encoded = needsSerializer(item) ? [serializeItem(item)] : undefined;
    const attempt = (): number => (encoded ? native.queuePut(h, QueueTag.V8, encoded[0]) : putItem(h, item));
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

  /** Python's `get(block=True, timeout=None)`; EmptyError when empty. */
  get(block?: boolean, timeout?: number): T {
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

  putNowait(item: T): void {
    this.put(item, false);
  }

  getNowait(): T {
    return this.get(false);
  }

  async putAsync(item: T, timeout?: number, options?: WaitOptions): Promise<void> {
    const t = timeoutMs(timeout);
    const signal = signalOf(options);
    this.#checkOpen();
    if (signal?.aborted) throw signal.reason;
    const h = this.#h;
    const encoded = needsSerializer(item) ? serializeItem(item) : undefined;
    const end = t < 0 ? Infinity : performance.now() + t;
    for (;;) {
      const seen = Atomics.load(memory, this.#w + QueueWord.NotFull) >>> 0;
      if ((encoded ? native.queuePut(h, QueueTag.V8, encoded) : putItem(h, item)) === 0) return;
      const left = end - performance.now();
      if (left <= 0) throw new FullError();
      await waitAsync(Op.QueueChange, h, left === Infinity ? -1 : left, signal, QueueWord.NotFull, seen);
    }
  }

  async getAsync(timeout?: number, options?: WaitOptions): Promise<T> {
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

  /** The number of items (approximate while others put and get, as in Python). */
  qsize(): number {
    const w = this.#w;
    const inRing = (Atomics.load(memory, w + QueueWord.Tail) - Atomics.load(memory, w + QueueWord.Head)) | 0;
    return Math.max(0, inRing) + Atomics.load(memory, w + QueueWord.OverflowCount);
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    const max = Atomics.load(memory, this.#w + QueueWord.Maxsize);
    return max > 0 && this.qsize() >= max;
  }

  /** This handle puts no more (ERR_QUEUE_CLOSED); items already put stay gettable. */
  close(): void {
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

  /** @internal */
  protected static handleOf(q: Queue): number {
    return q.#h;
  }

  static from<T = unknown>(shared: unknown): Queue<T> {
    if (shared instanceof Queue) return shared as Queue<T>;
    const s = expectShared(shared, 'Queue', Kind.Queue);
    return buildFrom({ shared: s }, () => (isJoinable(s.d[0]) ? new JoinableQueue<T>() : new Queue<T>()));
  }
}

function isJoinable(h: number | undefined): boolean {
  return h !== undefined && Atomics.load(memory, wordOf(h, QueueWord.Joinable)) !== 0;
}

export class JoinableQueue<T = unknown> extends Queue<T> {
  /** One item is processed; more calls than items throw ERR_TASK_DONE_TOO_MANY. */
  taskDone(): void {
    native.queueTaskDone(Queue.handleOf(this));
  }

  /** Blocks until every item put has been marked done. */
  join(): void {
    const h = Queue.handleOf(this);
    for (;;) {
      const seen = Atomics.load(memory, wordOf(h, QueueWord.AllDone)) >>> 0;
      if (Atomics.load(memory, wordOf(h, QueueWord.Unfinished)) === 0) return;
      native.block(Op.QueueChange, h, -1, QueueWord.AllDone, seen);
    }
  }

  async joinAsync(): Promise<void> {
    const h = Queue.handleOf(this);
    for (;;) {
      const seen = Atomics.load(memory, wordOf(h, QueueWord.AllDone)) >>> 0;
      if (Atomics.load(memory, wordOf(h, QueueWord.Unfinished)) === 0) return;
      await waitAsync(Op.QueueChange, h, -1, undefined, QueueWord.AllDone, seen);
    }
  }

  static override from<T = unknown>(shared: unknown): JoinableQueue<T> {
    if (shared instanceof JoinableQueue) return shared as JoinableQueue<T>;
    const s = expectShared(shared, 'JoinableQueue', Kind.Queue);
    if (!isJoinable(s.d[0])) throw invalidArgType('JoinableQueue.from() expects a JoinableQueue', shared);
    return buildFrom({ shared: s }, () => new JoinableQueue<T>());
  }
}

registerReviver(Kind.Queue, (shared) => buildFrom({ shared }, () => (isJoinable(shared.d[0]) ? new JoinableQueue() : new Queue())));
