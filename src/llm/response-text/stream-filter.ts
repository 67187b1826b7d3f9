import type { Exchange, Operation } from '../../pipeline/exchange.js';
import { composeInspectors } from '../../pipeline/response-inspection.js';
import type { WireEvent } from '../formats/wire-event.js';
import { SseSplitter } from '../sse.js';
import { serializeEvent } from '../handlers/surfaces.js';
import { parseEventData } from '../handlers/stream-relay.js';
import { Channels } from './channels.js';
import { ChatStreamRewriter } from './chat-stream.js';
import { MessagesStreamRewriter } from './messages-stream.js';
import { ResponsesStreamRewriter } from './responses-stream.js';

/** Rewrites a stream's text, event by event, in one client format. */
export interface EventRewriter {
  /** The events to send for `e` (its data may be changed in place), or undefined to send it as it came. */
  event(e: WireEvent): WireEvent[] | undefined;
  /** The stream is over: events with whatever the channels still hold. */
  end(): WireEvent[];
}

/**
 * Inspect-out for streams: sits between a stream strategy (passthrough or translation) and the
 * client, on the client's SSE text. Events that carry no text go through as they are, byte for
 * byte; text deltas go through the registered inspectors' windows.
 */
export class StreamTextFilter {
  readonly #splitter = new SseSplitter();
  #ended = false;

  constructor(private readonly rewriter: EventRewriter) {}

  /** Client SSE text (whole events) in; the text to send out. Throws what an inspector throws (a block). */
  push(sse: string): string {
    if (sse === '') return '';
    let out = '';
    for (const event of this.#splitter.pushText(sse)) {
      if (event.data === '[DONE]') {
        out += this.#end() + event.raw;
        continue;
      }
      const data = event.data === undefined ? undefined : parseEventData(event.data);
      if (data === undefined) {
        out += event.raw;
        continue;
      }
      const events = this.rewriter.event({ event: event.event, data });
      if (events === undefined) out += event.raw;
      else for (const e of events) out += serializeEvent(e);
    }
    return out;
  }

  /** Whatever is still held, as events (once). */
  end(): string {
    return this.#end();
  }

  #end(): string {
    if (this.#ended) return '';
    this.#ended = true;
    let out = '';
    for (const e of this.rewriter.end()) out += serializeEvent(e);
    return out;
  }
}

/** The stream filter for the Exchange's client format, or undefined when no policy inspects responses. */
export function streamTextFilter(exchange: Exchange): StreamTextFilter | undefined {
  const inspectors = exchange.responseInspectors;
  if (inspectors === undefined) return undefined;
  const rewriter = eventRewriter(exchange.operation, composeInspectors(inspectors));
  return rewriter === undefined ? undefined : new StreamTextFilter(rewriter);
}

function eventRewriter(operation: Operation, inspector: ReturnType<typeof composeInspectors>): EventRewriter | undefined {
  switch (operation) {
    case 'chat':
      return new ChatStreamRewriter(new Channels(inspector));
    case 'messages':
      return new MessagesStreamRewriter(new Channels(inspector));
    case 'responses':
      return new ResponsesStreamRewriter(new Channels(inspector, true));
    default:
      return undefined;
  }
}
