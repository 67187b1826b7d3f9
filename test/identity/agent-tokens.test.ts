import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK, type JWK, type JWTPayload } from 'jose';
import { GatehouseError } from '../../src/errors/gatehouse-error.js';
import { createAgentTokenService, type AgentTokenServiceOptions } from '../../src/identity/agent-tokens.js';
import type { Consumer } from '../../src/identity/model.js';
import type { IdentityStore } from '../../src/state/identity-store.js';
import { openSqliteIdentityStore } from '../../src/state/sqlite-identity-store.js';
import { rejectsWithCode } from '../support/gatehouse-assert.js';

const T0 = 1_800_000_000_000;

function consumer(name: string, extra: Partial<Consumer> = {}): Consumer {
  return {
    name,
    kind: 'agent',
    team: 'support',
    grants: {},
    limits: {},
    metadata: {},
    scopes: ['models:read', 'mcp:tickets.read'],
    disabled: false,
    source: 'api',
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

/** A settable clock shared by the services of one test. */
function clock(start = T0) {
  const c = { ms: start, now: () => c.ms, advance: (ms: number) => void (c.ms += ms) };
  return c;
}

const rejects = rejectsWithCode;

let store: IdentityStore;
let time: ReturnType<typeof clock>;
const options = (extra: Partial<AgentTokenServiceOptions> = {}): AgentTokenServiceOptions => ({
  issuer: 'gatehouse',
  audience: 'gatehouse',
  defaultTtlSeconds: 900,
  maxTtlSeconds: 3600,
  now: time.now,
  ...extra,
});

beforeEach(async () => {
  store = openSqliteIdentityStore(':memory:');
  await store.migrate();
  time = clock();
});
afterEach(() => store.close());

/**
 * A token signed with a stored private key, as someone who stole it would make one: any claims.
 * `iat` and `exp` are in seconds and only set when given.
 */
async function forge(kid: string, claims: JWTPayload, from: IdentityStore = store): Promise<string> {
  const record = (await from.listSigningKeys()).find((k) => k.kid === kid);
  assert.ok(record, `the store has the key ${kid}`);
  const key = await importJWK(JSON.parse(record.privateJwk) as JWK, 'ES256');
  return new SignJWT({ scope: 'admin:all', gh_kind: 'agent', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer('gatehouse')
    .setAudience('gatehouse')
    .setSubject('forger')
    .sign(key);
}

const secs = (ms: number): number => Math.floor(ms / 1000);

/** The store, counting the reads of the signing keys, and failing them while `failing` is set. */
function observed(inner: IdentityStore) {
  const o = {
    listed: 0,
    failing: false,
    store: {
      ...inner,
      listSigningKeys: async () => {
        o.listed += 1;
        if (o.failing) throw new GatehouseError('store_unavailable');
        return inner.listSigningKeys();
      },
    } as IdentityStore,
  };
  return o;
}

describe('agent tokens: mint and verify', () => {
  it('mints an ES256 token with the agent claims and verifies it as an agent identity', async () => {
    const service = createAgentTokenService(store, options());
    const minted = await service.mint(consumer('agent-7'));
    assert.equal(minted.expiresAt, T0 + 900_000);
    const header = decodeProtectedHeader(minted.token);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.kid, minted.kid);
    const claims = decodeJwt(minted.token);
    assert.deepEqual(
      { iss: claims.iss, aud: claims.aud, sub: claims.sub, scope: claims.scope, gh_kind: claims.gh_kind, team: claims.team, jti: claims.jti },
      { iss: 'gatehouse', aud: 'gatehouse', sub: 'agent-7', scope: 'models:read mcp:tickets.read', gh_kind: 'agent', team: 'support', jti: minted.tokenId },
    );
    assert.equal(claims.exp! - claims.iat!, 900);

    const id = await service.verifier().verify(minted.token);
    assert.deepEqual(
      { issuer: id.issuer, subject: id.subject, name: id.name, kind: id.kind, team: id.team, scopes: id.scopes, tokenId: id.tokenId, expiresAt: id.expiresAt },
      { issuer: 'gatehouse', subject: 'agent-7', name: 'agent-7', kind: 'agent', team: 'support', scopes: ['models:read', 'mcp:tickets.read'], tokenId: minted.tokenId, expiresAt: T0 + 900_000 },
    );
    // The key was created on first use and stored (public and private), not regenerated per mint.
    const keys = await store.listSigningKeys();
    assert.deepEqual(keys.map((k) => k.kid), [minted.kid]);
    assert.equal((await service.mint(consumer('agent-8'))).kid, minted.kid);
  });

  it('omits the team when the agent has none', async () => {
    const service = createAgentTokenService(store, options());
    const { token } = await service.mint(consumer('solo', { team: undefined, scopes: [] }));
    assert.equal(decodeJwt(token).team, undefined);
    const id = await service.verifier().verify(token);
    assert.equal(id.team, undefined);
    assert.deepEqual(id.scopes, []);
  });

  it('refuses the token past its expiry (token_expired) and accepts it within the clock skew', async () => {
    const service = createAgentTokenService(store, options());
    const { token } = await service.mint(consumer('agent-7'), 60);
    time.advance(60_000 + 4_000);
    await service.verifier().verify(token);
    time.advance(2_000);
    const err = await rejects(service.verifier().verify(token), 'token_expired');
    assert.equal(err.status, 401);
  });

  it('refuses a TTL above the maximum, and non-whole or non-positive TTLs, with invalid_request on "ttl"', async () => {
    const service = createAgentTokenService(store, options());
    for (const ttl of [3601, 0, -5, 1.5]) {
      const err = await rejects(service.mint(consumer('agent-7'), ttl), 'invalid_request', 'ttl');
      assert.equal(err.param, 'ttl');
    }
    assert.deepEqual(await store.listSigningKeys(), []); // refused before any key was made
    await service.mint(consumer('agent-7'), 3600);
  });

  it('refuses to mint for a consumer or service, and for a disabled agent', async () => {
    const service = createAgentTokenService(store, options());
    await rejects(service.mint(consumer('alice', { kind: 'consumer' })), 'invalid_request', 'Only agents');
    await rejects(service.mint(consumer('ci', { kind: 'service' })), 'invalid_request', 'Only agents');
    await rejects(service.mint(consumer('agent-7', { disabled: true })), 'invalid_request', 'disabled');
  });

  it('refuses tokens of another issuer or audience, and tampered ones, with invalid_token', async () => {
    const service = createAgentTokenService(store, options());
    const other = createAgentTokenService(store, options({ issuer: 'other-gateway' }));
    await rejects(service.verifier().verify((await other.mint(consumer('agent-7'))).token), 'invalid_token', 'unknown issuer');
    const otherAud = createAgentTokenService(store, options({ audience: 'elsewhere' }));
    await rejects(service.verifier().verify((await otherAud.mint(consumer('agent-7'))).token), 'invalid_token', 'audience mismatch');
    const [h, p, s] = (await service.mint(consumer('agent-7'))).token.split('.');
    const elevated = Buffer.from(JSON.stringify({ ...decodeJwt(`${h}.${p}.${s}`), sub: 'admin-agent' })).toString('base64url');
    await rejects(service.verifier().verify(`${h}.${elevated}.${s}`), 'invalid_token', 'signature mismatch');
    await rejects(service.verifier().verify('gk-not-a-jwt'), 'invalid_token');
  });
});

describe('agent tokens: key rotation', () => {
  it('signs with the new key after a rotation; tokens minted before keep verifying until they expire', async () => {
    const service = createAgentTokenService(store, options());
    const before = await service.mint(consumer('agent-7'), 600);
    time.advance(1000);
    const { kid } = await service.rotateSigningKey();
    assert.notEqual(kid, before.kid);
    const after = await service.mint(consumer('agent-7'));
    assert.equal(after.kid, kid);
    const verifier = service.verifier();
    assert.equal((await verifier.verify(before.token)).subject, 'agent-7');
    assert.equal((await verifier.verify(after.token)).subject, 'agent-7');
    const keys = await store.listSigningKeys();
    assert.equal(keys.find((k) => k.kid === before.kid)?.retiredAt, T0 + 1000);
    assert.equal(keys.find((k) => k.kid === kid)?.retiredAt, undefined);
    time.advance(600_000 + 5_000); // past its exp (T0 + 600 s) and the 5 s skew
    await rejects(verifier.verify(before.token), 'token_expired');
    assert.equal((await verifier.verify(after.token)).subject, 'agent-7');
  });

  it('prunes keys retired longer ago than the maximum TTL (plus skew), and only those', async () => {
    const service = createAgentTokenService(store, options());
    const first = await service.mint(consumer('agent-7'));
    time.advance(1000);
    const second = await service.rotateSigningKey();
    time.advance((3600 + 5) * 1000 - 1);
    await service.rotateSigningKey(); // the first key retired exactly maxTtl + skew - 1 ms ago: kept
    assert.ok((await store.listSigningKeys()).some((k) => k.kid === first.kid));
    time.advance(2);
    const third = await service.rotateSigningKey();
    const kids = (await store.listSigningKeys()).map((k) => k.kid);
    assert.ok(!kids.includes(first.kid), 'the first key is pruned');
    assert.ok(kids.includes(second.kid) && kids.includes(third.kid));
  });
});

describe('agent tokens: lifetime (iat, exp)', () => {
  it('refuses a token without iat, even with a good signature', async () => {
    const service = createAgentTokenService(store, options());
    const { kid } = await service.mint(consumer('agent-7'));
    const token = await forge(kid, { exp: secs(T0) + 60 });
    await rejects(service.verifier().verify(token), 'invalid_token', 'no issue time \\(iat\\)');
  });

  it('refuses a token living longer than maxTtlSeconds plus the skew (a forged "valid for years" token)', async () => {
    const service = createAgentTokenService(store, options());
    const { kid } = await service.mint(consumer('agent-7'));
    const iat = secs(T0);
    await rejects(service.verifier().verify(await forge(kid, { iat, exp: iat + 5 * 365 * 86_400 })), 'invalid_token', 'lifetime longer than the maximum');
    await rejects(service.verifier().verify(await forge(kid, { iat, exp: iat + 3600 + 5 + 1 })), 'invalid_token', 'lifetime longer than the maximum');
    // Back-dating iat does not help: the lifetime is exp - iat, whatever the current time.
    await rejects(service.verifier().verify(await forge(kid, { iat: iat - 86_400, exp: iat + 60 })), 'invalid_token', 'lifetime longer than the maximum');
    assert.equal((await service.verifier().verify(await forge(kid, { iat, exp: iat + 3600 + 5 }))).subject, 'forger');
  });

  it('refuses a token issued in the future beyond the skew, and accepts one within it', async () => {
    const service = createAgentTokenService(store, options());
    const { kid } = await service.mint(consumer('agent-7'));
    const iat = secs(T0) + 6;
    await rejects(service.verifier().verify(await forge(kid, { iat, exp: iat + 60 })), 'invalid_token', 'issued in the future');
    assert.equal((await service.verifier().verify(await forge(kid, { iat: iat - 1, exp: iat + 60 }))).subject, 'forger');
    time.advance(1000);
    assert.equal((await service.verifier().verify(await forge(kid, { iat, exp: iat + 60 }))).subject, 'forger');
  });

  it('uses the configured clock skew and maxTtlSeconds', async () => {
    const service = createAgentTokenService(store, options({ clockSkewSeconds: 0, maxTtlSeconds: 600, defaultTtlSeconds: 600 }));
    const { kid } = await service.mint(consumer('agent-7'));
    const iat = secs(T0);
    await rejects(service.verifier().verify(await forge(kid, { iat, exp: iat + 601 })), 'invalid_token', 'lifetime');
    await rejects(service.verifier().verify(await forge(kid, { iat: iat + 1, exp: iat + 60 })), 'invalid_token', 'issued in the future');
    await service.verifier().verify(await forge(kid, { iat, exp: iat + 600 }));
  });
});

describe('agent tokens: retired and pruned keys', () => {
  it('refuses a token a retired key signed after its retirement (plus skew); tokens from before still verify', async () => {
    const service = createAgentTokenService(store, options());
    const before = await service.mint(consumer('agent-7'), 600);
    const verifier = service.verifier();
    await verifier.verify(before.token); // the verifier holds the old key, unretired
    time.advance(1000);
    await service.rotateSigningKey(); // the old key retired at T0 + 1 s
    time.advance(10_000);
    assert.equal((await verifier.verify(before.token)).subject, 'agent-7');
    const retiredAt = secs(T0) + 1;
    // Minted with the old key just before the retirement reached a replica: within the skew.
    assert.equal((await verifier.verify(await forge(before.kid, { iat: retiredAt + 5, exp: retiredAt + 65 }))).subject, 'forger');
    const now = secs(time.now());
    await rejects(verifier.verify(await forge(before.kid, { iat: retiredAt + 6, exp: retiredAt + 66 })), 'invalid_token', 'issued after its signing key was retired');
    await rejects(verifier.verify(await forge(before.kid, { iat: now, exp: now + 60 })), 'invalid_token', 'retired');
  });

  it('reloads the keys after a rotation in the same process, without waiting for the refresh interval', async () => {
    const o = observed(store);
    const service = createAgentTokenService(o.store, options());
    const first = await service.mint(consumer('agent-7'));
    await service.verifier().verify(first.token);
    const listedBefore = o.listed;
    await service.verifier().verify(first.token);
    assert.equal(o.listed, listedBefore, 'no reload while nothing changed');
    time.advance(1000);
    await service.rotateSigningKey();
    const listedAfterRotation = o.listed;
    time.advance(10_000);
    await rejects(service.verifier().verify(await forge(first.kid, { iat: secs(time.now()), exp: secs(time.now()) + 60 })), 'invalid_token', 'retired');
    assert.equal(o.listed, listedAfterRotation + 1, 'one reload, on the first verification after the rotation');
  });

  it('a key pruned in the store stops verifying in this process at once, and on other replicas at the next refresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-agent-tokens-'));
    const storeA = openSqliteIdentityStore(join(dir, 'identity.db'));
    await storeA.migrate();
    const storeB = openSqliteIdentityStore(join(dir, 'identity.db'));
    try {
      const a = createAgentTokenService(storeA, options());
      const b = createAgentTokenService(storeB, options({ keyRefreshMs: 10_000 }));
      const first = await a.mint(consumer('agent-7'));
      time.advance(1000);
      await a.rotateSigningKey(); // the first key retired at T0 + 1 s
      // The most a token of the first key can be: issued at its retirement + skew, living maxTtl + skew.
      const iat = secs(T0) + 1 + 5;
      const lastToken = await forge(first.kid, { iat, exp: iat + 3600 + 5 }, storeA);
      time.advance(3600_000);
      assert.equal((await a.verifier().verify(lastToken)).subject, 'forger');
      assert.equal((await b.verifier().verify(lastToken)).subject, 'forger'); // b loads the keys here
      time.advance(5001);
      await a.rotateSigningKey(); // retired maxTtl + skew + 1 ms ago: pruned
      assert.ok(!(await storeA.listSigningKeys()).some((k) => k.kid === first.kid));
      await rejects(a.verifier().verify(lastToken), 'invalid_token', 'no key'); // at once: this process pruned it
      time.advance(4998);
      assert.equal((await b.verifier().verify(lastToken)).subject, 'forger', 'b has not refreshed yet');
      time.advance(1);
      await rejects(b.verifier().verify(lastToken), 'invalid_token', 'no key');
    } finally {
      await storeA.close();
      await storeB.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('agent tokens: refreshing the keys', () => {
  it('re-reads the keys when they are older than keyRefreshMs (default 60 s), lazily on verify', async () => {
    const o = observed(store);
    const service = createAgentTokenService(o.store, options());
    const minted = await service.mint(consumer('agent-7'), 3600);
    o.listed = 0;
    await service.verifier().verify(minted.token);
    assert.equal(o.listed, 1);
    time.advance(59_999);
    await service.verifier().verify(minted.token);
    assert.equal(o.listed, 1);
    time.advance(1);
    await service.verifier().verify(minted.token);
    assert.equal(o.listed, 2);
    time.advance(120_000);
    assert.equal(o.listed, 2, 'nothing happens between verifications');
    await service.verifier().verify(minted.token);
    assert.equal(o.listed, 3);
  });

  it('a replica learns of a retirement elsewhere at the next refresh', async () => {
    const other = observed(store);
    const a = createAgentTokenService(store, options());
    const b = createAgentTokenService(other.store, options({ keyRefreshMs: 30_000 }));
    const first = await a.mint(consumer('agent-7'));
    await b.verifier().verify(first.token);
    time.advance(1000);
    await a.rotateSigningKey();
    time.advance(30_000);
    const iat = secs(time.now());
    await rejects(b.verifier().verify(await forge(first.kid, { iat, exp: iat + 60 })), 'invalid_token', 'retired');
    assert.equal(other.listed, 2);
  });

  it('when the store cannot be read, keeps the keys it has for one more interval, then fails closed', async () => {
    const o = observed(store);
    const service = createAgentTokenService(o.store, options({ keyRefreshMs: 10_000 }));
    const minted = await service.mint(consumer('agent-7'), 3600);
    await service.verifier().verify(minted.token); // loaded at T0
    o.failing = true;
    o.listed = 0;
    time.advance(10_000);
    await service.verifier().verify(minted.token);
    assert.equal(o.listed, 1);
    time.advance(500);
    await service.verifier().verify(minted.token);
    assert.equal(o.listed, 1, 'a failed refresh is retried at most once a second');
    time.advance(9_499);
    await service.verifier().verify(minted.token);
    assert.equal(o.listed, 2);
    time.advance(1);
    await rejects(service.verifier().verify(minted.token), 'store_unavailable');
    o.failing = false;
    time.advance(1000);
    assert.equal((await service.verifier().verify(minted.token)).subject, 'agent-7');
  });

  it('refuses a keyRefreshMs that is not a positive number', () => {
    for (const keyRefreshMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => createAgentTokenService(store, options({ keyRefreshMs })), TypeError);
    }
  });
});

describe('agent tokens: several replicas on one store', () => {
  let dir: string;
  let storeA: IdentityStore;
  let storeB: IdentityStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-agent-tokens-'));
    storeA = openSqliteIdentityStore(join(dir, 'identity.db'));
    await storeA.migrate();
    storeB = openSqliteIdentityStore(join(dir, 'identity.db'));
  });
  afterEach(async () => {
    await storeA.close();
    await storeB.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second instance verifies tokens the first minted after it rotated (reloading on the unknown kid)', async () => {
    const a = createAgentTokenService(storeA, options());
    const b = createAgentTokenService(storeB, options());
    const early = await a.mint(consumer('agent-7'));
    assert.equal((await b.verifier().verify(early.token)).subject, 'agent-7'); // b loads the keys once
    time.advance(10_000);
    await a.rotateSigningKey();
    const late = await a.mint(consumer('agent-7'));
    assert.notEqual(late.kid, early.kid);
    assert.equal((await b.verifier().verify(late.token)).subject, 'agent-7');
    assert.equal((await b.verifier().verify(early.token)).subject, 'agent-7');
    // b follows the rotation when it mints, too: the store, not its memory, says who signs.
    assert.equal((await b.mint(consumer('agent-8'))).kid, late.kid);
  });

  it('reloads from the store on an unknown kid at most once per interval for that kid', async () => {
    const a = createAgentTokenService(storeA, options());
    let listed = 0;
    const counting: IdentityStore = { ...storeB, listSigningKeys: () => ((listed += 1), storeB.listSigningKeys()) };
    const b = createAgentTokenService(counting, options({ keyReloadIntervalMs: 5000 }));
    await b.verifier().verify((await a.mint(consumer('agent-7'))).token);
    assert.equal(listed, 1);
    time.advance(10_000);
    await a.rotateSigningKey();
    const late = await a.mint(consumer('agent-7'));
    await b.verifier().verify(late.token);
    assert.equal(listed, 2);
    const madeUp = late.token.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'made-up', typ: 'JWT' })).toString('base64url'));
    time.advance(1500);
    await rejects(b.verifier().verify(madeUp), 'invalid_token', 'no key');
    assert.equal(listed, 3);
    time.advance(1500);
    await rejects(b.verifier().verify(madeUp), 'invalid_token', 'no key');
    assert.equal(listed, 3, 'the same unknown kid within the interval does not reload');
    time.advance(5000);
    await rejects(b.verifier().verify(madeUp), 'invalid_token', 'no key');
    assert.equal(listed, 4);
  });

  it('two replicas that both create a first key: both verify, and they converge on the newest signer', async () => {
    const a = createAgentTokenService(storeA, options());
    const b = createAgentTokenService(storeB, options());
    // Both start on an empty store at the same moment.
    const [fromA, fromB] = await Promise.all([a.mint(consumer('agent-7')), b.mint(consumer('agent-7'))]);
    // Neither saw the other's key before creating its own (SQLite answers synchronously, so the two
    // reads interleave before either insert).
    assert.equal((await storeA.listSigningKeys()).length, 2);
    for (const v of [a.verifier(), b.verifier()]) {
      assert.equal((await v.verify(fromA.token)).subject, 'agent-7');
      assert.equal((await v.verify(fromB.token)).subject, 'agent-7');
    }
    time.advance(1000);
    const next = [await a.mint(consumer('agent-7')), await b.mint(consumer('agent-7'))];
    assert.equal(next[0]!.kid, next[1]!.kid, 'the same key signs on both replicas');
    const active = (await storeA.listSigningKeys()).filter((k) => k.retiredAt === undefined);
    assert.deepEqual(active.map((k) => k.kid), [next[0]!.kid]);
  });
});
