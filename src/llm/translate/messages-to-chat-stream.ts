import { AnthropicStreamObserver } from '../formats/anthropic-stream.js';
import type { StreamTranslator, WireEvent } from '../formats/wire-event.js';
import { chatUsageObject } from './chat-usage.js';
import { chatFinishReason } from './stop-reasons.js';
import { isJsonObject } from '../formats/json-object.js';

/**
 * An Anthropic Messages stream as chat.completion.chunk objects. Anthropic numbers content blocks
 * across text and tools; chat numbers tool calls only, so each tool_use block gets the next tool
 * call index. Thinking, signatures and pings have no chat form and are dropped. The handler writes
 * `data: [DONE]` and renders in-band errors, so message_stop, error and end() produce nothing.
 */
export interface MessagesToChatStreamOptions {
  /** Whether the client asked for usage (stream_options.include_usage). */
  readonly includeUsage: boolean;
  /** Unix seconds for `created` (Anthropic streams carry no timestamp); defaults to now. */
  readonly created?: number;
}

export class MessagesToChatStream implements StreamTranslator {
  readonly #includeUsage: boolean;
  readonly #created: number;
  // The observer already merges message_start and message_delta usage the right way.
  readonly #usage = new AnthropicStreamObserver();
  readonly #toolIndexByBlock = new Map<number, number>();
  #id = '';
  #model = '';

  constructor(options: MessagesToChatStreamOptions) {
    this.#includeUsage = options.includeUsage;
    this.#created = options.created ?? Math.floor(Date.now() / 1000);
  }

  push(event: WireEvent): WireEvent[] {
    const data = event.data;
    this.#usage.observe(event);
    switch (data.type ?? event.event) {
      case 'message_start': {
        const message = isJsonObject(data.message) ? data.message : {};
        this.#id = typeof message.id === 'string' ? message.id : '';
        this.#model = typeof message.model === 'string' ? message.model : '';
        return [this.#chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start':
        return this.#blockStart(data);
      case 'content_block_delta':
        return this.#blockDelta(data);
      case 'message_delta': {
        const delta = isJsonObject(data.delta) ? data.delta : {};
        const out = [this.#chunk({}, chatFinishReason(delta.stop_reason))];
        const usage = this.#usage.usage;
        if (this.#includeUsage && usage !== undefined) out.push(this.#envelope([], chatUsageObject(usage)));
        return out;
      }
      default:
        return [];
    }
  }

  end(): WireEvent[] {
    return [];
  }

  #blockStart(data: Record<string, unknown>): WireEvent[] {
    const block = isJsonObject(data.content_block) ? data.content_block : {};
    if (block.type === 'tool_use' && typeof data.index === 'number') {
      const index = this.#toolIndexByBlock.size;
      this.#toolIndexByBlock.set(data.index, index);
      return [this.#chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })];
    }
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') return [this.#chunk({ content: block.text })];
    return [];
  }

  #blockDelta(data: Record<string, unknown>): WireEvent[] {
    const delta = isJsonObject(data.delta) ? data.delta : {};
    if (delta.type === 'text_delta' && typeof delta.text === 'string') return [this.#chunk({ content: delta.text })];
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
      const index = typeof data.index === 'number' ? this.#toolIndexByBlock.get(data.index) : undefined;
      if (index !== undefined) return [this.#chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] })];
    }
    return [];
  }

  #chunk(delta: Record<string, unknown>, finishReason: string | null = null): WireEvent {
    return this.#envelope([{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);
  }

  #envelope(choices: unknown[], usage?: unknown): WireEvent {
    const data: Record<string, unknown> = { id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices };
    if (usage !== undefined) data.usage = usage;
    return { data };
  }
}

