import assert from 'node:assert/strict';
import { NO_SERVICES } from '../../src/config/services.js';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../src/errors/gatehouse-error.js';
import { compileChain, runPhases } from '../../src/pipeline/chain.js';
import { Exchange } from '../../src/pipeline/exchange.js';
import { ANONYMOUS } from '../../src/pipeline/identity.js';
import { REQUEST_PHASES } from '../../src/pipeline/phases.js';
import { accessPolicy } from '../../src/policies/access/index.js';
import { apiKeysPolicy, presentedKey } from '../../src/policies/api-keys/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { useEmptyRuntime } from '../support/runtime.js';

/** runPhases as one promise: a refusal it throws synchronously becomes a rejection. */
const run = async (...args: Parameters<typeof runPhases>): Promise<void> => runPhases(...args);

const logger = createLogger('silent');
const runtime = useEmptyRuntime();

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const KEYS = {
  keys: [
    { name: 'alice', key: 'gk-alice-secret', team: 'support', models: ['gpt-4o-mini', 'demo-*'] },
    { name: 'ci-bot', sha256: hex('gk-ci-secret').toUpperCase(), kind: 'service', models: ['*'] },
    { name: 'agent-7', key: 'gk-agent', kind: 'agent', models: [] },
  ],
};

function chain(keysConfig: unknown = KEYS, accessConfig: unknown = {}) {
  return compileChain([
    apiKeysPolicy.create(apiKeysPolicy.configSchema.parse(keysConfig), { route: undefined, services: NO_SERVICES }),
    accessPolicy.create(accessPolicy.configSchema.parse(accessConfig), { route: undefined, services: NO_SERVICES }),
  ]);
}

function exchange(headers: IncomingHttpHeaders, model = 'gpt-4o-mini'): Exchange {
  const ex = new Exchange('req-keys-test', 'chat', runtime.current, headers);
  ex.requestedModel = model;
  return ex;
}

async function rejectsWith(promise: Promise<unknown>, code: string, status: number): Promise<GatehouseError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return err instanceof GatehouseError && err.code === code && err.status === status;
  });
  return caught as GatehouseError;
}

describe('api-keys: reading the key', () => {
  it('accepts "Authorization: Bearer <key>"', async () => {
    const ex = exchange({ authorization: 'Bearer gk-alice-secret' });
    await run(chain(), REQUEST_PHASES, ex, logger);
    assert.equal(ex.identity.id, 'key:alice');
  });

  it('accepts the scheme in any case and trims spaces around the key', async () => {
    for (const authorization of ['bearer gk-alice-secret', 'BEARER gk-alice-secret', 'Bearer   gk-alice-secret  ']) {
      const ex = exchange({ authorization });
      await run(chain(), REQUEST_PHASES, ex, logger);
      assert.equal(ex.identity.id, 'key:alice', authorization);
    }
  });

  it('accepts "x-api-key: <key>" (what Anthropic clients send)', async () => {
    const ex = exchange({ 'x-api-key': 'gk-alice-secret' });
    await run(chain(), REQUEST_PHASES, ex, logger);
    assert.equal(ex.identity.id, 'key:alice');
  });

  it('falls back to x-api-key when Authorization is another scheme', async () => {
    const ex = exchange({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'gk-alice-secret' });
    await run(chain(), REQUEST_PHASES, ex, logger);
    assert.equal(ex.identity.id, 'key:alice');
  });

  it('reads nothing from an empty or keyless header', () => {
    const read = (headers: IncomingHttpHeaders) => presentedKey(new Exchange('r', 'chat', runtime.current, headers));
    assert.equal(read({}), undefined);
    assert.equal(read({ authorization: 'Bearer ' }), undefined);
    assert.equal(read({ authorization: 'Bearer    ' }), undefined);
    assert.equal(read({ authorization: 'Basic abc' }), undefined);
    assert.equal(read({ 'x-api-key': '' }), undefined);
    assert.equal(read({ authorization: 'Bearer k1', 'x-api-key': 'k2' }), 'k1');
  });
});

