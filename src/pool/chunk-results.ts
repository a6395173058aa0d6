// The finished chunks of an imap / imapUnordered (Pool's and DistributedPool's), handed out one
// result at a time: in input order, or as they came.

interface Chunk {
  ok: boolean;
  value: unknown;
}

export class ChunkResults<R> {
  readonly #ordered: boolean;
  /** Ordered: finished chunks by index. */
  readonly #byIndex = new Map<number, Chunk>();
  /** Unordered: finished chunks as they came. */
  readonly #arrived: Chunk[] = [];
  #current: ArrayLike<unknown> = [];
  #pos = 0;
  #nextIndex = 0;
  /** Chunks handed out so far (failed ones included). */
  consumed = 0;

  constructor(ordered: boolean) {
    this.#ordered = ordered;
  }

  /** Chunk `index` finished: its results, or the error it failed with. */
  add(index: number, ok: boolean, value: unknown): void {
    if (this.#ordered) this.#byIndex.set(index, { ok, value });
    else this.#arrived.push({ ok, value });
  }

  /** Whether `next()` has a result (or a failed chunk's error) without waiting. */
  ready(): boolean {
    return this.#pos < this.#current.length || (this.#ordered ? this.#byIndex.has(this.#nextIndex) : this.#arrived.length > 0);
  }

  /** The next result, or undefined while the chunk it is in has not finished; throws the error
   * of a failed chunk at its place. */
  next(): IteratorResult<R> | undefined {
    for (;;) {
      if (this.#pos < this.#current.length) return { done: false, value: this.#current[this.#pos++] as R };
      let chunk: Chunk | undefined;
      if (this.#ordered) {
        chunk = this.#byIndex.get(this.#nextIndex);
        if (chunk !== undefined) {
          this.#byIndex.delete(this.#nextIndex);
          this.#nextIndex++;
        }
      } else {
        chunk = this.#arrived.shift();
      }
      if (chunk === undefined) return undefined;
      this.consumed++;
      if (!chunk.ok) throw chunk.value;
      this.#current = chunk.value as ArrayLike<unknown>;
      this.#pos = 0;
    }
  }
}
