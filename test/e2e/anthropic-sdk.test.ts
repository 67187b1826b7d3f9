// The official Anthropic SDK against the gateway: passthrough to an Anthropic-format upstream
// (a mock replaying recorded wire sequences) and translation to an OpenAI-format one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { readAnthropicFixture, startMockAnthropic } from '../support/mock-anthropic-upstream.js';
import { readFixture, startMockOpenAI } from '../support/mock-openai-upstream.js';
import type { MockUpstream } from '../support/mock-server.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

let anth: MockUpstream;
let oa: MockUpstream;
let gw: TestGateway;
let client: Anthropic;

before(async () => {
  anth = await startMockAnthropic();
  oa = await startMockOpenAI();
  gw = await startTestGateway(
    testConfig({
      providers: `
  anth: { type: anthropic, baseUrl: "${anth.url}", apiKey: sk-ant-upstream, betas: [config-beta-2025] }
  oa: { type: openai-compatible, baseUrl: "${oa.url}", apiKey: sk-oa-upstream }`,
      models: `
  - { name: oa-text, provider: oa, model: mock-text }
  - { name: oa-tool, provider: oa, model: mock-tool-call }
  - { name: oa-parallel, provider: oa, model: mock-parallel-tool-calls-interleaved }
  - { name: oa-400, provider: oa, model: mock-error-400-context }
  - { name: oa-cut, provider: oa, model: mock-cut }
  - { name: "mock-*", provider: anth }`,
    }),
  );
  client = new Anthropic({ baseURL: gw.url, apiKey: 'gk-test', maxRetries: 0 });
});
after(async () => {
  await gw.stop();
  await anth.close();
  await oa.close();
});

const lastUpstream = (mock: MockUpstream) => mock.requests[mock.requests.length - 1]!;
const json = (name: string) => JSON.parse(readAnthropicFixture(name)) as Anthropic.Message;
const question: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the capital of France?' }];
const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('passthrough to an Anthropic upstream', () => {
  test('an unstreamed message arrives as the provider sent it', async () => {
    const { data, response } = await client.messages.create({ model: 'mock-text', max_tokens: 100, messages: question }).withResponse();
    assert.deepEqual(data, json('messages-text.json'));
    const record = await gw.record(response.headers.get('x-request-id')!);
    assert.equal(record.operation, 'messages');
    assert.equal(record.translatedTo, undefined);
  });

  test('the request bytes reach the provider unchanged: thinking, cache_control and unknown fields survive', async () => {
    const body = {
      model: 'mock-text',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'The user greets.', signature: 'EqQBCkYIBxgCKkBsig' }, { type: 'text', text: 'Hello.' }] },
        { role: 'user', content: 'Again' },
      ],
      future_field: { nested: [1, 2, 3] },
    };
    const text = JSON.stringify(body);
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'gk-test', 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'client-beta-1' },
      body: text,
    });
    assert.equal(res.status, 200);
    const upstream = lastUpstream(anth);
    assert.equal(upstream.body, text);
    assert.equal(upstream.headers['x-api-key'], 'sk-ant-upstream');
    assert.equal(upstream.headers.authorization, undefined);
    assert.equal(upstream.headers['anthropic-version'], '2023-06-01');
    assert.deepEqual(String(upstream.headers['anthropic-beta']).split(',').sort(), ['client-beta-1', 'config-beta-2025']);
  });

  test('a stream passes through byte for byte and the SDK assembles the same message', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'gk-test', 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'mock-text', max_tokens: 100, stream: true, messages: question }),
    });
    assert.equal(await res.text(), readAnthropicFixture('messages-text.sse'));
    const final = await client.messages.stream({ model: 'mock-text', max_tokens: 100, messages: question }).finalMessage();
    const expected = json('messages-text.json');
    // The SDK adds its own convenience fields (parsed_output...) to what it assembles.
    for (const key of Object.keys(expected) as (keyof Anthropic.Message)[]) assert.deepEqual(final[key], expected[key], key);
  });

  test('a tool-use round trip passes through: the tool_result turn reaches the provider as sent', async () => {
    const first = await client.messages.create({ model: 'mock-tool-use', max_tokens: 300, tools: [WEATHER_TOOL], messages: question });
    assert.deepEqual(first, json('messages-tool-use.json'));
    const calls = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    assert.ok(calls.length >= 1);
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'mock-tool-use',
      max_tokens: 300,
      tools: [WEATHER_TOOL],
      messages: [
        ...question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: calls.map((c) => ({ type: 'tool_result' as const, tool_use_id: c.id, content: [{ type: 'text' as const, text: '18°C' }], is_error: false })) },
      ],
    };
    await client.messages.create(params);
    assert.deepEqual(lastUpstream(anth).json, params);
  });

  test('thinking blocks and their signatures stream through', async () => {
    const final = await client.messages.stream({ model: 'mock-thinking', max_tokens: 4000, messages: question }).finalMessage();
    const expected = json('messages-thinking.json');
    assert.deepEqual(final.content, expected.content);
    assert.ok(final.content.some((b) => b.type === 'thinking' && b.signature.length > 0));
  });

  test('streamed cache usage is accounted exactly as unstreamed', async () => {
    const plain = await client.messages.create({ model: 'mock-cache-usage', max_tokens: 100, messages: question }).withResponse();
    const streamed = client.messages.stream({ model: 'mock-cache-usage', max_tokens: 100, messages: question });
    const final = await streamed.finalMessage();
    assert.deepEqual(final.usage, plain.data.usage);
    const a = await gw.record(plain.response.headers.get('x-request-id')!);
    const b = await gw.record((await streamed.withResponse()).response.headers.get('x-request-id')!);
    assert.deepEqual(a.usage, b.usage);
    const usage = a.usage as { cachedPromptTokens: number; cacheWriteTokens: number; source: string };
    assert.equal(usage.source, 'provider');
    assert.equal(usage.cachedPromptTokens, plain.data.usage.cache_read_input_tokens);
    assert.equal(usage.cacheWriteTokens, plain.data.usage.cache_creation_input_tokens);
  });

  test('count_tokens is asked of the provider', async () => {
    const counted = await client.messages.countTokens({ model: 'mock-text', messages: question });
    assert.deepEqual(counted, JSON.parse(readAnthropicFixture('count-tokens.json')));
    assert.equal(lastUpstream(anth).path, '/v1/messages/count_tokens');
  });

  test('an error event inside a 200 stream reaches the SDK and the record', async () => {
    const stream = client.messages.stream({ model: 'mock-error-overloaded', max_tokens: 100, messages: question });
    await assert.rejects(stream.finalMessage(), (err: unknown) => {
      assert.ok(err instanceof Anthropic.APIError, String(err));
      assert.match(err.message, /overloaded/i);
      return true;
    });
    const record = await gw.record((await stream.withResponse()).response.headers.get('x-request-id')!);
    assert.equal((record.error as { code: string }).code, 'upstream_error');
  });
});

