// readText: an MCP upstream's whole body, bounded, with a broken body reported instead of hanging —
// from undici's Readable (GET streams) and from an HttpBody (a call's POST, through dispatchHttp).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { Pool, poolRequest } from '../../src/llm/providers/undici-pool.js';
import { dispatchHttp } from '../../src/llm/providers/http-dispatch.js';
import { Abort } from '../../src/pipeline/abort.js';
import { readText } from '../../src/mcp/upstream/http-channel.js';
import { UpstreamError } from '../../src/mcp/upstream/types.js';

let server: Server;
let pool: InstanceType<typeof Pool>;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/chunks') {
      res.write('{"a":');
      setTimeout(() => res.end('"é"}'), 5);
    } else if (req.url === '/big') res.end('x'.repeat(5000));
    else if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 5);
    } else res.end('');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
after(async () => {
  await pool.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const readable = async (path: string) => (await poolRequest(pool, { method: 'GET', path })).body;
const dispatched = async (path: string) =>
  (await dispatchHttp(pool, { method: 'GET', path, headers: {}, abort: new Abort(), transportError: (err) => err })).body as Parameters<typeof readText>[0];

for (const [kind, get] of [['Readable', readable], ['HttpBody', dispatched]] as const) {
  test(`${kind}: reads a body sent in several chunks, multi-byte characters included, and an empty one`, async () => {
    assert.equal(await readText(await get('/chunks'), 1024, 'up'), '{"a":"é"}');
    assert.equal(await readText(await get('/empty'), 1024, 'up'), '');
  });

  test(`${kind}: a body over the limit is a protocol error naming the upstream`, async () => {
    await assert.rejects(readText(await get('/big'), 1000, 'up'), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.kind, 'protocol');
      assert.match(err.message, /"up" sent a body larger than 1000 bytes/);
      return true;
    });
  });

  test(`${kind}: a body cut off mid-way rejects (it does not resolve with part of itself, nor hang)`, async () => {
    await assert.rejects(readText(await get('/cut'), 1024, 'up'));
  });
}

test('a body that failed or ended before it was read is reported, not waited for', async () => {
  const failed = new PassThrough();
  failed.destroy(new Error('gone'));
  await assert.rejects(readText(failed, 1024, 'up'), /gone/);
  const ended = new PassThrough();
  ended.end('done');
  assert.equal(await readText(ended, 1024, 'up'), 'done');
});
