// The official `openai` SDK — chat completions and the Responses API — against an Anthropic-format
// upstream (translation), plus the Responses API passed through to an OpenAI-format one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { expectApiError, expectStreamError } from '../support/openai-assert.js';
import { readAnthropicFixture, startMockAnthropic } from '../support/mock-anthropic-upstream.js';
import { readFixture, startMockOpenAI } from '../support/mock-openai-upstream.js';
import type { MockUpstream } from '../support/mock-server.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

let anth: MockUpstream;
let oa: MockUpstream;
let gw: TestGateway;
let client: OpenAI;

before(async () => {
  anth = await startMockAnthropic();
  oa = await startMockOpenAI();
  gw = await startTestGateway(
    testConfig({
      providers: `
  anth: { type: anthropic, baseUrl: "${anth.url}", apiKey: sk-ant, defaultMaxTokens: 777 }
  compat: { type: openai-compatible, baseUrl: "${oa.url}", apiKey: sk-oa }
  native: { type: openai, baseUrl: "${oa.url}", apiKey: sk-oa }`,
      models: `
  - { name: compat-tools, provider: compat, model: mock-parallel-tool-calls-interleaved }
  - { name: compat-cut, provider: compat, model: mock-cut }
  - { name: native-text, provider: native, model: mock-text }
  - { name: native-tools, provider: native, model: mock-tool-call }
  - { name: "mock-*", provider: anth }`,
    }),
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-test', maxRetries: 0 });
});
after(async () => {
  await gw.stop();
  await anth.close();
  await oa.close();
});

type AnthropicMessage = { content: { type: string; text?: string; id?: string; name?: string; input?: unknown }[]; usage: Record<string, number> };
const fixture = (name: string) => JSON.parse(readAnthropicFixture(name)) as AnthropicMessage;
const textOf = (m: AnthropicMessage) => m.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
const toolUses = (m: AnthropicMessage) => m.content.filter((b) => b.type === 'tool_use');
const lastUpstream = (mock: MockUpstream) => mock.requests[mock.requests.length - 1]!;
const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Weather in Paris and Lyon?' },
];
const tools: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];

describe('chat completions to an Anthropic provider', () => {
  test('text, system prompt, default max_tokens and usage with cache tokens', async () => {
    const completion = await client.chat.completions.create({ model: 'mock-cache-usage', messages });
    const expected = fixture('messages-cache-usage.json');
    assert.equal(completion.choices[0]!.message.content, textOf(expected));
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    const u = expected.usage;
    assert.equal(completion.usage!.prompt_tokens, u.input_tokens! + u.cache_read_input_tokens! + u.cache_creation_input_tokens!);
    assert.equal(completion.usage!.prompt_tokens_details?.cached_tokens, u.cache_read_input_tokens);
    assert.equal(completion.usage!.completion_tokens, u.output_tokens);
    const sent = lastUpstream(anth).json as Record<string, unknown>;
    assert.equal(sent.max_tokens, 777);
    assert.deepEqual(sent.system, [{ type: 'text', text: 'Be brief.' }]);
    assert.deepEqual(sent.messages, [{ role: 'user', content: 'Weather in Paris and Lyon?' }]);
  });

  test('streamed tool calls assemble to the unstreamed ones', async () => {
    const plain = await client.chat.completions.create({ model: 'mock-tool-use', messages, tools });
    const streamed = await client.chat.completions.stream({ model: 'mock-tool-use', messages, tools }).finalChatCompletion();
    // Anthropic's JSON answer holds tool input as an object, its stream as text with its own
    // spacing: the arguments are the same JSON, not the same bytes.
    const calls = (c: OpenAI.Chat.ChatCompletion) =>
      c.choices[0]!.message.tool_calls!.map((t) => {
        const fn = (t as { function: { name: string; arguments: string } }).function;
        return { id: t.id, fn: { name: fn.name, arguments: JSON.parse(fn.arguments) as unknown } };
      });
    const expected = toolUses(fixture('messages-tool-use.json'));
    assert.equal(calls(plain).length, expected.length);
    assert.deepEqual(
      calls(plain).map((c) => c.fn),
      expected.map((b) => ({ name: b.name, arguments: b.input })),
    );
    assert.deepEqual(calls(streamed), calls(plain));
    assert.equal(streamed.choices[0]!.finish_reason, 'tool_calls');
  });

  test('the usage chunk comes only when asked for, with the unstreamed usage', async () => {
    const plain = await client.chat.completions.create({ model: 'mock-text', messages });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of await client.chat.completions.create({ model: 'mock-text', messages, stream: true, stream_options: { include_usage: true } })) {
      if (chunk.usage) usage = chunk.usage;
    }
    assert.deepEqual(usage, plain.usage);
    for await (const chunk of await client.chat.completions.create({ model: 'mock-text', messages, stream: true })) {
      assert.equal(chunk.usage ?? undefined, undefined);
    }
  });

  test('thinking blocks cannot be expressed in chat completions and are left out', async () => {
    const completion = await client.chat.completions.create({ model: 'mock-thinking', messages });
    assert.equal(completion.choices[0]!.message.content, textOf(fixture('messages-thinking.json')));
  });

  test('what cannot be translated is refused with unsupported_feature', async () => {
    await expectApiError(client.chat.completions.create({ model: 'mock-text', messages, n: 2 }), 400, 'unsupported_feature');
    await expectApiError(client.embeddings.create({ model: 'mock-text', input: 'hello' }), 400, 'unsupported_feature');
  });

  test("an Anthropic error event inside a 200 stream reaches an OpenAI client as an in-band error", async () => {
    const stream = await client.chat.completions.create({ model: 'mock-error-overloaded', messages, stream: true }).withResponse();
    const text = await expectStreamError(stream.data, 'upstream_error');
    assert.ok(text.length > 0, 'the text before the error was delivered');
    const record = await gw.record(stream.response.headers.get('x-request-id')!);
    assert.equal((record.error as { code: string }).code, 'upstream_error');
  });

  test("an Anthropic provider's own 400 reaches an OpenAI client in OpenAI's shape", async () => {
    await assert.rejects(client.chat.completions.create({ model: 'mock-error-400', messages }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      const upstream = JSON.parse(readAnthropicFixture('error-400.json')) as { error: { message: string } };
      assert.equal((err.error as { message: string }).message, upstream.error.message);
      return true;
    });
  });
});

