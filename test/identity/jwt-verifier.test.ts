import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { JwksServer, makeSigningKey, type TestKey } from '../support/jwks.js';
import { createJwtVerifier, jwtIssuerSchema, looksLikeJwt } from '../../src/identity/jwt-verifier.js';
import { rejectsWithCode } from '../support/gatehouse-assert.js';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'gatehouse';
const T0 = 1_800_000_000_000; // a fixed "now" (ms); tokens are made relative to it

const makeKey = makeSigningKey;

async function sign(key: TestKey, claims: JWTPayload = {}, header: { kid?: string | undefined } = { kid: key.kid }): Promise<string> {
  const iat = Math.floor(T0 / 1000);
  return new SignJWT({ sub: 'user-42', name: 'Ada', ...claims })
    .setProtectedHeader({ alg: key.alg, ...(header.kid === undefined ? {} : { kid: header.kid }) })
    .setIssuer(typeof claims.iss === 'string' ? claims.iss : ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : iat + 300)
    .sign(key.privateKey);
}

const rejects = rejectsWithCode;

const at = (ms: number) => ({ now: () => ms });

let k1: TestKey;
let k2: TestKey;
let jwks: JwksServer;

before(async () => {
  [k1, k2] = await Promise.all([makeKey('k1'), makeKey('k2')]);
  jwks = await new JwksServer().start();
  jwks.keys = [k1.publicJwk];
});
after(() => jwks.stop());

const issuer = (extra: Record<string, unknown> = {}) => jwtIssuerSchema.parse({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: jwks.url, ...extra });

describe('jwt issuer schema', () => {
  it('applies safe defaults', () => {
    const c = issuer();
    assert.deepEqual(c.claims, { subject: 'sub', name: 'name', scopes: 'scope' });
    assert.equal(c.clockSkewSeconds, 30);
    assert.equal(c.requireExpiry, true);
    assert.equal(c.kind, 'consumer');
    assert.ok(c.algorithms.includes('RS256') && !c.algorithms.some((a) => a.startsWith('HS')));
  });

  it('refuses none, HS*, both or neither key source, a private JWK and a skew above 300 s', async () => {
    const base = { issuer: ISSUER, audience: AUDIENCE };
    const pk = await generateKeyPair('ES256', { extractable: true });
    const cases = [
      { ...base, jwksUrl: 'https://x.test/jwks', algorithms: ['none'] },
      { ...base, jwksUrl: 'https://x.test/jwks', algorithms: ['HS256'] },
      { ...base },
      { ...base, jwksUrl: 'https://x.test/jwks', keys: [k1.publicJwk] },
      { ...base, keys: [await exportJWK(pk.privateKey)] },
      { ...base, keys: ['-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----'] },
      { ...base, jwksUrl: 'ftp://x.test/jwks' },
      { ...base, jwksUrl: 'https://x.test/jwks', clockSkewSeconds: 301 },
      { issuer: ISSUER, jwksUrl: 'https://x.test/jwks' },
    ];
    for (const c of cases) assert.equal(jwtIssuerSchema.safeParse(c).success, false, JSON.stringify(c).slice(0, 120));
  });
});

describe('looksLikeJwt', () => {
  it('tells JWTs from API keys without crypto', async () => {
    assert.equal(looksLikeJwt(await sign(k1)), true);
    assert.equal(looksLikeJwt('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'), true); // unsigned: still routed as a token
    for (const notJwt of ['gk-3fA9xq', 'a.b.c', 'eyJ0eXAiOiJKV1QifQ.e30.sig', 'e30.e30.x', '..', 'a.b', 'x.y.z.w']) {
      assert.equal(looksLikeJwt(notJwt), false, notJwt);
    }
  });
});