describe('errors through the SDK error classes', () => {
  test('a wrong gateway key is an AuthenticationError', async () => {
    const bad = new Anthropic({ baseURL: gw.url, apiKey: 'gk-wrong', maxRetries: 0 });
    await assert.rejects(bad.messages.create({ model: 'mock-text', max_tokens: 10, messages: question }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.AuthenticationError, String(err));
      assert.equal((err.error as { error: { type: string; code: string } }).error.type, 'authentication_error');
      assert.equal((err.error as { error: { code: string } }).error.code, 'invalid_api_key');
      return true;
    });
  });

  test('an unknown model is a NotFoundError; a missing max_tokens a BadRequestError', async () => {
    await assert.rejects(client.messages.create({ model: 'nope', max_tokens: 10, messages: question }), Anthropic.NotFoundError);
    await assert.rejects(
      client.messages.create({ model: 'mock-text', messages: question } as unknown as Anthropic.MessageCreateParamsNonStreaming),
      (err: unknown) => err instanceof Anthropic.BadRequestError && /max_tokens/.test(err.message),
    );
  });

  test("the provider's own 400 passes through; a 429 keeps its Retry-After; a 401 is the gateway's credentials", async () => {
    await assert.rejects(client.messages.create({ model: 'mock-error-400', max_tokens: 10, messages: question }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      assert.deepEqual(err.error, JSON.parse(readAnthropicFixture('error-400.json')));
      return true;
    });
    await assert.rejects(client.messages.create({ model: 'mock-error-429', max_tokens: 10, messages: question }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.RateLimitError, String(err));
      assert.equal(err.headers?.get('retry-after'), '3');
      return true;
    });
    await assert.rejects(client.messages.create({ model: 'mock-error-401', max_tokens: 10, messages: question }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.InternalServerError, String(err));
      assert.equal(err.status, 502);
      assert.equal((err.error as { error: { code: string } }).error.code, 'upstream_auth_failed');
      return true;
    });
  });

  test("an OpenAI-format provider's 400 reaches an Anthropic client in Anthropic's shape", async () => {
    await assert.rejects(client.messages.create({ model: 'oa-400', max_tokens: 10, messages: question }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      const upstream = JSON.parse(readFixture('error-400-context.json')) as { error: { message: string } };
      assert.deepEqual(err.error, { type: 'error', error: { type: 'invalid_request_error', message: upstream.error.message } });
      return true;
    });
  });
});