describe('the Responses API', () => {
  test('to an Anthropic provider, unstreamed and streamed', async () => {
    const expected = textOf(fixture('messages-text.json'));
    const response = await client.responses.create({ model: 'mock-text', instructions: 'Be brief.', input: 'Capital of France?' });
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, expected);
    const sent = lastUpstream(anth).json as Record<string, unknown>;
    assert.deepEqual(sent.system, [{ type: 'text', text: 'Be brief.' }]);
    const streamed = await client.responses.stream({ model: 'mock-text', instructions: 'Be brief.', input: 'Capital of France?' }).finalResponse();
    assert.equal(streamed.output_text, expected);
    assert.deepEqual(streamed.usage, response.usage);
  });

  test('function calls to an Anthropic provider', async () => {
    const fnTools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const response = await client.responses.create({ model: 'mock-tool-use', input: 'Weather?', tools: fnTools });
    const calls = response.output.filter((o) => o.type === 'function_call');
    const expected = toolUses(fixture('messages-tool-use.json'));
    assert.deepEqual(
      calls.map((c) => ({ call_id: c.call_id, name: c.name, input: JSON.parse(c.arguments) as unknown })),
      expected.map((b) => ({ call_id: b.id, name: b.name, input: b.input })),
    );
    const streamed = await client.responses.stream({ model: 'mock-tool-use', input: 'Weather?', tools: fnTools }).finalResponse();
    assert.deepEqual(
      streamed.output.filter((o) => o.type === 'function_call').map((c) => [c.call_id, c.name, JSON.parse(c.arguments) as unknown]),
      calls.map((c) => [c.call_id, c.name, JSON.parse(c.arguments) as unknown]),
    );
  });

  test('to a chat-only provider, with interleaved parallel tool calls streamed', async () => {
    const fnTools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const plain = await client.responses.create({ model: 'compat-tools', input: 'Weather in Paris and Lyon?', tools: fnTools });
    const streamed = await client.responses.stream({ model: 'compat-tools', input: 'Weather in Paris and Lyon?', tools: fnTools }).finalResponse();
    const calls = (r: OpenAI.Responses.Response) => r.output.filter((o) => o.type === 'function_call').map((c) => [c.call_id, c.name, c.arguments]);
    assert.equal(calls(plain).length, 2);
    assert.deepEqual(calls(streamed), calls(plain));
    assert.equal(lastUpstream(oa).path, '/v1/chat/completions');
  });

  test('to OpenAI itself, the bytes pass through both ways', async () => {
    const body = JSON.stringify({ model: 'native-text', input: 'Capital of France?', store: false, future_field: true });
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { authorization: 'Bearer gk-test', 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200);
    const upstream = lastUpstream(oa);
    assert.equal(upstream.path, '/v1/responses');
    assert.equal(upstream.body, body.replace('"native-text"', '"mock-text"'));
    const expected = JSON.parse(readFixture('responses-text.json')) as Record<string, unknown>;
    assert.deepEqual(await res.json(), { ...expected, model: 'mock-text' });
    const streamed = await client.responses.stream({ model: 'native-tools', input: 'Weather?' }).finalResponse();
    assert.ok(streamed.output.some((o) => o.type === 'function_call'));
  });

  test('a translated stream the provider cuts ends with an error event the SDK raises', async () => {
    const stream = client.responses.stream({ model: 'compat-cut', input: 'Capital of France?' });
    await assert.rejects(stream.finalResponse(), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.equal(err.code, 'upstream_stream_interrupted');
      return true;
    });
  });

  test('previous_response_id cannot be honoured by a translated provider', async () => {
    await expectApiError(client.responses.create({ model: 'mock-text', input: 'Again', previous_response_id: 'resp_123' }), 400, 'unsupported_feature');
  });
});