describe('jwt verifier: JWKS', () => {
  it('maps a valid token onto an identity (team from a list claim, scopes from "scope")', async () => {
    const v = createJwtVerifier([issuer({ kind: 'service', claims: { team: 'teams', groups: 'groups' } })], at(T0));
    const token = await sign(k1, { scope: 'models:read  mcp:tickets.read', teams: ['support', 'billing'], groups: ['a', 'b'], jti: 'id-1' });
    const id = await v.verify(token);
    assert.equal(id.issuer, ISSUER);
    assert.equal(id.subject, 'user-42');
    assert.equal(id.name, 'Ada');
    assert.equal(id.kind, 'service');
    assert.equal(id.team, 'support');
    assert.deepEqual(id.groups, ['a', 'b']);
    assert.deepEqual(id.scopes, ['models:read', 'mcp:tickets.read']);
    assert.equal(id.tokenId, 'id-1');
    assert.equal(id.expiresAt, Math.floor(T0 / 1000) * 1000 + 300_000);
    assert.equal(id.claims.sub, 'user-42');
  });

  it('reads scopes from an array claim ("scp"), a nested claim path, and falls back to the subject for the name', async () => {
    const v = createJwtVerifier([issuer({ claims: { scopes: 'scp', team: 'org.team', name: 'preferred_username' } })], at(T0));
    const id = await v.verify(await sign(k1, { scp: ['a', 'b', 7], org: { team: 'ops' } }));
    assert.deepEqual(id.scopes, ['a', 'b']);
    assert.equal(id.team, 'ops');
    assert.equal(id.name, 'user-42');
    assert.deepEqual(id.groups, []);
  });

  it('accepts an expired token within the clock skew, refuses it past the skew with token_expired', async () => {
    const token = await sign(k1);
    const exp = Math.floor(T0 / 1000) * 1000 + 300_000;
    await createJwtVerifier([issuer()], at(exp + 29_000)).verify(token);
    const err = await rejects(createJwtVerifier([issuer()], at(exp + 31_000)).verify(token), 'token_expired');
    assert.equal(err.status, 401);
  });

  it('refuses a token that is not valid yet, and one without exp unless requireExpiry is off', async () => {
    const nbfToken = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setNotBefore(Math.floor(T0 / 1000) + 120)
      .setExpirationTime(Math.floor(T0 / 1000) + 600)
      .sign(k1.privateKey);
    await rejects(createJwtVerifier([issuer()], at(T0)).verify(nbfToken), 'invalid_token', 'not valid yet');
    const noExp = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).sign(k1.privateKey);
    await rejects(createJwtVerifier([issuer()], at(T0)).verify(noExp), 'invalid_token', 'no expiry');
    assert.equal((await createJwtVerifier([issuer({ requireExpiry: false })], at(T0)).verify(noExp)).expiresAt, undefined);
  });

  it('refuses a wrong audience, an unknown issuer and a bad signature with invalid_token, without echoing the token', async () => {
    const v = createJwtVerifier([issuer()], at(T0));
    const wrongAud = await sign(k1, { aud: 'someone-else' });
    const err = await rejects(v.verify(wrongAud), 'invalid_token', 'audience mismatch');
    assert.equal(err.status, 401);
    assert.ok(!err.message.includes(wrongAud) && !err.message.includes('someone-else'));
    await rejects(v.verify(await sign(k1, { iss: 'https://evil.test' })), 'invalid_token', 'unknown issuer');
    // Signed by k2 but claiming k1's kid.
    await rejects(v.verify(await sign(k2, {}, { kid: 'k1' })), 'invalid_token', 'signature mismatch');
    const [h, p] = (await sign(k1)).split('.');
    await rejects(v.verify(`${h}.${p}.${'A'.repeat(342)}`), 'invalid_token', 'signature mismatch');
  });

  it('refuses alg none and algorithms the issuer does not allow, without fetching keys', async () => {
    const v = createJwtVerifier([issuer({ algorithms: ['ES256'] })], at(T0));
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = b64({ iss: ISSUER, aud: AUDIENCE, sub: 'root', exp: Math.floor(T0 / 1000) + 60 });
    const before = jwks.requests;
    await rejects(v.verify(`${b64({ alg: 'none' })}.${payload}.`), 'invalid_token', 'algorithm not allowed');
    await rejects(v.verify(`${b64({ alg: 'HS256', kid: 'k1' })}.${payload}.c2ln`), 'invalid_token', 'algorithm not allowed');
    await rejects(v.verify(await sign(k1)), 'invalid_token', 'algorithm not allowed'); // RS256, not listed
    assert.equal(jwks.requests, before);
  });

  it('picks up a key rotated at the JWKS server on an unknown kid, once the cooldown has passed', async (t) => {
    const server = await new JwksServer().start();
    t.after(() => server.stop());
    server.keys = [k1.publicJwk];
    // jose measures its cache and cooldown with Date.now(): mock it rather than sleep.
    t.mock.timers.enable({ apis: ['Date'], now: T0 });
    const v = createJwtVerifier([issuer({ jwksUrl: server.url })], at(T0));
    await v.verify(await sign(k1));
    assert.equal(server.requests, 1);
    server.keys = [k2.publicJwk]; // the IdP rotated
    const rotated = await sign(k2);
    // Within the cooldown an unknown kid does not refetch: a flood of made-up kids costs one fetch per 30 s.
    await rejects(v.verify(rotated), 'invalid_token', 'no key');
    assert.equal(server.requests, 1);
    t.mock.timers.tick(31_000);
    const id = await v.verify(rotated);
    assert.equal(id.subject, 'user-42');
    assert.equal(server.requests, 2);
    // Known kids are served from the cache.
    await v.verify(rotated);
    assert.equal(server.requests, 2);
  });

  it('answers 503 store_unavailable, not 401, when the JWKS server is down', async () => {
    const down = await new JwksServer().start();
    await down.stop();
    const v = createJwtVerifier([issuer({ jwksUrl: down.url })], at(T0));
    const err = await rejects(v.verify(await sign(k1)), 'store_unavailable', 'could not be fetched');
    assert.equal(err.status, 503);
    assert.equal(err.fault, 'gateway');
  });
});

describe('jwt verifier: static keys', () => {
  it('verifies against a static JWK list, choosing the key by kid', async () => {
    const v = createJwtVerifier([jwtIssuerSchema.parse({ issuer: ISSUER, audience: [AUDIENCE, 'other'], keys: [k1.publicJwk, k2.publicJwk] })], at(T0));
    assert.equal((await v.verify(await sign(k2))).subject, 'user-42');
    await rejects(v.verify(await sign(k1, {}, { kid: 'k9' })), 'invalid_token', 'no key');
  });

  it('verifies against PEM keys (no kid: tried for any kid), RSA and Ed25519', async () => {
    const ed = await makeKey('ed', 'EdDSA');
    const v = createJwtVerifier([jwtIssuerSchema.parse({ issuer: ISSUER, audience: AUDIENCE, keys: [k2.publicPem, k1.publicPem, ed.publicPem] })], at(T0));
    assert.equal((await v.verify(await sign(k1))).subject, 'user-42');
    assert.equal((await v.verify(await sign(k1, {}, { kid: undefined }))).subject, 'user-42');
    assert.equal((await v.verify(await sign(ed))).subject, 'user-42');
    const stranger = await makeKey('k1');
    await rejects(v.verify(await sign(stranger)), 'invalid_token', 'signature mismatch');
  });

  it('refuses an issuer configured twice', () => {
    const c = jwtIssuerSchema.parse({ issuer: ISSUER, audience: AUDIENCE, keys: [k1.publicJwk] });
    assert.throws(() => createJwtVerifier([c, c]), /configured twice/);
  });
});
