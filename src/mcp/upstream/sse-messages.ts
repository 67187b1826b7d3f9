/**
 * An SSE body read as MCP events: the framing is SseSplitter's; this adds the `id:` and `retry:`
 * fields (for resuming a 2025-11-25 stream) and a bound on how much an unfinished event may buffer.
 */
import { SseSplitter } from '../../llm/sse.js';

export interface SseMessageEvent {
  /** The event's `id:` field, if it has one. */
  readonly id: string | undefined;
  /** The event's `retry:` field in ms, if it has a valid one. */
  readonly retry: number | undefined;
  /** The data lines joined; undefined or blank for comments and priming events. */
  readonly data: string | undefined;
}

export class SseEventTooLarge extends Error {
  constructor(limit: number) {
    super(`An SSE event exceeded ${limit} bytes.`);
    this.name = 'SseEventTooLarge';
  }
}

export class SseReader {
  readonly #splitter = new SseSplitter();
  /** Bytes pushed since the last completed event: an upper bound of what the splitter buffers. */
  #pending = 0;

  constructor(private readonly maxEventBytes: number) {}

  /** Feeds bytes; returns the events they complete. Throws SseEventTooLarge past the bound. */
  push(chunk: Uint8Array): SseMessageEvent[] {
    const events = this.#splitter.push(chunk);
    this.#pending = events.length > 0 ? chunk.byteLength : this.#pending + chunk.byteLength;
    if (this.#pending > this.maxEventBytes && events.length === 0) throw new SseEventTooLarge(this.maxEventBytes);
    if (events.some((e) => e.raw.length > this.maxEventBytes)) throw new SseEventTooLarge(this.maxEventBytes);
    return events.map((e) => ({ ...fields(e.raw), data: e.data }));
  }

  /** An event the sender did not terminate before the end of the stream. */
  flush(): SseMessageEvent | undefined {
    const e = this.#splitter.flush();
    return e === undefined ? undefined : { ...fields(e.raw), data: e.data };
  }
}

function fields(raw: string): { id: string | undefined; retry: number | undefined } {
  let id: string | undefined;
  let retry: number | undefined;
  for (const line of raw.split(/\r\n|\n|\r/)) {
    if (line.startsWith('id:')) id = line.slice(line.startsWith('id: ') ? 4 : 3);
    else if (line.startsWith('retry:')) {
      const value = line.slice(6).trim();
      if (/^\d+$/.test(value)) retry = Number(value);
    }
  }
  return { id, retry };
}
