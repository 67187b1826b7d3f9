import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import type { z } from 'zod';
import { GatehouseError } from '../../../src/errors/gatehouse-error.js';
import { classifyOpenAICompatibleError, parseRetryAfter } from '../../../src/llm/providers/openai-compatible-errors.js';
import {
  createSimulatedProvider,
  parseSimulateHeader,
  simulatedConfigSchema,
  simulatedProvider,
} from '../../../src/llm/providers/simulated/index.js';
import type { UpstreamResponse } from '../../../src/llm/providers/types.js';
import { countChatPromptTokens, countTextTokens } from '../../../src/llm/tokens.js';
import { readText, upstreamRequest } from '../../support/upstream-request.js';


// Response bodies are read loosely; the assertions check their shape.
type Json = Record<string, any>;

type ConfigInput = Omit<z.input<typeof simulatedConfigSchema>, 'type'>;

function provider(config: ConfigInput = {}, random?: () => number) {
  const parsed = simulatedConfigSchema.parse({ type: 'simulated', ...config });
  return createSimulatedProvider('sim', parsed, random === undefined ? {} : { random });
}


const request = (parsed: Json, options: Parameters<typeof upstreamRequest>[3] = {}) => upstreamRequest('chat', 'sim-1', parsed, options);

const chat = (text: string, extra: Json = {}): Json => ({ model: 'sim-1', messages: [{ role: 'user', content: text }], ...extra });


async function json(response: UpstreamResponse): Promise<Json> {
  return JSON.parse(await readText(response)) as Json;
}

/** The data payloads of an SSE body, in order. */
async function events(response: UpstreamResponse): Promise<string[]> {
  const text = await readText(response);
  assert.ok(text.endsWith('\n\n'), 'every event ends with a blank line');
  return text
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => {
      assert.ok(e.startsWith('data: '), `event is a data line: ${e}`);
      return e.slice('data: '.length);
    });
}

const chunkData = (data: string[]): Json[] => data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Json);
const streamedContent = (chunks: Json[]): string => chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');

