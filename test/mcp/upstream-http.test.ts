import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { META, MODERN_VERSION, type JsonRpcResponse } from '../../src/mcp/jsonrpc.js';
import { createUpstream, encodeHeaderValue, UpstreamError, type Upstream, type UpstreamHttpConfig, type UpstreamMessage } from '../../src/mcp/upstream/index.js';
import { CLIENT, callTool, silentLogger, text } from '../fixtures/mcp/upstream-harness.js';
import { startV1Http, type V1Http } from '../fixtures/mcp/upstream-v1.js';
import { startV2Http, type V2Http } from '../fixtures/mcp/upstream-v2.js';

const options = { allowCommands: [], logger: silentLogger };

function httpConfig(url: string, overrides: Partial<UpstreamHttpConfig> = {}): UpstreamHttpConfig {
  return { kind: 'http', name: 'test', url, headers: {}, era: 'auto', timeoutMs: 10_000, ...overrides };
}

/** Polls a condition the test cannot get an event for (the server side of a GET stream). */
async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejectsWith(promise: Promise<unknown>, kind: UpstreamError['kind']): Promise<UpstreamError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof UpstreamError, `expected an UpstreamError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected an UpstreamError of kind ${kind}`);
}

/** A raw HTTP server for misbehaviour the SDK servers never show. */
async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

