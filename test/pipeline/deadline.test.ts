import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COARSE_FROM_MS, Deadline, RESOLUTION_MS } from '../../src/pipeline/deadline.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a deadline and records when it fired (ms after start). A deadline is unref'd, so the
 * test's own sleeps keep the process alive while it waits.
 */
function watch(ms: number): { deadline: Deadline<string>; fired: number[]; arg: string[] } {
  const started = performance.now();
  const fired: number[] = [];
  const arg: string[] = [];
  const deadline = new Deadline<string>(
    ms,
    (a: string) => {
      fired.push(performance.now() - started);
      arg.push(a);
    },
    'the-arg',
  );
  return { deadline, fired, arg };
}

// Each case waits real time (up to ~2 s); they run side by side.
describe('Deadline', { concurrency: true }, () => {
  it('fires a short deadline on its own timer, once, with its argument', async () => {
    const { fired, arg } = watch(40);
    await sleep(150);
    assert.equal(fired.length, 1);
    assert.ok(fired[0]! >= 39, `fired after ${fired[0]} ms`);
    assert.deepEqual(arg, ['the-arg']);
  });

  it('fires a long deadline on the shared ticker: never early, at most one tick late', async () => {
    const { fired } = watch(COARSE_FROM_MS);
    await sleep(COARSE_FROM_MS - 100);
    assert.deepEqual(fired, []);
    await sleep(100 + RESOLUTION_MS + 200);
    assert.equal(fired.length, 1);
    assert.ok(fired[0]! >= COARSE_FROM_MS, `fired after ${fired[0]} ms`);
    assert.ok(fired[0]! <= COARSE_FROM_MS + RESOLUTION_MS + 150, `fired after ${fired[0]} ms`);
  });

  it('starts the wait again on refresh', async () => {
    const { deadline, fired } = watch(COARSE_FROM_MS);
    await sleep(600);
    deadline.refresh();
    await sleep(COARSE_FROM_MS - 100);
    assert.deepEqual(fired, [], 'the refresh at 600 ms moved the deadline to 1600 ms');
    await sleep(100 + RESOLUTION_MS + 200);
    assert.equal(fired.length, 1);
    assert.ok(fired[0]! >= 600 + COARSE_FROM_MS, `fired after ${fired[0]} ms`);
  });

  it('does not fire once cleared, long or short, and fires again when refreshed after', async () => {
    const long = watch(COARSE_FROM_MS);
    const short = watch(30);
    long.deadline.clear();
    short.deadline.clear();
    await sleep(COARSE_FROM_MS + RESOLUTION_MS + 150);
    assert.deepEqual(long.fired, []);
    assert.deepEqual(short.fired, []);
    short.deadline.refresh();
    await sleep(100);
    assert.equal(short.fired.length, 1);
  });

  it('can be re-armed from its own callback (an idle timer that finds the wait not yet started)', async () => {
    let calls = 0;
    const deadline: Deadline<undefined> = new Deadline(
      COARSE_FROM_MS,
      () => {
        calls++;
        if (calls === 1) deadline.refresh();
      },
      undefined,
    );
    await sleep(2 * COARSE_FROM_MS + 2 * RESOLUTION_MS + 200);
    assert.equal(calls, 2);
    await sleep(RESOLUTION_MS + 50);
    assert.equal(calls, 2);
  });

  it('fires every due deadline of a tick even when one of their callbacks throws', async () => {
    const thrown: unknown[] = [];
    const onUncaught = (err: unknown): void => void thrown.push(err);
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      let fired = 0;
      new Deadline(COARSE_FROM_MS, () => { throw new Error('callback failed'); }, undefined);
      new Deadline(COARSE_FROM_MS, () => void fired++, undefined);
      await sleep(COARSE_FROM_MS + RESOLUTION_MS + 200);
      assert.equal(fired, 1);
      assert.equal(thrown.length, 1);
      assert.match(String(thrown[0]), /callback failed/);
    } finally {
      process.off('uncaughtException', onUncaught);
      for (const listener of listeners) process.on('uncaughtException', listener);
    }
  });
});

