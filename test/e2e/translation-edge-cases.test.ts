// Edge cases of the three surfaces against a provider whose every answer the test scripts: cut
// and abandoned streams (usage still counted), 200s that are not answers, nesting bombs, error
// documents of odd shapes, and the Anthropic-shaped errors of Anthropic paths.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { countTextTokens } from '../../src/llm/tokens.js';
import { startMockServer, type MockUpstream, type RecordedRequest } from '../support/mock-server.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/gateway.js';

type Script = (res: ServerResponse, request: RecordedRequest) => void | Promise<void>;
let script: Script;
let mock: MockUpstream;
let gw: TestGateway;

before(async () => {
  mock = await startMockServer(
    () => async (_req, res, request) => {
      await script(res, request);
    },
    (res) => res.destroy(),
  );
  gw = await startTestGateway(
    testConfig({
      providers: `
  anth: { type: anthropic, baseUrl: "${mock.url}", apiKey: sk-ant }
  compat: { type: openai-compatible, baseUrl: "${mock.url}", apiKey: sk-oa }
  native: { type: openai, baseUrl: "${mock.url}", apiKey: sk-oa }`,
      models: `
  - { name: claude, provider: anth, model: claude-sonnet-4-5 }
  - { name: compat, provider: compat, model: upstream-model }
  - { name: native, provider: native, model: gpt-4o-mini }`,
    }),
  );
});
after(async () => {
  await gw.stop();
  await mock.close();
});
beforeEach(() => {
  script = (res) => json(res, 500, { error: { message: 'unscripted' } });
});

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const WORDS = Array.from({ length: 400 }, (_, i) => `word${i} `);
const MESSAGE_START = event('message_start', {
  message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 42, cache_read_input_tokens: 8, cache_creation_input_tokens: 0, output_tokens: 1 } },
});

/** An Anthropic stream that sends `WORDS` as text deltas and then, unless `complete`, breaks off. */
function anthropicStream(complete: boolean): Script {
  return async (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(MESSAGE_START + event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
    for (const w of WORDS) res.write(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } }));
    if (!complete) return cut(res);
    res.end(event('content_block_stop', { index: 0 }) + event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 800 } }) + event('message_stop', {}));
  };
}

/** Breaks the connection once everything written so far has been flushed. */
async function cut(res: ServerResponse): Promise<void> {
  await new Promise<void>((resolve) => res.write('', () => resolve()));
  res.socket?.destroy();
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, {
    method: 'POST',
    headers: { authorization: 'Bearer gk-test', 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, any>, id: res.headers.get('x-request-id')! };
}

const ASK = { model: 'claude', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: 'Count.' }] };

describe('usage of Anthropic streams that do not finish', () => {
  test('a complete stream records the final count', async () => {
    script = anthropicStream(true);
    const r = await post('/v1/messages', ASK);
    const usage = (await gw.record(r.id)).usage as Record<string, unknown>;
    assert.deepEqual(usage, { promptTokens: 50, completionTokens: 800, totalTokens: 850, cachedPromptTokens: 8, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' });
  });

  for (const [path, body] of [
    ['/v1/messages', ASK],
    ['/v1/chat/completions', { model: 'claude', stream: true, messages: [{ role: 'user', content: 'Count.' }] }],
  ] as const) {
    test(`${path}: a cut stream keeps the exact input and counts the output from the text`, async () => {
      script = anthropicStream(false);
      const r = await post(path, body);
      const record = await gw.record(r.id);
      assert.equal((record.error as { code: string }).code, 'upstream_stream_interrupted');
      const usage = record.usage as Record<string, number | string>;
      assert.equal(usage.source, 'estimated');
      assert.equal(usage.promptTokens, 50, 'message_start input tokens are exact');
      assert.equal(usage.cachedPromptTokens, 8);
      assert.equal(usage.completionTokens, countTextTokens(WORDS.join('')));
    });
  }

  test('a client that leaves mid-stream is charged for the text generated so far', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    script = async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(MESSAGE_START + event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
      for (const w of WORDS) res.write(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } }));
      release();
      await new Promise((r) => res.once('close', r));
    };
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer gk-test', 'content-type': 'application/json' },
      body: JSON.stringify(ASK),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    let seen = '';
    await held;
    while (!seen.includes(WORDS.at(-1)!)) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const record = await gw.record(res.headers.get('x-request-id')!);
    assert.equal(record.clientClosed, true);
    const usage = record.usage as Record<string, number>;
    assert.equal(usage.completionTokens, countTextTokens(WORDS.join('')));
    assert.equal(usage.promptTokens, 50);
  });
});

