import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAll } from '../../src/routing/attempt.js';
import { HttpBody } from '../../src/llm/providers/http-body.js';
import type { UpstreamResponse } from '../../src/llm/providers/types.js';
import { GatehouseError } from '../../src/errors/gatehouse-error.js';

function iterated(chunks: string[]): UpstreamResponse & { disposed: number } {
  const response = {
    status: 200,
    headers: {},
    disposed: 0,
    body: (async function* () {
      for (const c of chunks) yield Buffer.from(c);
    })(),
    dispose() {
      response.disposed++;
    },
  };
  return response;
}

function collected(chunks: string[]): UpstreamResponse & { aborted: boolean } {
  const state = { aborted: false };
  const body = new HttpBody({ pause() {}, resume() {}, abort: () => (state.aborted = true) });
  for (const c of chunks) body.push(Buffer.from(c));
  body.end();
  return Object.assign(state, { status: 200, headers: {}, body, collect: (limit: number) => body.collect(limit), dispose: () => body.close() });
}

describe('readAll', () => {
  it('reads a body by iterating it or through collect, and disposes of the response', async () => {
    const plain = iterated(['{"a":', '1}']);
    assert.equal((await readAll(plain, 100, 'p')).toString(), '{"a":1}');
    assert.equal(plain.disposed, 1);
    assert.equal((await readAll(collected(['{"b":', '2}']), 100, 'p')).toString(), '{"b":2}');
  });

  it('refuses a body over the limit as an invalid response, either way', async () => {
    for (const response of [iterated(['12345', '67890']), collected(['12345', '67890'])]) {
      await assert.rejects(readAll(response, 8, 'prov'), (err: unknown) => {
        assert.ok(err instanceof GatehouseError);
        assert.equal(err.code, 'upstream_invalid_response');
        assert.match(err.message, /prov.*larger than 8 bytes/);
        return true;
      });
    }
  });
});
