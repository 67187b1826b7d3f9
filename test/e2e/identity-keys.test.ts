// Virtual keys, teams, agents and the admin API end to end, through the official openai SDK — on
// a SQLite file and on PostgreSQL, with the same assertions.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { createAgentTokenService } from '../../src/identity/agent-tokens.js';
import { openPostgresIdentityStore } from '../../src/state/postgres-identity-store.js';
import { openSqliteIdentityStore } from '../../src/state/sqlite-identity-store.js';
import type { IdentityStore } from '../../src/state/identity-store.js';
import { expectApiError } from '../support/openai-assert.js';
import { dropSchema, postgresAvailability, postgresUrl, uniqueSchema } from '../support/databases.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { request as httpsRequest } from 'node:https';
import { SignJWT } from 'jose';
import { JwksServer, makeSigningKey, type TestKey } from '../support/jwks.js';
import { CLIENT_SPIFFE_ID, createTestPki, type IssuedCertificate, type TestPki } from '../support/certificates.js';

const ADMIN = 'adm-test-secret';
const DECLARED_KEY = 'gk-declared0000000000000000000000000000000';
const DECLARED_SHA = createHash('sha256').update(DECLARED_KEY).digest('hex');
const pg = await postgresAvailability();

interface StoreCase {
  readonly name: string;
  readonly skip?: string | undefined;
  /** The `store:` YAML and a way to open the same store from the test. */
  setup(): Promise<{ yaml: string; open(): IdentityStore; cleanup(): Promise<void>; file?: string }>;
}

const CASES: StoreCase[] = [
  {
    name: 'SQLite',
    async setup() {
      const dir = await mkdtemp(join(tmpdir(), 'gatehouse-id-'));
      const file = join(dir, 'identity.db');
      return { yaml: `{ type: sqlite, path: "${file}" }`, open: () => openSqliteIdentityStore(file), cleanup: () => rm(dir, { recursive: true, force: true }), file };
    },
  },
  {
    name: 'PostgreSQL',
    skip: pg.reachable ? undefined : pg.skipReason,
    async setup() {
      const schema = uniqueSchema('e2e_identity');
      return { yaml: `{ type: postgres, url: "${postgresUrl()}", schema: ${schema} }`, open: () => openPostgresIdentityStore({ url: postgresUrl(), schema }), cleanup: () => dropSchema(schema) };
    },
  },
];

