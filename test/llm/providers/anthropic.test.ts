import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GatehouseError } from '../../../src/errors/gatehouse-error.js';
import { anthropicProvider, mergeBetas } from '../../../src/llm/providers/anthropic/index.js';
import { classifyAnthropicError } from '../../../src/llm/providers/anthropic-errors.js';
import { providerModule } from '../../../src/llm/providers/registry.js';
import type { Provider, UpstreamRequest } from '../../../src/llm/providers/types.js';
import { readText, upstreamRequest } from '../../support/upstream-request.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
let nextReply: Reply = { status: 200, body: '{}' };

before(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts) });
      res.writeHead(nextReply.status, { 'content-type': 'application/json', ...nextReply.headers });
      res.end(nextReply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function anthropic(config: Record<string, unknown> = {}): Provider {
  const parsed = anthropicProvider.configSchema.parse({ type: 'anthropic', apiKey: 'sk-ant-upstream', baseUrl, ...config });
  return anthropicProvider.create('claude', parsed);
}

function request(body: Buffer, options: Partial<UpstreamRequest> = {}): UpstreamRequest {
  const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  return upstreamRequest('messages', 'claude-sonnet-4-5', parsed, { body, stream: false, requestId: 'req-123', ...options });
}

const messageBody = Buffer.from('{"model":"claude-sonnet-4-5",  "max_tokens":64,\n"messages":[{"role":"user","content":"héllo 👋"}],"cache":{"x":1}}');


/** Sends one request and returns what the server saw and the response text. */
async function roundTrip(p: Provider, req: UpstreamRequest, reply: Reply = { status: 200, body: '{"ok":true}' }) {
  nextReply = reply;
  const response = await p.send(req);
  const text = await readText(response);
  response.dispose();
  return { upstream: seen[seen.length - 1], response, text };
}

describe('anthropic provider: config', () => {
  it('is registered, with defaults from its schema', async () => {
    assert.equal(providerModule('anthropic'), anthropicProvider);
    const config = anthropicProvider.configSchema.parse({ type: 'anthropic', apiKey: 'k' });
    assert.deepEqual(config, {
      type: 'anthropic',
      apiKey: 'k',
      baseUrl: 'https://api.anthropic.com/v1',
      version: '2023-06-01',
      betas: [],
      headers: {},
      connections: 128,
      defaultMaxTokens: 4096,
    });
    const p = anthropicProvider.create('claude', config);
    assert.equal(p.format, 'anthropic');
    assert.equal(p.type, 'anthropic');
    assert.deepEqual([...p.operations].sort(), ['count_tokens', 'messages']);
    assert.equal(p.defaultMaxTokens, 4096);
    assert.equal(p.unavailableReason, undefined);
    assert.equal(anthropic({ defaultMaxTokens: 1000 }).defaultMaxTokens, 1000);
    await p.close();
  });

  it('rejects unknown fields and bad values', () => {
    for (const bad of [{ bogus: 1 }, { apikey: 'x' }, { baseUrl: 'not a url' }, { defaultMaxTokens: 0 }, { betas: 'x' }, { connections: 0 }]) {
      assert.equal(anthropicProvider.configSchema.safeParse({ type: 'anthropic', ...bad }).success, false, JSON.stringify(bad));
    }
  });

  it('without an API key is listed but unavailable, saying why', async () => {
    for (const apiKey of [undefined, '']) {
      const p = anthropicProvider.create('claude', anthropicProvider.configSchema.parse({ type: 'anthropic', apiKey }));
      assert.match(p.unavailableReason ?? '', /provider "claude" has no API key.*ANTHROPIC_API_KEY/);
      await p.close();
    }
  });
});

describe('anthropic provider: requests', () => {
  it('POSTs messages and count_tokens under the base path with the body bytes unchanged', async () => {
    const p = anthropic();
    const messages = await roundTrip(p, request(messageBody), { status: 200, body: '{"type":"message"}' });
    assert.equal(messages.upstream.method, 'POST');
    assert.equal(messages.upstream.url, '/v1/messages');
    assert.deepEqual(messages.upstream.body, messageBody);
    assert.equal(messages.response.status, 200);
    assert.equal(messages.text, '{"type":"message"}');
    const count = await roundTrip(p, request(messageBody, { operation: 'count_tokens' }), { status: 200, body: '{"input_tokens":12}' });
    assert.equal(count.upstream.url, '/v1/messages/count_tokens');
    assert.deepEqual(count.upstream.body, messageBody);
    assert.equal(count.text, '{"input_tokens":12}');
    await p.close();
  });

  it('sends x-api-key, anthropic-version, content-type and x-request-id, and no client credentials', async () => {
    const p = anthropic({ headers: { 'x-team': 'blue' } });
    const clientHeaders = { authorization: 'Bearer gk-client', 'x-api-key': 'gk-client-key', cookie: 'a=b', 'x-gatehouse-simulate': 'hang' };
    const { upstream } = await roundTrip(p, request(messageBody, { clientHeaders }));
    assert.equal(upstream.headers['x-api-key'], 'sk-ant-upstream');
    assert.equal(upstream.headers['anthropic-version'], '2023-06-01');
    assert.equal(upstream.headers['anthropic-beta'], undefined, 'no betas, no header');
    assert.equal(upstream.headers['content-type'], 'application/json');
    assert.equal(upstream.headers['x-request-id'], 'req-123');
    assert.equal(upstream.headers['x-team'], 'blue');
    assert.equal(upstream.headers.authorization, undefined);
    assert.equal(upstream.headers.cookie, undefined);
    assert.equal(upstream.headers['x-gatehouse-simulate'], undefined);
    assert.ok(!JSON.stringify(upstream.headers).includes('gk-client'), 'no gateway key reaches the provider');
    await p.close();
  });

  it("uses the client's anthropic-version, else the configured one", async () => {
    const p = anthropic({ version: '2024-01-01' });
    assert.equal((await roundTrip(p, request(messageBody))).upstream.headers['anthropic-version'], '2024-01-01');
    const own = await roundTrip(p, request(messageBody, { clientHeaders: { 'anthropic-version': '2023-06-01' } }));
    assert.equal(own.upstream.headers['anthropic-version'], '2023-06-01');
    const blank = await roundTrip(p, request(messageBody, { clientHeaders: { 'anthropic-version': ' ' } }));
    assert.equal(blank.upstream.headers['anthropic-version'], '2024-01-01');
    await p.close();
  });

  it('merges configured betas with the client anthropic-beta values, de-duplicated in order', async () => {
    const p = anthropic({ betas: ['prompt-caching-2024-07-31', 'files-api-2025-04-14'] });
    const configured = await roundTrip(p, request(messageBody));
    assert.equal(configured.upstream.headers['anthropic-beta'], 'prompt-caching-2024-07-31,files-api-2025-04-14');
    const merged = await roundTrip(
      p,
      request(messageBody, { clientHeaders: { 'anthropic-beta': ['files-api-2025-04-14, token-efficient-tools-2025-02-19', ' ,context-1m-2025-08-07'] } }),
    );
    assert.equal(
      merged.upstream.headers['anthropic-beta'],
      'prompt-caching-2024-07-31,files-api-2025-04-14,token-efficient-tools-2025-02-19,context-1m-2025-08-07',
    );
    await p.close();
    assert.deepEqual(mergeBetas([], 'a,b, a'), ['a', 'b']);
    assert.deepEqual(mergeBetas(['x'], undefined), ['x']);
  });

  it('passes an error answer through with its status, headers and body for classification', async () => {
    const p = anthropic();
    const body = JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' }, request_id: 'req_011' });
    const { response, text } = await roundTrip(p, request(messageBody), { status: 429, headers: { 'retry-after': '17' }, body });
    assert.equal(response.status, 429);
    const error = p.classifyError(response.status, response.headers, text);
    assert.ok(error instanceof GatehouseError);
    assert.equal(error.code, 'upstream_rate_limited');
    assert.equal(error.retryAfter, 17);
    assert.match(error.message, /Provider "claude" is rate limiting this gateway \(HTTP 429 rate_limit_error, request_id req_011\): Number of requests/);
    await p.close();
  });

  it('maps a connection failure to upstream_unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const p = anthropic({ baseUrl: `http://127.0.0.1:${port}/v1` });
    await assert.rejects(p.send(request(messageBody)), (err) => err instanceof GatehouseError && err.code === 'upstream_unreachable' && /"claude"/.test(err.message));
    await p.close();
  });
});

