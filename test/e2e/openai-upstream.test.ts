// The gateway in front of an OpenAI-compatible upstream (a mock replaying realistic wire
// sequences), driven by the official `openai` SDK and by raw HTTP where the SDK hides details.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { expectApiError, expectStreamError } from '../support/openai-assert.js';
import { startMockOpenAI, type MockUpstream } from '../support/mock-openai-upstream.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

let mock: MockUpstream;
let gw: TestGateway;
let client: OpenAI;
const PRICE = '{ input: 1, output: 2, cachedInput: 0.5 }';

before(async () => {
  mock = await startMockOpenAI();
  gw = await startTestGateway(
    testConfig({
      providers: `
  mock: { type: openai-compatible, baseUrl: "${mock.url}", apiKey: sk-upstream-secret }
  nokey: { type: openai }
  byok: { type: openai, baseUrl: "${mock.url}" }`,
      models: `
  - { name: renamed, provider: mock, model: mock-text }
  - { name: quick-timeout, provider: mock, model: mock-hang, timeoutMs: 150 }
  - { name: gpt-4o-mini, provider: nokey }
  - { name: byok-text, provider: byok, model: mock-text, clientProviderKey: true }
  - { name: "mock-*", provider: mock }`,
      extra: `
prices:
  mock-text: ${PRICE}
  mock-usage-in-last-choice: ${PRICE}
  mock-cut: ${PRICE}
  mock-embeddings: { input: 0.5, output: 0 }
`,
    }),
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-test', maxRetries: 0 });
});
after(async () => {
  await gw.stop();
  await mock.close();
});

const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the capital of France?' }];
const lastUpstream = () => mock.requests[mock.requests.length - 1];

/** Raw HTTP POST that also returns trailers (fetch does not expose them). */
function rawPost(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; trailers: Record<string, string | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, gw.url);
    const req = httpRequest(url, { method: 'POST', headers: { authorization: 'Bearer gk-test', 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('passthrough', () => {
  test('an unchanged body reaches the provider byte for byte, with the gateway key, not the caller\'s', async () => {
    const body = '{ "model" : "mock-text",\n "messages":[{"role":"user","content":"hi"}], "future_field": {"keep": [1, 2.50]} }';
    const res = await rawPost('/v1/chat/completions', body, { 'x-request-id': 'pass-1' });
    assert.equal(res.status, 200);
    const seen = lastUpstream();
    assert.equal(seen.body, body);
    assert.equal(seen.headers.authorization, 'Bearer sk-upstream-secret');
    assert.equal(seen.headers['x-request-id'], 'pass-1');
    assert.equal(res.headers['x-gatehouse-cost-usd'], '0.001');
  });

  test('a mapped model is rewritten; unknown fields survive the rewrite', async () => {
    const res = await rawPost('/v1/chat/completions', JSON.stringify({ model: 'renamed', messages, future_field: { keep: true } }));
    assert.equal(res.status, 200);
    const seen = lastUpstream().json as Record<string, unknown>;
    assert.equal(seen.model, 'mock-text');
    assert.deepEqual(seen.future_field, { keep: true });
  });
});

describe('usage and cost', () => {
  test('streamed with include_usage: the client gets the usage chunk; cost equals the unstreamed cost', async () => {
    const plain = await client.chat.completions.create({ model: 'mock-text', messages }).withResponse();
    const { data: stream, response } = await client.chat.completions.create({ model: 'mock-text', messages, stream: true, stream_options: { include_usage: true } }).withResponse();
    let usage: OpenAI.CompletionUsage | null | undefined;
    let text = '';
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    assert.deepEqual(usage, plain.data.usage);
    assert.equal(text, plain.data.choices[0].message.content);
    const plainRecord = await gw.record(plain.response.headers.get('x-request-id')!);
    const streamRecord = await gw.record(response.headers.get('x-request-id')!);
    assert.deepEqual(streamRecord.usage, plainRecord.usage);
    assert.equal(streamRecord.costUsd, plainRecord.costUsd);
    assert.equal(plainRecord.costUsd, 0.001);
    assert.equal((plainRecord.usage as { cachedPromptTokens: number }).cachedPromptTokens, 1024);
  });

  test('streamed without include_usage: the gateway asks for it, records it, and hides it from the client', async () => {
    const sent = JSON.stringify({ model: 'mock-text', messages, stream: true });
    const res = await rawPost('/v1/chat/completions', sent, { 'x-request-id': 'hidden-usage' });
    assert.equal(res.status, 200);
    // The member is added to the client's bytes; nothing else is re-serialised.
    assert.equal(lastUpstream().body, `{"stream_options":{"include_usage":true},${sent.slice(1)}`);
    assert.ok(!res.body.includes('"usage"'), 'no usage field reaches the client');
    assert.ok(res.body.endsWith('data: [DONE]\n\n'));
    assert.equal(res.trailers['x-gatehouse-cost-usd'], '0.001');
    const record = await gw.record('hidden-usage');
    assert.equal((record.usage as { source: string }).source, 'provider');
    assert.equal(record.costUsd, 0.001);
  });

  test('usage in a chunk that also carries choices is read, and stripped for a client that did not ask', async () => {
    const res = await rawPost('/v1/chat/completions', JSON.stringify({ model: 'mock-usage-in-last-choice', messages, stream: true }), { 'x-request-id': 'last-choice' });
    assert.equal(res.status, 200);
    assert.ok(!res.body.includes('"usage"'));
    assert.ok(res.body.includes('"finish_reason":"stop"'));
    const record = await gw.record('last-choice');
    assert.equal(record.costUsd, 0.001);
  });

  test('a cut stream ends in an in-band error; its usage is estimated, not lost', async () => {
    const { data: stream, response } = await client.chat.completions.create({ model: 'mock-cut', messages, stream: true }).withResponse();
    const text = await expectStreamError(stream, 'upstream_stream_interrupted');
    assert.ok(text.length > 0);
    const record = await gw.record(response.headers.get('x-request-id')!);
    const usage = record.usage as { source: string; completionTokens: number; promptTokens: number };
    assert.equal(usage.source, 'estimated');
    assert.ok(usage.completionTokens > 0 && usage.promptTokens > 0);
    assert.ok((record.costUsd as number) > 0);
    assert.equal((record.error as { code: string }).code, 'upstream_stream_interrupted');
  });

  test('parallel tool calls pass through a stream intact', async () => {
    for (const model of ['mock-parallel-tool-calls', 'mock-parallel-tool-calls-interleaved']) {
      const stream = await client.chat.completions.create({ model, messages, stream: true });
      const args: string[] = [];
      for await (const chunk of stream) for (const d of chunk.choices[0]?.delta.tool_calls ?? []) args[d.index] = (args[d.index] ?? '') + (d.function?.arguments ?? '');
      assert.deepEqual(args.map((a) => JSON.parse(a)), [{ city: 'Paris' }, { city: 'Tokyo' }], model);
    }
  });

  test('embeddings pass through with cost', async () => {
    const { data, response } = await client.embeddings.create({ model: 'mock-embeddings', input: ['a', 'b'] }).withResponse();
    assert.equal(data.data.length, 2);
    assert.ok(Number(response.headers.get('x-gatehouse-cost-usd')) > 0);
  });
});

describe('provider failures', () => {
  test("the provider's own 400 reaches the client as the provider sent it", async () => {
    await assert.rejects(client.chat.completions.create({ model: 'mock-error-400-context', messages }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal(err.code, 'context_length_exceeded');
      return true;
    });
  });

  test('429 → 429 upstream_rate_limited with Retry-After', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'mock-error-429', messages }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError);
      assert.equal(err.code, 'upstream_rate_limited');
      assert.equal(err.headers?.get('retry-after'), '1');
      return true;
    });
  });

  test('500 → 502 upstream_error, recorded with the upstream status', async () => {
    const res = await rawPost('/v1/chat/completions', JSON.stringify({ model: 'mock-error-500', messages }), { 'x-request-id': 'up-500' });
    assert.equal(res.status, 502);
    assert.equal(JSON.parse(res.body).error.code, 'upstream_error');
    const record = await gw.record('up-500');
    assert.equal((record.error as { upstreamStatus: number }).upstreamStatus, 500);
    assert.equal((record.attempts as { status: number }[])[0].status, 500);
  });

  test("401 from the provider is the gateway's credentials: 502 upstream_auth_failed", async () => {
    await expectApiError(client.chat.completions.create({ model: 'mock-error-401', messages }), 502, 'upstream_auth_failed');
  });

  test('a body that is not JSON → 502 upstream_invalid_response', async () => {
    await expectApiError(client.chat.completions.create({ model: 'mock-invalid-json', messages }), 502, 'upstream_invalid_response');
  });

  test('no answer within the route timeout → 504 upstream_timeout', async () => {
    await expectApiError(client.chat.completions.create({ model: 'quick-timeout', messages }), 504, 'upstream_timeout');
  });

  test('a provider without credentials → 503 provider_not_configured, and it is not listed', async () => {
    await expectApiError(client.chat.completions.create({ model: 'gpt-4o-mini', messages }), 503, 'provider_not_configured');
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(!ids.includes('gpt-4o-mini'));
  });

  test('a client that goes away aborts the upstream request and is recorded as 499', async () => {
    const before = mock.requests.length;
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer gk-test', 'x-request-id': 'gone-away' },
      body: JSON.stringify({ model: 'mock-hang', messages }),
      signal: controller.signal,
    });
    while (mock.requests.length === before) await new Promise((r) => setImmediate(r));
    controller.abort();
    await assert.rejects(pending);
    const record = await gw.record('gone-away');
    assert.equal(record.status, 499);
    assert.equal(record.clientClosed, true);
  });
});

