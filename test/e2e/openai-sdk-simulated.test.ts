// The official `openai` SDK against the running gateway, on the built-in simulated provider.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { expectApiError, expectStreamError } from '../support/openai-assert.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'Current time in a timezone',
      parameters: { type: 'object', properties: { timezone: { type: 'string' }, hour24: { type: 'boolean' } }, required: ['timezone', 'hour24'] },
    },
  },
];

let gw: TestGateway;
let client: OpenAI;

before(async () => {
  gw = await startTestGateway(
    testConfig({
      providers: `
  sim: { type: simulated }
  echo: { type: simulated, mode: echo }
  slow: { type: simulated, latencyMs: 5000 }`,
      models: `
  - { name: sim-chat, provider: sim, model: sim-1, price: { input: 1, output: 2 } }
  - { name: sim-echo, provider: echo }
  - { name: sim-embed, provider: sim }
  - { name: other, provider: sim }
  - { name: sim-slow, provider: slow, timeoutMs: 100 }`,
    }),
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-test', maxRetries: 0 });
});
after(() => gw.stop());

const ask = (content: string): OpenAI.Chat.Completions.ChatCompletionMessageParam[] => [{ role: 'user', content }];

describe('chat completions through the openai SDK', () => {
  test('non-streamed: text, usage, request id, cost and overhead headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'sim-chat', messages: ask('Tell me about gateways') })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.ok(typeof data.choices[0].message.content === 'string' && data.choices[0].message.content.length > 0);
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.ok(data.usage && data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const expectedCost = (data.usage.prompt_tokens * 1 + data.usage.completion_tokens * 2) / 1e6;
    assert.equal(Number(response.headers.get('x-gatehouse-cost-usd')), Number(expectedCost.toFixed(10)));
    assert.ok(Number(response.headers.get('x-gatehouse-overhead-ms')) >= 0);
  });

  test('a request id sent by the client is kept', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'sim-chat', messages: ask('hi') }, { headers: { 'x-request-id': 'trace-abc.123' } })
      .withResponse();
    assert.equal(response.headers.get('x-request-id'), 'trace-abc.123');
  });

  test('streamed text equals the unstreamed text; no usage chunk unless asked', async () => {
    const messages = ask('Explain streaming in one paragraph');
    const plain = await client.chat.completions.create({ model: 'sim-chat', messages });
    const stream = await client.chat.completions.create({ model: 'sim-chat', messages, stream: true });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.usage, undefined, 'the client did not ask for usage, so none is shown');
      assert.ok(chunk.choices.length > 0, 'the usage-only chunk is hidden');
      text += chunk.choices[0].delta.content ?? '';
    }
    assert.ok(chunks > 3);
    assert.equal(text, plain.choices[0].message.content);
  });

  test('streamed usage, when asked, equals the unstreamed usage', async () => {
    const messages = ask('Count the tokens of this request');
    const plain = await client.chat.completions.create({ model: 'sim-chat', messages });
    const stream = await client.chat.completions.create({ model: 'sim-chat', messages, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.deepEqual(usage, plain.usage);
  });

  test('echo mode shows exactly what the provider received', async () => {
    const res = await client.chat.completions.create({ model: 'sim-echo', messages: ask('exactly this text, ünïcödé ✓') });
    assert.equal(res.choices[0].message.content, 'exactly this text, ünïcödé ✓');
  });

  test('tool call, non-streamed, and the tool-result round trip', async () => {
    const first = await client.chat.completions.create({ model: 'sim-chat', messages: ask('What is the weather?'), tools: TOOLS, tool_choice: 'required' });
    const call = first.choices[0].message.tool_calls?.[0];
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof JSON.parse(call.function.arguments).city, 'string');
    const second = await client.chat.completions.create({
      model: 'sim-chat',
      tools: TOOLS,
      messages: [...ask('What is the weather?'), first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' }],
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.ok((second.choices[0].message.content ?? '').length > 0);
  });

  test('parallel tool calls in a stream reassemble by index', async () => {
    const messages = ask('Use get_weather and get_time for Paris');
    const plain = await client.chat.completions.create({ model: 'sim-chat', messages, tools: TOOLS });
    const stream = await client.chat.completions.create({ model: 'sim-chat', messages, tools: TOOLS, stream: true });
    const calls: { id?: string; name: string; args: string }[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.finish_reason) finish = choice.finish_reason;
      for (const delta of choice?.delta.tool_calls ?? []) {
        calls[delta.index] ??= { name: '', args: '' };
        if (delta.id) calls[delta.index].id = delta.id;
        calls[delta.index].name += delta.function?.name ?? '';
        calls[delta.index].args += delta.function?.arguments ?? '';
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.deepEqual(calls.map((c) => c.name), ['get_weather', 'get_time']);
    const expected = plain.choices[0].message.tool_calls!.map((c) => (c.type === 'function' ? JSON.parse(c.function.arguments) : null));
    assert.deepEqual(calls.map((c) => JSON.parse(c.args)), expected);
    assert.ok(calls.every((c) => typeof c.id === 'string'));
  });
});

describe('embeddings and models', () => {
  test('embeddings (the SDK asks for base64 and decodes it)', async () => {
    const res = await client.embeddings.create({ model: 'sim-embed', input: ['first text', 'second text'] });
    assert.equal(res.data.length, 2);
    assert.equal(res.data[0].embedding.length, 256);
    assert.notDeepEqual(res.data[0].embedding, res.data[1].embedding);
    assert.ok(res.usage.prompt_tokens > 0);
    const floats = await client.embeddings.create({ model: 'sim-embed', input: 'first text', encoding_format: 'float', dimensions: 16 });
    assert.equal(floats.data[0].embedding.length, 16);
  });

  test('the models list shows only what the key may use', async () => {
    const all = [];
    for await (const m of client.models.list()) all.push(m.id);
    assert.deepEqual(all.sort(), ['other', 'sim-chat', 'sim-echo', 'sim-embed', 'sim-slow']);
    const limited = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-limited', maxRetries: 0 });
    const some = [];
    for await (const m of limited.models.list()) some.push(m.id);
    assert.deepEqual(some.sort(), ['sim-chat', 'sim-echo', 'sim-embed', 'sim-slow']);
    assert.equal((await limited.models.retrieve('sim-chat')).id, 'sim-chat');
    await assert.rejects(limited.models.retrieve('other'), OpenAI.NotFoundError);
  });
});

describe('errors through the SDK error classes', () => {
  test('a bad key is 401 invalid_api_key', async () => {
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-wrong', maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: 'sim-chat', messages: ask('hi') }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError);
      assert.equal(err.code, 'invalid_api_key');
      assert.equal((err.error as { fault?: string }).fault, 'caller');
      return true;
    });
  });

  test('an unknown model is 404 model_not_found', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'nope', messages: ask('hi') }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.equal(err.code, 'model_not_found');
      assert.equal(err.param, 'model');
      return true;
    });
  });

  test('a model the key may not use is 403 model_not_allowed', async () => {
    const limited = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-limited', maxRetries: 0 });
    await assert.rejects(limited.chat.completions.create({ model: 'other', messages: ask('hi') }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.PermissionDeniedError);
      assert.equal(err.code, 'model_not_allowed');
      assert.equal((err.error as { fault?: string }).fault, 'policy');
      return true;
    });
  });

  test('wrong types are 400 invalid_request naming the field', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'sim-chat', messages: [{ role: 'wizard', content: 'hi' }] } as never),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError);
        assert.equal(err.code, 'invalid_request');
        assert.equal(err.param, 'messages[0].role');
        return true;
      },
    );
  });

  test('a provider 429 is 429 upstream_rate_limited with Retry-After', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'sim-chat', messages: ask('hi') }, { headers: { 'x-gatehouse-simulate': 'status=429; retry-after=7' } }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.RateLimitError);
        assert.equal(err.code, 'upstream_rate_limited');
        assert.equal(err.headers?.get('retry-after'), '7');
        assert.equal((err.error as { fault?: string }).fault, 'provider');
        return true;
      },
    );
  });

  test('a provider 5xx is 502 upstream_error with the upstream status', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'sim-chat', messages: ask('hi') }, { headers: { 'x-gatehouse-simulate': 'status=503' } }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.InternalServerError);
        assert.equal(err.status, 502);
        assert.equal(err.code, 'upstream_error');
        assert.equal((err.error as { upstream_status?: number }).upstream_status, 503);
        return true;
      },
    );
  });

  test('a provider that does not answer in time is 504 upstream_timeout', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'sim-slow', messages: ask('hi') }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 504);
      assert.equal(err.code, 'upstream_timeout');
      return true;
    });
  });

  test('a dropped connection is 502 upstream_unreachable', async () => {
    await expectApiError(client.chat.completions.create({ model: 'sim-chat', messages: ask('hi') }, { headers: { 'x-gatehouse-simulate': 'drop' } }), 502, 'upstream_unreachable');
  });

  test('a stream cut mid-way ends with an in-band error the SDK raises', async () => {
    const stream = await client.chat.completions.create(
      { model: 'sim-chat', messages: ask('a long answer please'), stream: true },
      { headers: { 'x-gatehouse-simulate': 'stream_cut; after=2' } },
    );
    const received = await expectStreamError(stream, 'upstream_stream_interrupted');
    assert.ok(received.length > 0, 'the chunks before the cut were delivered');
  });

  test('a corrupted stream ends with an in-band upstream_invalid_response', async () => {
    const stream = await client.chat.completions.create(
      { model: 'sim-chat', messages: ask('hello'), stream: true },
      { headers: { 'x-gatehouse-simulate': 'stream_corrupt; after=1' } },
    );
    await expectStreamError(stream, 'upstream_invalid_response');
  });
});