describe('classifyAnthropicError', () => {
  const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_abc' });
  const table: Array<[number, string, string | undefined]> = [
    [400, 'invalid_request_error', undefined],
    [401, 'authentication_error', 'upstream_auth_failed'],
    [403, 'permission_error', 'upstream_auth_failed'],
    [402, 'billing_error', 'upstream_error'],
    [404, 'not_found_error', undefined],
    [413, 'request_too_large', undefined],
    [429, 'rate_limit_error', 'upstream_rate_limited'],
    [500, 'api_error', 'upstream_error'],
    [529, 'overloaded_error', 'upstream_error'],
  ];

  for (const [status, type, code] of table) {
    it(`${status} ${type} → ${code ?? 'passed through'}`, () => {
      const error = classifyAnthropicError(status, {}, body(type, `upstream says ${type}`), { provider: 'claude' });
      if (code === undefined) {
        assert.equal(error, undefined);
        return;
      }
      assert.ok(error instanceof GatehouseError);
      assert.equal(error.code, code);
      assert.equal(error.upstreamStatus, status);
      assert.equal(error.fault, 'provider');
      assert.ok(error.message.includes('Provider "claude"'), error.message);
      assert.ok(error.message.includes(`upstream says ${type}`), error.message);
      assert.ok(error.message.includes(type), error.message);
    });
  }

  it('reads Retry-After on 429 and 529 (seconds or HTTP-date), and none when absent', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(classifyAnthropicError(429, { 'retry-after': '4' }, body('rate_limit_error', 'x'), { now })?.retryAfter, 4);
    const overloaded = classifyAnthropicError(529, { 'retry-after': 'Wed, 01 Jan 2025 00:00:09 GMT' }, body('overloaded_error', 'Overloaded'), { now });
    assert.equal(overloaded?.code, 'upstream_error');
    assert.equal(overloaded?.retryAfter, 9);
    assert.equal(overloaded?.status, 502);
    assert.match(overloaded!.message, /is overloaded \(HTTP 529 overloaded_error, request_id req_abc\): Overloaded/);
    assert.equal(classifyAnthropicError(529, {}, body('overloaded_error', 'Overloaded'))?.retryAfter, undefined);
    assert.equal(classifyAnthropicError(429, {}, '')?.retryAfter, undefined);
  });

  it('handles bodies that are not Anthropic errors', () => {
    const html = classifyAnthropicError(502, {}, '<html>Bad gateway</html>');
    assert.equal(html?.code, 'upstream_error');
    assert.match(html!.message, /^The provider answered with an error \(HTTP 502\): <html>Bad gateway<\/html>$/);
    assert.equal(classifyAnthropicError(503, {}, '')?.message, 'The provider answered with an error (HTTP 503).');
    assert.equal(classifyAnthropicError(413, {}, '<html>413 Request Entity Too Large</html>'), undefined);
  });
});
