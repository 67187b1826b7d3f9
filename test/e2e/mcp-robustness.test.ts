// The MCP front under bad input and failing upstreams: every answer is a typed JSON-RPC error with
// an HTTP status, never a stack trace, a hang or a 500; and a reload changes tool policy live.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { fixtureCommand } from '../fixtures/mcp/upstream-harness.js';

let gw: TestGateway;
const v1Stdio = fixtureCommand('upstream-v1-stdio.ts');

const config = (addRule: string) => `
providers: {}
server: { maxBodyBytes: 64kb }
policies:
  api-keys:
    keys:
      - { name: alice, key: gk-alice, models: ["*"] }
mcp:
  stdio: { allowCommands: ["${process.execPath}"] }
  pins: { store: { type: sqlite, path: ":memory:" }, cacheSeconds: 0 }
  servers:
    legacy-stdio:
      command: "${v1Stdio.command}"
      args: ${JSON.stringify(v1Stdio.args)}
      cwd: "${v1Stdio.cwd}"
    dead: { url: "http://127.0.0.1:9/mcp", timeoutMs: 2000 }
  endpoints:
    stdio:
      servers: [legacy-stdio]
      tools:
${addRule}
    dead:
      servers: [dead]
`;

before(async () => {
  gw = await startTestGateway(config('        "zzz": {}'));
});
after(async () => gw.stop());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer gk-alice', ...headers },
    body,
  });

async function rpcError(res: Response): Promise<{ status: number; code: number; data?: { code?: string } }> {
  const body = (await res.json()) as { error: { code: number; data?: { code?: string } } };
  return { status: res.status, code: body.error.code, data: body.error.data };
}

describe('bad input gets a typed JSON-RPC error', () => {
  test('malformed JSON, a batch, a non-message, a huge body, an unknown endpoint, a wrong method', async () => {
    assert.deepEqual(await rpcError(await post('/mcp/stdio', '{"jsonrpc":')), { status: 400, code: -32700, data: undefined });
    assert.equal((await rpcError(await post('/mcp/stdio', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]'))).code, -32600);
    assert.equal((await rpcError(await post('/mcp/stdio', '{"hello":"world"}'))).code, -32600);
    const huge = await rpcError(await post('/mcp/stdio', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(100_000) } })));
    assert.equal(huge.status, 413);
    assert.equal(huge.data?.code, 'body_too_large');
    const unknown = await rpcError(await post('/mcp/nowhere', '{"jsonrpc":"2.0","id":1,"method":"ping"}'));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.data?.code, 'route_not_found');
    const put = await fetch(`${gw.url}/mcp/stdio`, { method: 'PUT', headers: { authorization: 'Bearer gk-alice' } });
    assert.equal(put.status, 405);
    const noSession = await rpcError(await post('/mcp/stdio', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'));
    assert.equal(noSession.status, 400, 'a session-era request without a session');
  });

  test('2026-07-28: headers that disagree with the body, a missing _meta, an unsupported revision, a removed method', async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
    const modern = { 'mcp-protocol-version': '2026-07-28' };
    const call = (method: string, params: object, headers: Record<string, string>) => post('/mcp/stdio', JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }), { ...modern, ...headers });
    assert.deepEqual(await rpcError(await call('tools/list', { _meta: meta }, { 'mcp-method': 'tools/call' })), { status: 400, code: -32020, data: undefined });
    assert.equal((await rpcError(await call('tools/call', { name: 'add', _meta: meta }, { 'mcp-method': 'tools/call', 'mcp-name': 'other' }))).code, -32020);
    assert.equal((await rpcError(await call('tools/list', {}, { 'mcp-method': 'tools/list' }))).code, -32602);
    const version = await call('tools/list', { _meta: { ...meta, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } }, { 'mcp-method': 'tools/list', 'mcp-protocol-version': '2099-01-01' });
    assert.equal((await rpcError(version)).code, -32022);
    const removed = await call('ping', { _meta: meta }, { 'mcp-method': 'ping' });
    assert.equal(removed.status, 404);
    assert.equal((await rpcError(removed)).code, -32601);
  });
});

describe('upstreams', () => {
  test('a 2026-07-28 agent through a session-era stdio server (SDK 1.x): lists and calls', async () => {
    const client = new V2Client({ name: 'agent', version: '2' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } } as never);
    await client.connect(new V2Transport(new URL(`${gw.url}/mcp/stdio`), { requestInit: { headers: { authorization: 'Bearer gk-alice' } } }));
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes('add'), tools.join());
    const result = (await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })) as { content: { text: string }[] };
    assert.equal(result.content[0]!.text, '42');
    await client.close();
  });

  test('a dead upstream: a typed error, quickly, and a log line naming the server', async () => {
    const client = new V1Client({ name: 'agent', version: '1' });
    const started = Date.now();
    await client.connect(new V1Transport(new URL(`${gw.url}/mcp/dead`), { requestInit: { headers: { authorization: 'Bearer gk-alice' } } }));
    await assert.rejects(client.listTools(), (err: Error & { code?: number; data?: { code?: string } }) => {
      assert.equal(err.code, -32004, err.message);
      assert.equal(err.data?.code, 'mcp_upstream_unavailable');
      return true;
    });
    assert.ok(Date.now() - started < 10_000);
    assert.ok(gw.logs.some((l) => l.server === 'dead' && l.level === 40), 'a warning names the server');
    const record = gw.logs.findLast((l) => (l.mcp as { method?: string } | undefined)?.method === 'tools/list');
    assert.equal((record?.error as { code?: string } | undefined)?.code, 'mcp_upstream_unavailable');
    await client.close();
  });

  test('a reload changes tool policy live: the next list follows the new rule', async () => {
    const client = new V1Client({ name: 'agent', version: '1' });
    await client.connect(new V1Transport(new URL(`${gw.url}/mcp/stdio`), { requestInit: { headers: { authorization: 'Bearer gk-alice' } } }));
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'add'));
    await gw.writeConfig(config('        "add": { allow: { consumers: [nobody] } }'));
    assert.deepEqual(await gw.reload(), { ok: true, version: gw.runtime().version });
    assert.ok(!(await client.listTools()).tools.some((t) => t.name === 'add'), 'hidden after the reload');
    await assert.rejects(client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }), /not available/);
    await client.close();
  });
});
