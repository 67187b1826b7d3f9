import { anthropicUsageObject } from '../formats/anthropic-messages.js';
import type { StreamTranslator, WireEvent } from '../formats/wire-event.js';
import { usageFromOpenAI, type Usage } from '../usage.js';
import { anthropicStop, type AnthropicStop } from './stop-reasons.js';
import { isJsonObject } from '../formats/json-object.js';
import { generatedToolUseId } from './tool-ids.js';

/**
 * A chat completions stream as Anthropic Messages events.
 *
 * Anthropic content blocks are strictly sequential (one open at a time), while a chat stream may
 * interleave the argument fragments of parallel tool calls. Each source of content (the text, each
 * tool call by its chat index) is a channel; one channel is open as a block, the others wait with
 * their fragments buffered, in the order they were first seen. The open block is closed, and the
 * next waiting channel opened and flushed, only once it can receive nothing more: text as soon as
 * another channel waits (chat sends text before tool calls), a tool call once its arguments form a
 * complete JSON object (after which only whitespace could legally follow). At finish_reason every
 * channel is flushed in order. No argument byte is lost or reordered within its call.
 *
 * OpenAI sends usage after finish_reason, in its own chunk; message_delta (which carries Anthropic's
 * final usage) is held until then, or until end() when usage never comes.
 */
export interface ChatToMessagesStreamOptions {
  /** input_tokens for message_start, before the provider's count is known. */
  readonly estimatedInputTokens: number;
  /** Usage for message_delta when the provider reports none. */
  readonly fallbackUsage: () => Usage;
}

interface Channel {
  readonly kind: 'text' | 'tool';
  id: string;
  name: string;
  /** All argument text seen so far (tool channels), to tell when the call is complete. */
  args: string;
  /** Fragments received while the channel waits for its block. */
  pending: string[];
  state: 'waiting' | 'open' | 'closed';
  block: number;
}

const NO_STOP: AnthropicStop = { stop_reason: 'end_turn', stop_sequence: null };

export class ChatToMessagesStream implements StreamTranslator {
  readonly #options: ChatToMessagesStreamOptions;
  readonly #waiting: Channel[] = [];
  readonly #tools = new Map<number, Channel>();
  #open: Channel | undefined;
  #nextBlock = 0;
  #started = false;
  #done = false;
  #stop: AnthropicStop | undefined;
  #usage: Usage | undefined;

  constructor(options: ChatToMessagesStreamOptions) {
    this.#options = options;
  }

  push(event: WireEvent): WireEvent[] {
    if (this.#done) return [];
    const chunk = event.data;
    const out: WireEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push(this.#messageStart(chunk));
    }
    this.#usage = usageFromOpenAI(chunk.usage) ?? this.#usage;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice = choices.find((c): c is Record<string, unknown> => isJsonObject(c) && (c.index ?? 0) === 0);
    if (choice !== undefined && this.#stop === undefined) {
      const delta = isJsonObject(choice.delta) ? choice.delta : {};
      if (typeof delta.content === 'string' && delta.content !== '') this.#text(delta.content, out);
      if (typeof delta.refusal === 'string' && delta.refusal !== '') this.#text(delta.refusal, out);
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isJsonObject(call)) this.#toolCall(call, out);
      this.#advance(out);
      if (typeof choice.finish_reason === 'string') {
        this.#stop = anthropicStop(choice.finish_reason, choice.stop_reason);
        this.#closeAll(out);
      }
    }
    if (this.#stop !== undefined && this.#usage !== undefined) this.#finish(this.#usage, out);
    return out;
  }

  end(): WireEvent[] {
    if (!this.#started || this.#done) return [];
    const out: WireEvent[] = [];
    this.#closeAll(out);
    this.#finish(this.#usage ?? this.#options.fallbackUsage(), out);
    return out;
  }

  #messageStart(chunk: Record<string, unknown>): WireEvent {
    return anthropicEvent('message_start', {
      message: {
        id: chunk.id,
        type: 'message',
        role: 'assistant',
        model: chunk.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: this.#options.estimatedInputTokens, output_tokens: 0 },
      },
    });
  }

  #text(text: string, out: WireEvent[]): void {
    if (this.#open?.kind === 'text') {
      out.push(delta(this.#open.block, { type: 'text_delta', text }));
      return;
    }
    const last = this.#waiting.at(-1);
    if (last?.kind === 'text') last.pending.push(text);
    else this.#waiting.push(channel('text', [text]));
  }

  #toolCall(call: Record<string, unknown>, out: WireEvent[]): void {
    const index = typeof call.index === 'number' ? call.index : 0;
    const fn = isJsonObject(call.function) ? call.function : {};
    let ch = this.#tools.get(index);
    // Some OpenAI-compatible servers send every call at index 0; a new id means a new call.
    const newId = typeof call.id === 'string' && ch !== undefined && ch.id !== '' && call.id !== ch.id;
    if (ch === undefined || newId) {
      ch = channel('tool', []);
      this.#tools.set(index, ch);
      this.#waiting.push(ch);
    }
    if (ch.state === 'waiting') {
      if (typeof call.id === 'string' && ch.id === '') ch.id = call.id;
      if (typeof fn.name === 'string' && ch.name === '') ch.name = fn.name;
    }
    const args = fn.arguments;
    if (typeof args !== 'string' || args === '') return;
    ch.args += args;
    if (ch.state === 'open') out.push(delta(ch.block, { type: 'input_json_delta', partial_json: args }));
    else if (ch.state === 'waiting') ch.pending.push(args);
    // A closed call held a complete JSON object; only whitespace can legally follow it.
  }

  /** Closes the open block while it is complete and another channel waits; opens the next. */
  #advance(out: WireEvent[]): void {
    for (;;) {
      if (this.#open === undefined) {
        const next = this.#waiting.shift();
        if (next === undefined) return;
        this.#openBlock(next, out);
      } else if (this.#waiting.length > 0 && isComplete(this.#open)) {
        this.#closeBlock(out);
      } else {
        return;
      }
    }
  }

