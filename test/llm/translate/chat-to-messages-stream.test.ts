import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireEvent } from '../../../src/llm/formats/wire-event.js';
import { ChatToMessagesStream } from '../../../src/llm/translate/chat-to-messages-stream.js';
import { chatToMessagesResponse } from '../../../src/llm/translate/messages-chat-response.js';
import { estimatedUsage } from '../../../src/llm/usage.js';
import { assembleMessages, jsonFixture, sseFixture, translateAll } from './wire-fixtures.js';
import { prng } from '../../support/prng.js';

type Json = Record<string, unknown>;
const fallback = estimatedUsage(70, 9);

function translator(): ChatToMessagesStream {
  return new ChatToMessagesStream({ estimatedInputTokens: 75, fallbackUsage: () => fallback });
}

/** A compact picture of an Anthropic event list: one string per event. */
function outline(events: readonly WireEvent[]): string[] {
  return events.map(({ data }) => {
    switch (data.type) {
      case 'content_block_start': {
        const block = data.content_block as Json;
        return `start ${String(data.index)} ${String(block.type)}${block.type === 'tool_use' ? ` ${String(block.id)} ${String(block.name)}` : ''}`;
      }
      case 'content_block_delta': {
        const delta = data.delta as Json;
        return `delta ${String(data.index)} ${String(delta.text ?? delta.partial_json)}`;
      }
      case 'content_block_stop':
        return `stop ${String(data.index)}`;
      case 'message_delta':
        return `message_delta ${String((data.delta as Json).stop_reason)} ${JSON.stringify(data.usage)}`;
      default:
        return String(data.type);
    }
  });
}

const chunk = (delta: Json, finish: string | null = null, usage?: Json): WireEvent => ({
  data: { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) },
});
const usageChunk = (usage: Json): WireEvent => ({ data: { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [], usage } });
const call = (index: number, args: string, header?: { id: string; name: string }): Json =>
  header === undefined ? { index, function: { arguments: args } } : { index, id: header.id, type: 'function', function: { name: header.name, arguments: args } };