/** Whether a promise is still pending once the event loop has had a turn. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise.then(() => 'settled', () => 'settled'), new Promise((r) => setImmediate(() => r(marker)))]);
  return result === marker;
}

const weatherTools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1, maximum: 7 }, detailed: { type: 'boolean' } },
        required: ['city', 'unit', 'days', 'detailed'],
      },
    },
  },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } } },
];

describe('simulated provider: chat text', () => {
  it('is registered as an OpenAI-format provider with defaults from its schema', () => {
    const config = simulatedProvider.configSchema.parse({ type: 'simulated' });
    assert.deepEqual(config, { type: 'simulated', mode: 'generate', latencyMs: 0, ttftMs: 0, tokensPerSecond: 0, outputTokens: 24, embeddingDimensions: 256, faults: [], faultHeader: true });
    const p = simulatedProvider.create('demo', config);
    assert.equal(p.format, 'openai');
    assert.equal(p.type, 'simulated');
    assert.equal(p.unavailableReason, undefined);
    assert.throws(() => simulatedProvider.configSchema.parse({ type: 'simulated', bogus: 1 }));
  });

  it('answers the same request with the same text, and a different one with different text', async () => {
    const p = provider();
    const a = await json(await p.send(request(chat('Tell me about rivers'))));
    const b = await json(await p.send(request(chat('Tell me about rivers'))));
    const c = await json(await p.send(request(chat('Tell me about mountains'))));
    const d = await json(await p.send(request(chat('Tell me about rivers'), { model: 'sim-2' })));
    assert.equal(a.choices[0].message.content, b.choices[0].message.content);
    assert.notEqual(a.choices[0].message.content, c.choices[0].message.content);
    assert.notEqual(a.choices[0].message.content, d.choices[0].message.content);
    assert.equal(d.model, 'sim-2');
    assert.equal(a.object, 'chat.completion');
    assert.match(a.id, /^chatcmpl-sim-[0-9a-f]+$/);
    assert.deepEqual(a.choices[0].message, { role: 'assistant', content: a.choices[0].message.content, refusal: null });
    assert.equal(a.choices[0].finish_reason, 'stop');
    assert.match(a.choices[0].message.content, /^[A-Z].*\.$/);
    const completion = a.usage.completion_tokens;
    assert.ok(completion >= 24 && completion <= 24 + 12, `about 24 tokens, got ${completion}`);
    assert.deepEqual(a.usage, {
      prompt_tokens: countChatPromptTokens(chat('Tell me about rivers')),
      completion_tokens: countTextTokens(a.choices[0].message.content),
      total_tokens: a.usage.prompt_tokens + completion,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('follows outputTokens', async () => {
    const long = await json(await provider({ outputTokens: 300 }).send(request(chat('essay'))));
    assert.ok(long.usage.completion_tokens >= 300 && long.usage.completion_tokens <= 315);
  });

  it('echoes the last user message verbatim in echo mode, streamed or not', async () => {
    const p = provider({ mode: 'echo' });
    const text = '  Héllo,   wörld! 👋\nsecond line  ';
    const body = { model: 'm', messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'x' }, { role: 'user', content: [{ type: 'text', text }] }] };
    const answer = await json(await p.send(request(body)));
    assert.equal(answer.choices[0].message.content, text);
    const streamed = chunkData(await events(await p.send(request({ ...body, stream: true }))));
    assert.equal(streamedContent(streamed), text);
  });

  it('streams the same content and usage as the unstreamed answer when include_usage is set', async () => {
    const p = provider({ outputTokens: 40 });
    const plain = await json(await p.send(request(chat('Stream please'))));
    const response = await p.send(request(chat('Stream please', { stream: true, stream_options: { include_usage: true } })));
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    const data = await events(response);
    assert.equal(data.at(-1), '[DONE]');
    const chunks = chunkData(data);
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '', refusal: null });
    assert.ok(chunks.length > 5, 'one chunk per word');
    assert.equal(streamedContent(chunks), plain.choices[0].message.content);
    const usageChunk = chunks.at(-1)!;
    assert.deepEqual(usageChunk.choices, []);
    assert.deepEqual(usageChunk.usage, plain.usage);
    const finish = chunks.at(-2)!;
    assert.deepEqual(finish.choices[0].delta, {});
    assert.equal(finish.choices[0].finish_reason, 'stop');
    for (const chunk of chunks.slice(0, -1)) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.id, usageChunk.id);
      assert.equal(chunk.usage, null);
    }
    for (const chunk of chunks.slice(0, -2)) assert.equal(chunk.choices[0].finish_reason, null);
  });

  it('sends no usage at all without include_usage', async () => {
    const chunks = chunkData(await events(await provider().send(request(chat('No usage', { stream: true })))));
    assert.equal(chunks.at(-1)!.choices[0].finish_reason, 'stop');
    for (const chunk of chunks) assert.equal('usage' in chunk, false);
  });

  it('cuts at max_tokens / max_completion_tokens with finish_reason "length" and exact usage', async () => {
    const p = provider({ outputTokens: 60 });
    for (const prompt of ['alpha', 'beta gamma', 'delta']) {
      const full = (await json(await p.send(request(chat(prompt))))).choices[0].message.content as string;
      for (const limit of [1, 2, 5, 13, 30]) {
        const answer = await json(await p.send(request(chat(prompt, { max_tokens: limit }))));
        assert.equal(answer.choices[0].finish_reason, 'length');
        assert.equal(answer.usage.completion_tokens, limit);
        assert.ok(full.startsWith(answer.choices[0].message.content));
      }
    }
    const both = await json(await p.send(request(chat('alpha', { max_tokens: 9, max_completion_tokens: 4 }))));
    assert.equal(both.usage.completion_tokens, 4);
    const plenty = await json(await p.send(request(chat('alpha', { max_completion_tokens: 1000 }))));
    assert.equal(plenty.choices[0].finish_reason, 'stop');
    const streamed = chunkData(await events(await p.send(request(chat('alpha', { max_tokens: 7, stream: true, stream_options: { include_usage: true } })))));
    assert.equal(streamed.at(-2)!.choices[0].finish_reason, 'length');
    assert.equal(streamed.at(-1)!.usage.completion_tokens, 7);
  });

  it('answers 400 with an OpenAI error body for unreadable requests and unknown operations', async () => {
    const p = provider();
    const bad = await p.send(request({ model: 'm', messages: [] }));
    assert.equal(bad.status, 400);
    const body = await json(bad);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.param, 'messages');
    assert.equal(typeof body.error.message, 'string');
    const badMax = await json(await p.send(request(chat('x', { max_tokens: 0 }))));
    assert.equal(badMax.error.param, 'max_tokens');
    const op = await p.send(request(chat('x'), { operation: 'images' as unknown as 'chat' }));
    assert.equal(op.status, 400);
    assert.match((await json(op)).error.message, /images/);
  });
});

describe('simulated provider: tool calls', () => {
  it('calls the mentioned tool with arguments built from its schema', async () => {
    const body = chat('What is the get_weather in Paris today?', { tools: weatherTools });
    const answer = await json(await provider().send(request(body)));
    const choice = answer.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.match(call.id, /^call_[0-9a-f]+$/);
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    const args = JSON.parse(call.function.arguments) as Json;
    assert.deepEqual(Object.keys(args).sort(), ['city', 'days', 'detailed', 'unit']);
    assert.equal(typeof args.city, 'string');
    assert.ok(args.city.split(' ').every((w: string) => ['What', 'is', 'the', 'in', 'Paris', 'today'].includes(w)), args.city);
    assert.equal(args.unit, 'celsius');
    assert.ok(Number.isInteger(args.days) && args.days >= 1 && args.days <= 7);
    assert.equal(args.detailed, true);
    assert.equal(answer.usage.completion_tokens, countTextTokens(JSON.stringify(choice.message.tool_calls)));
    const again = await json(await provider().send(request(body)));
    assert.deepEqual(again.choices[0].message, choice.message);
  });

  it('honours tool_choice: named, required, none, and answers text after a tool result', async () => {
    const p = provider();
    const named = await json(await p.send(request(chat('hello', { tools: weatherTools, tool_choice: { type: 'function', function: { name: 'get_time' } } }))));
    assert.equal(named.choices[0].message.tool_calls[0].function.name, 'get_time');
    const required = await json(await p.send(request(chat('hello', { tools: weatherTools, tool_choice: 'required' }))));
    assert.equal(required.choices[0].message.tool_calls[0].function.name, 'get_weather');
    const auto = await json(await p.send(request(chat('hello', { tools: weatherTools }))));
    assert.equal(typeof auto.choices[0].message.content, 'string');
    const none = await json(await p.send(request(chat('use get_weather', { tools: weatherTools, tool_choice: 'none' }))));
    assert.equal(none.choices[0].finish_reason, 'stop');
    const afterTool = {
      model: 'm',
      tools: weatherTools,
      messages: [
        { role: 'user', content: 'use get_weather' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    };
    const final = await json(await p.send(request(afterTool)));
    assert.equal(final.choices[0].finish_reason, 'stop');
    const unknown = await p.send(request(chat('x', { tools: weatherTools, tool_choice: { type: 'function', function: { name: 'nope' } } })));
    assert.equal(unknown.status, 400);
    assert.equal((await json(unknown)).error.param, 'tool_choice');
  });

  it('makes parallel calls in order of mention unless parallel_tool_calls is false', async () => {
    const p = provider();
    const text = 'First get_time then get_weather please';
    const parallel = await json(await p.send(request(chat(text, { tools: weatherTools }))));
    assert.deepEqual(parallel.choices[0].message.tool_calls.map((c: Json) => c.function.name), ['get_time', 'get_weather']);
    const ids = new Set(parallel.choices[0].message.tool_calls.map((c: Json) => c.id));
    assert.equal(ids.size, 2);
    const single = await json(await p.send(request(chat(text, { tools: weatherTools, parallel_tool_calls: false }))));
    assert.deepEqual(single.choices[0].message.tool_calls.map((c: Json) => c.function.name), ['get_time']);
  });

  it('streams tool calls in OpenAI order: header per call, then argument fragments with its index', async () => {
    const p = provider();
    const body = chat('get_weather and get_time', { tools: weatherTools, stream_options: { include_usage: true } });
    const plain = await json(await p.send(request(body)));
    const chunks = chunkData(await events(await p.send(request({ ...body, stream: true }))));
    const deltas = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta as Json);
    assert.equal(deltas[0].role, 'assistant');
    assert.equal(deltas[0].content, null);
    const rebuilt: Json[] = [];
    const headerOrder: number[] = [];
    for (const delta of deltas) {
      for (const part of (delta.tool_calls ?? []) as Json[]) {
        if (part.id !== undefined) {
          assert.equal(part.index, rebuilt.length, 'a new call gets the next index');
          assert.equal(part.type, 'function');
          assert.equal(part.function.arguments, '');
          headerOrder.push(part.index);
          rebuilt.push({ id: part.id, type: 'function', function: { name: part.function.name, arguments: '' } });
        } else {
          assert.equal(part.index, rebuilt.length - 1, 'fragments belong to the latest call');
          assert.equal('name' in part.function, false);
          rebuilt[part.index].function.arguments += part.function.arguments;
        }
      }
    }
    assert.deepEqual(headerOrder, [0, 1]);
    assert.ok(deltas.filter((d) => d.tool_calls !== undefined).length > 4, 'arguments arrive in several fragments');
    assert.deepEqual(rebuilt, plain.choices[0].message.tool_calls);
    assert.equal(chunks.at(-2)!.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(chunks.at(-1)!.usage, plain.usage);
  });
});

describe('simulated provider: faults', () => {
  it('answers a status fault with an OpenAI error body and Retry-After, classified as rate limited', async () => {
    const p = provider({ faults: [{ type: 'status', status: 429, retryAfter: 2, message: 'slow down' }] });
    const response = await p.send(request(chat('x')));
    assert.equal(response.status, 429);
    assert.equal(response.headers['retry-after'], '2');
    const text = await readText(response);
    assert.deepEqual(JSON.parse(text), { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    const error = p.classifyError(response.status, response.headers, text);
    assert.ok(error instanceof GatehouseError);
    assert.equal(error.code, 'upstream_rate_limited');
    assert.equal(error.retryAfter, 2);
    assert.equal(error.upstreamStatus, 429);
    assert.match(error.message, /slow down/);
  });

  it('hangs until the signal aborts, then rejects with the abort reason', async () => {
    const p = provider({ faults: [{ type: 'hang' }] });
    const controller = new AbortController();
    const pending = p.send(request(chat('x'), { signal: controller.signal }));
    assert.equal(await isPending(pending), true);
    const reason = new Error('attempt timed out');
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
  });

  it('drops the connection before headers, and for unstreamed stream_cut', async () => {
    for (const fault of [{ type: 'drop' }, { type: 'stream_cut' }] as const) {
      const p = provider({ faults: [fault] });
      await assert.rejects(p.send(request(chat('x'))), (err) => err instanceof GatehouseError && err.code === 'upstream_unreachable');
    }
  });

  it('stream_cut stops after N content chunks with no finish_reason, usage or [DONE]', async () => {
    const p = provider({ faults: [{ type: 'stream_cut', afterChunks: 2 }] });
    const data = await events(await p.send(request(chat('x', { stream: true, stream_options: { include_usage: true } }))));
    assert.equal(data.includes('[DONE]'), false);
    const chunks = chunkData(data);
    assert.equal(chunks.length, 3, 'role chunk + 2 content chunks');
    for (const chunk of chunks) {
      assert.equal(chunk.choices[0].finish_reason, null);
      assert.equal(chunk.usage, null);
    }
  });

  it('stream_corrupt sends a line that is not JSON, then ends; unstreamed gets a truncated body', async () => {
    const p = provider({ faults: [{ type: 'stream_corrupt', afterChunks: 1 }] });
    const data = await events(await p.send(request(chat('x', { stream: true }))));
    assert.equal(data.length, 3);
    assert.doesNotThrow(() => JSON.parse(data[1]));
    assert.throws(() => JSON.parse(data[2]), SyntaxError);
    const plain = await p.send(request(chat('x')));
    assert.equal(plain.status, 200);
    const text = await readText(plain);
    assert.equal(plain.headers['content-length'], String(Buffer.byteLength(text)));
    assert.throws(() => JSON.parse(text), SyntaxError);
  });

  it('fires by rate: rate 0 never, and the first fault whose draw is below its rate', async () => {
    const never = provider({ faults: [{ type: 'drop', rate: 0 }] }, () => 0);
    for (let i = 0; i < 20; i++) assert.equal((await never.send(request(chat('x')))).status, 200);
    const draws = [0.5, 0.1];
    const picked = provider(
      { faults: [{ type: 'drop', rate: 0.3 }, { type: 'status', status: 503, rate: 0.3 }] },
      () => draws.shift() ?? 1,
    );
    assert.equal((await picked.send(request(chat('x')))).status, 503);
    assert.deepEqual(draws, []);
  });

  it('delays headers for latencyMs and the slow fault, and an abort ends the wait at once', async () => {
    for (const config of [{ latencyMs: 60_000 }, { faults: [{ type: 'slow', latencyMs: 60_000 }] }] satisfies ConfigInput[]) {
      const controller = new AbortController();
      const pending = provider(config).send(request(chat('x'), { signal: controller.signal }));
      assert.equal(await isPending(pending), true);
      const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      controller.abort(new Error('gone'));
      await assert.rejects(pending, /gone/);
      const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      assert.equal(timersAfter, timersBefore - 1, 'the latency timer is cleared');
    }
  });

  it('holds the first streamed chunk for ttftMs and paces tokens at tokensPerSecond', async () => {
    const ttft = provider({ ttftMs: 60_000 });
    const controller = new AbortController();
    const response = await ttft.send(request(chat('x', { stream: true }), { signal: controller.signal }));
    const first = response.body[Symbol.asyncIterator]().next();
    assert.equal(await isPending(first), true, 'headers came at once, the first chunk waits for ttftMs');
    controller.abort(new Error('done'));
    assert.deepEqual(await first, { done: true, value: undefined });

    // 40 tokens/s over a ~24-token answer: the stream takes about 0.6 s, never much less.
    const paced = provider({ tokensPerSecond: 40, outputTokens: 24 });
    const started = performance.now();
    const data = await events(await paced.send(request(chat('pace me', { stream: true, stream_options: { include_usage: true } }))));
    const elapsed = performance.now() - started;
    const tokens = (chunkData(data).at(-1)!.usage as { completion_tokens: number }).completion_tokens;
    assert.ok(elapsed >= ((tokens - 1) / 40) * 1000 * 0.9, `${tokens} tokens in ${elapsed.toFixed(0)} ms`);
  });

  it('stops a paced stream on abort and on dispose, clearing its timer', async () => {
    for (const stop of ['abort', 'dispose'] as const) {
      const controller = new AbortController();
      const p = provider({ tokensPerSecond: 0.001, outputTokens: 50 });
      const response = await p.send(request(chat('x', { stream: true }), { signal: controller.signal }));
      const iterator = response.body[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false, 'the role chunk comes at once');
      const next = iterator.next();
      assert.equal(await isPending(next), true, 'the next token waits for its pace');
      if (stop === 'abort') controller.abort(new Error('client went away'));
      else response.dispose();
      assert.deepEqual(await next, { done: true, value: undefined });
      assert.equal(process.getActiveResourcesInfo().includes('Timeout'), false);
      response.dispose();
    }
  });
});

describe('simulated provider: x-gatehouse-simulate header', () => {
  it('parses each fault form', () => {
    assert.deepEqual(parseSimulateHeader('status=429; retry-after=2'), {
      fault: { type: 'status', rate: 1, status: 429, retryAfter: 2, message: undefined },
      extraLatencyMs: 0,
    });
    assert.deepEqual(parseSimulateHeader(' Status = 503 ;message=down for maintenance'), {
      fault: { type: 'status', rate: 1, status: 503, retryAfter: undefined, message: 'down for maintenance' },
      extraLatencyMs: 0,
    });
    assert.deepEqual(parseSimulateHeader('hang'), { fault: { type: 'hang', rate: 1 }, extraLatencyMs: 0 });
    assert.deepEqual(parseSimulateHeader(['drop; latency=50']), { fault: { type: 'drop', rate: 1 }, extraLatencyMs: 50 });
    assert.deepEqual(parseSimulateHeader('stream_cut; after=2'), { fault: { type: 'stream_cut', rate: 1, afterChunks: 2 }, extraLatencyMs: 0 });
    assert.deepEqual(parseSimulateHeader('stream-corrupt'), { fault: { type: 'stream_corrupt', rate: 1, afterChunks: 3 }, extraLatencyMs: 0 });
    assert.deepEqual(parseSimulateHeader('latency=200'), { fault: { type: 'slow', rate: 1, latencyMs: 200 }, extraLatencyMs: 200 });
    assert.deepEqual(parseSimulateHeader('drop; color=blue'), { fault: { type: 'drop', rate: 1 }, extraLatencyMs: 0 });
  });

  it('ignores values it cannot read', () => {
    for (const value of [undefined, '', ' ; ', 'explode', 'status=200', 'status=abc', 'status', 'status=429; retry-after=soon', 'hang; drop', 'latency=-5', 'stream_cut; after=x', 'status=500; status=502']) {
      assert.equal(parseSimulateHeader(value), undefined, String(value));
    }
  });

  it('triggers a fault from the request header unless faultHeader is false', async () => {
    const headers = { 'x-gatehouse-simulate': 'status=503; retry-after=7' };
    const on = await provider().send(request(chat('x'), { clientHeaders: headers }));
    assert.equal(on.status, 503);
    assert.equal(on.headers['retry-after'], '7');
    const off = await provider({ faultHeader: false }).send(request(chat('x'), { clientHeaders: headers }));
    assert.equal(off.status, 200);
    const ignored = await provider().send(request(chat('x'), { clientHeaders: { 'x-gatehouse-simulate': 'nonsense' } }));
    assert.equal(ignored.status, 200);
    const cut = await provider().send(request(chat('x', { stream: true }), { clientHeaders: { 'x-gatehouse-simulate': 'stream_cut; after=0' } }));
    assert.equal(chunkData(await events(cut)).length, 1);
  });
});

describe('simulated provider: embeddings', () => {
  const embed = (parsed: Json, config: ConfigInput = {}) =>
    provider(config).send(request(parsed, { operation: 'embeddings', model: 'sim-embed', stream: false }));
  const decode = (b64: string): number[] => {
    const bytes = Buffer.from(b64, 'base64');
    return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
  };

  it('returns deterministic unit vectors; float and base64 carry the same numbers', async () => {
    const floats = await json(await embed({ input: ['red apple', 'green pear'], encoding_format: 'float' }));
    const again = await json(await embed({ input: ['red apple', 'green pear'] }));
    const b64 = await json(await embed({ input: ['red apple', 'green pear'], encoding_format: 'base64' }));
    assert.equal(floats.object, 'list');
    assert.equal(floats.model, 'sim-embed');
    assert.deepEqual(floats.data.map((d: Json) => [d.object, d.index]), [['embedding', 0], ['embedding', 1]]);
    assert.deepEqual(again, floats);
    for (const i of [0, 1]) {
      const vector = floats.data[i].embedding as number[];
      assert.equal(vector.length, 256);
      assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
      assert.deepEqual(decode(b64.data[i].embedding as string), vector);
    }
    assert.notDeepEqual(floats.data[0].embedding, floats.data[1].embedding);
    const tokens = countTextTokens('red apple') + countTextTokens('green pear');
    assert.deepEqual(floats.usage, { prompt_tokens: tokens, total_tokens: tokens });
  });

  it('honours dimensions from the request and the config, and token-array inputs', async () => {
    assert.equal((await json(await embed({ input: 'x', dimensions: 64 }))).data[0].embedding.length, 64);
    assert.equal((await json(await embed({ input: 'x' }, { embeddingDimensions: 32 }))).data[0].embedding.length, 32);
    const tokensIn = await json(await embed({ input: [[1, 2, 3], [4, 5]] }));
    assert.equal(tokensIn.data.length, 2);
    assert.equal(tokensIn.usage.prompt_tokens, 5);
    assert.equal((await json(await embed({ input: [7, 8, 9] }))).data.length, 1);
    const bad = await embed({ input: [] });
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).error.param, 'input');
  });

  it('works with the official openai SDK (base64 by default, streaming chat)', async () => {
    const p = provider({ mode: 'echo' });
    const formats: unknown[] = [];
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://simulated.invalid/v1',
      maxRetries: 0,
      fetch: async (url, init) => {
        const parsed = JSON.parse(String(init?.body)) as Json;
        const operation = String(url).endsWith('/embeddings') ? 'embeddings' : 'chat';
        if (operation === 'embeddings') formats.push(parsed.encoding_format);
        const response = await p.send(request(parsed, { operation, model: parsed.model, stream: parsed.stream === true }));
        const body = ReadableStream.from(response.body as AsyncIterable<Uint8Array>);
        return new Response(body, { status: response.status, headers: response.headers as Record<string, string> });
      },
    });
    const viaSdk = await client.embeddings.create({ model: 'sim-embed', input: 'red apple' });
    const direct = await json(await embed({ input: 'red apple' }));
    assert.deepEqual(formats, ['base64'], 'the SDK asked for base64 and decoded it');
    assert.deepEqual(viaSdk.data[0].embedding, direct.data[0].embedding);
    const stream = await client.chat.completions.create({ model: 'sim', messages: [{ role: 'user', content: 'hi there' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'hi there');
    assert.equal((usage as Json).completion_tokens, countTextTokens('hi there'));
  });
});

describe('classifyOpenAICompatibleError', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('maps 429 with Retry-After (seconds, HTTP-date, retry-after-ms)', () => {
    const body = JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } });
    const seconds = classifyOpenAICompatibleError(429, { 'retry-after': '3' }, body, now);
    assert.equal(seconds?.code, 'upstream_rate_limited');
    assert.equal(seconds?.retryAfter, 3);
    assert.equal(seconds?.upstreamStatus, 429);
    assert.match(seconds!.message, /Rate limit reached/);
    assert.equal(classifyOpenAICompatibleError(429, { 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }, body, now)?.retryAfter, 10);
    assert.equal(classifyOpenAICompatibleError(429, { 'retry-after-ms': '1500', 'retry-after': '9' }, body, now)?.retryAfter, 2);
    assert.equal(classifyOpenAICompatibleError(429, {}, '', now)?.retryAfter, undefined);
    assert.equal(parseRetryAfter({ 'Retry-After': ['4'] }), 4);
    assert.equal(parseRetryAfter({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }, now), 0);
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }, now), undefined);
  });

  it('maps auth failures and server errors, and passes other 4xx through', () => {
    assert.equal(classifyOpenAICompatibleError(401, {}, '{"error":{"message":"bad key"}}')?.code, 'upstream_auth_failed');
    assert.equal(classifyOpenAICompatibleError(403, {}, '')?.code, 'upstream_auth_failed');
    const server = classifyOpenAICompatibleError(503, {}, '<html>Bad gateway</html>');
    assert.equal(server?.code, 'upstream_error');
    assert.equal(server?.upstreamStatus, 503);
    assert.match(server!.message, /Bad gateway/);
    assert.equal(classifyOpenAICompatibleError(500, {}, '')?.code, 'upstream_error');
    for (const status of [400, 404, 409, 413, 422]) assert.equal(classifyOpenAICompatibleError(status, {}, '{}'), undefined);
  });
});
