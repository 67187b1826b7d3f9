/**
 * A provider's response body as undici hands it to a dispatch handler, read as an async iterator:
 * chunks are queued as they arrive and taken in order. It replaces undici's Readable body and its
 * stream async iterator (the largest per-request cost of reading a small JSON answer) with one
 * array and at most one pending promise. A read takes everything queued, as one chunk: a stream
 * whose chunks arrived while the event loop was busy elsewhere (many streams at once, a provider
 * sending faster than the client reads) is relayed in one pass, one promise and one client write,
 * instead of one of each per chunk. Backpressure: past `highWaterMark` queued bytes the producer is
 * paused, and resumed when the reader takes them.
 */
export interface BodyProducer {
  pause(): void;
  resume(): void;
  /** Stops the transfer (the reader gave up early): the connection is closed, not reused. */
  abort(): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A collect() in progress: chunks go to it instead of the queue. */
interface Collector {
  readonly limit: number;
  readonly onChunk: (() => void) | undefined;
  readonly chunks: Uint8Array[];
  size: number;
  readonly resolve: (body: Buffer | undefined) => void;
  readonly reject: (err: unknown) => void;
}

export class HttpBody implements AsyncIterableIterator<Uint8Array> {
  readonly #producer: BodyProducer;
  readonly #highWaterMark: number;
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #paused = false;
  #ended = false;
  #error: unknown;
  #failed = false;
  #closed = false;
  #resolve: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  #reject: ((err: unknown) => void) | undefined;
  #collector: Collector | undefined;

  constructor(producer: BodyProducer, highWaterMark = 256 * 1024) {
    this.#producer = producer;
    this.#highWaterMark = highWaterMark;
  }

  /** True once the whole body arrived (or the reader closed it): nothing is left to abort. */
  get finished(): boolean {
    return this.#ended || this.#closed;
  }

  // Producer side (the dispatch handler) --------------------------------------------------------

  push(chunk: Uint8Array): void {
    if (this.#closed) return;
    const collector = this.#collector;
    if (collector !== undefined) {
      collector.onChunk?.();
      this.#collect(collector, chunk);
      return;
    }
    const resolve = this.#resolve;
    if (resolve !== undefined) {
      this.#resolve = this.#reject = undefined;
      resolve({ done: false, value: chunk });
      return;
    }
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    if (!this.#paused && this.#queued > this.#highWaterMark) {
      this.#paused = true;
      this.#producer.pause();
    }
  }

  end(): void {
    if (this.#ended || this.#failed) return;
    this.#ended = true;
    const collector = this.#collector;
    if (collector !== undefined) {
      this.#collector = undefined;
      collector.resolve(Buffer.concat(collector.chunks, collector.size));
      return;
    }
    const resolve = this.#resolve;
    if (resolve !== undefined) {
      this.#resolve = this.#reject = undefined;
      resolve(DONE);
    }
  }

  fail(err: unknown): void {
    if (this.#ended || this.#failed) return;
    this.#failed = true;
    this.#error = err;
    const collector = this.#collector;
    if (collector !== undefined) {
      this.#collector = undefined;
      collector.reject(err);
      return;
    }
    const reject = this.#reject;
    if (reject !== undefined) {
      this.#resolve = this.#reject = undefined;
      reject(err);
    }
  }

  // Reader side ---------------------------------------------------------------------------------

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#chunks.length > 0) return Promise.resolve({ done: false, value: this.#takeQueued() });
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#ended || this.#closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Every queued chunk, as one (the queue is left empty and the producer resumed). */
  #takeQueued(): Uint8Array {
    const chunks = this.#chunks;
    const chunk = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#queued);
    this.#chunks = [];
    this.#queued = 0;
    if (this.#paused) {
      this.#paused = false;
      this.#producer.resume();
    }
    return chunk;
  }

  /** The whole body at once (see UpstreamResponse.collect): one promise instead of one per chunk. */
  collect(limit: number, onChunk?: () => void): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const collector: Collector = { limit, onChunk, chunks: [], size: 0, resolve, reject };
      // What arrived before the reader asked.
      for (const chunk of this.#chunks) if (!this.#collect(collector, chunk)) return;
      this.#chunks = [];
      this.#queued = 0;
      if (this.#failed) return reject(this.#error);
      if (this.#ended || this.#closed) return resolve(Buffer.concat(collector.chunks, collector.size));
      this.#collector = collector;
      if (this.#paused) {
        this.#paused = false;
        this.#producer.resume();
      }
    });
  }

  /** Adds a chunk to a collect(); false (and the transfer stopped) once past its limit. */
  #collect(collector: Collector, chunk: Uint8Array): boolean {
    collector.size += chunk.length;
    if (collector.size > collector.limit) {
      this.#collector = undefined;
      this.close();
      collector.resolve(undefined);
      return false;
    }
    collector.chunks.push(chunk);
    return true;
  }

  /** The reader stops early (break out of for-await, dispose): an unfinished transfer is aborted. */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.close();
    return Promise.resolve(DONE);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks = [];
    this.#queued = 0;
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    const collector = this.#collector;
    this.#collector = undefined;
    if (!this.#ended && !this.#failed) this.#producer.abort();
    resolve?.(DONE);
    // A body closed while being collected is not the whole body: never answered as if it were.
    collector?.reject(new Error('The response body was closed before it was read to the end.'));
  }
}
