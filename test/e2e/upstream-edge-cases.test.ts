// Provider misbehaviour the mock fixtures do not cover, from a tiny ad-hoc upstream, plus the
// accounting of a client that leaves mid-stream.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { expectApiError, expectStreamError } from '../support/openai-assert.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

type Behaviour = (res: ServerResponse) => void;
const behaviours: Record<string, Behaviour> = {
  // Error headers, then a body that never ends.
  'stall-error': (res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.write('{"error":');
  },
  'json-null': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('null'),
  'null-choices': (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x","object":"chat.completion","choices":[null],"model":"m"}'),
  'stream-null-chunk': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n');
    res.end('data: null\n\n');
  },
  // Braces at both ends, and still not JSON: no cheap shape check may let it through.
  'stream-braced-garbage': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n');
    res.end('data: {"id":"x","choices":[{"index":0,"delta":{"content":"a"}}]}}\n\ndata: [DONE]\n\n');
  },
  // The last events end with a single newline and then EOF, as some servers send them.
  'no-trailing-blank': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n');
    res.end('data: {"id":"x","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150}}\n\ndata: [DONE]\n');
  },
  // A wrong baseUrl: a web server's HTML 404, not an API error.
  'html-404': (res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>'),
  // Complete as HTTP (a content-length, all of it sent), cut as JSON.
  'cut-answer': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"'),
  'garbled-answer': (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x","object":"chat.completion","choices":[],"usage":{"prompt_tokens":1,}}'),
  'cut-embeddings': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2'),
  // Usage at the top level, and look-alikes inside a string and a nested object that must not be read.
  'usage-answer': (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: '"usage":{"prompt_tokens":9}' }, finish_reason: 'stop', usage: { prompt_tokens: 7 } }],
        usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
      }),
    ),
  // A complete answer with no usage at all: the gateway counts the tokens itself.
  'no-usage-answer': (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hello there' }, finish_reason: 'stop' }] }),
    ),
  // A stream cut after one chunk: no usage, no [DONE].
  'cut-stream-answer': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hello there"},"finish_reason":null}]}\n\n');
  },
  'stream-stall': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n');
  },
};

let upstream: Server;
let gw: TestGateway;
let client: OpenAI;
before(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => behaviours[(JSON.parse(body) as { model: string }).model](res));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  gw = await startTestGateway(
    testConfig({
      providers: `
  edge: { type: openai-compatible, baseUrl: "http://127.0.0.1:${port}/v1" }
  slow: { type: simulated, tokensPerSecond: 50, outputTokens: 200 }`,
      models: `
  - { name: "stall-error", provider: edge, streamIdleTimeoutMs: 150 }
  - { name: "stream-stall", provider: edge, streamIdleTimeoutMs: 150 }
  - { name: "*null*", provider: edge }
  - { name: "stream-braced-garbage", provider: edge }
  - { name: "no-trailing-blank", provider: edge, price: { input: 1000, output: 1000 } }
  - { name: "html-404", provider: edge }
  - { name: "*-answer", provider: edge, price: { input: 1000, output: 1000 } }
  - { name: "renamed-no-usage", provider: edge, model: "no-usage-answer", price: { input: 1000, output: 1000 } }
  - { name: "cut-embeddings", provider: edge }
  - { name: slow, provider: slow, price: { input: 1, output: 1 } }`,
    }),
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'gk-test', maxRetries: 0 });
});
after(async () => {
  await gw.stop();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];

test('a stream chunk that is not JSON, braces and all, ends the stream with upstream_invalid_response', async () => {
  const stream = await client.chat.completions.create({ model: 'stream-braced-garbage', messages, stream: true });
  const text = await expectStreamError(stream, 'upstream_invalid_response');
  assert.equal(text, 'hi');
});

test('an error whose body stalls is still answered once the idle timeout passes', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'stall-error', messages }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.equal(err.code, 'upstream_error');
    return true;
  });
});

test('a 200 whose JSON is not an object is 502 upstream_invalid_response, not a 500', async () => {
  await expectApiError(client.chat.completions.create({ model: 'json-null', messages }), 502, 'upstream_invalid_response');
});

test('a 200 whose JSON is cut or garbled is 502 upstream_invalid_response, for chat and embeddings alike', async () => {
  await expectApiError(client.chat.completions.create({ model: 'cut-answer', messages }), 502, 'upstream_invalid_response');
  await expectApiError(client.chat.completions.create({ model: 'garbled-answer', messages }), 502, 'upstream_invalid_response');
  await expectApiError(client.embeddings.create({ model: 'cut-embeddings', input: 'hi' }), 502, 'upstream_invalid_response');
});