describe('translation to an OpenAI-format upstream', () => {
  test('a message is translated both ways', async () => {
    const { data, response } = await client.messages
      .create({ model: 'oa-text', max_tokens: 50, system: 'Be brief.', messages: question, stop_sequences: ['END'] })
      .withResponse();
    const chat = JSON.parse(readFixture('chat-text.json')) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.deepEqual(data.content, [{ type: 'text', text: chat.choices[0]!.message.content }]);
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.usage.output_tokens, chat.usage.completion_tokens);
    const upstream = lastUpstream(oa).json as Record<string, unknown>;
    assert.equal(upstream.model, 'mock-text');
    assert.deepEqual(upstream.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is the capital of France?' },
    ]);
    assert.equal(upstream.max_completion_tokens, 50);
    assert.deepEqual(upstream.stop, ['END']);
    const record = await gw.record(response.headers.get('x-request-id')!);
    assert.equal(record.translatedTo, 'chat');
  });

  test('a tool-use round trip', async () => {
    const first = await client.messages.create({ model: 'oa-tool', max_tokens: 200, tools: [WEATHER_TOOL], messages: question });
    assert.equal(first.stop_reason, 'tool_use');
    const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    assert.ok(call);
    assert.equal(typeof call.input, 'object');
    const upstreamTools = (lastUpstream(oa).json as { tools: unknown }).tools;
    assert.deepEqual(upstreamTools, [{ type: 'function', function: { name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, parameters: WEATHER_TOOL.input_schema } }]);

    await client.messages.create({
      model: 'oa-tool',
      max_tokens: 200,
      tools: [WEATHER_TOOL],
      messages: [
        ...question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18°C, sunny' }] },
      ],
    });
    const sent = (lastUpstream(oa).json as { messages: Record<string, unknown>[] }).messages;
    const assistant = sent.find((m) => m.role === 'assistant') as { tool_calls: { id: string; function: { name: string; arguments: string } }[] };
    assert.equal(assistant.tool_calls[0]!.id, call.id);
    assert.deepEqual(JSON.parse(assistant.tool_calls[0]!.function.arguments), call.input);
    assert.deepEqual(sent.at(-1), { role: 'tool', tool_call_id: call.id, content: '18°C, sunny' });
  });

  test('streamed parallel tool calls (interleaved upstream) assemble to the unstreamed message', async () => {
    const params = { model: 'oa-parallel', max_tokens: 200, tools: [WEATHER_TOOL], messages: question };
    const plain = await client.messages.create(params);
    const streamed = await client.messages.stream(params).finalMessage();
    const calls = (m: Anthropic.Message) => m.content.filter((b) => b.type === 'tool_use').map((b) => ({ name: b.name, input: b.input, id: b.id }));
    assert.equal(calls(plain).length, 2);
    assert.deepEqual(calls(streamed), calls(plain));
    assert.deepEqual(streamed.usage.output_tokens, plain.usage.output_tokens);
    assert.equal(streamed.stop_reason, 'tool_use');
  });

  test('count_tokens is counted by the gateway for a provider without the endpoint', async () => {
    const { data, response } = await client.messages.countTokens({ model: 'oa-text', messages: question }).withResponse();
    assert.ok(data.input_tokens > 0);
    assert.equal(response.headers.get('x-gatehouse-estimated'), 'true');
  });

  test('a stream the OpenAI provider cuts ends with an Anthropic error event', async () => {
    const stream = client.messages.stream({ model: 'oa-cut', max_tokens: 100, messages: question });
    await assert.rejects(stream.finalMessage(), (err: unknown) => {
      assert.ok(err instanceof Anthropic.APIError, String(err));
      return true;
    });
    const record = await gw.record((await stream.withResponse()).response.headers.get('x-request-id')!);
    assert.equal((record.error as { code: string }).code, 'upstream_stream_interrupted');
  });
});