describe('answers that are not answers', () => {
  test('a translated 200 carrying an error document is upstream_error, not an empty success', async () => {
    script = (res) => json(res, 200, { error: { message: 'upstream exploded' } });
    const viaMessages = await post('/v1/messages', { ...ASK, model: 'compat', stream: false });
    assert.equal(viaMessages.status, 502);
    assert.equal(viaMessages.json().error.code, 'upstream_error');
    assert.match(viaMessages.json().error.message, /upstream exploded/);
    const viaChat = await post('/v1/chat/completions', { model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(viaChat.status, 502);
    assert.equal(viaChat.json().error.code, 'upstream_error');
    script = (res) => json(res, 200, {});
    const empty = await post('/v1/responses', { model: 'compat', input: 'hi' });
    assert.equal(empty.status, 502);
    assert.equal(empty.json().error.code, 'upstream_invalid_response');
  });

  test('error documents of other shapes keep their message when translated', async () => {
    script = (res) => json(res, 400, { error: 'bad thing happened' });
    const a = await post('/v1/messages', { ...ASK, model: 'compat', stream: false });
    assert.equal(a.status, 400);
    assert.deepEqual(a.json(), { type: 'error', error: { type: 'invalid_request_error', message: 'bad thing happened' } });
    script = (res) => json(res, 400, { object: 'error', message: 'vLLM says no', type: 'BadRequestError' });
    const b = await post('/v1/messages', { ...ASK, model: 'compat', stream: false });
    assert.equal(b.json().error.message, 'vLLM says no');
  });

  test('a tool call without an id still gets one for an Anthropic client', async () => {
    script = (res) =>
      json(res, 200, {
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model: 'upstream-model',
        choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] } }],
        usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      });
    const r = await post('/v1/messages', { ...ASK, model: 'compat', stream: false, tools: [{ name: 'f', input_schema: { type: 'object' } }] });
    const block = r.json().content[0];
    assert.equal(block.type, 'tool_use');
    assert.match(block.id, /^toolu_/);
  });
});

describe('bad input on every surface', () => {
  const deep = `{"model":"claude","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;

  test('nesting deeper than 128 levels is 400 invalid_request in each surface’s shape, never a 500', async () => {
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const r = await post(path, deep);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json().type, 'error');
      assert.equal(r.json().error.code, 'invalid_request');
    }
    for (const path of ['/v1/chat/completions', '/v1/responses', '/v1/embeddings']) {
      const r = await post(path, deep);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json().error.code, 'invalid_request');
    }
  });

  test('unknown Anthropic paths answer in Anthropic’s shape', async () => {
    const r = await post('/v1/messages/batches', {});
    assert.equal(r.status, 404);
    assert.equal(r.json().type, 'error');
    assert.equal(r.json().error.code, 'route_not_found');
  });

  test('Responses → Anthropic refusals name the client’s own fields', async () => {
    const r = await post('/v1/responses', { model: 'claude', input: 'hi', text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' } } } });
    assert.equal(r.status, 400);
    assert.equal(r.json().error.code, 'unsupported_feature');
    assert.equal(r.json().error.param, 'text.format');
  });
});

describe('passthrough bytes', () => {
  test('a renamed model is spliced into the client’s bytes; nothing else changes', async () => {
    script = (res) => json(res, 200, { id: 'c', object: 'chat.completion', created: 1, model: 'upstream-model', choices: [], usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 } });
    const body = '{ "messages" : [ {"role":"user","content":"keep   my spacing \\u00e9"} ],\n "model": "compat", "odd_field": [1,2] }';
    await post('/v1/chat/completions', body);
    assert.equal(mock.requests.at(-1)!.body, body.replace('"compat"', '"upstream-model"'));
  });

  test('an error in a passed-through Responses stream continues its sequence numbers', async () => {
    script = async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: response.created\ndata: ${JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'r', status: 'in_progress', output: [] } })}\n\n`);
      res.write(`event: response.in_progress\ndata: ${JSON.stringify({ type: 'response.in_progress', sequence_number: 1, response: { id: 'r', status: 'in_progress', output: [] } })}\n\n`);
      await cut(res);
    };
    const r = await post('/v1/responses', { model: 'native', input: 'hi', stream: true });
    const last = r.text.trim().split('\n\n').at(-1)!;
    assert.match(last, /^event: error\n/);
    const data = JSON.parse(last.split('\n')[1]!.slice('data: '.length)) as { sequence_number: number; code: string };
    assert.equal(data.sequence_number, 2);
    assert.equal(data.code, 'upstream_stream_interrupted');
  });
});
