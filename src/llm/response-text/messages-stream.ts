import { isJsonObject } from '../formats/json-object.js';
import type { WireEvent } from '../formats/wire-event.js';
import type { Channels } from './channels.js';
import type { EventRewriter } from './stream-filter.js';

/**
 * Anthropic Messages events: a text block's `text_delta`s are a text channel, a tool_use block's
 * `input_json_delta`s a JSON channel (thinking blocks are left alone: they are signed). A block's
 * channel ends at its `content_block_stop`, preceded by one more delta with what it still held.
 * A delta whose text is all held back is not sent.
 */
export class MessagesStreamRewriter implements EventRewriter {
  constructor(private readonly channels: Channels) {}

  event(e: WireEvent): WireEvent[] | undefined {
    const data = e.data;
    switch (data.type) {
      case 'content_block_delta': {
        const delta = isJsonObject(data.delta) ? data.delta : undefined;
        const key = String(data.index);
        if (delta?.type === 'text_delta' && typeof delta.text === 'string') {
          delta.text = this.channels.push(key, 'text', delta.text);
          return delta.text === '' ? [] : [e];
        }
        if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
          delta.partial_json = this.channels.push(key, 'json', delta.partial_json);
          return delta.partial_json === '' ? [] : [e];
        }
        return undefined;
      }
      case 'content_block_start': {
        // A block that starts with text already in it (not seen from Anthropic, allowed by the format).
        const block = isJsonObject(data.content_block) ? data.content_block : undefined;
        if (block?.type !== 'text' || typeof block.text !== 'string' || block.text === '') return undefined;
        block.text = this.channels.push(String(data.index), 'text', block.text);
        return [e];
      }
      case 'content_block_stop': {
        const key = String(data.index);
        if (!this.channels.has(key)) return undefined;
        const rest = this.#release(key);
        return rest === undefined ? undefined : [rest, e];
      }
      case 'message_delta':
      case 'message_stop': {
        const rest = this.end();
        return rest.length === 0 ? undefined : [...rest, e];
      }
      default:
        return undefined;
    }
  }

  end(): WireEvent[] {
    const out: WireEvent[] = [];
    for (const key of this.channels.openKeys()) {
      const rest = this.#release(key);
      if (rest !== undefined) out.push(rest);
    }
    return out;
  }

  #release(key: string): WireEvent | undefined {
    const json = this.channels.encodingOf(key) === 'json';
    const text = this.channels.end(key);
    if (text === '') return undefined;
    const delta = json ? { type: 'input_json_delta', partial_json: text } : { type: 'text_delta', text };
    return { event: 'content_block_delta', data: { type: 'content_block_delta', index: Number(key), delta } };
  }
}
