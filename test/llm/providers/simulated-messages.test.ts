// The simulated provider speaking Anthropic Messages: JSON and SSE shapes, tool use, max_tokens,
// echo, count_tokens, and faults rendered (and classified) in Anthropic's error shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { z } from 'zod';
import { GatehouseError } from '../../../src/errors/gatehouse-error.js';
import { createSimulatedProvider, simulatedConfigSchema } from '../../../src/llm/providers/simulated/index.js';
import type { UpstreamResponse } from '../../../src/llm/providers/types.js';
import { countMessagesPromptTokens, countTextTokens } from '../../../src/llm/tokens.js';
import { readText, upstreamRequest } from '../../support/upstream-request.js';


// Response bodies are read loosely; the assertions check their shape.
type Json = Record<string, any>;
type ConfigInput = Omit<z.input<typeof simulatedConfigSchema>, 'type'>;

function provider(config: ConfigInput = {}) {
  return createSimulatedProvider('sim', simulatedConfigSchema.parse({ type: 'simulated', ...config }));
}


const request = (parsed: Json, options: Parameters<typeof upstreamRequest>[3] = {}) => upstreamRequest('messages', 'claude-sim', parsed, options);

const ask = (text: string, extra: Json = {}): Json => ({ model: 'claude-sim', max_tokens: 1024, messages: [{ role: 'user', content: text }], ...extra });


const json = async (response: UpstreamResponse): Promise<Json> => JSON.parse(await readText(response)) as Json;

interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** The events of an SSE body; every event has an `event:` line and one `data:` line. */
async function sse(response: UpstreamResponse): Promise<SseEvent[]> {
  const text = await readText(response);
  assert.ok(text.endsWith('\n\n'), 'every event ends with a blank line');
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((raw) => {
      const match = /^event: ([a-z_]+)\ndata: (.*)$/.exec(raw);
      assert.ok(match, `event with an event: line and a data: line: ${JSON.stringify(raw)}`);
      return { event: match[1]!, data: match[2]! };
    });
}

/** Parsed events whose `event:` name equals their data's `type`. */
async function events(response: UpstreamResponse): Promise<Json[]> {
  return (await sse(response)).map(({ event, data }) => {
    const parsed = JSON.parse(data) as Json;
    assert.equal(parsed.type, event, 'the event: line names the data type');
    return parsed;
  });
}

/**
 * Checks a complete stream against Anthropic's sequence and rebuilds the message from it:
 * message_start; blocks with contiguous indices, each started, given deltas of its kind, stopped;
 * then message_delta and message_stop. Pings may come anywhere after message_start.
 */
function assembled(stream: Json[]): Json {
  assert.equal(stream[0].type, 'message_start');
  assert.equal(stream.at(-1)!.type, 'message_stop');
  assert.equal(stream.at(-2)!.type, 'message_delta');
  const start = stream[0].message as Json;
  assert.deepEqual(start.content, []);
  assert.equal(start.stop_reason, null);
  const content: Json[] = [];
  const json: string[] = [];
  let open: number | undefined;
  for (const event of stream.slice(1, -2)) {
    if (event.type === 'ping') continue;
    if (event.type === 'content_block_start') {
      assert.equal(open, undefined, 'the previous block was stopped');
      assert.equal(event.index, content.length, 'indices are contiguous');
      open = event.index;
      const block = { ...event.content_block };
      if (block.type === 'text') assert.equal(block.text, '');
      else assert.deepEqual(block.input, {});
      content.push(block);
      json.push('');
    } else if (event.type === 'content_block_delta') {
      const index = event.index as number;
      assert.equal(index, open, 'a delta belongs to the open block');
      const block = content[index];
      if (block.type === 'text') {
        assert.equal(event.delta.type, 'text_delta');
        block.text += event.delta.text;
      } else {
        assert.equal(event.delta.type, 'input_json_delta');
        json[index] += event.delta.partial_json;
      }
    } else {
      assert.equal(event.type, 'content_block_stop');
      assert.equal(event.index, open);
      open = undefined;
    }
  }
  assert.equal(open, undefined, 'every block was stopped');
  content.forEach((block, i) => {
    if (block.type === 'tool_use') block.input = JSON.parse(json[i]!);
  });
  const end = stream.at(-2)!;
  assert.equal(end.delta.stop_sequence, null);
  assert.ok(start.usage.output_tokens <= end.usage.output_tokens, 'output usage only grows');
  return {
    ...start,
    content,
    stop_reason: end.delta.stop_reason,
    stop_sequence: null,
    usage: { ...start.usage, output_tokens: end.usage.output_tokens },
  };
}