describe('bad input never reaches the provider', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer gk-test', ...headers }, body });

  test('malformed JSON → 400 invalid_json', async () => {
    const before = mock.requests.length;
    const res = await post('{"model": "mock-text", "messages": [');
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; fault: string; request_id: string } };
    assert.equal(body.error.code, 'invalid_json');
    assert.equal(body.error.fault, 'caller');
    assert.equal(body.error.request_id, res.headers.get('x-request-id'));
    assert.equal(mock.requests.length, before);
  });

  test('a JSON array body → 400 invalid_request', async () => {
    const res = await post('[1,2]');
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_request');
  });

  test('a body over the limit → 413 body_too_large', async () => {
    const res = await post(JSON.stringify({ model: 'mock-text', messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] }));
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'body_too_large');
  });

  test('no key → 401 missing_api_key; unknown path → 404; wrong method → 405', async () => {
    const noKey = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'mock-text', messages }) });
    assert.equal(noKey.status, 401);
    assert.equal(((await noKey.json()) as { error: { code: string } }).error.code, 'missing_api_key');
    const unknown = await fetch(`${gw.url}/v2/nothing`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'route_not_found');
    const wrongMethod = await fetch(`${gw.url}/v1/chat/completions`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
  });

  test('an unknown model is 404 only after the key is checked', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: JSON.stringify({ model: 'secret-model', messages }) });
    assert.equal(res.status, 401);
  });
});

