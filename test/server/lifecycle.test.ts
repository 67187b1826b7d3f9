// The gateway as a process: graceful shutdown, reload on SIGHUP and on file change, startup errors.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serveGatehouse, spawnGatehouse } from '../support/process.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-life-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const config = (models: string) => `
providers:
  sim: { type: simulated }
  slow: { type: simulated, tokensPerSecond: 40, outputTokens: 30 }
models:
${models}
policies:
  api-keys:
    keys: [{ name: t, key: gk-life, models: ["*"] }]
`;

const chat = (url: string, model: string, stream = false, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer gk-life', 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'tell me a story' }] }),
  });

/** Reads an SSE body to the end and returns its text. */
async function readAll(res: Response, onFirstChunk?: () => void): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let first = true;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
    if (first) {
      first = false;
      onFirstChunk?.();
    }
  }
}

test('SIGTERM lets an in-flight stream finish, refuses new work, and exits 0', async () => {
  const file = join(dir, 'shutdown.yaml');
  await writeFile(file, config('  - { name: slow, provider: slow }'));
  const gw = await serveGatehouse(file);
  const res = await chat(gw.url, 'slow', true);
  assert.equal(res.status, 200);
  let readyDuringDrain: Promise<number> | undefined;
  const body = await readAll(res, () => {
    gw.child.kill('SIGTERM');
    readyDuringDrain = gw
      .waitForLog((l) => l.msg === 'shutting down: draining in-flight requests')
      .then(() => fetch(`${gw.adminUrl}/readyz`).then((r) => r.status, () => -1));
  });
  assert.ok(body.includes('"finish_reason":"stop"'), 'the stream reached its end');
  assert.ok(body.trimEnd().endsWith('data: [DONE]'));
  assert.equal(await gw.exited, 0);
  assert.equal(await readyDuringDrain, 503, 'the admin listener says "not ready" while draining');
  await assert.rejects(fetch(`${gw.url}/v1/models`), 'the listener is closed');
  assert.ok(gw.logs.some((l) => l.msg === 'gatehouse stopped'));
});

test('SIGHUP reloads a good file, rejects a bad one and keeps serving; in-flight requests keep their config', async () => {
  const file = join(dir, 'reload.yaml');
  await writeFile(file, config('  - { name: slow, provider: slow }\n  - { name: first, provider: sim }'));
  const gw = await serveGatehouse(file, ['--no-watch']);
  try {
    assert.equal((await chat(gw.url, 'first')).status, 200);
    // A stream on `slow` is in flight while the reload removes `slow`.
    const inflight = await chat(gw.url, 'slow', true);
    const inflightBody = readAll(inflight);

    await writeFile(file, config('  - { name: second, provider: sim }'));
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => l.msg === 'configuration reloaded');
    assert.equal((await chat(gw.url, 'second')).status, 200);
    assert.equal((await chat(gw.url, 'first')).status, 404);
    assert.equal((await chat(gw.url, 'slow')).status, 404);
    assert.ok((await inflightBody).includes('data: [DONE]'), 'the stream finished on the configuration it started with');

    await writeFile(file, 'models: [ { name: broken, provider: nowhere } ]\n');
    gw.child.kill('SIGHUP');
    const rejected = await gw.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('reload rejected'));
    assert.match(rejected.msg as string, /models\[0\]\.provider: unknown provider "nowhere"/);
    assert.equal((await chat(gw.url, 'second')).status, 200, 'the old configuration still serves');
  } finally {
    gw.child.kill('SIGTERM');
    assert.equal(await gw.exited, 0);
  }
});

test('a changed file is picked up without a signal', async () => {
  const file = join(dir, 'watch.yaml');
  await writeFile(file, config('  - { name: before, provider: sim }'));
  const gw = await serveGatehouse(file);
  try {
    await writeFile(file, config('  - { name: after, provider: sim }'));
    await gw.waitForLog((l) => l.msg === 'configuration reloaded');
    assert.equal((await chat(gw.url, 'after')).status, 200);
  } finally {
    gw.child.kill('SIGTERM');
    await gw.exited;
  }
});

test('an invalid file at startup: exit 1, the field and reason on stderr, no stack trace', async () => {
  const file = join(dir, 'invalid.yaml');
  await writeFile(file, 'server:\n  port: "eighty"\n');
  const proc = spawnGatehouse(['serve', '--config', file]);
  assert.equal(await proc.exited, 1);
  assert.match(proc.stderr(), /server\.port/);
  assert.match(proc.stderr(), /invalid\.yaml:2:/);
  assert.doesNotMatch(proc.stderr(), /\n\s+at /);
});

test('--host and PORT override the file; a bad --port is refused', async () => {
  const file = join(dir, 'ports.yaml');
  await writeFile(file, config('  - { name: m, provider: sim }'));
  const proc = spawnGatehouse(['serve', '--config', file, '--admin-port', '0', '--host', '127.0.0.2'], { PORT: '0' });
  const listening = await proc.waitForLog((l) => l.msg === 'gatehouse listening');
  assert.notEqual(new URL(listening.url as string).port, '8080');
  assert.equal(new URL(listening.url as string).hostname, '127.0.0.2', '--host sets the bind address');
  assert.equal((await fetch(`${listening.url as string}/v1/models`)).status, 401);
  // The version a running gateway reports is the file's, whatever the overrides.
  const check = spawnGatehouse(['config', 'check', file]);
  assert.equal(await check.exited, 0);
  const ready = (await (await fetch(`${listening.adminUrl as string}/readyz`)).json()) as { configVersion: string };
  assert.ok(check.logs.some((l) => typeof l.raw === 'string' && l.raw.includes(`(version ${ready.configVersion})`)), JSON.stringify(check.logs));
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0);
  const bad = spawnGatehouse(['serve', '--config', file, '--port', 'abc']);
  assert.notEqual(await bad.exited, 0);
  assert.match(bad.stderr(), /port/);
});