describe('api-keys: refusing callers', () => {
  it('answers 401 missing_api_key when no key is sent, and runs nothing after', async () => {
    const ex = exchange({});
    const err = await rejectsWith(run(chain(), REQUEST_PHASES, ex, logger), 'missing_api_key', 401);
    assert.equal(err.fault, 'caller');
    assert.equal(ex.identity, ANONYMOUS);
    assert.deepEqual(ex.decisions, [{ policy: 'api-keys', phase: 'identify', verdict: 'deny', reason: 'no key presented', code: 'missing_api_key', enforced: true }]);
  });

  it('answers 401 missing_api_key for a non-bearer Authorization without x-api-key', async () => {
    await rejectsWith(run(chain(), REQUEST_PHASES, exchange({ authorization: 'Basic dXNlcjpwYXNz' }), logger), 'missing_api_key', 401);
  });

  it('answers 401 invalid_api_key for a wrong key, without echoing it', async () => {
    for (const headers of [{ authorization: 'Bearer gk-alice-secreT' }, { authorization: 'Bearer gk-alice-secret-and-more' }, { 'x-api-key': 'nope' }]) {
      const ex = exchange(headers);
      const err = await rejectsWith(run(chain(), REQUEST_PHASES, ex, logger), 'invalid_api_key', 401);
      assert.ok(!err.message.includes('gk-'), 'the message does not repeat the key');
      assert.equal(ex.identity, ANONYMOUS);
      assert.equal(ex.decisions[0].code, 'invalid_api_key');
    }
  });

  it('does not accept the sha256 itself as a key', async () => {
    await rejectsWith(run(chain(), REQUEST_PHASES, exchange({ authorization: `Bearer ${hex('gk-ci-secret')}` }), logger), 'invalid_api_key', 401);
  });

  it('in shadow mode records the deny and lets the caller through as anonymous', async () => {
    const ex = exchange({ authorization: 'Bearer wrong' });
    await run(chain({ ...KEYS, enforce: false }), REQUEST_PHASES, ex, logger);
    assert.equal(ex.identity, ANONYMOUS);
    assert.deepEqual(ex.decisions, [{ policy: 'api-keys', phase: 'identify', verdict: 'deny', reason: 'unknown key', code: 'invalid_api_key', enforced: false }]);
  });
});

describe('api-keys: the identity', () => {
  it('of a plain key: id key:<name>, team, kind consumer by default, method api-key', async () => {
    const ex = exchange({ authorization: 'Bearer gk-alice-secret' });
    await run(chain(), REQUEST_PHASES, ex, logger);
    const { access, ...identity } = ex.identity;
    assert.deepEqual(identity, { id: 'key:alice', kind: 'consumer', name: 'alice', team: 'support', method: 'api-key', rule: 'api-keys/alice' });
    assert.deepEqual(access.models?.patterns, ['gpt-4o-mini', 'demo-*']);
    assert.deepEqual(ex.decisions, [{ policy: 'api-keys', phase: 'identify', verdict: 'allow', reason: 'api-keys/alice', enforced: true }]);
  });

  it('of a key configured by its sha256 (upper- or lower-case hex)', async () => {
    for (const sha256 of [hex('gk-ci-secret'), hex('gk-ci-secret').toUpperCase()]) {
      const config = { keys: [{ name: 'ci-bot', sha256, kind: 'service', models: ['*'] }] };
      const ex = exchange({ authorization: 'Bearer gk-ci-secret' });
      await run(chain(config), REQUEST_PHASES, ex, logger);
      assert.equal(ex.identity.id, 'key:ci-bot');
      assert.equal(ex.identity.kind, 'service');
      assert.equal(ex.identity.team, undefined);
      assert.equal(ex.identity.method, 'api-key');
    }
  });

  it('is frozen: a policy cannot change who the caller is for the next request', async () => {
    const ex = exchange({ authorization: 'Bearer gk-alice-secret' });
    await run(chain(), REQUEST_PHASES, ex, logger);
    assert.ok(Object.isFrozen(ex.identity));
    assert.throws(() => {
      (ex.identity as { team?: string }).team = 'admins';
    }, TypeError);
  });
});

