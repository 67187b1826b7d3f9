import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GatehouseError } from '../../src/errors/gatehouse-error.js';
import type { ErrorCode } from '../../src/errors/catalogue.js';
import type { ApiKeyRecord, ConsumerInput, SigningKey, TeamInput } from '../../src/identity/model.js';
import type { IdentityStore } from '../../src/state/identity-store.js';
import { openPostgresIdentityStore } from '../../src/state/postgres-identity-store.js';
import { openSqliteIdentityStore } from '../../src/state/sqlite-identity-store.js';
import Database from 'better-sqlite3';
import { dropSchema, postgresUrl, requirePostgres, testSchemas, withPostgresClient } from '../support/databases.js';
import { postgresHarness, sqliteFileHarness, storeConformance, type StoreHarness, type StoreOpener } from '../support/store-conformance.js';

/** Opens identity stores on one database. */
type Opener = StoreOpener<IdentityStore> & {
  /** Everything the database holds for api_keys, as text (rows, or the file's bytes), to search for what must not be there. */
  rawKeys(): Promise<string>;
};

const T0 = 1_700_000_000_000;

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<GatehouseError> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected a ${code} rejection, got success`),
    (err: unknown) => void (caught = err),
  );
  assert.ok(caught instanceof GatehouseError, `expected a GatehouseError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

const team = (name: string, extra: Partial<TeamInput> = {}): TeamInput => ({ name, grants: {}, limits: {}, metadata: {}, source: 'api', ...extra });
const consumer = (name: string, extra: Partial<ConsumerInput> = {}): ConsumerInput => ({
  name, kind: 'consumer', grants: {}, limits: {}, metadata: {}, scopes: [], disabled: false, source: 'api', ...extra,
});
const key = (id: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id, consumer: 'alice', hash: `hash-${id}`, prefix: `gk-${id}`.slice(0, 8), grants: {}, createdAt: T0, ...extra,
});
const signingKey = (kid: string, createdAt: number, extra: Partial<SigningKey> = {}): SigningKey => ({
  kid, alg: 'ES256', privateJwk: `{"kty":"EC","d":"${kid}"}`, publicJwk: `{"kty":"EC","x":"${kid}"}`, createdAt, ...extra,
});

