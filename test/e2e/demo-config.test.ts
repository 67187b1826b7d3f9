// The repository's own gatehouse.yaml, as `npm start` serves it: the demo answers with no key, and
// with OPENAI_API_KEY set, OpenAI models go to the `openai` provider (pointed at a mock here,
// through OPENAI_BASE_URL, since tests never leave 127.0.0.1).
import assert from 'node:assert/strict';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as McpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockAnthropic } from '../support/mock-anthropic-upstream.js';
import { expectApiError } from '../support/openai-assert.js';
import { startGateway, type Gateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startMockOpenAI, type MockUpstream } from '../support/mock-openai-upstream.js';
import { REPO_ROOT } from '../support/process.js';

const DEMO = join(REPO_ROOT, 'gatehouse.yaml');
const start = (env: NodeJS.ProcessEnv) =>
  startGateway({ configPath: DEMO, overrides: { port: 0, adminPort: 0 }, logger: createLogger('silent'), env });

describe('the demo configuration without any provider key', () => {
  let gw: Gateway;
  before(async () => {
    gw = await start({});
  });
  after(() => gw.shutdown());

  test('demo, demo-echo and demo-embed answer with the demo key', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-demo', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'hello' }] });
    assert.ok((reply.choices[0].message.content ?? '').length > 0);
    const echo = await client.chat.completions.create({ model: 'demo-echo', messages: [{ role: 'user', content: 'say this back' }] });
    assert.equal(echo.choices[0].message.content, 'say this back');
    const emb = await client.embeddings.create({ model: 'demo-embed', input: 'x' });
    assert.equal(emb.data.length, 1);
  });

  test('demo-private: e-mails pseudonymized (restored in the answer), phones redacted, secrets blocked', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-demo', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'demo-private', messages: [{ role: 'user', content: 'Mail ana@example.com or call +1 415 555 0132' }] });
    assert.equal(reply.choices[0].message.content, 'Mail ana@example.com or call [PHONE_1]');
    const stream = await client.chat.completions.create({ model: 'demo-private', stream: true, messages: [{ role: 'user', content: 'Mail ana@example.com today' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Mail ana@example.com today');
    await assert.rejects(client.chat.completions.create({ model: 'demo-private', messages: [{ role: 'user', content: 'key AKIA4HZQ7MX2KJ5PWN3T' }] }), /sensitive_data_blocked|secret/);
  });

  test('/mcp/demo: the shipped demo MCP server behind the gateway, with the demo key', async () => {
    const client = new McpClient({ name: 'tour', version: '1' });
    await client.connect(new McpTransport(new URL(`${gw.url}/mcp/demo`), { requestInit: { headers: { authorization: 'Bearer gk-demo' } } }));
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['get_weather', 'lookup_order', 'search_docs', 'send_email']);
    const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Lisbon' } });
    assert.match(JSON.stringify(weather.content), /Lisbon/);
    const order = await client.callTool({ name: 'lookup_order', arguments: { order_id: 'ORD-1002' } });
    assert.equal(order.isError, true, 'the injected order notes are withheld');
    await assert.rejects(client.callTool({ name: 'send_email', arguments: { to: 'a@example.com', subject: 's', body: 'b' } }), /approval/);
    await client.close();
  });

  test('demo answers the Anthropic SDK natively and the Responses API through translation', async () => {
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'gk-demo', maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'demo', max_tokens: 200, messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(message.type, 'message');
    const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    assert.ok(text.length > 0);
    const streamed = await anthropic.messages.stream({ model: 'demo', max_tokens: 200, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
    assert.deepEqual(streamed.content, message.content, 'the simulator is deterministic');
    assert.deepEqual(streamed.usage, message.usage);
    const counted = await anthropic.messages.countTokens({ model: 'demo', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(counted.input_tokens, message.usage.input_tokens);
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-demo', maxRetries: 0 });
    const echoed = await openai.responses.create({ model: 'demo-echo', input: 'say this back' });
    assert.equal(echoed.output_text, 'say this back');
  });

  test('OpenAI and Claude models answer 503 provider_not_configured and are not listed', async () => {
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'gk-demo', maxRetries: 0 });
    await assert.rejects(anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.APIError && err.status === 503, String(err));
      return true;
    });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-demo', maxRetries: 0 });
    await expectApiError(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), 503, 'provider_not_configured');
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), ['demo', 'demo-echo', 'demo-embed', 'demo-private']);
  });
});

describe('the demo configuration with OPENAI_API_KEY and GATEHOUSE_DEMO_KEY set', () => {
  let gw: Gateway;
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockOpenAI();
    gw = await start({ OPENAI_API_KEY: 'sk-from-env', OPENAI_BASE_URL: mock.url, GATEHOUSE_DEMO_KEY: 'gk-custom-demo' });
  });
  after(async () => {
    await gw.shutdown();
    await mock.close();
  });

  test('gpt-4o-mini goes to the openai provider with the key from the environment, streamed and not', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-custom-demo', maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.ok((data.choices[0].message.content ?? '').length > 0);
    const seen = mock.requests[mock.requests.length - 1];
    assert.equal(seen.path, '/v1/chat/completions');
    assert.equal(seen.headers.authorization, 'Bearer sk-from-env');
    assert.equal((seen.json as { model: string }).model, 'gpt-4o-mini');
    assert.ok(Number(response.headers.get('x-gatehouse-cost-usd')) > 0, 'priced from the shipped table');
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, data.choices[0].message.content);
  });

  test('the default demo key no longer works', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-demo', maxRetries: 0 });
    await assert.rejects(client.models.list(), OpenAI.AuthenticationError);
  });
});

describe('the demo configuration with ANTHROPIC_API_KEY set', () => {
  let gw: Gateway;
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockAnthropic();
    gw = await start({ ANTHROPIC_API_KEY: 'sk-ant-from-env', ANTHROPIC_BASE_URL: mock.url });
  });
  after(async () => {
    await gw.shutdown();
    await mock.close();
  });

  test('claude-* goes to the anthropic provider, for Anthropic and OpenAI clients alike', async () => {
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'gk-demo', maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const seen = mock.requests[mock.requests.length - 1];
    assert.equal(seen.path, '/v1/messages');
    assert.equal(seen.headers['x-api-key'], 'sk-ant-from-env');
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-demo', maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.choices[0].message.content, message.content.map((b) => (b.type === 'text' ? b.text : '')).join(''));
  });
});
