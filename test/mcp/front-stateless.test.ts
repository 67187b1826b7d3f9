// The gateway's 2026-07-28 front against the everything fixture, with raw HTTP: the order of the
// envelope checks, removed methods in the new envelope, the HTTP status of errors an upstream
// raises, and the Mcp-Param-* headers an intermediary must pass on (SEP-2243).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { META, MODERN_VERSION } from '../../src/mcp/jsonrpc.js';
import { startEverythingGateway, type EverythingGateway } from '../support/everything-gateway.js';

const ENVELOPE = { [META.protocolVersion]: MODERN_VERSION, [META.clientCapabilities]: {}, [META.clientInfo]: { name: 'front-test', version: '1' } };

interface Answer {
  status: number;
  body: { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };
}

describe('MCP front, stateless era (2026-07-28)', () => {
  let everything: EverythingGateway;
  let url: string;
  before(async () => {
    everything = await startEverythingGateway();
    url = `${everything.gateway.url}/mcp/everything`;
  });
  after(() => everything.stop());

  /** One POST; headers default to the ones the body implies (the caller overrides or removes them). */
  async function post(id: number, method: string, params: Record<string, unknown>, headers: Record<string, string | undefined> = {}): Promise<Answer> {
    const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
    const all: Record<string, string | undefined> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN_VERSION,
      'mcp-method': method,
      ...(name === undefined ? {} : { 'mcp-name': name }),
      ...headers,
    };
    const res = await fetch(url, {
      method: 'POST',
      headers: Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });
    const text = await res.text();
    // An SSE reply: its last data line is the response.
    const json = res.headers.get('content-type')?.includes('text/event-stream') ? text.split('\n').filter((l) => l.startsWith('data:')).at(-1)!.slice(5) : text;
    return { status: res.status, body: JSON.parse(json) as Answer['body'] };
  }

  it('a version header that disagrees with _meta is -32020 (HTTP 400) even when the body names an unknown version', async () => {
    const mismatch = await post(302, 'server/discover', { _meta: { ...ENVELOPE, [META.protocolVersion]: 'v999.0.0' } });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.error?.code, -32020);
    assert.equal(mismatch.body.id, 302);
    // When header and body agree on a version the gateway does not speak: -32022 with the versions.
    const unsupported = await post(301, 'server/discover', { _meta: { ...ENVELOPE, [META.protocolVersion]: 'v999.0.0' } }, { 'mcp-protocol-version': 'v999.0.0' });
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.error?.code, -32022);
    assert.deepEqual(unsupported.body.error?.data, { supported: [MODERN_VERSION], requested: 'v999.0.0' });
  });

  it('initialize in the 2026 envelope is a removed method: 404 and -32601, not a new session', async () => {
    const answer = await post(500, 'initialize', { _meta: ENVELOPE });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error?.code, -32601);
    assert.equal(answer.body.id, 500);
  });

  it('-32021 from the upstream (a tool needing sampling, not declared) reaches the agent as HTTP 400 with its data', async () => {
    const answer = await post(401, 'tools/call', { name: 'test_missing_capability', arguments: {}, _meta: ENVELOPE });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.id, 401);
    assert.equal(answer.body.error?.code, -32021);
    assert.deepEqual(answer.body.error?.data?.requiredCapabilities, { sampling: {} });
  });

  it('Mcp-Param-* headers go to the upstream as sent: a matching one (plain or base64) passes, a missing or bad one is 400/-32020', async () => {
    const call = (region: string, headers: Record<string, string | undefined>) =>
      post(7, 'tools/call', { name: 'test_x_mcp_header', arguments: { region }, _meta: ENVELOPE }, headers);

    const plain = await call('eu-west', { 'mcp-param-region': 'eu-west' });
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    assert.deepEqual(plain.body.result?.content, [{ type: 'text', text: 'region=eu-west' }]);

    const encoded = await call('Hello', { 'mcp-param-region': '=?base64?SGVsbG8=?=' });
    assert.equal(encoded.status, 200, JSON.stringify(encoded.body));

    for (const header of [undefined, 'us-east', '=?base64?SGVs!!!bG8=?=']) {
      const refused = await call('Hello', { 'mcp-param-region': header });
      assert.equal(refused.status, 400, `header ${String(header)}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.error?.code, -32020);
      assert.equal(refused.body.id, 7);
    }
  });
});