/** The one suite both implementations pass. */
function identityStoreConformance(label: string, harness: StoreHarness<Opener>): void {
  const sharedWrite = async (writer: IdentityStore, reader: IdentityStore): Promise<void> => {
    await writer.upsertTeam(team('core'));
    assert.equal((await reader.getTeam('core'))?.name, 'core');
  };
  storeConformance(label, harness, { start: T0, sharedWrite }, ({ it, track, fresh, freshShared, clock: c }) => {
    it('upserts a team: createdAt is kept, updatedAt and the fields change', async () => {
      const s = await fresh();
      const first = await s.upsertTeam(team('core', { grants: { models: ['gpt-*'] }, source: 'config' }));
      assert.deepEqual(first, { ...team('core', { grants: { models: ['gpt-*'] }, source: 'config' }), createdAt: c.now(), updatedAt: c.now() });
      const createdAt = c.now();
      c.advance(1000);
      const second = await s.upsertTeam(team('core', { limits: { requestsPerMinute: 60 } }));
      assert.deepEqual(second, { ...team('core', { limits: { requestsPerMinute: 60 } }), createdAt, updatedAt: createdAt + 1000 });
      assert.deepEqual(await s.getTeam('core'), second);
      assert.equal(await s.getTeam('nobody'), undefined);
    });

    it('lists teams by name and deletes them; consumers keep the team name', async () => {
      const s = await fresh();
      for (const n of ['zeta', 'Alpha', 'mid']) await s.upsertTeam(team(n));
      assert.deepEqual((await s.listTeams()).map((t) => t.name), ['Alpha', 'mid', 'zeta']);
      await s.upsertConsumer(consumer('alice', { team: 'mid' }));
      assert.equal(await s.deleteTeam('mid'), true);
      assert.equal(await s.deleteTeam('mid'), false);
      assert.deepEqual((await s.listTeams()).map((t) => t.name), ['Alpha', 'zeta']);
      assert.equal((await s.getConsumer('alice'))?.team, 'mid');
    });

    it('upserts a consumer: createdAt is kept, every field is replaced, unset team reads as absent', async () => {
      const s = await fresh();
      const input = consumer('bot', { kind: 'agent', team: 'core', scopes: ['models:read', 'mcp:tickets.read'], disabled: true });
      const first = await s.upsertConsumer(input);
      assert.deepEqual(first, { ...input, createdAt: T0, updatedAt: T0 });
      c.advance(5);
      const second = await s.upsertConsumer(consumer('bot', { kind: 'service' }));
      assert.deepEqual(second, { ...consumer('bot', { kind: 'service' }), createdAt: T0, updatedAt: T0 + 5 });
      assert.equal('team' in second, false);
      assert.deepEqual(await s.getConsumer('bot'), second);
      assert.equal(await s.getConsumer('nobody'), undefined);
    });

    it('lists consumers by name, filtered by kind, team, or both', async () => {
      const s = await fresh();
      await s.upsertConsumer(consumer('carol', { team: 'core' }));
      await s.upsertConsumer(consumer('agent-1', { kind: 'agent', team: 'core' }));
      await s.upsertConsumer(consumer('agent-2', { kind: 'agent' }));
      await s.upsertConsumer(consumer('bob', { kind: 'service', team: 'ops' }));
      const names = async (f?: Parameters<IdentityStore['listConsumers']>[0]) => (await s.listConsumers(f)).map((x) => x.name);
      assert.deepEqual(await names(), ['agent-1', 'agent-2', 'bob', 'carol']);
      assert.deepEqual(await names({ kind: 'agent' }), ['agent-1', 'agent-2']);
      assert.deepEqual(await names({ team: 'core' }), ['agent-1', 'carol']);
      assert.deepEqual(await names({ kind: 'agent', team: 'core' }), ['agent-1']);
      assert.deepEqual(await names({ team: 'none' }), []);
    });

    it('deletes a consumer with its keys, and only its keys', async () => {
      const s = await fresh();
      await s.upsertConsumer(consumer('alice'));
      await s.upsertConsumer(consumer('bob'));
      await s.insertKey(key('a1'));
      await s.insertKey(key('a2'));
      await s.insertKey(key('b1', { consumer: 'bob' }));
      assert.equal(await s.deleteConsumer('alice'), true);
      assert.equal(await s.getConsumer('alice'), undefined);
      assert.equal(await s.getKey('a1'), undefined);
      assert.equal(await s.findKeyByHash('hash-a2'), undefined);
      assert.deepEqual((await s.listKeys()).map((k) => k.id), ['b1']);
      assert.equal(await s.deleteConsumer('alice'), false);
    });

    it('inserts a key with every field and reads it back by hash and by id, numbers as numbers', async () => {
      const s = await fresh();
      const full = key('k1', {
        name: 'laptop', grants: { models: ['claude-*'], routes: ['/v1/*'] }, expiresAt: 8_640_000_000_000_000,
        revokedAt: T0 + 1, graceUntil: T0 + 2, replacedBy: 'k2', lastUsedAt: T0 + 3,
      });
      await s.insertKey(full);
      assert.deepEqual(await s.findKeyByHash(full.hash), full);
      assert.deepEqual(await s.getKey('k1'), full);
      const read = (await s.getKey('k1'))!;
      for (const f of ['createdAt', 'expiresAt', 'revokedAt', 'graceUntil', 'lastUsedAt'] as const) assert.equal(typeof read[f], 'number', f);
      assert.equal(await s.findKeyByHash('hash-unknown'), undefined);
      assert.equal(await s.getKey('unknown'), undefined);
    });

    it('reads unset optional key fields as absent (undefined), never null', async () => {
      const s = await fresh();
      await s.insertKey(key('min'));
      const read = (await s.getKey('min'))!;
      assert.deepEqual(read, key('min'));
      for (const f of ['name', 'expiresAt', 'revokedAt', 'graceUntil', 'replacedBy', 'lastUsedAt'] as const) {
        assert.equal(read[f], undefined, f);
        assert.equal(f in read, false, f);
      }
    });

    it('refuses a duplicate key id or hash with already_exists and keeps the original', async () => {
      const s = await fresh();
      await s.insertKey(key('k1'));
      await rejectsWith(s.insertKey(key('k1', { hash: 'hash-other' })), 'already_exists');
      await rejectsWith(s.insertKey(key('k9', { hash: 'hash-k1' })), 'already_exists');
      assert.deepEqual(await s.listKeys(), [key('k1')]);
    });

    it('lists keys newest first (insertion order breaks ties), for all or one consumer', async () => {
      const s = await fresh();
      await s.insertKey(key('old', { createdAt: T0 }));
      await s.insertKey(key('new', { createdAt: T0 + 10 }));
      await s.insertKey(key('bobs', { consumer: 'bob', createdAt: T0 + 5 }));
      await s.insertKey(key('tie', { createdAt: T0 }));
      assert.deepEqual((await s.listKeys()).map((k) => k.id), ['new', 'bobs', 'tie', 'old']);
      assert.deepEqual((await s.listKeys({ consumer: 'alice' })).map((k) => k.id), ['new', 'tie', 'old']);
      assert.deepEqual((await s.listKeys({ consumer: 'bob' })).map((k) => k.id), ['bobs']);
      assert.deepEqual(await s.listKeys({ consumer: 'nobody' }), []);
    });

    it('updates only the given key fields; undefined in a patch changes nothing; unknown id gives undefined', async () => {
      const s = await fresh();
      await s.insertKey(key('k1', { name: 'ci', expiresAt: T0 + 100 }));
      const rotated = await s.updateKey('k1', { graceUntil: T0 + 50, replacedBy: 'k2' });
      assert.deepEqual(rotated, key('k1', { name: 'ci', expiresAt: T0 + 100, graceUntil: T0 + 50, replacedBy: 'k2' }));
      const touched = await s.updateKey('k1', { lastUsedAt: T0 + 7, revokedAt: undefined });
      assert.deepEqual(touched, { ...rotated, lastUsedAt: T0 + 7 });
      assert.deepEqual(await s.updateKey('k1', {}), touched);
      assert.deepEqual(await s.getKey('k1'), touched);
      assert.equal(await s.updateKey('nope', { revokedAt: T0 }), undefined);
      assert.equal(await s.updateKey('nope', {}), undefined);
    });

    it('keeps signing keys newest first, retires and prunes them', async () => {
      const s = await fresh();
      await s.insertSigningKey(signingKey('k-old', T0));
      await s.insertSigningKey(signingKey('k-mid', T0 + 10, { retiredAt: T0 + 20 }));
      await s.insertSigningKey(signingKey('k-new', T0 + 30));
      await rejectsWith(s.insertSigningKey(signingKey('k-new', T0 + 40)), 'already_exists');
      assert.deepEqual((await s.listSigningKeys()).map((k) => k.kid), ['k-new', 'k-mid', 'k-old']);
      assert.deepEqual((await s.listSigningKeys())[0], signingKey('k-new', T0 + 30));
      await s.retireSigningKey('k-old', T0 + 30);
      assert.equal((await s.listSigningKeys())[2]?.retiredAt, T0 + 30);
      assert.equal(await s.pruneSigningKeys(T0 + 25), 1); // k-mid; k-old retired later; k-new not retired
      assert.deepEqual((await s.listSigningKeys()).map((k) => k.kid), ['k-new', 'k-old']);
      assert.equal(await s.pruneSigningKeys(T0 + 25), 0);
    });

    it('round-trips JSON fields exactly, unicode included', async () => {
      const s = await fresh();
      const metadata = { owner: 'Zoë Ångström', 团队: '平台', emoji: '🔑🚀', rtl: 'مرحبا', tricky: 'a "quote", \\ back\nslash\ttab', empty: '' };
      const grants = { models: ['gpt-4o*', 'claude-3-5-sonnet'], mcpServers: ['tickets'], mcpTools: ['tickets.*'], routes: [] };
      const limits = { requestsPerMinute: 600, tokensPerMinute: 1_000_000, budgetUsdPerMonth: 12.345 };
      const t = await s.upsertTeam(team('ünïcode', { grants, limits, metadata }));
      assert.deepEqual(await s.getTeam('ünïcode'), t);
      assert.deepEqual(t.metadata, metadata);
      const a = await s.upsertConsumer(consumer('agent-✓', { kind: 'agent', grants, limits, metadata, scopes: ['mcp:tickets.read', 'models:*'] }));
      assert.deepEqual(await s.getConsumer('agent-✓'), a);
      assert.deepEqual(a.scopes, ['mcp:tickets.read', 'models:*']);
      await s.insertKey(key('uk', { consumer: 'agent-✓', name: 'clé 🔐', grants }));
      assert.deepEqual(await s.getKey('uk'), key('uk', { consumer: 'agent-✓', name: 'clé 🔐', grants }));
    });

    it('rejects calls on a closed store with store_unavailable: a fixed message, the driver error as cause', async () => {
      const s = await fresh();
      await s.close();
      const err = await rejectsWith(s.getTeam('core'), 'store_unavailable');
      assert.equal(err.message, 'The identity store failed (getTeam).');
      assert.ok(err.cause instanceof Error, 'the driver error is kept as the cause, for the log');
      await s.close(); // closing twice is harmless
    });

    it('claims a key replacement once: sets replacedBy and graceUntil, keeps every other field', async () => {
      const s = await fresh();
      await s.insertKey(key('k1', { name: 'ci', expiresAt: T0 + 100, lastUsedAt: T0 + 3 }));
      const claimed = await s.claimKeyReplacement('k1', { replacedBy: 'k2', graceUntil: T0 + 50 });
      const expected = key('k1', { name: 'ci', expiresAt: T0 + 100, lastUsedAt: T0 + 3, replacedBy: 'k2', graceUntil: T0 + 50 });
      assert.deepEqual(claimed, expected);
      assert.equal(await s.claimKeyReplacement('k1', { replacedBy: 'k3', graceUntil: T0 + 60 }), undefined, 'already replaced');
      assert.deepEqual(await s.getKey('k1'), expected, 'a failed claim changes nothing');
      assert.equal(await s.claimKeyReplacement('nope', { replacedBy: 'k3', graceUntil: T0 }), undefined, 'no such key');
      assert.equal(await s.getKey('nope'), undefined, 'a failed claim creates nothing');
    });

    it('refuses to claim a revoked key, or one inserted as already replaced', async () => {
      const s = await fresh();
      await s.insertKey(key('revoked', { revokedAt: T0 + 1 }));
      await s.insertKey(key('replaced', { replacedBy: 'other', graceUntil: T0 + 9 }));
      assert.equal(await s.claimKeyReplacement('revoked', { replacedBy: 'k2', graceUntil: T0 + 50 }), undefined);
      assert.equal(await s.claimKeyReplacement('replaced', { replacedBy: 'k2', graceUntil: T0 + 50 }), undefined);
      assert.deepEqual(await s.getKey('revoked'), key('revoked', { revokedAt: T0 + 1 }));
      assert.deepEqual(await s.getKey('replaced'), key('replaced', { replacedBy: 'other', graceUntil: T0 + 9 }));
    });

    const exactlyOneClaim = async (stores: IdentityStore[]): Promise<void> => {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => stores[i % stores.length]!.claimKeyReplacement('k1', { replacedBy: `new-${i}`, graceUntil: T0 + i })),
      );
      const winners = results.flatMap((r, i) => (r === undefined ? [] : [{ r, i }]));
      assert.equal(winners.length, 1, `exactly one claim succeeds, got ${winners.length}`);
      const { r, i } = winners[0]!;
      assert.equal(r.replacedBy, `new-${i}`);
      assert.equal(r.graceUntil, T0 + i);
      for (const s of stores) assert.deepEqual(await s.getKey('k1'), r, 'every store reads the winner');
    };

    it('of 5 concurrent claims on one key, exactly one succeeds', async () => {
      const s = await fresh();
      await s.insertKey(key('k1'));
      await exactlyOneClaim([s]);
    });

    it('of 5 concurrent claims through two stores sharing the database, exactly one succeeds', async () => {
      const [a, b] = await freshShared(2);
      await a.insertKey(key('k1'));
      await exactlyOneClaim([a, b]);
    });

    it('never stores the secret when only its hash was given', async () => {
      const open = harness.fresh();
      const s = track(open({ now: c.now }));
      await s.migrate();
      const secret = 'gk-live-7Qm3vX9pL2sR8tY4wZ6nB1cD5fH0jK';
      const hash = createHash('sha256').update(secret).digest('hex');
      await s.insertKey(key('k1', { hash, prefix: secret.slice(0, 8), name: 'laptop' }));
      const raw = await open.rawKeys();
      assert.ok(raw.includes(hash), 'the hash is stored (the check below reads the right data)');
      assert.ok(!raw.includes(secret), 'the secret itself is never stored');
      assert.ok(!raw.includes(secret.slice(8)), 'nor the part of it after the prefix');
    });
  });
}

