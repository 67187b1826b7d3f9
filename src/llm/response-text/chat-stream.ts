import { isJsonObject } from '../formats/json-object.js';
import type { WireEvent } from '../formats/wire-event.js';
import type { Channels } from './channels.js';
import type { EventRewriter } from './stream-filter.js';

type Json = Record<string, unknown>;

/**
 * Chat completion chunks: each choice's `delta.content` is a text channel, each tool call's
 * `function.arguments` a JSON channel. A choice's channels end with its `finish_reason`: text
 * still held for a channel in that chunk goes into it; for the others a chunk of their own goes
 * first. The `[DONE]` line (handled by the filter) ends whatever is left.
 */
export class ChatStreamRewriter implements EventRewriter {
  /** The id/created/model of the last chunk, for the chunks this writes itself. */
  #meta: Json = {};

  constructor(private readonly channels: Channels) {}

  event(e: WireEvent): WireEvent[] | undefined {
    const data = e.data;
    const choices = data.choices;
    if (!Array.isArray(choices) || data.error !== undefined) return undefined;
    this.#meta = { id: data.id, object: data.object, created: data.created, model: data.model };
    let before: WireEvent[] | undefined;
    let changed = false;
    for (const choice of choices) {
      if (!isJsonObject(choice)) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      const delta = isJsonObject(choice.delta) ? choice.delta : undefined;
      const ending = choice.finish_reason !== null && choice.finish_reason !== undefined;
      const here = new Set<string>();
      if (delta !== undefined && typeof delta.content === 'string' && delta.content !== '') {
        const key = `c${index}`;
        here.add(key);
        delta.content = this.channels.push(key, 'text', delta.content) + (ending ? this.channels.end(key) : '');
        changed = true;
      }
      if (delta !== undefined && Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) {
          const fn = isJsonObject(call) && isJsonObject(call.function) ? call.function : undefined;
          if (fn === undefined || typeof fn.arguments !== 'string' || fn.arguments === '') continue;
          const key = `t${index}.${typeof call.index === 'number' ? call.index : 0}`;
          here.add(key);
          fn.arguments = this.channels.push(key, 'json', fn.arguments) + (ending ? this.channels.end(key) : '');
          changed = true;
        }
      }
      if (ending) {
        const rest = this.#endChoice(index, here);
        if (rest.length > 0) (before ??= []).push(...rest);
      }
    }
    if (!changed && before === undefined) return undefined;
    return before === undefined ? [e] : [...before, e];
  }

  end(): WireEvent[] {
    const out: WireEvent[] = [];
    for (const key of this.channels.openKeys()) {
      const text = this.channels.end(key);
      if (text !== '') out.push(this.#chunk(key, text));
    }
    return out;
  }

  /** Chunks releasing what choice `index`'s channels not in this chunk still hold. */
  #endChoice(index: number, here: ReadonlySet<string>): WireEvent[] {
    const out: WireEvent[] = [];
    for (const key of this.channels.openKeys()) {
      if (here.has(key) || !(key === `c${index}` || key.startsWith(`t${index}.`))) continue;
      const text = this.channels.end(key);
      if (text !== '') out.push(this.#chunk(key, text));
    }
    return out;
  }

  #chunk(key: string, text: string): WireEvent {
    const [choice, tool] = key.slice(1).split('.').map(Number);
    const delta = key[0] === 'c' ? { content: text } : { tool_calls: [{ index: tool, function: { arguments: text } }] };
    return { data: { ...this.#meta, choices: [{ index: choice, delta, finish_reason: null }] } };
  }
}
