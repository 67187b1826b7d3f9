import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpBody, type BodyProducer } from '../../../src/llm/providers/http-body.js';

function producer(): BodyProducer & { calls: string[] } {
  const calls: string[] = [];
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume'), abort: () => calls.push('abort') };
}
const bytes = (s: string) => Buffer.from(s);
const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString();

describe('HttpBody: iteration', () => {
  it('yields chunks queued before and pushed after the reader asks, then ends', async () => {
    const body = new HttpBody(producer());
    body.push(bytes('a'));
    body.push(bytes('b'));
    const seen: Uint8Array[] = [];
    const reading = (async () => {
      for await (const chunk of body) seen.push(chunk);
    })();
    await new Promise((r) => setImmediate(r));
    body.push(bytes('c'));
    body.end();
    await reading;
    assert.equal(text(seen), 'abc');
    assert.equal(body.finished, true);
  });

  it('rejects the pending read with the transfer error', async () => {
    const body = new HttpBody(producer());
    const next = body.next();
    body.fail(new Error('reset'));
    await assert.rejects(next, /reset/);
    await assert.rejects(body.next(), /reset/);
  });

  it('hands over everything queued as one chunk, and single chunks as they are', async () => {
    const body = new HttpBody(producer());
    const first = bytes('data: 1\n\n');
    body.push(first);
    assert.equal((await body.next()).value, first, 'a lone chunk is not copied');
    body.push(bytes('data: 2\n'));
    body.push(bytes('\ndata: 3\n\n'));
    body.push(bytes('data: 4\n\n'));
    const merged = await body.next();
    assert.equal(Buffer.from(merged.value!).toString(), 'data: 2\n\ndata: 3\n\ndata: 4\n\n');
    const pending = body.next();
    body.push(bytes('data: 5\n\n'));
    assert.equal(Buffer.from((await pending).value!).toString(), 'data: 5\n\n', 'a waiting reader gets the next chunk at once');
    body.end();
    assert.deepEqual(await body.next(), { done: true, value: undefined });
  });

  it('pauses the producer past the high-water mark and resumes it when the reader takes the queue', async () => {
    const p = producer();
    const body = new HttpBody(p, 10);
    body.push(bytes('abcd'));
    body.push(bytes('abcd'));
    assert.deepEqual(p.calls, []);
    body.push(bytes('abcd'));
    body.push(bytes('abcd'));
    assert.deepEqual(p.calls, ['pause'], 'paused once past 10 queued bytes');
    assert.equal((await body.next()).value!.length, 16);
    assert.deepEqual(p.calls, ['pause', 'resume']);
    body.push(bytes('abcd'));
    body.push(bytes('abcdefgh'));
    assert.deepEqual(p.calls, ['pause', 'resume', 'pause'], 'and again when the queue refills');
    body.end();
    assert.equal((await body.next()).value!.length, 12);
    assert.deepEqual(p.calls, ['pause', 'resume', 'pause', 'resume']);
    assert.equal((await body.next()).done, true);
  });

  it('aborts an unfinished transfer when the reader stops early, not a finished one', async () => {
    const p = producer();
    const body = new HttpBody(p);
    body.push(bytes('a'));
    for await (const _ of body) break;
    assert.deepEqual(p.calls, ['abort']);
    const done = producer();
    const ended = new HttpBody(done);
    ended.push(bytes('a'));
    ended.end();
    for await (const _ of ended) break;
    assert.deepEqual(done.calls, []);
  });
});

describe('HttpBody: collect', () => {
  it('gathers what was queued and what follows into one buffer, calling onChunk per arrival', async () => {
    const body = new HttpBody(producer());
    body.push(bytes('ab'));
    let arrivals = 0;
    const all = body.collect(100, () => arrivals++);
    body.push(bytes('cd'));
    body.push(bytes('e'));
    body.end();
    assert.equal((await all)?.toString(), 'abcde');
    assert.equal(arrivals, 2);
  });

  it('answers at once for a body that already ended', async () => {
    const body = new HttpBody(producer());
    body.push(bytes('done'));
    body.end();
    assert.equal((await body.collect(100))?.toString(), 'done');
  });

  it('stops the transfer and answers undefined past the limit (queued or arriving)', async () => {
    const p = producer();
    const body = new HttpBody(p);
    const all = body.collect(4);
    body.push(bytes('abc'));
    body.push(bytes('de'));
    assert.equal(await all, undefined);
    assert.deepEqual(p.calls, ['abort']);
    const q = producer();
    const queued = new HttpBody(q);
    queued.push(bytes('abcdef'));
    assert.equal(await queued.collect(4), undefined);
    assert.deepEqual(q.calls, ['abort']);
  });

  it('rejects a collect whose body is closed before its end, rather than answer part of it', async () => {
    const p = producer();
    const body = new HttpBody(p);
    const all = body.collect(100);
    body.push(bytes('half'));
    body.close();
    await assert.rejects(all, /closed before it was read to the end/);
    assert.deepEqual(p.calls, ['abort']);
  });

  it('rejects with the transfer error, and resumes a producer paused before the collect', async () => {
    const p = producer();
    const body = new HttpBody(p, 2);
    body.push(bytes('abc'));
    const all = body.collect(100);
    assert.deepEqual(p.calls, ['pause', 'resume']);
    body.fail(new Error('cut'));
    await assert.rejects(all, /cut/);
  });
});