const weatherTools = [
  {
    name: 'get_weather',
    description: 'Weather for a city',
    input_schema: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1, maximum: 7 } },
      required: ['city', 'unit', 'days'],
    },
  },
  { name: 'get_time', input_schema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
];

describe('simulated provider: Anthropic messages', () => {
  it('serves messages and count_tokens natively', () => {
    const p = provider();
    assert.ok(p.operations.has('messages'));
    assert.ok(p.operations.has('count_tokens'));
  });

  it('answers a message object with text, end_turn and exact usage', async () => {
    const body = ask('Tell me about rivers', { system: 'Be brief.' });
    const answer = await json(await provider().send(request(body)));
    assert.deepEqual(Object.keys(answer), ['id', 'type', 'role', 'model', 'content', 'stop_reason', 'stop_sequence', 'usage']);
    assert.match(answer.id, /^msg_[A-Za-z0-9_]+$/);
    assert.equal(answer.type, 'message');
    assert.equal(answer.role, 'assistant');
    assert.equal(answer.model, 'claude-sim');
    assert.equal(answer.content.length, 1);
    assert.equal(answer.content[0].type, 'text');
    assert.match(answer.content[0].text, /^[A-Z].*\.$/);
    assert.equal(answer.stop_reason, 'end_turn');
    assert.equal(answer.stop_sequence, null);
    assert.deepEqual(answer.usage, {
      input_tokens: countMessagesPromptTokens(body),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: countTextTokens(answer.content[0].text),
    });
    const again = await json(await provider().send(request(body)));
    assert.equal(again.content[0].text, answer.content[0].text, 'same request, same text');
  });

  it('streams the exact Anthropic event sequence with the unstreamed content and usage', async () => {
    const p = provider({ outputTokens: 40 });
    const body = ask('Stream please', { system: [{ type: 'text', text: 'You are terse.' }] });
    const plain = await json(await p.send(request(body)));
    const response = await p.send(request({ ...body, stream: true }));
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    const stream = await events(response);
    assert.deepEqual(
      stream.slice(0, 3).map((e) => e.type),
      ['message_start', 'content_block_start', 'ping'],
    );
    assert.ok(stream.filter((e) => e.type === 'content_block_delta').length > 5, 'one delta per word');
    const rebuilt = assembled(stream);
    assert.deepEqual(rebuilt.content, plain.content);
    assert.equal(rebuilt.stop_reason, 'end_turn');
    assert.deepEqual(rebuilt.usage, plain.usage, 'input usage at the start and the total output at the end equal the unstreamed usage');
    assert.equal(stream[0].message.usage.output_tokens, 1);
    assert.deepEqual(stream.at(-2)!.usage, { output_tokens: plain.usage.output_tokens });
  });

  it('caps output at max_tokens with stop_reason "max_tokens", streamed or not', async () => {
    const p = provider({ outputTokens: 60 });
    const full = (await json(await p.send(request(ask('alpha'))))).content[0].text as string;
    for (const limit of [1, 5, 13]) {
      const answer = await json(await p.send(request(ask('alpha', { max_tokens: limit }))));
      assert.equal(answer.stop_reason, 'max_tokens');
      assert.equal(answer.usage.output_tokens, limit);
      assert.ok(full.startsWith(answer.content[0].text));
      const streamed = assembled(await events(await p.send(request(ask('alpha', { max_tokens: limit, stream: true })))));
      assert.equal(streamed.stop_reason, 'max_tokens');
      assert.deepEqual(streamed.content, answer.content);
      assert.equal(streamed.usage.output_tokens, limit);
    }
  });

  it('requires max_tokens and valid messages, answering 400 in Anthropic shape', async () => {
    const p = provider();
    for (const body of [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, ask('x', { max_tokens: 0 }), ask('x', { messages: [] }), ask('x', { messages: [{ role: 'tool', content: 'x' }] })]) {
      const response = await p.send(request(body));
      assert.equal(response.status, 400);
      const error = await json(response);
      assert.equal(error.type, 'error');
      assert.equal(error.error.type, 'invalid_request_error');
      assert.equal(typeof error.error.message, 'string');
      assert.equal(p.classifyError(400, response.headers, JSON.stringify(error)), undefined, 'a caller error is passed through');
    }
    const missing = await json(await p.send(request({ model: 'm', messages: [{ role: 'user', content: 'x' }] })));
    assert.match(missing.error.message, /max_tokens/);
  });

  it('echoes the last user text in echo mode, streamed or not', async () => {
    const p = provider({ mode: 'echo' });
    const text = '  Héllo,   wörld! 👋\nsecond line  ';
    const body = {
      model: 'm',
      max_tokens: 1000,
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }, { type: 'text', text }] },
      ],
    };
    assert.equal((await json(await p.send(request(body)))).content[0].text, text);
    assert.equal(assembled(await events(await p.send(request({ ...body, stream: true })))).content[0].text, text);
  });
});

