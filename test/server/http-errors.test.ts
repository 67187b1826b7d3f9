// What the listener answers to requests that are not valid HTTP, too large, or too slow.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway(`
server: { headersTimeoutMs: 300, requestTimeoutMs: 600 }
providers: { sim: { type: simulated } }
models: [ { name: m, provider: sim } ]
`);
});
after(() => gw.stop());

/** Writes raw bytes on a fresh connection; resolves with everything the server sent before closing. */
function raw(send: (socket: ReturnType<typeof connect>) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(gw.url);
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.on('connect', () => send(socket));
  });
}

function parse(response: string): { status: number; body: { error: { code: string; fault: string } } } {
  const status = Number(response.split(' ')[1]);
  return { status, body: JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) };
}

test('a request that is not HTTP gets 400 malformed_request as JSON, with a request id', async () => {
  const text = await raw((s) => s.write('NOT HTTP AT ALL\r\n\r\n'));
  const res = parse(text);
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, 'malformed_request');
  const id = /\r\nx-request-id: ([0-9a-f-]{36})\r\n/.exec(text)?.[1];
  assert.ok(id);
  assert.equal((res.body.error as { request_id?: string }).request_id, id);
});

test('oversized headers get 431 headers_too_large', async () => {
  const res = parse(await raw((s) => s.write(`GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`)));
  assert.equal(res.status, 431);
  assert.equal(res.body.error.code, 'headers_too_large');
});

test('a client too slow to send its headers gets 408 request_timeout', async () => {
  const res = parse(await raw((s) => s.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n')));
  assert.equal(res.status, 408);
  assert.equal(res.body.error.code, 'request_timeout');
  assert.equal(res.body.error.fault, 'caller');
});

test('a client too slow to send its body is cut off and recorded, not left hanging', async () => {
  const response = await raw((s) => s.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\nx-request-id: slow-body\r\n\r\n{"mod'));
  const res = parse(response);
  assert.equal(res.status, 408);
  assert.equal(res.body.error.code, 'request_timeout');
  const record = await gw.record('slow-body');
  assert.equal((record.error as { code: string }).code, 'request_timeout');
});
