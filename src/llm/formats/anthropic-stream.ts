import type { StreamObserver, WireEvent } from './wire-event.js';
import type { Usage } from '../usage.js';
import { usageFromAnthropic } from './anthropic-messages.js';
import { isJsonObject } from './json-object.js';

const DEFERRABLE: ReadonlySet<string> = new Set(['content_block_delta']);

/**
 * Watches an Anthropic Messages stream. Usage arrives in two parts: message_start carries the
 * input side (and an early output count), each message_delta the cumulative output count and,
 * from newer API versions, the final input and cache counts. The counts are merged field by field,
 * a later number replacing an earlier one, so that either version yields the final usage. Until a
 * message_delta arrives the output count is not final (`usage` is undefined, `earlyUsage` is set).
 *
 * Content deltas are most of a stream and matter only if the stream is cut (to count the text):
 * they are kept as raw data and parsed only when `text` is read.
 */
export class AnthropicStreamObserver implements StreamObserver {
  readonly deferrable = DEFERRABLE;
  #usage: Record<string, unknown> | undefined;
  #final = false;
  #finished = false;
  #upstreamError: string | undefined;
  #text = '';
  #pending: string[] = [];

  observe(event: WireEvent): void {
    const data = event.data;
    switch (data.type ?? event.event) {
      case 'message_start':
        if (isJsonObject(data.message)) this.#mergeUsage(data.message.usage);
        break;
      case 'message_delta':
        this.#mergeUsage(data.usage);
        this.#final = true;
        break;
      case 'message_stop':
        this.#finished = true;
        break;
      case 'content_block_start':
        this.#parsePending();
        // A tool's name is generated output too; counted like the OpenAI observers count it.
        if (isJsonObject(data.content_block) && typeof data.content_block.name === 'string') this.#text += data.content_block.name;
        break;
      case 'content_block_delta':
        this.#text += deltaText(data.delta);
        break;
      case 'error': {
        const error = isJsonObject(data.error) ? data.error : {};
        const message = typeof error.message === 'string' ? error.message : typeof error.type === 'string' ? error.type : 'error';
        this.#upstreamError = message;
        break;
      }
    }
  }

  get usage(): Usage | undefined {
    return this.#final ? usageFromAnthropic(this.#usage) : undefined;
  }

  get earlyUsage(): Usage | undefined {
    return usageFromAnthropic(this.#usage);
  }

  defer(data: string): void {
    this.#pending.push(data);
  }

  get finished(): boolean {
    return this.#finished;
  }

  get upstreamError(): string | undefined {
    return this.#upstreamError;
  }

  get text(): string {
    this.#parsePending();
    return this.#text;
  }

  /** Appends the deferred deltas' text, in order (before a later tool name, so order is kept). */
  #parsePending(): void {
    if (this.#pending.length === 0) return;
    for (const data of this.#pending) {
      try {
        const parsed = JSON.parse(data) as unknown;
        if (isJsonObject(parsed)) this.#text += deltaText(parsed.delta);
      } catch {
        // An unreadable delta adds no text; the relay reports the stream as broken.
      }
    }
    this.#pending = [];
  }

  #mergeUsage(raw: unknown): void {
    if (!isJsonObject(raw)) return;
    const merged = { ...this.#usage };
    // null means "not reported in this event", never "zero".
    for (const [key, value] of Object.entries(raw)) if (value !== null && value !== undefined) merged[key] = value;
    this.#usage = merged;
  }
}

function deltaText(delta: unknown): string {
  if (!isJsonObject(delta)) return '';
  switch (delta.type) {
    case 'text_delta':
      return typeof delta.text === 'string' ? delta.text : '';
    case 'thinking_delta':
      return typeof delta.thinking === 'string' ? delta.thinking : '';
    case 'input_json_delta':
      return typeof delta.partial_json === 'string' ? delta.partial_json : '';
    default:
      return '';
  }
}

