import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SseSplitter } from '../../../src/llm/sse.js';
import type { StreamTranslator, WireEvent } from '../../../src/llm/formats/wire-event.js';

/**
 * Test support for the translation tests: reading the wire fixtures, and assembling a stream of
 * either format into the document an SDK would build from it. The Anthropic assembler also checks
 * what Anthropic clients rely on: blocks are opened in order, one at a time, and only the open
 * block receives deltas.
 */
type Json = Record<string, unknown>;

const fixtureUrl = (path: string): URL => new URL(`../../fixtures/${path}`, import.meta.url);

export function jsonFixture(path: string): Json {
  return JSON.parse(readFileSync(fixtureUrl(path), 'utf8')) as Json;
}

/** The events of an .sse fixture, without the chat `[DONE]` terminator. */
export function sseFixture(path: string): WireEvent[] {
  const splitter = new SseSplitter();
  const events = splitter.push(readFileSync(fixtureUrl(path)));
  const last = splitter.flush();
  if (last !== undefined) events.push(last);
  return events
    .filter((e) => e.data !== undefined && e.data !== '[DONE]')
    .map((e) => ({ event: e.event, data: JSON.parse(e.data as string) as Json }));
}

export function translateAll(translator: StreamTranslator, events: readonly WireEvent[]): WireEvent[] {
  return [...events.flatMap((e) => translator.push(e)), ...translator.end()];
}

/** Builds the Message an Anthropic SDK would build from these events, checking their order. */
export function assembleMessages(events: readonly WireEvent[]): Json {
  let message: Json | undefined;
  const content: Json[] = [];
  let open: { index: number; json: string } | undefined;
  let stopped = false;
  for (const { event, data } of events) {
    assert.equal(event, data.type, 'the SSE event name equals data.type');
    assert.ok(!stopped, `no event after message_stop (got ${String(data.type)})`);
    switch (data.type) {
      case 'message_start':
        assert.equal(message, undefined, 'one message_start');
        message = structuredClone(data.message) as Json;
        break;
      case 'content_block_start':
        assert.equal(open, undefined, 'the previous block was closed');
        assert.equal(data.index, content.length, 'blocks open in order');
        content.push(structuredClone(data.content_block) as Json);
        open = { index: data.index as number, json: '' };
        break;
      case 'content_block_delta': {
        assert.equal(data.index, open?.index, 'deltas go to the open block');
        const block = content[data.index as number] as Json;
        const delta = data.delta as Json;
        if (delta.type === 'text_delta') block.text = (block.text as string) + (delta.text as string);
        else if (delta.type === 'thinking_delta') block.thinking = (block.thinking as string) + (delta.thinking as string);
        else if (delta.type === 'signature_delta') block.signature = delta.signature;
        else if (delta.type === 'input_json_delta') open!.json += delta.partial_json as string;
        else assert.fail(`unexpected delta ${String(delta.type)}`);
        break;
      }
      case 'content_block_stop': {
        assert.equal(data.index, open?.index, 'the open block is the one stopped');
        const block = content[data.index as number] as Json;
        if (block.type === 'tool_use') block.input = open!.json === '' ? {} : (JSON.parse(open!.json) as Json);
        open = undefined;
        break;
      }
      case 'message_delta': {
        assert.ok(message !== undefined, 'message_delta after message_start');
        assert.equal(open, undefined, 'all blocks closed before message_delta');
        Object.assign(message, data.delta);
        const usage = message.usage as Json;
        for (const [key, value] of Object.entries(data.usage as Json)) if (value !== null) usage[key] = value;
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      case 'ping':
      case 'error':
        break;
      default:
        assert.fail(`unexpected event ${String(data.type)}`);
    }
  }
  assert.ok(message !== undefined, 'a message_start came');
  message.content = content;
  return message;
}

/** Builds the chat.completion an OpenAI SDK would build from these chunks. */
export function assembleChat(chunks: readonly WireEvent[]): Json {
  let first: Json | undefined;
  let content: string | null = null;
  let finishReason: unknown = null;
  let usage: unknown;
  const calls: Json[] = [];
  for (const { event, data } of chunks) {
    assert.equal(event, undefined, 'chat chunks have no event name');
    assert.equal(data.object, 'chat.completion.chunk');
    first ??= data;
    assert.equal(data.id, first.id, 'all chunks share the id');
    assert.equal(data.created, first.created, 'all chunks share created');
    assert.equal(data.model, first.model, 'all chunks share the model');
    if (data.usage !== undefined && data.usage !== null) usage = data.usage;
    for (const choice of data.choices as Json[]) {
      const delta = choice.delta as Json;
      if (typeof delta.content === 'string') content = (content ?? '') + delta.content;
      for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
        const index = call.index as number;
        const fn = call.function as Json;
        if (calls[index] === undefined) {
          assert.equal(index, calls.length, 'tool call indices are dense, in order');
          calls[index] = { id: call.id, type: call.type, function: { name: fn.name, arguments: '' } };
        }
        const target = calls[index].function as Json;
        target.arguments = (target.arguments as string) + ((fn.arguments as string | undefined) ?? '');
      }
      if (choice.finish_reason !== null) finishReason = choice.finish_reason;
    }
  }
  assert.ok(first !== undefined, 'at least one chunk');
  const message: Json = { role: 'assistant', content: content === '' ? null : content };
  if (calls.length > 0) message.tool_calls = calls;
  const out: Json = { id: first.id, object: 'chat.completion', created: first.created, model: first.model, choices: [{ index: 0, message, finish_reason: finishReason }] };
  if (usage !== undefined) out.usage = usage;
  return out;
}