// --- SQLite: one temp directory per run, one file per test ---------------------------------

identityStoreConformance(
  'SQLite identity store',
  sqliteFileHarness('gatehouse-identity', 'identity.db', (path) => {
    const open: StoreOpener<IdentityStore> = (options) => openSqliteIdentityStore(path, options);
    // The file's bytes (and the WAL's, where recent writes are), read as latin1 so any ASCII shows.
    const rawKeys = async () => [path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('latin1')).join('\n');
    return Object.assign(open, { rawKeys });
  }),
);

describe('SQLite identity store, file specifics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-identity-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('never writes the secret to disk when only its hash was stored', async () => {
    const path = join(dir, 'identity.db');
    const secret = 'gk-live-7Qm3vX9pL2sR8tY4wZ6nB1cD5fH0jK';
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(secret).digest('hex');
    const store = openSqliteIdentityStore(path);
    await store.migrate();
    await store.insertKey(key('k1', { hash, prefix: secret.slice(0, 8) }));
    await store.close();
    const bytes = Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p)));
    assert.ok(bytes.includes(hash), 'the hash is stored (the check below reads the right file)');
    assert.ok(!bytes.includes(secret), 'the secret itself must never be on disk');
    assert.ok(!bytes.includes(secret.slice(8)), 'nor the part of it after the prefix');
  });

  it('fails with store_unavailable when the file cannot be created, without the path in the message', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    assert.throws(
      () => openSqliteIdentityStore(join(blocker, 'identity.db')),
      (err: unknown) =>
        err instanceof GatehouseError && err.code === 'store_unavailable' && !err.message.includes(dir) && err.cause !== undefined,
    );
  });

  it('reports a failing query with a fixed message: no path, table or SQL, the driver error as cause', async () => {
    const path = join(dir, 'broken', 'identity.db');
    const store = openSqliteIdentityStore(path);
    try {
      await store.migrate();
      assert.equal(await store.findKeyByHash('h'), undefined); // the statement is prepared and cached
      const other = new Database(path);
      other.exec('DROP TABLE api_keys');
      other.close();
      const err = await rejectsWith(store.findKeyByHash('h'), 'store_unavailable');
      assert.equal(err.message, 'The identity store failed (findKeyByHash).');
      assert.doesNotMatch(err.message, /api_keys|SELECT|broken|identity\.db|\//);
      assert.ok(err.cause instanceof Error);
      assert.match(err.cause.message, /api_keys/, 'the cause has the detail, for the log');
    } finally {
      await store.close();
    }
  });

  it('creates missing directories 0700 and the database, -wal and -shm 0600', { skip: process.platform === 'win32' }, async () => {
    const top = join(dir, 'private');
    const path = join(top, 'nested', 'identity.db');
    const store = openSqliteIdentityStore(path);
    try {
      await store.migrate();
      await store.insertKey(key('k1'));
      const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
      assert.equal(mode(top), '700');
      assert.equal(mode(join(top, 'nested')), '700');
      assert.equal(mode(path), '600');
      assert.ok(existsSync(`${path}-wal`) && existsSync(`${path}-shm`), 'WAL mode made its side files');
      assert.equal(mode(`${path}-wal`), '600');
      assert.equal(mode(`${path}-shm`), '600');
    } finally {
      await store.close();
    }
  });

  it('leaves the mode of a directory it did not create alone', { skip: process.platform === 'win32' }, async () => {
    const existing = join(dir, 'shared');
    mkdirSync(existing);
    chmodSync(existing, 0o755);
    const store = openSqliteIdentityStore(join(existing, 'identity.db'));
    try {
      await store.migrate();
      assert.equal((statSync(existing).mode & 0o777).toString(8), '755');
      assert.equal((statSync(join(existing, 'identity.db')).mode & 0o777).toString(8), '600');
    } finally {
      await store.close();
    }
  });
});

