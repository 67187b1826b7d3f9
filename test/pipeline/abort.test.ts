// Abort: the cancellation the gateway uses instead of an AbortController per request.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Abort, type AbortLike } from '../../src/pipeline/abort.js';
import { Pool, poolRequest } from '../../src/llm/providers/undici-pool.js';

test('abort() without a reason gives an AbortError, as AbortController does; a second abort changes nothing', () => {
  const a = new Abort();
  assert.equal(a.aborted, false);
  a.abort();
  assert.equal(a.aborted, true);
  assert.ok(a.reason instanceof DOMException);
  assert.equal((a.reason as DOMException).name, 'AbortError');
  const first = a.reason;
  a.abort(new Error('later'));
  assert.equal(a.reason, first);
});

test('listeners run once, with the reason; removed ones do not run; one added after the abort is not kept', () => {
  const a = new Abort();
  const seen: string[] = [];
  const kept = (): void => void seen.push('event');
  const removed = (): void => void seen.push('removed');
  a.addEventListener('abort', kept, { once: true });
  a.addEventListener('abort', removed);
  a.removeEventListener('abort', removed);
  const unsubscribe = a.onAbort((reason) => seen.push(`onAbort:${(reason as Error).message}`));
  const dropped = a.onAbort(() => seen.push('dropped'));
  dropped();
  a.abort(new Error('stop'));
  a.abort(new Error('again'));
  assert.deepEqual(seen, ['event', 'onAbort:stop']);
  unsubscribe();
  a.addEventListener('abort', () => seen.push('late'));
  assert.deepEqual(seen, ['event', 'onAbort:stop']);
  // onAbort after the fact is told at once.
  a.onAbort((reason) => seen.push(`now:${(reason as Error).message}`));
  assert.deepEqual(seen, ['event', 'onAbort:stop', 'now:stop']);
});

test('signal is a real AbortSignal made on first use that follows the abort, before or after', () => {
  const before = new Abort();
  const s = before.signal;
  assert.equal(before.signal, s, 'one signal per abort');
  assert.equal(s.aborted, false);
  before.abort(new Error('x'));
  assert.equal(s.aborted, true);
  assert.equal((s.reason as Error).message, 'x');
  const after = new Abort();
  after.abort(new Error('y'));
  assert.equal(after.signal.aborted, true);
  assert.equal((after.signal.reason as Error).message, 'y');
});

test('an AbortSignal is an AbortLike', () => {
  const like: AbortLike = new AbortController().signal;
  assert.equal(like.aborted, false);
});

test('undici takes an Abort as a request signal: the request rejects with its reason, and the listener is removed after a normal answer', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const fine = new Abort();
    const res = await poolRequest(pool, { method: 'GET', path: '/ok', signal: fine as unknown as AbortSignal });
    assert.equal(await res.body.text(), 'ok');
    fine.abort(new Error('too late to matter'));

    const hang = new Abort();
    const pending = poolRequest(pool, { method: 'GET', path: '/hang', signal: hang as unknown as AbortSignal });
    setTimeout(() => hang.abort(new Error('cancelled by test')), 20);
    await assert.rejects(pending, /cancelled by test/);
  } finally {
    await pool.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