describe('bring your own key', () => {
  test("a route that allows it sends the caller's provider key instead of the gateway's", async () => {
    const byok = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-test', maxRetries: 0, defaultHeaders: { 'x-gatehouse-provider-key': 'sk-callers-own' } });
    await byok.chat.completions.create({ model: 'byok-text', messages });
    assert.equal(lastUpstream()!.headers.authorization, 'Bearer sk-callers-own');
    assert.equal(lastUpstream()!.headers['x-gatehouse-provider-key'], undefined, 'the header itself is never forwarded');
  });

  test('without the key, a provider that has none answers 503; elsewhere the header is refused', async () => {
    await expectApiError(client.chat.completions.create({ model: 'byok-text', messages }), 503, 'provider_not_configured');
    const listed: string[] = [];
    for await (const m of client.models.list()) listed.push(m.id);
    assert.ok(listed.includes('byok-text'), 'listed: it can serve with the caller’s key');
    assert.ok(!listed.includes('gpt-4o-mini'), 'a keyless provider without bring-your-own-key is not');
    const byok = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-test', maxRetries: 0, defaultHeaders: { 'x-gatehouse-provider-key': 'sk-callers-own' } });
    const before = mock.requests.length;
    await expectApiError(byok.chat.completions.create({ model: 'renamed', messages }), 400, 'invalid_request');
    assert.equal(mock.requests.length, before, 'nothing reached the provider');
  });
});