describe('simulated provider: Anthropic tool use', () => {
  it('calls the mentioned tool with a tool_use block built from its input_schema', async () => {
    const body = ask('What is the get_weather in Paris today?', { tools: weatherTools });
    const answer = await json(await provider().send(request(body)));
    assert.equal(answer.stop_reason, 'tool_use');
    assert.equal(answer.content.length, 1);
    const block = answer.content[0];
    assert.equal(block.type, 'tool_use');
    assert.match(block.id, /^toolu_[0-9a-f]+$/);
    assert.equal(block.name, 'get_weather');
    assert.deepEqual(Object.keys(block.input).sort(), ['city', 'days', 'unit']);
    assert.equal(block.input.unit, 'celsius');
    assert.ok(block.input.city.split(' ').every((w: string) => ['What', 'is', 'the', 'in', 'Paris', 'today'].includes(w)), block.input.city);
    assert.equal(answer.usage.output_tokens, countTextTokens(JSON.stringify(answer.content)));
    assert.equal(answer.usage.input_tokens, countMessagesPromptTokens(body));
  });

  it('streams tool_use blocks with input_json_delta pieces that assemble to the unstreamed input', async () => {
    const p = provider();
    const body = ask('get_weather and get_time', { tools: weatherTools });
    const plain = await json(await p.send(request(body)));
    assert.deepEqual(plain.content.map((b: Json) => b.name), ['get_weather', 'get_time']);
    const stream = await events(await p.send(request({ ...body, stream: true })));
    const rebuilt = assembled(stream);
    assert.deepEqual(rebuilt.content, plain.content);
    assert.equal(rebuilt.stop_reason, 'tool_use');
    assert.deepEqual(rebuilt.usage, plain.usage);
    for (const index of [0, 1]) {
      const pieces = stream.filter((e) => e.type === 'content_block_delta' && e.index === index);
      assert.ok(pieces.length > 1, `block ${index}: the input arrives in several pieces`);
    }
  });

  it('honours tool_choice (tool, any, none, disable_parallel_tool_use) and answers text after a tool_result', async () => {
    const p = provider();
    const names = async (body: Json): Promise<string[]> =>
      (await json(await p.send(request(body)))).content.map((b: Json) => (b.type === 'tool_use' ? b.name : 'text'));
    assert.deepEqual(await names(ask('hello', { tools: weatherTools, tool_choice: { type: 'tool', name: 'get_time' } })), ['get_time']);
    assert.deepEqual(await names(ask('hello', { tools: weatherTools, tool_choice: { type: 'any' } })), ['get_weather']);
    assert.deepEqual(await names(ask('hello', { tools: weatherTools })), ['text']);
    assert.deepEqual(await names(ask('use get_weather', { tools: weatherTools, tool_choice: { type: 'none' } })), ['text']);
    const both = 'First get_time then get_weather please';
    assert.deepEqual(await names(ask(both, { tools: weatherTools })), ['get_time', 'get_weather']);
    assert.deepEqual(await names(ask(both, { tools: weatherTools, tool_choice: { type: 'auto', disable_parallel_tool_use: true } })), ['get_time']);
    // Server tools run at Anthropic: the simulator never calls them.
    assert.deepEqual(await names(ask('web_search now', { tools: [{ type: 'web_search_20250305', name: 'web_search' }] })), ['text']);
    const afterResult = {
      model: 'm',
      max_tokens: 100,
      tools: weatherTools,
      messages: [
        { role: 'user', content: 'use get_weather' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
      ],
    };
    const final = await json(await p.send(request(afterResult)));
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.content[0].type, 'text');
    assert.equal(final.usage.input_tokens, countMessagesPromptTokens(afterResult));
    const unknown = await p.send(request(ask('x', { tools: weatherTools, tool_choice: { type: 'tool', name: 'nope' } })));
    assert.equal(unknown.status, 400);
    const error = await json(unknown);
    assert.equal(error.error.type, 'invalid_request_error');
    assert.match(error.error.message, /nope/);
  });
});