describe('ChatToMessagesStream', () => {
  const pairs: [string, string][] = [
    ['chat-text.sse', 'chat-text.json'],
    ['chat-tool-call.sse', 'chat-tool-call.json'],
    ['chat-parallel-tool-calls.sse', 'chat-parallel-tool-calls.json'],
    ['chat-parallel-tool-calls-interleaved.sse', 'chat-parallel-tool-calls.json'],
    ['chat-usage-in-last-choice.sse', 'chat-text.json'],
  ];
  for (const [sse, json] of pairs) {
    it(`${sse}: the translated stream assembles to the translated ${json}, usage included`, () => {
      const streamed = assembleMessages(translateAll(translator(), sseFixture(`openai/${sse}`)));
      const unstreamed = chatToMessagesResponse(jsonFixture(`openai/${json}`));
      assert.deepEqual(streamed.content, unstreamed.content);
      assert.equal(streamed.stop_reason, unstreamed.stop_reason);
      assert.equal(streamed.stop_sequence, unstreamed.stop_sequence);
      assert.deepEqual(streamed.usage, unstreamed.usage);
    });
  }

  it('starts with message_start from the first chunk, with the estimated input tokens', () => {
    const [first] = translator().push(sseFixture('openai/chat-text.sse')[0]!);
    assert.deepEqual(first, {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id: 'chatcmpl-CTq1OkZc2vHs9pWy4RbM6gTn1dLxE',
          type: 'message',
          role: 'assistant',
          model: 'gpt-5-mini-2025-08-07',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 75, output_tokens: 0 },
        },
      },
    });
  });

  it('translates a tool call event by event, opening no empty text block', () => {
    assert.deepEqual(outline(translateAll(translator(), sseFixture('openai/chat-tool-call.sse'))), [
      'message_start',
      'start 0 tool_use call_Xk2mQ9vRt4LpWz7YbN0aHc3e get_weather',
      'delta 0 {"',
      'delta 0 city',
      'delta 0 ":"',
      'delta 0 Paris',
      'delta 0 "}',
      'stop 0',
      'message_delta tool_use {"output_tokens":16,"input_tokens":82,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}',
      'message_stop',
    ]);
  });

  it('keeps streaming OpenAI-ordered parallel calls: a call closes when the next begins and it is complete', () => {
    const t = translator();
    const outputs = sseFixture('openai/chat-parallel-tool-calls.sse').map((e) => outline(t.push(e)));
    const secondHeader = outputs.findIndex((o) => o.some((line) => line.startsWith('start 1')));
    assert.deepEqual(outputs[secondHeader], ['stop 0', 'start 1 tool_use call_Df3Gh8jNs5TuW1qBx6ZkMa0r get_weather']);
    const finish = outputs.findIndex((o) => o.includes('stop 1'));
    assert.ok(finish > secondHeader + 1, 'call 1 streamed its fragments before finish_reason');
  });

  it('buffers interleaved calls and emits each call whole, in order, without losing a byte', () => {
    assert.deepEqual(outline(translateAll(translator(), sseFixture('openai/chat-parallel-tool-calls-interleaved.sse'))), [
      'message_start',
      'start 0 tool_use call_Ab7Rt2mKq9XwL0zPn4VcYe1s get_weather',
      'delta 0 {"ci',
      'delta 0 ty": "Pa',
      'delta 0 ris"}',
      'stop 0',
      'start 1 tool_use call_Df3Gh8jNs5TuW1qBx6ZkMa0r get_weather',
      'delta 1 {"ci',
      'delta 1 ty": "To',
      'delta 1 kyo"}',
      'stop 1',
      'message_delta tool_use {"output_tokens":48,"input_tokens":82,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}',
      'message_stop',
    ]);
  });

  it('holds message_delta until the usage chunk that follows finish_reason', () => {
    const t = translator();
    assert.deepEqual(outline(t.push(chunk({ role: 'assistant', content: 'Hi' }))), ['message_start', 'start 0 text', 'delta 0 Hi']);
    assert.deepEqual(outline(t.push(chunk({}, 'length'))), ['stop 0']);
    assert.deepEqual(
      outline(t.push(usageChunk({ prompt_tokens: 1200, completion_tokens: 5, total_tokens: 1205, prompt_tokens_details: { cached_tokens: 1024 } }))),
      ['message_delta max_tokens {"output_tokens":5,"input_tokens":176,"cache_read_input_tokens":1024,"cache_creation_input_tokens":0}', 'message_stop'],
    );
    assert.deepEqual(t.push(usageChunk({ prompt_tokens: 1, completion_tokens: 1 })), [], 'nothing after message_stop');
    assert.deepEqual(t.end(), []);
  });

  it('finishes on the finish_reason chunk when it carries the usage itself', () => {
    const events = translateAll(translator(), sseFixture('openai/chat-usage-in-last-choice.sse'));
    assert.deepEqual(outline(events).slice(-3), [
      'stop 0',
      'message_delta end_turn {"output_tokens":156,"input_tokens":176,"cache_read_input_tokens":1024,"cache_creation_input_tokens":0}',
      'message_stop',
    ]);
  });

  it('ends with the fallback usage when the stream has none', () => {
    const t = translator();
    const events = sseFixture('openai/chat-text-no-usage.sse').flatMap((e) => t.push(e));
    assert.deepEqual(outline(events).slice(-1), ['stop 0'], 'message_delta waits for usage');
    assert.deepEqual(outline(t.end()), ['message_delta end_turn {"output_tokens":9,"input_tokens":70,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}', 'message_stop']);
  });

  it('closes what is open at end() even without finish_reason, and emits nothing for an empty stream', () => {
    const t = translator();
    assert.deepEqual(outline(t.push(chunk({ content: 'Par' }))), ['message_start', 'start 0 text', 'delta 0 Par']);
    assert.deepEqual(outline(t.push(chunk({ tool_calls: [call(0, '{"a":', { id: 'c0', name: 'f' })] }))), ['stop 0', 'start 1 tool_use c0 f', 'delta 1 {"a":']);
    assert.deepEqual(outline(t.end()), [
      'stop 1',
      'message_delta end_turn {"output_tokens":9,"input_tokens":70,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}',
      'message_stop',
    ]);
    assert.deepEqual(t.end(), [], 'end() owes nothing twice');
    assert.deepEqual(translator().end(), []);
  });

  it('closes text when a tool call begins, and holds late text until the open call is complete', () => {
    const events = translateAll(translator(), [
      chunk({ role: 'assistant', content: 'Let me check.' }),
      chunk({ tool_calls: [call(0, '{"city":', { id: 'c0', name: 'get_weather' })] }),
      chunk({ content: ' One moment.' }),
      chunk({ tool_calls: [call(0, '"Paris"}')] }),
      chunk({ content: ' Done.' }),
      chunk({}, 'tool_calls'),
      usageChunk({ prompt_tokens: 10, completion_tokens: 20 }),
    ]);
    assert.deepEqual(outline(events).slice(0, -2), [
      'message_start',
      'start 0 text',
      'delta 0 Let me check.',
      'stop 0',
      'start 1 tool_use c0 get_weather',
      'delta 1 {"city":',
      'delta 1 "Paris"}',
      'stop 1',
      'start 2 text',
      'delta 2  One moment.',
      'delta 2  Done.',
      'stop 2',
    ]);
    assertAssembles(events);
  });

  it('starts a new call when a server reuses index 0 with a new id', () => {
    const message = assembleMessages(
      translateAll(translator(), [
        chunk({ role: 'assistant', tool_calls: [call(0, '{"city":"Paris"}', { id: 'c0', name: 'get_weather' })] }),
        chunk({ tool_calls: [call(0, '{"city":"Tokyo"}', { id: 'c1', name: 'get_weather' })] }),
        chunk({}, 'tool_calls'),
        usageChunk({ prompt_tokens: 10, completion_tokens: 20 }),
      ]),
    );
    assert.deepEqual(message.content, [
      { type: 'tool_use', id: 'c0', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Tokyo' } },
    ]);
  });

  it('treats a refusal delta as text and maps content_filter to refusal', () => {
    const events = translateAll(translator(), [chunk({ role: 'assistant', refusal: 'I cannot help.' }), chunk({}, 'content_filter'), usageChunk({ prompt_tokens: 3, completion_tokens: 4 })]);
    const message = assembleMessages(events);
    assert.deepEqual(message.content, [{ type: 'text', text: 'I cannot help.' }]);
    assert.equal(message.stop_reason, 'refusal');
  });

  it('never loses or reorders argument bytes, whatever the interleaving (randomised, seeded)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = prng(seed);
      const callCount = 1 + Math.floor(random() * 4);
      const args = Array.from({ length: callCount }, (_, i) => JSON.stringify({ i, city: `City ${i}`, nested: { list: [i, `x${seed}`] } }));
      const remaining = args.map((a) => splitRandomly(a, random));
      const started = new Set<number>();
      const chunks: WireEvent[] = [chunk({ role: 'assistant', content: random() < 0.5 ? 'Checking. ' : '' })];
      while (remaining.some((r) => r.length > 0)) {
        const i = Math.floor(random() * callCount);
        // Headers come in index order; fragments of started calls come in any order.
        const next = started.size;
        const index = started.has(i) ? i : next;
        if (index >= callCount || remaining[index]!.length === 0) continue;
        const fragment = remaining[index]!.shift()!;
        chunks.push(chunk({ tool_calls: [started.has(index) ? call(index, fragment) : call(index, fragment, { id: `call_${index}`, name: `fn_${index}` })] }));
        started.add(index);
      }
      chunks.push(chunk({}, 'tool_calls'), usageChunk({ prompt_tokens: 50, completion_tokens: 60 }));
      const message = assembleMessages(translateAll(translator(), chunks));
      const tools = (message.content as Json[]).filter((b) => b.type === 'tool_use');
      assert.deepEqual(
        tools.map((b) => [b.id, b.name, b.input]),
        args.map((a, i) => [`call_${i}`, `fn_${i}`, JSON.parse(a)]),
        `seed ${seed}`,
      );
    }
  });
});

function assertAssembles(events: readonly WireEvent[]): void {
  assert.doesNotThrow(() => assembleMessages(events));
}

function splitRandomly(text: string, random: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = 1 + Math.floor(random() * 8);
    out.push(text.slice(i, i + size));
    i += size;
  }
  return out;
}

