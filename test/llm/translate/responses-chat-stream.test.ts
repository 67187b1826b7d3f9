import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { ChatToResponsesStream } from '../../../src/llm/translate/chat-to-responses-stream.js';
import { chatToResponsesResponse } from '../../../src/llm/translate/chat-to-responses-response.js';
import type { WireEvent } from '../../../src/llm/formats/wire-event.js';
import { SseSplitter } from '../../../src/llm/sse.js';
import { estimatedUsage, usageFromOpenAI } from '../../../src/llm/usage.js';

type Body = Record<string, unknown>;

const read = (name: string): string => readFileSync(new URL(`../../fixtures/openai/${name}`, import.meta.url), 'utf8');
const request: Body = { model: 'gpt-test', input: 'What is the capital of France?', stream: true };
const FALLBACK = estimatedUsage(11, 22);

function chunks(name: string): WireEvent[] {
  return new SseSplitter()
    .push(Buffer.from(read(name)))
    .filter((e) => e.data !== '[DONE]')
    .map((e) => ({ data: JSON.parse(e.data!) as Body }));
}

function translator(): ChatToResponsesStream {
  return new ChatToResponsesStream({ request, fallbackUsage: () => FALLBACK });
}

function translate(input: WireEvent[]): WireEvent[] {
  const t = translator();
  return [...input.flatMap((c) => t.push(c)), ...t.end()];
}

const chunk = (delta: Body, finish: string | null = null, extra: Body = {}): WireEvent => ({
  data: { id: 'chatcmpl-t1', object: 'chat.completion.chunk', created: 100, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }], ...extra },
});
const usageChunk = (completion = 5): WireEvent => ({
  data: { id: 'chatcmpl-t1', object: 'chat.completion.chunk', created: 100, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: completion, total_tokens: 3 + completion } },
});

const final = (events: WireEvent[]): Body => {
  const last = events.at(-1)!;
  assert.ok(last.event === 'response.completed' || last.event === 'response.incomplete', String(last.event));
  return last.data.response as Body;
};

/** The Response without what differs between two upstream calls: ids, timestamps, the service tier. */
function withoutIds(response: Body): Body {
  const output = (response.output as Body[]).map((item) => ({ ...item, id: '<id>' }));
  return { ...response, id: '<id>', created_at: 0, service_tier: '<tier>', output };
}

/** Drops what the SDK adds when it parses (parsed, parsed_arguments). */
function unparsed(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'parsed' || key === 'parsed_arguments' ? undefined : v)));
}

/** Rebuilds the output from the item events the way a client does, checking their order. */
function assembleOutput(events: WireEvent[]): Body[] {
  const output: Body[] = [];
  let open: number | undefined;
  for (const { event, data } of events) {
    const index = data.output_index as number | undefined;
    if (event === 'response.output_item.added') {
      assert.equal(open, undefined, 'an item is added while another is open');
      assert.equal(index, output.length);
      output.push(structuredClone(data.item) as Body);
      open = index;
      continue;
    }
    if (index === undefined) continue;
    assert.equal(index, open, `${String(event)} for an item that is not the open one`);
    const item = output[index];
    if (event === 'response.output_item.done') {
      open = undefined;
      const assembled = structuredClone(item);
      // The assembled item must match what the server says it is.
      assert.deepEqual({ ...assembled, status: (data.item as Body).status }, data.item);
      output[index] = data.item as Body;
    } else if (event === 'response.content_part.added') {
      (item.content as Body[]).push(structuredClone(data.part) as Body);
    } else if (event === 'response.output_text.delta') {
      const part = (item.content as Body[])[data.content_index as number];
      part.text = (part.text as string) + (data.delta as string);
      (part.logprobs as unknown[]).push(...(data.logprobs as unknown[]));
    } else if (event === 'response.refusal.delta') {
      const part = (item.content as Body[])[data.content_index as number];
      part.refusal = (part.refusal as string) + (data.delta as string);
    } else if (event === 'response.function_call_arguments.delta') {
      assert.equal(data.item_id, item.id);
      item.arguments = (item.arguments as string) + (data.delta as string);
    } else if (event === 'response.function_call_arguments.done') {
      assert.equal(data.arguments, item.arguments);
      item.status = 'completed';
    } else if (event === 'response.output_text.done') {
      assert.equal(data.text, (item.content as Body[])[data.content_index as number].text);
    }
  }
  assert.equal(open, undefined, 'an item was left open');
  return output;
}

