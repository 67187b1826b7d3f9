import { isJsonObject } from '../formats/json-object.js';
import type { WireEvent } from '../formats/wire-event.js';
import type { TextEncoding } from '../../pipeline/response-inspection.js';
import type { Channels } from './channels.js';
import type { EventRewriter } from './stream-filter.js';

type Json = Record<string, unknown>;

/**
 * OpenAI Responses events: each output_text part (`output_index`.`content_index`) is a text
 * channel, each function call's arguments (`output_index`) a JSON channel. Responses repeats the
 * whole text in its `done` events and in the final response object, so those get the text the
 * client was actually sent. Events are renumbered: a delta may be held back (not sent) or one
 * added before a `done`, and `sequence_number` must still count up by one.
 */
export class ResponsesStreamRewriter implements EventRewriter {
  #next: number | undefined;
  /** Each channel's item_id, for the deltas this writes itself. */
  readonly #itemIds = new Map<string, unknown>();

  constructor(private readonly channels: Channels) {}

  event(e: WireEvent): WireEvent[] | undefined {
    const out = this.#rewrite(e.data);
    const events = out === undefined ? [e] : out;
    let changed = out !== undefined;
    for (const event of events) {
      const n = event.data.sequence_number;
      if (typeof n !== 'number') continue;
      this.#next ??= n;
      if (n !== this.#next) {
        (event.data as Json).sequence_number = this.#next;
        changed = true;
      }
      this.#next++;
    }
    return changed ? events : undefined;
  }

  end(): WireEvent[] {
    const out = this.#releaseAll();
    for (const event of out) if (this.#next !== undefined) event.data.sequence_number = this.#next++;
    return out;
  }

  #releaseAll(): WireEvent[] {
    const out: WireEvent[] = [];
    for (const key of this.channels.openKeys()) {
      const rest = this.#release(key, undefined);
      if (rest !== undefined) out.push(rest);
    }
    return out;
  }

  /** undefined: the event goes as it is. */
  #rewrite(data: Json): WireEvent[] | undefined {
    switch (data.type) {
      case 'response.output_text.delta':
      case 'response.function_call_arguments.delta': {
        if (typeof data.delta !== 'string') return undefined;
        const [key, encoding] = keyOf(data);
        if (!this.#itemIds.has(key)) this.#itemIds.set(key, data.item_id);
        data.delta = this.channels.push(key, encoding, data.delta);
        return data.delta === '' ? [] : [{ event: data.type, data }];
      }
      case 'response.output_text.done':
      case 'response.function_call_arguments.done': {
        const [key, encoding] = keyOf(data);
        const field = encoding === 'json' ? 'arguments' : 'text';
        const rest = this.#release(key, data);
        if (typeof data[field] === 'string') data[field] = this.#final(key, data[field], encoding);
        const done = { event: data.type, data };
        return rest === undefined ? [done] : [rest, done];
      }
      case 'response.content_part.done': {
        const part = isJsonObject(data.part) ? data.part : undefined;
        if (part?.type !== 'output_text' || typeof part.text !== 'string') return undefined;
        part.text = this.#final(`${data.output_index}.${data.content_index}`, part.text, 'text');
        return [{ event: data.type, data }];
      }
      case 'response.output_item.done': {
        if (!isJsonObject(data.item)) return undefined;
        this.#item(data.item, data.output_index);
        return [{ event: data.type, data }];
      }
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed': {
        const before = this.#releaseAll();
        const response = isJsonObject(data.response) ? data.response : undefined;
        if (response !== undefined && Array.isArray(response.output)) response.output.forEach((item, i) => isJsonObject(item) && this.#item(item, i));
        return [...before, { event: data.type, data }];
      }
      default:
        return undefined;
    }
  }

  /** An output item as the response object repeats it: its texts become what was sent. */
  #item(item: Json, outputIndex: unknown): void {
    if (item.type === 'message' && Array.isArray(item.content)) {
      item.content.forEach((part, i) => {
        if (isJsonObject(part) && part.type === 'output_text' && typeof part.text === 'string') part.text = this.#final(`${outputIndex}.${i}`, part.text, 'text');
      });
    } else if (item.type === 'function_call' && typeof item.arguments === 'string') {
      item.arguments = this.#final(`f${outputIndex}`, item.arguments, 'json');
    }
  }

  /** What the client was sent for a channel; a text that never streamed is inspected whole. */
  #final(key: string, text: string, encoding: TextEncoding): string {
    return this.channels.finalText(key, text, encoding);
  }

  /** One more delta with what channel `key` still holds, shaped after `like` (its done event). */
  #release(key: string, like: Json | undefined): WireEvent | undefined {
    const encoding = this.channels.encodingOf(key);
    if (encoding === undefined) return undefined;
    const text = this.channels.end(key);
    if (text === '') return undefined;
    const type = encoding === 'json' ? 'response.function_call_arguments.delta' : 'response.output_text.delta';
    const data: Json = { type, item_id: like?.item_id ?? this.#itemIds.get(key), output_index: like?.output_index ?? outputIndexOf(key) };
    if (encoding === 'text') data.content_index = like?.content_index ?? Number(key.split('.')[1]);
    data.delta = text;
    if (this.#next !== undefined) data.sequence_number = 0; // numbered by event()
    return { event: type, data };
  }
}

function keyOf(data: Json): [string, TextEncoding] {
  return data.type === 'response.function_call_arguments.delta' || data.type === 'response.function_call_arguments.done'
    ? [`f${data.output_index}`, 'json']
    : [`${data.output_index}.${data.content_index}`, 'text'];
}

function outputIndexOf(key: string): number {
  return Number(key[0] === 'f' ? key.slice(1) : key.split('.')[0]);
}