describe('simulated provider: Anthropic count_tokens', () => {
  const count = (parsed: Json, config: ConfigInput = {}) => provider(config).send(request(parsed, { operation: 'count_tokens', stream: false }));

  it('counts the input tokens the same request is billed in usage', async () => {
    const bodies = [
      ask('Tell me about rivers'),
      ask('get_weather in Paris', { system: 'Be brief.', tools: weatherTools }),
      {
        model: 'm',
        max_tokens: 10,
        system: [{ type: 'text', text: 'sys' }],
        tools: weatherTools,
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'use get_weather' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny, 21 degrees' }] }] },
        ],
      },
    ];
    for (const body of bodies) {
      const counted = await count(body);
      assert.equal(counted.status, 200);
      const usage = (await json(await provider().send(request(body)))).usage;
      assert.deepEqual(await json(counted), { input_tokens: usage.input_tokens });
    }
    const { max_tokens: _, ...withoutMax } = ask('no max_tokens needed');
    assert.equal((await count(withoutMax)).status, 200);
    const bad = await count({ model: 'm', messages: [] });
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).error.type, 'invalid_request_error');
  });

  it('countMessagesPromptTokens counts system, text, tool_use inputs, tool_result contents and tools', () => {
    const user = { role: 'user', content: 'What is the capital of France?' };
    const base = countMessagesPromptTokens({ messages: [user] });
    assert.equal(base, 3 + 3 + countTextTokens(user.content));
    assert.equal(countMessagesPromptTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: user.content }] }] }), base);
    assert.equal(countMessagesPromptTokens({ system: 'Be brief.', messages: [user] }), base + 3 + countTextTokens('Be brief.'));
    assert.equal(countMessagesPromptTokens({ system: [{ type: 'text', text: 'Be brief.' }], messages: [user] }), base + 3 + countTextTokens('Be brief.'));
    assert.equal(countMessagesPromptTokens({ messages: [user], tools: weatherTools }), base + countTextTokens(JSON.stringify(weatherTools)));
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(400) } };
    assert.equal(countMessagesPromptTokens({ messages: [{ role: 'user', content: [image, { type: 'text', text: user.content }] }] }), base, 'images are not counted');
    const toolUse = { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'get_weather', input: { city: 'Paris' } }] };
    assert.equal(countMessagesPromptTokens({ messages: [user, toolUse] }), base + 3 + countTextTokens('get_weather{"city":"Paris"}'));
    const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'sunny' }] };
    assert.equal(countMessagesPromptTokens({ messages: [user, result] }), base + 3 + countTextTokens('sunny'));
    assert.equal(countMessagesPromptTokens({}), 3);
    assert.equal(countMessagesPromptTokens({ messages: 'nope', system: 7 }), 3);
  });
});