function closeRaw(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('upstream over HTTP, session era (SDK 1.x server)', () => {
  let v1: V1Http;
  const upstreams: Upstream[] = [];
  const upstream = (overrides: Partial<UpstreamHttpConfig> = {}): Upstream => {
    const u = createUpstream(httpConfig(v1.url, { era: 'legacy', ...overrides }), options);
    upstreams.push(u);
    return u;
  };
  before(async () => {
    v1 = await startV1Http();
  });
  after(async () => {
    await Promise.all(upstreams.map((u) => u.close()));
    await v1.close();
  });

  it('opens with initialize and round-trips tools/list and tools/call', async () => {
    const session = await upstream().open(CLIENT);
    assert.equal(session.era, 'legacy');
    assert.equal(session.protocolVersion, '2025-11-25');
    assert.equal(session.serverInfo.name, 'upstream-v1');
    assert.equal(session.instructions, 'v1 fixture');
    assert.ok(session.serverCapabilities.tools);
    assert.match(session.resumeId ?? '', /^[0-9a-f-]{36}$/);
    const tools = await session.request('tools/list', {});
    const names = (tools.result?.tools as { name: string }[]).map((t) => t.name);
    assert.ok(names.includes('add') && names.includes('ask_name'));
    assert.equal(text(await callTool(session, 'add', { a: 2, b: 3 })), '5');
    await session.close();
  });

  it('offers the downstream version hint when it is a session-era version we speak', async () => {
    const session = await upstream().open({ ...CLIENT, protocolVersion: '2025-06-18' });
    assert.equal(session.protocolVersion, '2025-06-18');
    assert.equal(text(await callTool(session, 'add', { a: 1, b: 1 })), '2');
    await session.close();
  });

  it('delivers progress to onMessage before the response, with the caller\'s progressToken', async () => {
    const session = await upstream().open(CLIENT);
    const seen: string[] = [];
    const response = await callTool(session, 'slow', {}, {
      onMessage: (m) => seen.push(`${m.method}:${String(m.params?.progressToken)}:${String(m.params?.progress)}`),
    });
    seen.push(`response:${text(response)}`);
    // Without a progressToken the server sends no progress.
    assert.deepEqual(seen, ['response:slow done']);
    const withToken: string[] = [];
    const again = await session.request('tools/call', { name: 'slow', arguments: {}, _meta: { progressToken: 'tok-7' } }, {
      onMessage: (m) => withToken.push(`${m.method}:${String(m.params?.progressToken)}:${String(m.params?.progress)}`),
    });
    withToken.push(`response:${text(again)}`);
    assert.deepEqual(withToken, ['notifications/progress:tok-7:1', 'notifications/progress:tok-7:2', 'notifications/progress:tok-7:3', 'response:slow done']);
    await session.close();
  });

  it('delivers an elicitation request on the request\'s stream to onMessage and answers it through respond()', async () => {
    const session = await upstream().open(CLIENT);
    const asked: UpstreamMessage[] = [];
    const response = await callTool(session, 'ask_name_related', {}, {
      onMessage: (m) => {
        asked.push(m);
        if ('id' in m) void session.respond({ jsonrpc: '2.0', id: m.id, result: { action: 'accept', content: { name: 'Ada' } } });
      },
    });
    assert.equal(asked.length, 1);
    assert.equal(asked[0].method, 'elicitation/create');
    assert.equal(text(response), 'Hello Ada');
    await session.close();
  });

  it('delivers an elicitation request on the GET stream to the only request in flight (listen() keeps the stream open)', async () => {
    const session = await upstream().open(CLIENT);
    const unrouted: UpstreamMessage[] = [];
    const stop = session.listen((m) => unrouted.push(m));
    await waitFor(() => v1.gets > 0);
    const asked: UpstreamMessage[] = [];
    const response = await callTool(session, 'ask_name', {}, {
      onMessage: (m) => {
        asked.push(m);
        if ('id' in m) void session.respond({ jsonrpc: '2.0', id: m.id, result: { action: 'accept', content: { name: 'Lin' } } });
      },
    });
    assert.equal(text(response), 'Hello Lin');
    assert.deepEqual(asked.map((m) => m.method), ['elicitation/create']);
    assert.deepEqual(unrouted, []);
    stop();
    await session.close();
  });

  it('resumes a session from another Upstream (another replica) by its resumeId', async () => {
    const first = await upstream().open(CLIENT);
    const resumeId = first.resumeId;
    assert.ok(resumeId !== undefined);
    const mark = v1.methods.length;
    const other = upstream();
    const resumed = await other.resume(resumeId, CLIENT, 'legacy', first.protocolVersion);
    assert.equal(resumed.resumeId, resumeId);
    assert.equal(text(await callTool(resumed, 'add', { a: 20, b: 22 })), '42');
    assert.deepEqual(v1.methods.slice(mark), ['tools/call']); // no initialize for the resumed session
    // The first replica's object still works on the same session.
    assert.equal(text(await callTool(first, 'add', { a: 1, b: 1 })), '2');
    await resumed.close();
  });

  it('reports session_expired for a session the upstream does not know, and after close()', async () => {
    const ghost = await upstream().resume('no-such-session', CLIENT, 'legacy', '2025-11-25');
    const err = await rejectsWith(callTool(ghost, 'add', { a: 1, b: 2 }), 'session_expired');
    assert.equal(err.status, 404);
    const session = await upstream().open(CLIENT);
    const id = session.resumeId!;
    await session.close(); // DELETE
    const again = await upstream().resume(id, CLIENT, 'legacy', session.protocolVersion);
    await rejectsWith(callTool(again, 'add', { a: 1, b: 2 }), 'session_expired');
  });

  it('listen() opens the GET stream and receives what the server sends outside requests', async () => {
    const session = await upstream().open(CLIENT);
    const got = new Promise<UpstreamMessage>((resolve) => {
      const stop = session.listen((m) => {
        stop();
        resolve(m);
      });
    });
    // The GET stream must be open before the server has something to send on it.
    await waitFor(() => v1.gets > 0);
    assert.equal(text(await callTool(session, 'announce')), 'announced');
    assert.equal((await got).method, 'notifications/tools/list_changed');
    await session.close();
  });

  it('times out with kind timeout', async () => {
    const session = await upstream({ timeoutMs: 300 }).open(CLIENT);
    await rejectsWith(callTool(session, 'hang'), 'timeout');
    await session.close();
  });

  it('a timeout of 1 s or more (the shared ticker) fires never early and at most one tick late', async () => {
    const session = await upstream({ timeoutMs: 1000 }).open(CLIENT);
    const started = performance.now();
    await rejectsWith(callTool(session, 'hang'), 'timeout');
    const waited = performance.now() - started;
    assert.ok(waited >= 1000 && waited < 1000 + 250 + 300, `timed out after ${waited.toFixed(0)} ms`);
    await session.close();
  });

  it('rejects with the caller\'s reason on abort', async () => {
    const session = await upstream().open(CLIENT);
    const controller = new AbortController();
    const pending = callTool(session, 'hang', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await assert.rejects(pending, /caller gave up/);
    await session.close();
  });

  it('auto picks the session era (discover refused) and caches the verdict', async () => {
    const u = upstream({ era: 'auto' });
    const before = v1.methods.length;
    const session = await u.open(CLIENT);
    assert.equal(session.era, 'legacy');
    assert.deepEqual(v1.methods.slice(before, before + 3), ['server/discover', 'initialize', 'notifications/initialized']);
    const mark = v1.methods.length;
    const second = await u.open(CLIENT);
    assert.equal(v1.methods[mark], 'initialize');
    await session.close();
    await second.close();
  });
});

describe('upstream over HTTP, 2026-07-28 and dual-era (SDK 2.x server)', () => {
  let v2: V2Http;
  const upstreams: Upstream[] = [];
  const upstream = (overrides: Partial<UpstreamHttpConfig> = {}): Upstream => {
    const u = createUpstream(httpConfig(v2.url, { era: 'modern', ...overrides }), options);
    upstreams.push(u);
    return u;
  };
  before(async () => {
    v2 = await startV2Http();
  });
  after(async () => {
    await Promise.all(upstreams.map((u) => u.close()));
    await v2.close();
  });

  it('opens with server/discover and round-trips tools/list and tools/call', async () => {
    const session = await upstream().open(CLIENT);
    assert.equal(session.era, 'modern');
    assert.equal(session.protocolVersion, MODERN_VERSION);
    assert.equal(session.resumeId, undefined);
    assert.equal(session.serverInfo.name, 'upstream-v2');
    assert.ok(session.serverCapabilities.tools);
    const tools = await session.request('tools/list', {});
    assert.ok((tools.result?.tools as { name: string }[]).some((t) => t.name === 'add'));
    assert.equal(text(await callTool(session, 'add', { a: 2, b: 3 })), '5');
    assert.equal(text(await callTool(session, 'echo', { text: 'hi' })), 'echo(modern): hi');
  });

  it('puts the client envelope in _meta and keeps the caller\'s other _meta keys', async () => {
    const session = await upstream().open(CLIENT);
    const response = await session.request('tools/call', { name: 'meta', arguments: {}, _meta: { progressToken: 'p-1', custom: 'kept' } }, { logLevel: 'debug' });
    const seen = JSON.parse(text(response)) as { meta: Record<string, unknown>; envelope: Record<string, unknown> };
    assert.equal(seen.meta.progressToken, 'p-1');
    assert.equal(seen.meta.custom, 'kept');
    assert.equal(seen.envelope[META.protocolVersion], MODERN_VERSION);
    assert.deepEqual(seen.envelope[META.clientCapabilities], CLIENT.capabilities);
    assert.deepEqual(seen.envelope[META.clientInfo], CLIENT.clientInfo);
    assert.equal(seen.envelope[META.logLevel], 'debug');
  });

  it('sends Mcp-Name in its base64 form when the name is not plain ASCII', async () => {
    assert.equal(encodeHeaderValue('add'), 'add');
    assert.equal(encodeHeaderValue('grüße'), `=?base64?${Buffer.from('grüße').toString('base64')}?=`);
    assert.equal(encodeHeaderValue(' padded'), `=?base64?${Buffer.from(' padded').toString('base64')}?=`);
    assert.equal(encodeHeaderValue('=?base64?abc?='), `=?base64?${Buffer.from('=?base64?abc?=').toString('base64')}?=`);
    const session = await upstream().open(CLIENT);
    const plain = await session.request('resources/read', { uri: 'test://greeting/ada' });
    assert.equal((plain.result?.contents as { text: string }[])[0].text, 'hello ada');
    const spaced = await session.request('resources/read', { uri: 'test://greeting/zoë ' });
    assert.equal(spaced.error, undefined, JSON.stringify(spaced.error));
    assert.match((spaced.result?.contents as { text: string }[])[0].text, /^hello zo/);
  });

  it('delivers progress to onMessage before the response, with the caller\'s progressToken', async () => {
    const session = await upstream().open(CLIENT);
    const seen: string[] = [];
    const response = await session.request('tools/call', { name: 'slow', arguments: {}, _meta: { progressToken: 42 } }, {
      onMessage: (m) => seen.push(`${m.method}:${String(m.params?.progressToken)}:${String(m.params?.progress)}`),
    });
    seen.push(`response:${text(response)}`);
    assert.deepEqual(seen, ['notifications/progress:42:1', 'notifications/progress:42:2', 'notifications/progress:42:3', 'response:slow done']);
  });

  it('passes input_required back as a result; the retry with inputResponses and requestState succeeds', async () => {
    const session = await upstream().open(CLIENT);
    const first = await callTool(session, 'ask_name');
    assert.equal(first.error, undefined);
    assert.equal(first.result?.resultType, 'input_required');
    const inputRequests = first.result?.inputRequests as Record<string, { method: string }>;
    assert.equal(inputRequests.name.method, 'elicitation/create');
    assert.equal(first.result?.requestState, 'round-1');
    const retry = await session.request('tools/call', {
      name: 'ask_name',
      arguments: {},
      inputResponses: { name: { action: 'accept', content: { name: 'Ada' } } },
      requestState: first.result?.requestState,
    });
    assert.notEqual(retry.id, first.id);
    assert.equal(text(retry), 'Hello Ada (round-1)');
  });

  it('resolves with a JSON-RPC error the server sends with an HTTP error status (404 / -32601)', async () => {
    const session = await upstream().open(CLIENT);
    const response: JsonRpcResponse = await session.request('ping', undefined);
    assert.equal(response.error?.code, -32601);
  });

  it('resolves with -32021 when the client lacks a capability the tool needs (HTTP 400); per-call capabilities override', async () => {
    const session = await upstream().open({ ...CLIENT, capabilities: {} });
    const refused = await callTool(session, 'ask_name');
    assert.equal(refused.error?.code, -32021);
    assert.deepEqual((refused.error?.data as { requiredCapabilities: unknown }).requiredCapabilities, { elicitation: { form: {} } });
    const allowed = await callTool(session, 'ask_name', {}, { clientCapabilities: { elicitation: { form: {} } } });
    assert.equal(allowed.result?.resultType, 'input_required');
  });

  it('auto picks 2026-07-28 and caches the verdict', async () => {
    const u = upstream({ era: 'auto' });
    const session = await u.open(CLIENT);
    assert.equal(session.era, 'modern');
    assert.equal(text(await callTool(session, 'echo', { text: 'x' })), 'echo(modern): x');
    const mark = v2.methods.length;
    const again = await u.open(CLIENT);
    assert.equal(again.era, 'modern');
    assert.deepEqual(v2.methods.slice(mark), ['server/discover']);
  });

  it('speaks the session era to the same server when configured legacy (pushed elicitation on the GET stream)', async () => {
    const session = await upstream({ era: 'legacy' }).open(CLIENT);
    assert.equal(session.era, 'legacy');
    assert.ok(session.resumeId !== undefined);
    assert.equal(text(await callTool(session, 'echo', { text: 'x' })), 'echo(legacy): x');
    const listening = v2.gets;
    const stop = session.listen(() => assert.fail('routed to the request instead'));
    await waitFor(() => v2.gets > listening);
    const response = await callTool(session, 'ask_name', {}, {
      onMessage: (m) => {
        if ('id' in m) void session.respond({ jsonrpc: '2.0', id: m.id, result: { action: 'accept', content: { name: 'Grace' } } });
      },
    });
    assert.equal(text(response), 'Hello Grace');
    stop();
    await session.close();
  });

  it('legacy era keeps the 2026 envelope out of _meta (a dual-era server would route it as 2026)', async () => {
    const session = await upstream({ era: 'legacy' }).open(CLIENT);
    const response = await session.request('tools/call', {
      name: 'echo',
      arguments: { text: 'y' },
      _meta: { [META.protocolVersion]: MODERN_VERSION, [META.clientCapabilities]: {}, progressToken: 'kept' },
    });
    assert.equal(text(response), 'echo(legacy): y');
    await session.close();
  });
});

describe('upstream over HTTP, misbehaving servers', () => {
  it('unreachable when nothing listens', async () => {
    const u = createUpstream(httpConfig('http://127.0.0.1:1/mcp', { era: 'legacy' }), options);
    await rejectsWith(u.open(CLIENT), 'unreachable');
    await u.close();
  });

  it('kind http with the status for a non-JSON-RPC error; auto does not treat a 500 as a verdict', async () => {
    const { url, server } = await rawServer((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'));
    const u = createUpstream(httpConfig(url), options);
    const err = await rejectsWith(u.open(CLIENT), 'http');
    assert.equal(err.status, 500);
    await u.close();
    await closeRaw(server);
  });

  it('a connection reset in the middle of an SSE response is unreachable, after what arrived was delivered', async () => {
    const { url, server } = await rawServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const m = JSON.parse(body) as { id?: number; method: string };
        if (m.method === 'server/discover') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { supportedVersions: [MODERN_VERSION], capabilities: { tools: {} } } }));
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': keep-alive comment\n\n');
        res.write('id: e1\ndata:\n\n'); // a priming event
        res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })}\n\n`);
        setTimeout(() => res.socket?.destroy(), 20);
      });
    });
    const u = createUpstream(httpConfig(url), options);
    const session = await u.open(CLIENT);
    assert.equal(session.era, 'modern');
    const seen: UpstreamMessage[] = [];
    await rejectsWith(callTool(session, 'x', {}, { onMessage: (m) => seen.push(m) }), 'unreachable');
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, 'notifications/progress');
    await u.close();
    await closeRaw(server);
  });

  it('skips SSE events that are not JSON-RPC and answers with the response', async () => {
    const { url, server } = await rawServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const m = JSON.parse(body) as { id?: number; method: string };
        if (m.method === 'server/discover') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { supportedVersions: [MODERN_VERSION], capabilities: {} } }));
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: not json\n\n');
        res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { ok: true } })}\n\n`);
      });
    });
    const u = createUpstream(httpConfig(url, { era: 'modern' }), options);
    const session = await u.open(CLIENT);
    const response = await session.request('tools/list', {});
    assert.deepEqual(response.result, { ok: true });
    await u.close();
    await closeRaw(server);
  });

  it('resumes a session-era stream the server closed before the response (GET with Last-Event-ID, after retry)', async () => {
    const gets: (string | undefined)[] = [];
    const { url, server } = await rawServer((req, res) => {
      if (req.method === 'GET') {
        gets.push(req.headers['last-event-id'] as string | undefined);
        assert.equal(req.headers['mcp-session-id'], 'sess-1');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.end(`id: ev-3\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: pendingId, result: { content: [{ type: 'text', text: 'resumed' }] } })}\n\n`);
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (body === '') return void res.writeHead(405).end();
        const m = JSON.parse(body) as { id?: number; method: string };
        if (m.method === 'initialize') {
          res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'sess-1' });
          return void res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'poll', version: '1' } } }));
        }
        if (m.id === undefined) return void res.writeHead(202).end();
        pendingId = m.id;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('id: ev-1\nretry: 10\ndata:\n\n');
        res.end(`id: ev-2\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } })}\n\n`);
      });
    });
    let pendingId: number | undefined;
    const u = createUpstream(httpConfig(url, { era: 'legacy' }), options);
    const session = await u.open(CLIENT);
    const seen: UpstreamMessage[] = [];
    const response = await callTool(session, 'poll', {}, { onMessage: (m) => seen.push(m) });
    assert.equal(text(response), 'resumed');
    assert.deepEqual(gets, ['ev-2']);
    assert.deepEqual(seen.map((m) => m.method), ['notifications/progress']);
    await u.close();
    await closeRaw(server);
  });

  it('auto treats a 400 with -32022 as 2026-07-28 (and fails the open: no common version)', async () => {
    const { url, server } = await rawServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const m = JSON.parse(body) as { id?: number };
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, error: { code: -32022, message: 'Unsupported protocol version', data: { supported: ['2027-01-01'] } } }));
      });
    });
    const u = createUpstream(httpConfig(url), options);
    await rejectsWith(u.open(CLIENT), 'protocol');
    await u.close();
    await closeRaw(server);
  });

  it('refuses an initialize answer at a protocol version we do not speak', async () => {
    const { url, server } = await rawServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (body === '') return void res.writeHead(405).end(); // DELETE
        const m = JSON.parse(body) as { id?: number };
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's-1' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2099-01-01', capabilities: {}, serverInfo: { name: 'x', version: '1' } } }));
      });
    });
    const u = createUpstream(httpConfig(url, { era: 'legacy' }), options);
    await rejectsWith(u.open(CLIENT), 'protocol');
    await u.close();
    await closeRaw(server);
  });
});
