// The admin API's refusals and the identity rules that fail closed; the key cache; reloads.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { openSqliteIdentityStore } from '../../src/state/sqlite-identity-store.js';
import type { IdentityStore } from '../../src/state/identity-store.js';
import { expectApiError } from '../support/openai-assert.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const ADMIN = 'adm-secret';
let dir: string;
let gw: TestGateway;
let store: IdentityStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-admin-'));
  gw = await startTestGateway(`
server:
  admin: { token: ${ADMIN} }
providers:
  sim: { type: simulated }
models:
  - { name: sim-a, provider: sim }
identity:
  store: { type: sqlite, path: "${join(dir, 'id.db')}" }
  keyCacheSeconds: 60
  teams:
    - { name: ops, models: [sim-a] }
  consumers:
    - { name: pager-agent, kind: agent, team: ops }
    - { name: declared-person, team: ops }
policies:
  identity: {}
`);
  store = openSqliteIdentityStore(join(dir, 'id.db'));
});
after(async () => {
  await gw.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${gw.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}
const ask = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: 'sim-a', messages: [{ role: 'user', content: 'hi' }] });

test('bad admin input is a 4xx with a code, never a 500', async () => {
  const cases: [string, string, unknown, number, string][] = [
    ['PUT', '/admin/consumers/bad%20name', { kind: 'consumer' }, 400, 'invalid_request'],
    ['PUT', `/admin/teams/${'x'.repeat(200)}`, {}, 400, 'invalid_request'],
    ['GET', '/admin/keys/%E0%A4%A', undefined, 400, 'invalid_request'],
    ['DELETE', '/admin/teams/ops/extra/segments', undefined, 404, 'route_not_found'],
    ['POST', '/admin/keys', { consumer: 'x y/z' }, 400, 'invalid_request'],
    ['POST', '/admin/keys', { consumer: 'ok', expires: '200000000d' }, 400, 'invalid_request'],
    ['POST', '/admin/keys', { consumer: 'ok', expires: 1e308 }, 400, 'invalid_request'],
    ['POST', '/admin/keys', '{not json', 400, 'invalid_json'],
    ['PATCH', '/admin/keys', {}, 405, 'method_not_allowed'],
    ['PUT', '/admin/consumers/someone', { kind: 'consumer', team: 'no-such-team' }, 400, 'invalid_request'],
    ['DELETE', '/admin/teams/ops', undefined, 400, 'invalid_request'],
    ['GET', '/admin/nothing-here', undefined, 404, 'route_not_found'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const res = await fetch(`${gw.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await res.json()) as { error: { code: string } };
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(json)}`);
    assert.equal(json.error.code, code, `${method} ${path}`);
  }
  assert.equal((await admin('GET', '/admin/keys')).status, 200, 'listing still works');
});

test('a revocation through this replica applies at once, despite the key cache', async () => {
  const created = await admin('POST', '/admin/keys', { consumer: 'cached-user', team: 'ops' });
  await ask(created.json.key);
  await admin('POST', `/admin/keys/${created.json.id}/revoke`);
  await expectApiError(ask(created.json.key), 401, 'api_key_revoked');
});

test("another replica's revocation applies after the key cache time (not before)", async () => {
  const created = await admin('POST', '/admin/keys', { consumer: 'cached-user-2', team: 'ops' });
  await ask(created.json.key);
  // Revoked in the store behind this replica's back, as another replica would.
  await store.updateKey(created.json.id, { revokedAt: Date.now() - 1000 });
  await ask(created.json.key);
});

test('disabling an agent stops its tokens; the signing key rotates without breaking tokens in flight', async () => {
  const first = await admin('POST', '/admin/agents/pager-agent/tokens', { ttl: '10m' });
  await ask(first.json.token);
  const rotated = await admin('POST', '/admin/signing-keys/rotate');
  assert.equal(rotated.status, 201);
  assert.notEqual(rotated.json.kid, first.json.kid);
  await ask(first.json.token);
  const second = await admin('POST', '/admin/agents/pager-agent/tokens', {});
  assert.equal(second.json.kid, rotated.json.kid);
  await ask(second.json.token);

  const created = await admin('PUT', '/admin/agents/helper-agent', { kind: 'agent', team: 'ops' });
  assert.equal(created.status, 201);
  const token = (await admin('POST', '/admin/agents/helper-agent/tokens', {})).json.token as string;
  await ask(token);
  await admin('PUT', '/admin/agents/helper-agent', { kind: 'agent', team: 'ops', disabled: true });
  await expectApiError(ask(token), 401, 'invalid_token');
});

test('a consumer removed from the file is disabled on reload and handed to the admin API', async () => {
  const created = await admin('POST', '/admin/keys', { consumer: 'declared-person' });
  await ask(created.json.key);
  const original = await readFile(gw.configPath, 'utf8');
  await gw.writeConfig(original.replace('    - { name: declared-person, team: ops }\n', ''));
  assert.equal((await gw.reload()).ok, true);
  await expectApiError(ask(created.json.key), 401, 'invalid_api_key');
  const person = await admin('GET', '/admin/consumers/declared-person');
  assert.equal(person.json.disabled, true);
  assert.equal(person.json.source, 'api');
  const enabled = await admin('PUT', '/admin/consumers/declared-person', { kind: 'consumer', team: 'ops' });
  assert.equal(enabled.status, 200);
  await ask(created.json.key);
});

test('a reload that adds or changes restart-only identity settings is refused or warned about', async () => {
  const original = await readFile(gw.configPath, 'utf8');
  await gw.writeConfig(original.replace('keyCacheSeconds: 60', 'keyCacheSeconds: 1'));
  assert.equal((await gw.reload()).ok, true);
  assert.ok(gw.logs.some((l) => Array.isArray(l.settings) && (l.settings as string[]).includes('identity.keyCacheSeconds')));
  await gw.writeConfig(original);
  await gw.reload();
});

test('adding the identity section needs a restart: the reload is refused and the old config serves', async () => {
  const plain = await startTestGateway(`
providers:
  sim: { type: simulated }
models:
  - { name: sim-a, provider: sim }
`);
  try {
    await plain.writeConfig(`
providers:
  sim: { type: simulated }
models:
  - { name: sim-a, provider: sim }
identity:
  store: { type: sqlite, path: ":memory:" }
policies:
  identity: {}
`);
    const result = await plain.reload();
    assert.equal(result.ok, false);
    assert.match(String(result.ok === false ? result.error : ''), /restart/);
    const res = await fetch(`${plain.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'sim-a', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(res.status, 200, 'still serving the old configuration');
  } finally {
    await plain.stop();
  }
});