for (const storeCase of CASES) {
  describe(`identity on ${storeCase.name}`, { skip: storeCase.skip }, () => {
    let gw: TestGateway;
    let env: Awaited<ReturnType<StoreCase['setup']>>;
    let store: IdentityStore;
    let idp: JwksServer;
    let idpKey: TestKey;
    let pki: TestPki;

    before(async () => {
      env = await storeCase.setup();
      idp = await new JwksServer().start();
      idpKey = await makeSigningKey('idp-1');
      idp.keys = [idpKey.publicJwk];
      pki = await createTestPki();
      gw = await startTestGateway(`
server:
  admin: { token: ${ADMIN} }
  tls: { port: 0, cert: "${pki.server.certFile}", key: "${pki.server.keyFile}", ca: "${pki.ca.certFile}" }
providers:
  sim: { type: simulated }
models:
  - { name: sim-a, provider: sim }
  - { name: sim-b, provider: sim }
  - { name: big-model, provider: sim }
identity:
  store: ${env.yaml}
  keyCacheSeconds: 0
  teams:
    - { name: risk, models: ["sim-*"] }
  consumers:
    - { name: triage-bot, kind: agent, team: risk, scopes: [tickets.read], models: [sim-a] }
    - { name: invoicer, kind: service, models: [sim-b] }
    - { name: ci-bot, kind: service, keys: [{ sha256: ${DECLARED_SHA}, name: ci }] }
policies:
  identity:
    jwt:
      issuers:
        - { issuer: "https://idp.test/", audience: gatehouse, jwksUrl: "${idp.url}", jwksCooldownSeconds: 0, claims: { team: dept } }
    mtls:
      rules:
        - { san: "URI:spiffe://prod/ns/billing/sa/*", consumer: invoicer }
`);
      store = env.open();
    });
    after(async () => {
      await gw?.stop();
      await store?.close();
      await env?.cleanup();
      await idp?.stop();
      await pki?.cleanup();
    });

    const jwt = (key: TestKey, claims: Record<string, unknown> = {}, expiresInSeconds = 300) =>
      new SignJWT({ name: 'Ada', dept: 'risk', scope: 'chat', ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid })
        .setIssuer('https://idp.test/')
        .setSubject('ada@example.com')
        .setAudience((claims.aud as string | undefined) ?? 'gatehouse')
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
        .sign(key.privateKey);

    /** A chat call over the TLS listener with a client certificate (or none). */
    function overTls(cert: IssuedCertificate | undefined, model: string): Promise<{ status: number; id: string; body: Record<string, any> }> {
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          `${gw.tlsUrl!}/v1/chat/completions`,
          { method: 'POST', ca: pki.ca.cert, cert: cert?.cert, key: cert?.key, agent: false, headers: { 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-request-id']), body: JSON.parse(text) as Record<string, any> }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }));
      });
    }

    async function admin(method: string, path: string, body?: unknown, token = ADMIN): Promise<{ status: number; json: Record<string, any> }> {
      const res = await fetch(`${gw.adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    }
    const client = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const ask = (key: string, model = 'sim-a') => client(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

    test('the admin API needs its token', async () => {
      const res = await admin('GET', '/admin/keys', undefined, 'wrong');
      assert.equal(res.status, 401);
      assert.equal(res.json.error.code, 'admin_auth_required');
    });

    test('create → use → rotate (with grace) → revoke → 401 api_key_revoked', async () => {
      const created = await admin('POST', '/admin/keys', { consumer: 'alice', team: 'risk', models: ['sim-*'], name: 'laptop' });
      assert.equal(created.status, 201);
      const secret: string = created.json.key;
      assert.match(secret, /^gk-[0-9A-Za-z]{40}$/);
      assert.equal(created.json.prefix, secret.slice(0, 9));
      assert.equal(created.json.hash, undefined, 'the hash is never shown');

      const { data, response } = await ask(secret).withResponse();
      assert.ok(data.choices[0]!.message.content);
      const record = await gw.record(response.headers.get('x-request-id')!);
      assert.equal(record.identity, 'consumer:alice');
      assert.equal(record.authMethod, 'api-key');
      assert.deepEqual((record.decisions as { policy: string; reason: string }[])[0], {
        policy: 'identity',
        phase: 'identify',
        verdict: 'allow',
        reason: `key:${created.json.id}`,
        enforced: true,
      });

      const listed = (await admin('GET', '/admin/keys?consumer=alice')).json.data as { id: string; status: string }[];
      assert.deepEqual(listed.map((k) => [k.id, k.status]), [[created.json.id, 'active']]);

      const rotated = await admin('POST', `/admin/keys/${created.json.id}/rotate`, { grace: '1h' });
      assert.equal(rotated.status, 201);
      assert.equal(rotated.json.previous.status, 'rotating');
      await ask(secret);
      await ask(rotated.json.key);

      const revoked = await admin('POST', `/admin/keys/${rotated.json.id}/revoke`);
      assert.equal(revoked.json.status, 'revoked');
      const refused = await ask(rotated.json.key).withResponse().catch((err: unknown) => err as InstanceType<typeof OpenAI.APIError>);
      assert.ok(refused instanceof OpenAI.APIError);
      assert.equal(refused.code, 'api_key_revoked');
      const refusal = await gw.record(refused.requestID!);
      assert.deepEqual((refusal.decisions as Record<string, unknown>[])[0], {
        policy: 'identity',
        phase: 'identify',
        verdict: 'deny',
        reason: 'api_key_revoked',
        code: 'api_key_revoked',
        enforced: true,
      });
      await expectApiError(ask('gk-not-a-key-at-all-000000000000000000000000'), 401, 'invalid_api_key');
    });

    test('a rotation without grace stops the old secret at once', async () => {
      const created = await admin('POST', '/admin/keys', { consumer: 'bob' });
      const rotated = await admin('POST', `/admin/keys/${created.json.id}/rotate`, {});
      await expectApiError(ask(created.json.key), 401, 'api_key_revoked');
      await ask(rotated.json.key);
      const again = await admin('POST', `/admin/keys/${created.json.id}/rotate`, {});
      assert.equal(again.status, 400, 'a rotated key cannot be rotated again');
    });

    test('an expired key is 401 api_key_expired', async () => {
      const created = await admin('POST', '/admin/keys', { consumer: 'carol', expires: '30d' });
      await ask(created.json.key);
      await store.updateKey(created.json.id, { expiresAt: Date.now() - 1000 });
      await expectApiError(ask(created.json.key), 401, 'api_key_expired');
    });

    test('least privilege: team, consumer and key grants all apply; /v1/models lists only what is allowed', async () => {
      const created = await admin('POST', '/admin/keys', { consumer: 'dana', team: 'risk', models: ['sim-b'] });
      await expectApiError(ask(created.json.key, 'big-model'), 403, 'model_not_allowed');
      await expectApiError(ask(created.json.key, 'sim-a'), 403, 'model_not_allowed');
      await ask(created.json.key, 'sim-b');
      const ids: string[] = [];
      for await (const m of client(created.json.key).models.list()) ids.push(m.id);
      assert.deepEqual(ids, ['sim-b']);
    });

    test('the raw key is never stored, only its hash', async () => {
      const created = await admin('POST', '/admin/keys', { consumer: 'erin' });
      const stored = await store.getKey(created.json.id);
      assert.ok(stored);
      assert.notEqual(stored.hash, created.json.key);
      if (env.file !== undefined) {
        const bytes = Buffer.concat([await readFile(env.file), await readFile(`${env.file}-wal`).catch(() => Buffer.alloc(0))]);
        assert.equal(bytes.includes(Buffer.from(created.json.key)), false, 'secret not in the database file');
        assert.equal(bytes.includes(Buffer.from(stored.hash)), true, 'its hash is');
      }
    });

    test('agents get short-lived tokens; an expired one is 401 token_expired', async () => {
      const minted = await admin('POST', '/admin/agents/triage-bot/tokens', { ttl: '5m' });
      assert.equal(minted.status, 201);
      const { response } = await ask(minted.json.token).withResponse();
      const record = await gw.record(response.headers.get('x-request-id')!);
      assert.equal(record.identity, 'agent:triage-bot');
      assert.equal(record.authMethod, 'agent-token');
      await expectApiError(ask(minted.json.token, 'sim-b'), 403, 'model_not_allowed');

      const tooLong = await admin('POST', '/admin/agents/triage-bot/tokens', { ttl: '2h' });
      assert.equal(tooLong.status, 400);

      // A token minted two hours ago with the gateway's own signing key.
      const past = createAgentTokenService(store, { issuer: 'gatehouse', audience: 'gatehouse', defaultTtlSeconds: 60, maxTtlSeconds: 3600, now: () => Date.now() - 2 * 3600_000 });
      const old = await past.mint((await store.getConsumer('triage-bot'))!, 60);
      await expectApiError(ask(old.token), 401, 'token_expired');
    });

    test('JWTs from a trusted issuer: valid, expired, wrong audience, rotated key', async () => {
      const { response } = await ask(await jwt(idpKey)).withResponse();
      const record = await gw.record(response.headers.get('x-request-id')!);
      assert.equal(record.identity, 'jwt:https://idp.test/#ada@example.com');
      assert.equal(record.authMethod, 'jwt');
      assert.equal(record.team, 'risk');
      await expectApiError(ask(await jwt(idpKey), 'big-model'), 403, 'model_not_allowed');
      // A team the store does not know grants nothing (the issuer configures no default models).
      await expectApiError(ask(await jwt(idpKey, { dept: 'no-such-team' })), 403, 'model_not_allowed');
      await expectApiError(ask(await jwt(idpKey, {}, -120)), 401, 'token_expired');
      await expectApiError(ask(await jwt(idpKey, { aud: 'someone-else' })), 401, 'invalid_token');
      const stranger = await makeSigningKey('idp-1');
      await expectApiError(ask(await jwt(stranger)), 401, 'invalid_token');
      // The IdP rotates: a token signed by a new key id is accepted once the JWKS has it.
      const next = await makeSigningKey('idp-2');
      idp.keys = [idpKey.publicJwk, next.publicJwk];
      await ask(await jwt(next));
    });

    test('mTLS: a verified client certificate maps to its consumer; without one, other credentials apply', async () => {
      const withCert = await overTls(pki.client, 'sim-b');
      assert.equal(withCert.status, 200, JSON.stringify(withCert.body));
      const record = await gw.record(withCert.id);
      assert.equal(record.identity, 'service:invoicer');
      assert.equal(record.authMethod, 'mtls');
      assert.match(String(record.credential), /^sha256:/);
      assert.ok(CLIENT_SPIFFE_ID.startsWith('spiffe://prod/ns/billing/sa/'));
      const denied = await overTls(pki.client, 'sim-a');
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'model_not_allowed');
      const foreign = await overTls(pki.foreignClient, 'sim-b');
      assert.equal(foreign.status, 401, 'a certificate from another CA is no credential');
      assert.equal(foreign.body.error.code, 'missing_api_key');
    });

    test('a key declared in the file (by its hash) works; removed from the file, it is revoked on reload', async () => {
      const { response } = await ask(DECLARED_KEY).withResponse();
      assert.equal((await gw.record(response.headers.get('x-request-id')!)).identity, 'service:ci-bot');
      const original = await readFile(gw.configPath, 'utf8');
      await gw.writeConfig(original.replace(/keys: \[\{ sha256: [0-9a-f]+, name: ci \}\]/, 'keys: []'));
      assert.equal((await gw.reload()).ok, true);
      await expectApiError(ask(DECLARED_KEY), 401, 'api_key_revoked');
      await gw.writeConfig(original);
      assert.equal((await gw.reload()).ok, true);
    });

    test('consumers are managed at run time; a disabled one is refused', async () => {
      const created = await admin('POST', '/admin/keys', { consumer: 'frank' });
      await ask(created.json.key);
      const updated = await admin('PUT', '/admin/consumers/frank', { kind: 'consumer', disabled: true });
      assert.equal(updated.status, 200);
      await expectApiError(ask(created.json.key), 401, 'invalid_api_key');
      const declared = await admin('PUT', '/admin/consumers/triage-bot', { kind: 'agent' });
      assert.equal(declared.status, 400, 'declared in the file: changed there, not here');
    });
  });
}

test('a store that cannot be reached stops the start with a clear message', async () => {
  await assert.rejects(
    startTestGateway(`
identity:
  store: { type: postgres, url: "postgres://nobody:secret@127.0.0.1:1/none" }
policies:
  identity: {}
`),
    (err: unknown) => {
      assert.match(String((err as Error).message), /identity\.store/);
      assert.doesNotMatch(String((err as Error).message), /secret/, 'the password is never shown');
      return true;
    },
  );
});
