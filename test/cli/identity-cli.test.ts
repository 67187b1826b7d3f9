// `gatehouse keys ...` and `gatehouse agents token` on the store a configuration names: what the
// CLI creates, a gateway on the same store accepts.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { expectApiError } from '../support/openai-assert.js';
import { spawnGatehouse } from '../support/process.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let dir: string;
let config: string;
let gw: TestGateway;
const YAML = (dbFile: string) => `
providers:
  sim: { type: simulated }
models:
  - { name: gpt-4o-mini, provider: sim }
  - { name: other-model, provider: sim }
identity:
  store: { type: sqlite, path: "${dbFile}" }
  keyCacheSeconds: 0
  consumers:
    - { name: nightly-agent, kind: agent, scopes: [reports.write] }
policies:
  identity: {}
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
  config = join(dir, 'gatehouse.yaml');
  await writeFile(config, YAML(join(dir, 'id.db')));
  gw = await startTestGateway(YAML(join(dir, 'id.db')));
});
after(async () => {
  await gw.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnGatehouse([...args, '--config', config]);
  let stdout = '';
  p.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await p.exited;
  return { code, stdout: stdout || p.logs.map((l) => (typeof l.raw === 'string' ? l.raw : JSON.stringify(l))).join('\n'), stderr: p.stderr() };
}

const ask = (key: string, model = 'gpt-4o-mini') => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

test('keys create → use → list → rotate → revoke', async () => {
  const created = await cli('keys', 'create', '--consumer', 'alice', '--team', 'risk', '--models', 'gpt-4o*', '--expires', '30d', '--json');
  assert.equal(created.code, 0, created.stderr);
  const key = JSON.parse(created.stdout) as { key: string; id: string; models: string[]; expires_at: string };
  assert.match(key.key, /^gk-/);
  assert.deepEqual(key.models, ['gpt-4o*']);
  assert.ok(Date.parse(key.expires_at) - Date.now() > 29 * 86_400_000);
  await ask(key.key);
  await expectApiError(ask(key.key, 'other-model'), 403, 'model_not_allowed');

  const listed = await cli('keys', 'list', '--consumer', 'alice');
  assert.equal(listed.code, 0);
  assert.ok(!listed.stdout.includes(key.key), 'lists never show secrets');
  assert.deepEqual((JSON.parse(listed.stdout) as { id: string }[]).map((k) => k.id), [key.id]);

  const rotated = await cli('keys', 'rotate', key.id, '--grace', '1h');
  assert.equal(rotated.code, 0, rotated.stderr);
  const next = JSON.parse(rotated.stdout) as { key: string; id: string };
  await ask(key.key);
  await ask(next.key);

  const revoked = await cli('keys', 'revoke', next.id);
  assert.equal(revoked.code, 0);
  await expectApiError(ask(next.key), 401, 'api_key_revoked');
});

test('agents token mints a short-lived token the gateway accepts', async () => {
  const minted = await cli('agents', 'token', 'nightly-agent', '--ttl', '5m');
  assert.equal(minted.code, 0, minted.stderr);
  await ask(minted.stdout.trim());
  const tooLong = await cli('agents', 'token', 'nightly-agent', '--ttl', '2h');
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /invalid_request/);
});

test('bad input: an unknown key id, a bad duration, a file without identity', async () => {
  const unknown = await cli('keys', 'revoke', 'key_nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /resource_not_found/);
  const badDuration = await cli('keys', 'create', '--consumer', 'x', '--expires', 'soon');
  assert.equal(badDuration.code, 1);
  assert.match(badDuration.stderr, /duration/);
  const plain = join(dir, 'plain.yaml');
  await writeFile(plain, 'providers: {}\n');
  const p = spawnGatehouse(['keys', 'list', '--config', plain]);
  assert.equal(await p.exited, 1);
  assert.match(p.stderr(), /no `identity` section/);
});