describe('simulated provider: Anthropic faults', () => {
  const cases: Array<[number, string, string | undefined]> = [
    [400, 'invalid_request_error', undefined],
    [401, 'authentication_error', 'upstream_auth_failed'],
    [403, 'permission_error', 'upstream_auth_failed'],
    [404, 'not_found_error', undefined],
    [429, 'rate_limit_error', 'upstream_rate_limited'],
    [500, 'api_error', 'upstream_error'],
    [529, 'overloaded_error', 'upstream_error'],
  ];

  for (const [status, type, code] of cases) {
    it(`status ${status} answers ${type} in Anthropic shape, classified as ${code ?? 'passed through'}`, async () => {
      for (const operation of ['messages', 'count_tokens'] as const) {
        const p = provider({ faults: [{ type: 'status', status, retryAfter: 3, message: 'simulated trouble' }] });
        const response = await p.send(request(ask('x'), { operation }));
        assert.equal(response.status, status);
        assert.equal(response.headers['retry-after'], '3');
        const text = await readText(response);
        const body = JSON.parse(text) as Json;
        assert.deepEqual({ ...body, request_id: undefined }, { type: 'error', error: { type, message: 'simulated trouble' }, request_id: undefined });
        assert.match(body.request_id, /^req_/);
        const error = p.classifyError(response.status, response.headers, text);
        if (code === undefined) {
          assert.equal(error, undefined);
          continue;
        }
        assert.ok(error instanceof GatehouseError);
        assert.equal(error.code, code);
        assert.equal(error.upstreamStatus, status);
        assert.match(error.message, /simulated trouble/);
        if (status === 429 || status === 529) assert.equal(error.retryAfter, 3);
      }
    });
  }

  it('keeps the OpenAI shape for chat, and classifies both shapes', async () => {
    const p = provider({ faults: [{ type: 'status', status: 429, retryAfter: 2 }] });
    const response = await p.send(request({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { operation: 'chat' }));
    const text = await readText(response);
    assert.equal((JSON.parse(text) as Json).error.code, 'rate_limit_exceeded');
    assert.equal(p.classifyError(429, response.headers, text)?.code, 'upstream_rate_limited');
  });

  it('hangs until aborted, and drops the connection (drop, unstreamed stream_cut)', async () => {
    const controller = new AbortController();
    const hanging = provider({ faults: [{ type: 'hang' }] }).send(request(ask('x'), { signal: controller.signal }));
    const reason = new Error('attempt timed out');
    controller.abort(reason);
    await assert.rejects(hanging, (err) => err === reason);
    for (const fault of [{ type: 'drop' }, { type: 'stream_cut' }] as const) {
      await assert.rejects(provider({ faults: [fault] }).send(request(ask('x'))), (err) => err instanceof GatehouseError && err.code === 'upstream_unreachable');
    }
  });

  it('stream_cut stops after afterChunks deltas, with no content_block_stop, message_delta or message_stop', async () => {
    for (const [body, after] of [
      [ask('x', { stream: true }), 2],
      [ask('get_weather and get_time', { tools: weatherTools, stream: true }), 3],
      [ask('x', { stream: true }), 0],
    ] as const) {
      const stream = await events(await provider({ faults: [{ type: 'stream_cut', afterChunks: after }] }).send(request(body)));
      assert.deepEqual(
        stream.slice(0, 3).map((e) => e.type),
        ['message_start', 'content_block_start', 'ping'],
      );
      assert.equal(stream.filter((e) => e.type === 'content_block_delta').length, after);
      assert.equal(stream.length, 3 + after);
      for (const type of ['content_block_stop', 'message_delta', 'message_stop']) assert.equal(stream.some((e) => e.type === type), false, type);
    }
    const header = await provider().send(request(ask('x', { stream: true }), { clientHeaders: { 'x-gatehouse-simulate': 'stream_cut; after=1' } }));
    assert.equal((await events(header)).length, 4);
  });

  it('stream_corrupt ends the stream with a data line that is not JSON; unstreamed gets a truncated body', async () => {
    const p = provider({ faults: [{ type: 'stream_corrupt', afterChunks: 1 }] });
    const stream = await sse(await p.send(request(ask('x', { stream: true }))));
    assert.deepEqual(
      stream.map((e) => e.event),
      ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta'],
    );
    assert.doesNotThrow(() => JSON.parse(stream[3]!.data));
    assert.throws(() => JSON.parse(stream[4]!.data), SyntaxError);
    const plain = await p.send(request(ask('x')));
    assert.equal(plain.status, 200);
    const text = await readText(plain);
    assert.equal(plain.headers['content-length'], String(Buffer.byteLength(text)));
    assert.throws(() => JSON.parse(text), SyntaxError);
  });

  it('slow delays the headers until aborted', async () => {
    const controller = new AbortController();
    const pending = provider({ faults: [{ type: 'slow', latencyMs: 60_000 }] }).send(request(ask('x'), { signal: controller.signal }));
    const raced = await Promise.race([pending.then(() => 'settled'), new Promise((r) => setImmediate(() => r('pending')))]);
    assert.equal(raced, 'pending');
    controller.abort(new Error('gone'));
    await assert.rejects(pending, /gone/);
  });
});

describe('simulated provider: the official Anthropic SDK', () => {
  it('reads its messages, streams and token counts', async () => {
    const p = provider({ mode: 'echo' });
    const client = new Anthropic({
      apiKey: 'unused',
      baseURL: 'http://simulated.invalid',
      maxRetries: 0,
      fetch: async (url, init) => {
        const parsed = JSON.parse(String(init?.body)) as Json;
        const operation = String(url).endsWith('/count_tokens') ? 'count_tokens' : 'messages';
        const response = await p.send(request(parsed, { operation, model: parsed.model, stream: parsed.stream === true }));
        const body = ReadableStream.from(response.body as AsyncIterable<Uint8Array>);
        return new Response(body, { status: response.status, headers: response.headers as Record<string, string> });
      },
    });
    const params = { model: 'claude-sim', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi there' }] };
    const message = await client.messages.create(params);
    assert.deepEqual(message.content, [{ type: 'text', text: 'hi there' }]);
    const stream = client.messages.stream(params);
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    assert.equal(text, 'hi there');
    assert.deepEqual(final.content, message.content);
    assert.deepEqual(final.usage, message.usage);
    const counted = await client.messages.countTokens({ model: 'claude-sim', messages: params.messages });
    assert.equal(counted.input_tokens, message.usage.input_tokens);

    const tools = provider();
    const toolClient = client.withOptions({
      fetch: async (_url, init) => {
        const parsed = JSON.parse(String(init?.body)) as Json;
        const response = await tools.send(request(parsed, { stream: parsed.stream === true }));
        return new Response(ReadableStream.from(response.body as AsyncIterable<Uint8Array>), { status: response.status, headers: response.headers as Record<string, string> });
      },
    });
    const toolParams = { ...params, messages: [{ role: 'user' as const, content: 'get_weather please' }], tools: weatherTools as Anthropic.Tool[] };
    const plain = await toolClient.messages.create(toolParams);
    const streamed = await toolClient.messages.stream(toolParams).finalMessage();
    assert.equal(streamed.stop_reason, 'tool_use');
    assert.deepEqual(streamed.content, plain.content);

    const failing = provider({ faults: [{ type: 'status', status: 529, message: 'Overloaded' }] });
    const failingClient = client.withOptions({
      fetch: async (_url, init) => {
        const response = await failing.send(request(JSON.parse(String(init?.body)) as Json));
        return new Response(await readText(response), { status: response.status, headers: response.headers as Record<string, string> });
      },
    });
    await assert.rejects(failingClient.messages.create(params), (err) => err instanceof Anthropic.APIError && err.status === 529 && /overloaded_error/.test(err.message));
  });
});
