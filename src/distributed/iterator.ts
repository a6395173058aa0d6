// The results of DistributedPool.imap / imapUnordered: iterable (blocking next(), as Python's)
// and async iterable. It keeps at most `window` chunks submitted ahead of the consumer and
// reads more input only as results are consumed, so a slow consumer (or an endless input)
// does not fill Redis. A failed chunk throws its error at its place; iteration may go on.
import { TimeoutError } from '../../index';
import type { ConnectorLink } from './link';
import { timeoutMs } from '../runtime/validate';
import { ChunkResults } from '../pool/chunk-results';

/** Where chunks come from: the pool reads the input and submits one chunk per call. */
export interface ChunkFeed {
  /** Submits the next chunk; false when the input is exhausted. */
  submitNext(): boolean;
  /** The consumer left the loop: submit nothing more, drop what is outstanding. */
  cancel(): void;
}

/**
 * What a DistributedPool's `imap()` and `imapUnordered()` return, as Pool's PoolIterator: a
 * blocking `next(timeout)` and `for...of`, or `nextAsync()` and `for await...of`; a failed chunk
 * throws its error at its place.
 * @example
 * for await (const r of pool.imapUnordered(square, [1, 2, 3])) console.log(r);
 */
export class DistributedIterator<R> implements Iterable<R>, AsyncIterable<R> {
  readonly #link: ConnectorLink;
  readonly #chunks: ChunkResults<R>;
  readonly #window: number;
  #feed: ChunkFeed | undefined;
  #submitted = 0;
  #exhausted = false;
  #ended: Error | undefined;
  #closed = false;
  #wakers: Array<() => void> = [];

  /** @internal */
  constructor(link: ConnectorLink, ordered: boolean, window: number) {
    this.#link = link;
    this.#chunks = new ChunkResults(ordered);
    this.#window = window;
  }

  /** @internal Starts reading the input. */
  start(feed: ChunkFeed): void {
    this.#feed = feed;
    this.#topUp();
  }

  /** @internal A chunk's outcome: its results, or the error it failed with. */
  chunkDone(index: number, ok: boolean, value: unknown): void {
    this.#chunks.add(index, ok, value);
    this.#wake();
  }

  /** @internal The pool ended (terminate, lost connection): chunks not yet here fail with `err`. */
  fail(err: Error): void {
    this.#ended ??= err;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#wakers.splice(0)) w();
  }

  #topUp(): void {
    while (!this.#exhausted && !this.#closed && this.#submitted - this.#chunks.consumed < this.#window) {
      if (this.#feed!.submitNext()) this.#submitted++;
      else this.#exhausted = true;
    }
  }

  #available(): boolean {
    return this.#chunks.ready() || this.#allConsumed() || this.#ended !== undefined;
  }

  #allConsumed(): boolean {
    return this.#exhausted && this.#chunks.consumed >= this.#submitted;
  }

  /** The next result if it is here, undefined if not yet; throws a failed chunk's error. */
  #take(): IteratorResult<R> | undefined {
    if (this.#closed) return { done: true, value: undefined };
    const consumed = this.#chunks.consumed;
    let r: IteratorResult<R> | undefined;
    try {
      r = this.#chunks.next();
    } finally {
      // Chunks consumed (failed ones too) make room in the window.
      if (this.#chunks.consumed !== consumed) this.#topUp();
    }
    if (r !== undefined) return r;
    if (this.#allConsumed()) return { done: true, value: undefined };
    if (this.#ended !== undefined) {
      this.#closed = true;
      throw this.#ended;
    }
    return undefined;
  }

  /** Blocks for the next result; TimeoutError when none comes within `timeout` ms. */
  next(timeout?: number): IteratorResult<R> {
    const t = timeoutMs(timeout);
    this.#link.poll();
    const r = this.#take() ?? (this.#link.waitUntil(() => this.#available(), t) ? this.#take() : undefined);
    if (r === undefined) throw new TimeoutError('no result within the timeout');
    return r;
  }

  /** The Promise form of next(). */
  async nextAsync(): Promise<IteratorResult<R>> {
    for (;;) {
      this.#link.poll();
      const r = this.#take();
      if (r !== undefined) return r;
      await new Promise<void>((resolve) => this.#wakers.push(resolve));
    }
  }

  /** Stops early (a `break` out of the loop): no more input is read, outstanding chunks are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#feed?.cancel();
    this.#wake();
  }

  /** `for (const r of it)`: blocking iteration. */
  [Symbol.iterator](): Iterator<R> {
    return {
      next: () => this.next(),
      return: (value?: unknown) => {
        this.close();
        return { done: true, value: value as R };
      },
    };
  }

  /** `for await (const r of it)`. */
  [Symbol.asyncIterator](): AsyncIterator<R> {
    return {
      next: () => this.nextAsync(),
      return: async (value?: unknown) => {
        this.close();
        return { done: true, value: value as R };
      },
    };
  }
}
