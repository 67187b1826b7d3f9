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

export class SseSplitter {
  #buffer = '';
  readonly #decoder = new TextDecoder();

  /** Feeds bytes; returns every event completed by them. */
  push(chunk: Uint8Array): SseEvent[] {
    return this.pushText(this.#decoder.decode(chunk, { stream: true }));
  }

  /** Feeds text already decoded; returns every event completed by it. */
  pushText(text: string): SseEvent[] {
    this.#buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = BOUNDARY.exec(this.#buffer);
      if (match === null) break;
      const end = match.index + match[0].length;
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
