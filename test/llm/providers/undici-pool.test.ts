import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as undici from 'undici';
import { Pool, poolRequest, undiciErrors } from '../../../src/llm/providers/undici-pool.js';

describe('undici-pool', () => {
  it('is the Pool and the error classes undici itself exports (an upgrade that moves them fails here)', () => {
    assert.equal(Pool, undici.Pool);
    assert.equal(undiciErrors, undici.errors);
    assert.equal(undiciErrors.HeadersTimeoutError, undici.errors.HeadersTimeoutError);
  });

  it('poolRequest is undici\'s request on a Pool', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const pool = new Pool(`http://127.0.0.1:${port}`);
    try {
      const res = await poolRequest(pool, { method: 'GET', path: '/' });
      assert.equal(res.statusCode, 200);
      assert.equal(await res.body.text(), 'ok');
    } finally {
      await pool.close();
      server.close();
    }
  });
});
