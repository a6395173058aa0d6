// The results of Pool.imap / imapUnordered: iterable (blocking next(), as Python's) and async
// iterable. A failed chunk throws its error at its place; iteration may go on after it.
import { ResultPump, TimeoutError } from './async-result';
import { ChunkResults } from './chunk-results';
import { timeoutMs } from '../runtime/validate';

/**
 * What `imap()` and `imapUnordered()` return (Python's `IMapIterator`): the results, with a blocking
 * `next(timeout)` and `for...of`, or `nextAsync()` and `for await...of`. A failed chunk throws its
 * error at its place; iteration may go on after it. Leaving a loop early stops reading the input.
 * @example
 * for await (const r of pool.imap(square, [1, 2, 3])) console.log(r); // 1, 4, 9
 * const it = pool.imapUnordered(square, [4, 5]);
 * it.next(1000); // { value: 16 or 25, done: false }, or TimeoutError after 1 s
 */
export class PoolIterator<R> implements Iterable<R>, AsyncIterable<R> {
  readonly #pump: ResultPump;
  readonly #chunks: ChunkResults<R>;
  #total: number | undefined;
  #ended: Error | undefined;
  #waiters: Array<() => void> = [];
  #closed = false;
  readonly #onClose: () => void;

  /** @internal `onClose`: the consumer stopped early (break): stop reading the input. */
  constructor(pump: ResultPump, ordered: boolean, onClose: () => void) {
    this.#pump = pump;
    this.#chunks = new ChunkResults(ordered);
    this.#onClose = onClose;
  }

  /** A loop left early (`break`, `return`, a throw in its body): no more input is read;
   * tasks already handed out finish and their results are dropped. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }

  /** @internal A chunk's outcome: its results, or the error it failed with. */
  chunkDone(index: number, ok: boolean, value: unknown): void {
    this.#chunks.add(index, ok, value);
    this.#wake();
  }

  /** @internal The input is exhausted after `chunks` chunks. */
  inputEnded(chunks: number): void {
    this.#total = chunks;
    this.#wake();
  }

  /** @internal The pool ended first: chunks not yet finished fail with `err`. */
  poolEnded(err: Error): void {
    this.#ended = err;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #available(): boolean {
    return this.#chunks.ready() || this.#allConsumed() || this.#ended !== undefined;
  }

  #allConsumed(): boolean {
    return this.#total !== undefined && this.#chunks.consumed >= this.#total;
  }

  /** The next result if it is here; undefined if it is not yet. Throws a failed chunk's error. */
  #take(): IteratorResult<R> | undefined {
    if (this.#closed) return { done: true, value: undefined };
    const r = this.#chunks.next();
    if (r !== undefined) return r;
    if (this.#allConsumed()) return { done: true, value: undefined };
    if (this.#ended !== undefined) {
      const err = this.#ended;
      this.#total = this.#chunks.consumed;
      throw err;
    }
    return undefined;
  }

  /** Blocks for the next result; TimeoutError when none comes within `timeout` ms. */
  next(timeout?: number): IteratorResult<R> {
    const t = timeoutMs(timeout);
    let r = this.#take();
    if (r !== undefined) return r;
    this.#pump.runUntil(() => this.#available(), t);
    r = this.#take();
    if (r === undefined) throw new TimeoutError('no result within the timeout');
    return r;
  }

  /**
   * The Promise form of `next()`: the next result (`{ done: true }` after the last), without a
   * timeout; rejects with a failed chunk's error, or `ERR_POOL_TERMINATED` when the pool ended first.
   */
  async nextAsync(): Promise<IteratorResult<R>> {
    for (;;) {
      this.#pump.poll();
      const r = this.#take();
      if (r !== undefined) return r;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        this.#pump.arm();
      });
    }
  }

  /** `for...of`: blocks for each result (no timeout); `break` stops reading the input. */
  [Symbol.iterator](): Iterator<R> {
    return {
      next: () => this.next(),
      return: (value?: unknown) => {
        this.#close();
        return { done: true, value: value as R };
      },
    };
  }

  /** `for await...of`: awaits each result; `break` stops reading the input. */
  [Symbol.asyncIterator](): AsyncIterator<R> {
    return {
      next: () => this.nextAsync(),
      return: async (value?: unknown) => {
        this.#close();
        return { done: true, value: value as R };
      },
    };
  }
}