// --- PostgreSQL: one schema per test, all dropped at the end --------------------------------

identityStoreConformance(
  'PostgreSQL identity store',
  postgresHarness('identity_test', (schema) => {
    const open: StoreOpener<IdentityStore> = (options) => openPostgresIdentityStore({ url: postgresUrl(), schema, poolSize: 4, ...options });
    const rawKeys = () =>
      withPostgresClient(async (client) => {
        const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}".api_keys t`);
        return rows.map((r) => r.row).join('\n');
      });
    return Object.assign(open, { rawKeys });
  }),
);

describe('PostgreSQL identity store, failures', () => {
  const schemas = testSchemas('identity_fail');
  after(schemas.dropAll);
  const openFresh = (options: { queryTimeoutMs?: number } = {}) => {
    const schema = schemas.next();
    return { schema, store: openPostgresIdentityStore({ url: postgresUrl(), schema, poolSize: 2, ...options }) };
  };

  it('reports a failing query with a fixed message: no schema, table, SQL or SQLSTATE, the driver error as cause', async (t) => {
    if (!(await requirePostgres(t))) return;
    const { schema, store } = openFresh();
    try {
      await store.migrate();
      await dropSchema(schema);
      const err = await rejectsWith(store.findKeyByHash('h'), 'store_unavailable');
      assert.equal(err.message, 'The identity store failed (findKeyByHash).');
      assert.doesNotMatch(err.message, new RegExp(`${schema}|api_keys|SELECT|42P01|does not exist|127\\.0\\.0\\.1`));
      assert.ok(err.cause instanceof Error);
      assert.equal((err.cause as { code?: string }).code, '42P01', 'the cause has the detail, for the log');
    } finally {
      await store.close();
    }
  });

  it('gives up on a query that waits for a lock after queryTimeoutMs, and works again after', async (t) => {
    if (!(await requirePostgres(t))) return;
    const { schema, store } = openFresh({ queryTimeoutMs: 300 });
    try {
      await store.migrate();
      await withPostgresClient(async (locker) => {
        await locker.query('BEGIN');
        try {
          await locker.query(`LOCK TABLE "${schema}".api_keys IN ACCESS EXCLUSIVE MODE`);
          const started = Date.now();
          const err = await rejectsWith(store.findKeyByHash('h'), 'store_unavailable');
          const took = Date.now() - started;
          assert.ok(took >= 250 && took < 1000, `took ${took} ms`);
          assert.equal(err.message, 'The identity store timed out (findKeyByHash).');
          assert.ok(err.cause instanceof Error);
        } finally {
          await locker.query('ROLLBACK');
        }
      });
      assert.equal(await store.findKeyByHash('h'), undefined, 'the pool recovers once the lock is gone');
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL identity store, unreachable', () => {
  it('rejects with store_unavailable naming host:port but not the password, fast', async () => {
    const store = openPostgresIdentityStore({ url: 'postgres://gatehouse:hunter2-s3cret@127.0.0.1:1/test', schema: 'unreachable' });
    try {
      const started = Date.now();
      const err = await rejectsWith(store.migrate(), 'store_unavailable');
      await rejectsWith(store.findKeyByHash('abc'), 'store_unavailable');
      assert.match(err.message, /127\.0\.0\.1:1\b/);
      assert.doesNotMatch(`${err.message} ${String(err.stack)}`, /hunter2/);
      assert.ok(Date.now() - started < 5000, 'a refused connection fails at once');
    } finally {
      await store.close();
    }
  });

  it('gives up after the connect timeout when the server accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket)); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const store = openPostgresIdentityStore({ url: `postgres://gatehouse:pw@127.0.0.1:${port}/test`, connectTimeoutMs: 300 });
    try {
      const started = Date.now();
      const err = await rejectsWith(store.getTeam('core'), 'store_unavailable');
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    } finally {
      await store.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