/** An openai SDK client whose every call is answered with these SSE bytes, without a network. */
function clientStreaming(events: WireEvent[]): OpenAI {
  const sse = events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('');
  const fetch = async (): Promise<Response> => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  return new OpenAI({ apiKey: 'test', baseURL: 'http://gatehouse.invalid/v1', fetch, maxRetries: 0 });
}

const PAIRS: [sse: string, json: string][] = [
  ['chat-text.sse', 'chat-text.json'],
  ['chat-usage-in-last-choice.sse', 'chat-text.json'],
  ['chat-tool-call.sse', 'chat-tool-call.json'],
  ['chat-parallel-tool-calls.sse', 'chat-parallel-tool-calls.json'],
  ['chat-parallel-tool-calls-interleaved.sse', 'chat-parallel-tool-calls.json'],
];

describe('ChatToResponsesStream on the chat fixtures', () => {
  for (const [sse, json] of PAIRS) {
    it(`${sse}: ends with the Response ${json} translates to, and the events build the same output`, () => {
      const events = translate(chunks(sse));
      const response = final(events);
      const expected = chatToResponsesResponse(JSON.parse(read(json)) as Body, { request });
      assert.deepEqual(withoutIds(response), withoutIds(expected));
      assert.deepEqual(assembleOutput(events), response.output);
    });

    it(`${sse}: numbers events from 0 without gaps and names each by its type`, () => {
      const events = translate(chunks(sse));
      events.forEach((e, i) => {
        assert.equal(e.data.sequence_number, i);
        assert.equal(e.event, e.data.type);
      });
      assert.deepEqual(
        events.slice(0, 2).map((e) => [e.event, (e.data.response as Body).status, (e.data.response as Body).usage]),
        [
          ['response.created', 'in_progress', null],
          ['response.in_progress', 'in_progress', null],
        ],
      );
      assert.equal(events.filter((e) => e.event === 'response.completed').length, 1);
    });

    it(`${sse}: is accepted by the openai SDK's Responses stream`, async () => {
      const events = translate(chunks(sse));
      const stream = clientStreaming(events).responses.stream({ model: 'gpt-test', input: 'x' });
      const seen: string[] = [];
      stream.on('event', (e) => seen.push(e.type));
      const parsed = await stream.finalResponse();
      assert.deepEqual(seen, events.map((e) => e.event));
      const response = final(events);
      assert.deepEqual(unparsed(parsed.output), response.output);
      assert.deepEqual(parsed.usage, response.usage);
      const text = (JSON.parse(read(json)) as { choices: { message: { content: string | null } }[] }).choices[0].message.content;
      assert.equal(parsed.output_text, text ?? '');
    });
  }

  it('keeps the argument bytes of interleaved parallel calls whole, in order, under the right item', () => {
    const events = translate(chunks('chat-parallel-tool-calls-interleaved.sse'));
    const byItem = new Map<string, string>();
    for (const e of events.filter((x) => x.event === 'response.function_call_arguments.delta')) {
      byItem.set(e.data.item_id as string, (byItem.get(e.data.item_id as string) ?? '') + (e.data.delta as string));
    }
    const items = (final(events).output as Body[]).map((i) => [i.call_id, byItem.get(i.id as string)]);
    assert.deepEqual(items, [
      ['call_Ab7Rt2mKq9XwL0zPn4VcYe1s', '{"city": "Paris"}'],
      ['call_Df3Gh8jNs5TuW1qBx6ZkMa0r', '{"city": "Tokyo"}'],
    ]);
  });

  it('streams the first item live: one text delta per chat content chunk', () => {
    const input = chunks('chat-text.sse');
    const t = translator();
    const perChunk = input.map((c) => t.push(c));
    const contentChunks = input.filter((c) => ((c.data.choices as Body[])[0]?.delta as Body | undefined)?.content);
    const deltas = perChunk.flat().filter((e) => e.event === 'response.output_text.delta');
    assert.equal(deltas.length, contentChunks.length);
    assert.ok(perChunk[1].some((e) => e.event === 'response.output_text.delta'), 'the first word goes out with its chunk');
  });

  it('holds response.completed until the usage chunk that follows finish_reason', () => {
    const input = chunks('chat-text.sse');
    const t = translator();
    const beforeUsage = input.slice(0, -1).flatMap((c) => t.push(c));
    assert.equal(beforeUsage.at(-1)?.event, 'response.output_item.done', 'items are done at finish_reason');
    assert.ok(!beforeUsage.some((e) => e.event === 'response.completed'));
    const last = t.push(input.at(-1)!);
    assert.deepEqual(last.map((e) => e.event), ['response.completed']);
    assert.deepEqual(t.end(), [], 'nothing more is owed');
    assert.deepEqual(t.push(usageChunk()), [], 'nothing after the end');
  });

  it('takes only usage sent with or after finish_reason as final (some servers send a running count before)', () => {
    const running = chunk({ content: 'Hi' }, null, { usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
    const t = translator();
    const beforeFinal = [running, chunk({}, 'stop')].flatMap((c) => t.push(c));
    assert.ok(!beforeFinal.some((e) => e.event === 'response.completed'), 'a count before finish_reason does not end the stream');
    const last = t.push(usageChunk(9));
    assert.equal((final(last).usage as Body).output_tokens, 9);
    const t2 = translator();
    [running, chunk({}, 'stop')].forEach((c) => t2.push(c));
    assert.equal((final(t2.end()).usage as Body).output_tokens, 1, 'at the end, the latest count beats the fallback');
  });

  it('uses the fallback usage when the stream ends without any', () => {
    const response = final(translate(chunks('chat-text-no-usage.sse')));
    assert.equal(response.status, 'completed');
    assert.deepEqual(response.usage, { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 22, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 33 });
    const exact = final(translate(chunks('chat-text.sse')));
    assert.equal(exact.service_tier, 'default', "the chunks' service tier");
    assert.deepEqual((exact.usage as Body).input_tokens, usageFromOpenAI((JSON.parse(read('chat-text.json')) as Body).usage)?.promptTokens);
  });
});

describe('ChatToResponsesStream: cases the fixtures do not cover', () => {
  it('ends as response.incomplete (max_output_tokens) on finish_reason length', () => {
    const events = translate([chunk({ role: 'assistant', content: 'Once upon' }), chunk({ content: ' a time' }, 'length'), usageChunk(2)]);
    const last = events.at(-1)!;
    assert.equal(last.event, 'response.incomplete');
    const response = last.data.response as Body;
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    const done = events.find((e) => e.event === 'response.output_item.done')!;
    assert.equal((done.data.item as Body).status, 'incomplete');
    assert.deepEqual(assembleOutput(events), response.output);
  });

  it('ends as incomplete (content_filter) on finish_reason content_filter', () => {
    const response = final(translate([chunk({ content: 'Hmm' }, 'content_filter'), usageChunk()]));
    assert.deepEqual(response.incomplete_details, { reason: 'content_filter' });
  });

  it('finishes the message before a tool call after it, so the call streams live', () => {
    const t = translator();
    const out: WireEvent[][] = [
      t.push(chunk({ role: 'assistant', content: 'Let me check.' })),
      t.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] })),
      t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] })),
      t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] })),
      t.push(chunk({}, 'tool_calls')),
      t.push(usageChunk()),
    ];
    assert.deepEqual(out[1].map((e) => e.event), [
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
    ]);
    assert.deepEqual(out[2].map((e) => [e.event, e.data.delta]), [['response.function_call_arguments.delta', '{"city":']]);
    const events = out.flat();
    const response = final(events);
    assert.deepEqual((response.output as Body[]).map((i) => i.type), ['message', 'function_call']);
    assert.deepEqual(assembleOutput(events), response.output);
    const json = chatToResponsesResponse(
      { id: 'chatcmpl-t1', created: 100, model: 'm', choices: [{ index: 0, message: { content: 'Let me check.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' }], usage: (usageChunk().data.usage as Body) },
      { request },
    );
    assert.deepEqual(response, json, 'same ids too when the chat ids are the same');
  });

  it('streams a refusal as a refusal part', () => {
    const events = translate([chunk({ role: 'assistant', content: null, refusal: "I can't" }), chunk({ refusal: ' help with that.' }), chunk({}, 'stop'), usageChunk()]);
    assert.deepEqual(
      events.filter((e) => e.event?.startsWith('response.refusal')).map((e) => [e.event, e.data.delta ?? e.data.refusal]),
      [
        ['response.refusal.delta', "I can't"],
        ['response.refusal.delta', ' help with that.'],
        ['response.refusal.done', "I can't help with that."],
      ],
    );
    const response = final(events);
    assert.deepEqual(((response.output as Body[])[0].content as Body[])[0], { type: 'refusal', refusal: "I can't help with that." });
    assert.deepEqual(assembleOutput(events), response.output);
  });

  it('carries text logprobs on the deltas and in the final part', () => {
    const lp = (token: string) => ({ token, logprob: -0.5, bytes: null, top_logprobs: [] });
    const events = translate([chunk({ content: 'Hi' }, null, {}), chunk({ content: ' there' }, 'stop'), usageChunk()].map((c, i) => {
      const choice = (c.data.choices as Body[])[0];
      if (choice !== undefined) choice.logprobs = { content: [lp(i === 0 ? 'Hi' : ' there')] };
      return c;
    }));
    const deltas = events.filter((e) => e.event === 'response.output_text.delta').map((e) => (e.data.logprobs as Body[]).map((l) => l.token));
    assert.deepEqual(deltas, [['Hi'], [' there']]);
    const part = ((final(events).output as Body[])[0].content as Body[])[0];
    assert.deepEqual((part.logprobs as Body[]).map((l) => l.token), ['Hi', ' there']);
  });

  it('reads tool-call fragments without index, and a name repeated in every fragment, as one call', () => {
    const events = translate([
      chunk({ tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ function: { name: 'f', arguments: ':1}' } }] }),
      chunk({ tool_calls: [{ id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      usageChunk(),
    ]);
    const output = final(events).output as Body[];
    assert.deepEqual(output.map((i) => [i.call_id, i.name, i.arguments]), [
      ['call_a', 'f', '{"a":1}'],
      ['call_b', 'g', '{}'],
    ]);
    assert.deepEqual(assembleOutput(events), output);
  });

  it('ignores other choices (n is never sent upstream)', () => {
    const two = chunk({ content: 'A' });
    (two.data.choices as Body[]).push({ index: 1, delta: { content: 'B' }, finish_reason: null });
    const response = final(translate([two, chunk({}, 'stop'), usageChunk()]));
    assert.equal(((response.output as Body[])[0].content as Body[])[0].text, 'A');
  });

  it('still answers with a whole Response when the upstream ends cleanly without a chunk or a finish_reason', () => {
    const empty = translator().end();
    assert.deepEqual(empty.map((e) => e.event), ['response.created', 'response.in_progress', 'response.completed']);
    assert.equal((final(empty).usage as Body).input_tokens, 11);
    assert.equal(final(empty).model, 'gpt-test');

    const unfinished = translate([chunk({ content: 'Hi' })]);
    assert.equal(final(unfinished).status, 'completed');
    assert.deepEqual(assembleOutput(unfinished), final(unfinished).output);
  });
});