  /** At the end of the answer every channel is complete: flush them all, in order. */
  #closeAll(out: WireEvent[]): void {
    for (;;) {
      if (this.#open !== undefined) this.#closeBlock(out);
      const next = this.#waiting.shift();
      if (next === undefined) return;
      this.#openBlock(next, out);
    }
  }

  #openBlock(ch: Channel, out: WireEvent[]): void {
    ch.state = 'open';
    ch.block = this.#nextBlock++;
    this.#open = ch;
    if (ch.kind !== 'text' && ch.id === '') ch.id = generatedToolUseId();
    const contentBlock = ch.kind === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: ch.id, name: ch.name, input: {} };
    out.push(anthropicEvent('content_block_start', { index: ch.block, content_block: contentBlock }));
    for (const fragment of ch.pending) {
      out.push(delta(ch.block, ch.kind === 'text' ? { type: 'text_delta', text: fragment } : { type: 'input_json_delta', partial_json: fragment }));
    }
    ch.pending = [];
  }

  #closeBlock(out: WireEvent[]): void {
    const ch = this.#open;
    if (ch === undefined) return;
    ch.state = 'closed';
    this.#open = undefined;
    out.push(anthropicEvent('content_block_stop', { index: ch.block }));
  }

  #finish(usage: Usage, out: WireEvent[]): void {
    this.#done = true;
    const stop = this.#stop ?? NO_STOP;
    const u = anthropicUsageObject(usage);
    out.push(
      anthropicEvent('message_delta', {
        delta: { stop_reason: stop.stop_reason, stop_sequence: stop.stop_sequence },
        usage: {
          output_tokens: u.output_tokens,
          input_tokens: u.input_tokens,
          cache_read_input_tokens: u.cache_read_input_tokens,
          cache_creation_input_tokens: u.cache_creation_input_tokens,
        },
      }),
      anthropicEvent('message_stop', {}),
    );
  }
}

function channel(kind: Channel['kind'], pending: string[]): Channel {
  return { kind, id: '', name: '', args: '', pending, state: 'waiting', block: -1 };
}

/** Whether a channel can receive nothing more (see the class comment). */
function isComplete(ch: Channel): boolean {
  if (ch.kind === 'text') return true;
  // Cheap test first: a complete object ends with "}"; parse only then.
  if (!ch.args.trimEnd().endsWith('}')) return false;
  try {
    return isJsonObject(JSON.parse(ch.args));
  } catch {
    return false;
  }
}

function delta(index: number, d: Record<string, unknown>): WireEvent {
  return anthropicEvent('content_block_delta', { index, delta: d });
}

function anthropicEvent(type: string, fields: Record<string, unknown>): WireEvent {
  return { event: type, data: { type, ...fields } };
}