describe('api-keys: configuration schema', () => {
  const parse = (config: unknown) => apiKeysPolicy.configSchema.safeParse(config);
  const messages = (config: unknown): string => {
    const result = parse(config);
    assert.equal(result.success, false, `expected ${JSON.stringify(config)} to be rejected`);
    return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
  };

  it('accepts the documented shapes and fills defaults', () => {
    const result = parse(KEYS);
    assert.ok(result.success);
    assert.equal(result.data.enforce, true);
    assert.equal(result.data.keys[0].kind, 'consumer');
  });

  it('rejects a key with both "key" and "sha256"', () => {
    assert.match(messages({ keys: [{ name: 'a', key: 'k', sha256: hex('k'), models: ['*'] }] }), /exactly one of "key" or "sha256"/);
  });

  it('rejects a key with neither "key" nor "sha256"', () => {
    assert.match(messages({ keys: [{ name: 'a', models: ['*'] }] }), /exactly one of "key" or "sha256"/);
  });

  it('rejects duplicate names, pointing at the second', () => {
    assert.match(
      messages({ keys: [{ name: 'a', key: 'k1', models: ['*'] }, { name: 'a', key: 'k2', models: ['*'] }] }),
      /keys\.1\.name: duplicate key name "a"/,
    );
  });

  it('rejects a sha256 that is not 64 hex characters, an empty key, missing models and unknown fields', () => {
    assert.match(messages({ keys: [{ name: 'a', sha256: 'abc', models: ['*'] }] }), /64 hex characters/);
    assert.match(messages({ keys: [{ name: 'a', sha256: 'g'.repeat(64), models: ['*'] }] }), /64 hex characters/);
    messages({ keys: [{ name: 'a', key: '', models: ['*'] }] });
    messages({ keys: [{ name: 'a', key: 'k' }] });
    messages({ keys: [{ name: 'a', key: 'k', models: ['*'], role: 'admin' }] });
    messages({ keys: [{ name: '', key: 'k', models: ['*'] }] });
    messages({ keys: [{ name: 'a', key: 'k', models: ['*'], kind: 'superuser' }] });
  });

  // Two names with the same key: the second silently wins, so the first never identifies anyone.
  it('rejects two entries with the same key, also when one gives it as sha256', () => {
    assert.match(messages({ keys: [{ name: 'a', key: 'same', models: ['demo'] }, { name: 'b', key: 'same', models: ['*'] }] }), /keys\.1\.key: the same key as "a"/);
    assert.match(
      messages({ keys: [{ name: 'a', key: 'same', models: ['demo'] }, { name: 'b', sha256: hex('same').toUpperCase(), models: ['*'] }] }),
      /keys\.1\.sha256: the same key as "a"/,
    );
  });
});

describe('access', () => {
  it('denies a model outside the key\'s globs with 403 model_not_allowed', async () => {
    const ex = exchange({ authorization: 'Bearer gk-alice-secret' }, 'gpt-4o');
    const err = await rejectsWith(run(chain(), REQUEST_PHASES, ex, logger), 'model_not_allowed', 403);
    assert.equal(err.fault, 'policy');
    assert.equal(err.param, 'model');
    assert.match(err.message, /"alice" may not use model "gpt-4o"/);
    assert.deepEqual(ex.decisions.at(-1), {
      policy: 'access',
      phase: 'authorize',
      verdict: 'deny',
      reason: 'model "gpt-4o" is not in ["gpt-4o-mini","demo-*"]',
      code: 'model_not_allowed',
      enforced: true,
    });
  });

  it('allows a model inside the globs, exact or wildcard', async () => {
    for (const model of ['gpt-4o-mini', 'demo-echo', 'demo-']) {
      const ex = exchange({ authorization: 'Bearer gk-alice-secret' }, model);
      await run(chain(), REQUEST_PHASES, ex, logger);
      assert.equal(ex.decisions.filter((d) => d.verdict === 'deny').length, 0, model);
    }
  });

  it('allows every model for "*", and none for an empty list', async () => {
    const ci = exchange({ authorization: 'Bearer gk-ci-secret' }, 'anything-at-all');
    await run(chain(), REQUEST_PHASES, ci, logger);
    assert.equal(ci.identity.id, 'key:ci-bot');
    assert.equal(ci.decisions.at(-1)?.verdict, 'allow');
    await rejectsWith(run(chain(), REQUEST_PHASES, exchange({ authorization: 'Bearer gk-agent' }, 'gpt-4o-mini'), logger), 'model_not_allowed', 403);
  });

  it('does not treat "." in a pattern as a wildcard', async () => {
    const config = { keys: [{ name: 'n', key: 'gk-n', models: ['gpt-4.1'] }] };
    await rejectsWith(run(chain(config), REQUEST_PHASES, exchange({ authorization: 'Bearer gk-n' }, 'gpt-4x1'), logger), 'model_not_allowed', 403);
  });

  it('does not restrict an identity that lists no models (no identify policy: anonymous)', async () => {
    const ex = exchange({}, 'gpt-4o');
    const accessOnly = compileChain([accessPolicy.create(accessPolicy.configSchema.parse({}), { route: undefined, services: NO_SERVICES })]);
    await run(accessOnly, REQUEST_PHASES, ex, logger);
    assert.deepEqual(ex.decisions, []);
  });

  it('in shadow mode records the deny and lets the request go on', async () => {
    const ex = exchange({ authorization: 'Bearer gk-alice-secret' }, 'gpt-4o');
    await run(chain(KEYS, { enforce: false }), REQUEST_PHASES, ex, logger);
    assert.equal(ex.decisions.at(-1)?.verdict, 'deny');
    assert.equal(ex.decisions.at(-1)?.enforced, false);
  });

  it('rejects unknown options', () => {
    assert.equal(accessPolicy.configSchema.safeParse({ enforce: true, models: ['*'] }).success, false);
  });
});
