// GatewayResponse writes the request id with the handler's own headers, whatever writeHead form is used.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { GatewayResponse } from '../../src/server/gateway-response.js';

const SHARED = Object.freeze({ 'content-type': 'text/plain' });

const answers: Record<string, (res: GatewayResponse) => void> = {
  'no headers': (res) => res.writeHead(204).end(),
  object: (res) => res.writeHead(200, { 'content-type': 'text/plain', 'x-other': 'y' }).end('ok'),
  'status message and object': (res) => res.writeHead(201, 'Made', { 'content-type': 'text/plain' }).end('ok'),
  'shared frozen object': (res) => res.writeHead(200, SHARED).end('ok'),
  array: (res) => res.writeHead(200, ['content-type', 'text/plain']).end('ok'),
  implicit: (res) => {
    res.statusCode = 202;
    res.end('ok');
  },
  'setHeader then writeHead': (res) => {
    res.setHeader('x-set', '1');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  },
  'handler gives its own id': (res) => res.writeHead(200, { 'x-request-id': 'own' }).end('ok'),
  'handler sets its own id': (res) => {
    res.setHeader('x-request-id', 'own');
    res.end('ok');
  },
  'no id assigned': (res) => {
    res.requestId = undefined;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  },
};

let port: number;
const server = createServer({ ServerResponse: GatewayResponse }, (req, res: ServerResponse) => {
  const r = res as GatewayResponse;
  r.requestId = 'req-1';
  answers[decodeURIComponent(req.url!.slice(1))]!(r);
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function get(name: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: `/${encodeURIComponent(name)}` }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

for (const name of ['no headers', 'object', 'status message and object', 'shared frozen object', 'array', 'implicit', 'setHeader then writeHead']) {
  test(`the request id goes out with the answer: ${name}`, async () => {
    const { headers } = await get(name);
    assert.equal(headers['x-request-id'], 'req-1');
  });
}

test('the handler\'s headers are all written alongside it', async () => {
  const { status, headers } = await get('status message and object');
  assert.equal(status, 201);
  assert.equal(headers['content-type'], 'text/plain');
  assert.equal((await get('object')).headers['x-other'], 'y');
  assert.equal((await get('setHeader then writeHead')).headers['x-set'], '1');
  assert.equal((await get('implicit')).status, 202);
  assert.equal((await get('array')).headers['content-type'], 'text/plain');
});

test('a shared header object is not changed', async () => {
  await get('shared frozen object');
  assert.deepEqual(Object.keys(SHARED), ['content-type']);
});

test('an id the handler writes itself stands; none is written when none was assigned', async () => {
  assert.equal((await get('handler gives its own id')).headers['x-request-id'], 'own');
  assert.equal((await get('handler sets its own id')).headers['x-request-id'], 'own');
  assert.equal((await get('no id assigned')).headers['x-request-id'], undefined);
});
