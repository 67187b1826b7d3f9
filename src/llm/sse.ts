/**
 * Incremental Server-Sent Events splitter that keeps each event's raw text, so the gateway can pass
 * an event through byte for byte, or drop or rewrite it. Handles \n, \r\n and \r line endings and
 * events split across any number of chunks.
 */
export interface SseEvent {
  /** The event exactly as received, including its terminating blank line. */
  readonly raw: string;
  /** The `event:` field, or undefined for the default "message" type. */
  readonly event: string | undefined;
  /** The `data:` lines joined with "\n" (undefined when the event has no data, e.g. a comment). */
  readonly data: string | undefined;
}

const BOUNDARY = /\r\n\r\n|\n\n|\r\r/;

const STREAM = { stream: true } as const;

export class SseSplitter {
  #buffer = '';
  /** Whether a \r ever arrived: until one does (most servers never send one), events end at \n\n. */
  #sawCr = false;
  readonly #decoder = new TextDecoder();

  /** Feeds bytes; returns every event completed by them. */
  push(chunk: Uint8Array): SseEvent[] {
    return this.pushText(this.#decoder.decode(chunk, STREAM));
  }

  /** Feeds text already decoded; returns every event completed by it. */
  pushText(text: string): SseEvent[] {
    this.#buffer += text;
    if (!this.#sawCr && text.includes('\r')) this.#sawCr = true;
    const events: SseEvent[] = [];
    for (;;) {
      let end: number;
      if (this.#sawCr) {
        const match = BOUNDARY.exec(this.#buffer);
        if (match === null) break;
        end = match.index + match[0].length;
      } else {
        const at = this.#buffer.indexOf('\n\n');
        if (at === -1) break;
        end = at + 2;
      }
      events.push(parseEvent(this.#buffer.slice(0, end)));
      this.#buffer = this.#buffer.slice(end);
    }
    return events;
  }

  /** Whatever is left when the stream ends: an incomplete event, or '' after a clean end. */
  rest(): string {
    this.#buffer += this.#decoder.decode();
    return this.#buffer;
  }

  /**
   * At the end of the stream: the last event if the sender did not end it with a blank line (some
   * servers end with `data: [DONE]\n`), terminated properly; undefined if nothing is left.
   */
  flush(): SseEvent | undefined {
    const rest = this.rest();
    this.#buffer = '';
    if (rest.trim() === '') return undefined;
    const raw = rest.endsWith('\n') ? `${rest}\n` : `${rest}\n\n`;
    return parseEvent(raw);
  }
}

function parseEvent(raw: string): SseEvent {
  // Most events are one `data:` line and a blank line: read without splitting.
  if (raw.startsWith('data:') && raw.indexOf('\n') === raw.length - 2 && raw.indexOf('\r') === -1) {
    return { raw, event: undefined, data: raw.slice(raw.charCodeAt(5) === 32 ? 6 : 5, -2) };
  }
  let event: string | undefined;
  let data: string | undefined;
  for (const line of raw.split(/\r\n|\n|\r/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
  }
  return { raw, event, data };
}

/** Serialises one data-only event. */
export function sseData(data: string): string {
  return `data: ${data}\n\n`;
}