test('an answer passed through as received is accounted from its top-level usage only', async () => {
  const { data, response } = await client.chat.completions.create({ model: 'usage-answer', messages }).withResponse();
  assert.equal(data.choices[0]!.message.content, '"usage":{"prompt_tokens":9}');
  assert.deepEqual(data.usage, { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 });
  // 100 input and 50 output tokens at 1000 USD per million each.
  assert.equal(response.headers.get('x-gatehouse-cost-usd'), '0.15');
});

test('an answer without usage is charged by counting: the prompt read back from the bytes sent, the answer from its text', async () => {
  // On a route with no response hooks the gateway lets go of its parse of the request while the
  // provider answers (Exchange.releaseBody); counting the prompt then reads the sent bytes again.
  const counted = async (model: string, content: string) => {
    const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();
    assert.equal(data.choices[0]!.message.content, 'hello there');
    assert.equal(data.usage, undefined, 'the answer is relayed as the provider sent it');
    const record = await gw.record(response.headers.get('x-request-id')!);
    const usage = record.usage as { source: string; promptTokens: number; completionTokens: number };
    assert.equal(usage.source, 'estimated');
    assert.equal(usage.completionTokens, 2);
    assert.ok((record.costUsd as number) > 0);
    return usage.promptTokens;
  };
  const short = await counted('no-usage-answer', 'hi');
  const long = await counted('no-usage-answer', 'please summarise the quarterly report for the finance team in three short bullet points');
  assert.ok(short > 0);
  assert.ok(long > short + 10, `${long} vs ${short}`);
  // A renamed model: the bytes sent carry the provider's model id, and count the same.
  assert.equal(await counted('renamed-no-usage', 'hi'), short);
});

test('a stream cut before its usage is charged by counting the prompt read back from the bytes sent', async () => {
  const counted = async (content: string) => {
    const { data: stream, response } = await client.chat.completions.create({ model: 'cut-stream-answer', messages: [{ role: 'user', content }], stream: true }).withResponse();
    assert.equal(await expectStreamError(stream, 'upstream_stream_interrupted'), 'hello there');
    const record = await gw.record(response.headers.get('x-request-id')!);
    const usage = record.usage as { source: string; promptTokens: number; completionTokens: number };
    assert.equal(usage.source, 'estimated');
    assert.equal(usage.completionTokens, 2);
    return usage.promptTokens;
  };
  const short = await counted('hi');
  const long = await counted('please summarise the quarterly report for the finance team in three short bullet points');
  assert.ok(short > 0);
  assert.ok(long > short + 10, `${long} vs ${short}`);
});

test('odd but valid JSON (a null choice) is relayed as the provider sent it', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer gk-test' }, body: JSON.stringify({ model: 'null-choices', messages }) });
  assert.equal(res.status, 200);
  assert.deepEqual(((await res.json()) as { choices: unknown[] }).choices, [null]);
});

test('a stream chunk that is JSON but not an object ends the stream with upstream_invalid_response', async () => {
  const stream = await client.chat.completions.create({ model: 'stream-null-chunk', messages, stream: true });
  await expectStreamError(stream, 'upstream_invalid_response');
});

test('a stream that goes silent is ended by the idle timeout with upstream_timeout', async () => {
  const stream = await client.chat.completions.create({ model: 'stream-stall', messages, stream: true });
  await expectStreamError(stream, 'upstream_timeout');
});

test('a last event without its blank line is still read: exact usage, and [DONE] reaches the client', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer gk-test', 'x-request-id': 'no-blank' },
    body: JSON.stringify({ model: 'no-trailing-blank', messages, stream: true, stream_options: { include_usage: true } }),
  });
  const text = await res.text();
  assert.ok(text.endsWith('data: [DONE]\n\n'), text);
  const record = await gw.record('no-blank');
  assert.deepEqual(record.usage, { promptTokens: 100, completionTokens: 50, totalTokens: 150, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' });
  assert.equal(record.costUsd, 0.15);
  assert.equal(record.error, undefined);
});

test("a provider 4xx that is not an API error (an HTML page) is 502 upstream_error, not passed through", async () => {
  await assert.rejects(client.chat.completions.create({ model: 'html-404', messages }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.equal(err.code, 'upstream_error');
    assert.equal((err.error as { upstream_status?: number }).upstream_status, 404);
    return true;
  });
});

test('a client that leaves mid-stream is charged for what was generated', async () => {
  const controller = new AbortController();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer gk-test', 'x-request-id': 'left-early' },
    body: JSON.stringify({ model: 'slow', messages, stream: true }),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  await reader.read();
  await reader.read();
  controller.abort();
  const record = await gw.record('left-early');
  assert.equal(record.status, 200);
  assert.equal(record.clientClosed, true);
  assert.equal((record.error as { code: string }).code, 'client_closed_request');
  const usage = record.usage as { source: string; completionTokens: number; promptTokens: number };
  assert.equal(usage.source, 'estimated');
  assert.ok(usage.promptTokens > 0 && usage.completionTokens > 0 && usage.completionTokens < 200);
  assert.ok((record.costUsd as number) > 0);
});
