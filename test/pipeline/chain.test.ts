import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../src/errors/gatehouse-error.js';
import { compileChain, runPhases } from '../../src/pipeline/chain.js';
import { Exchange, type Decision } from '../../src/pipeline/exchange.js';
import { REQUEST_PHASES, RESPONSE_PHASES } from '../../src/pipeline/phases.js';
import type { Hook, HookPhase, PolicyInstance, Verdict } from '../../src/pipeline/policy.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { useEmptyRuntime } from '../support/runtime.js';

/** runPhases as one promise: a refusal it throws synchronously becomes a rejection. */
const run = async (...args: Parameters<typeof runPhases>): Promise<void> => runPhases(...args);

const logger = createLogger('silent');
const runtime = useEmptyRuntime();

const exchange = (): Exchange => new Exchange('req-chain-test', 'chat', runtime.current, { authorization: 'Bearer x' });

function policy(name: string, hooks: Partial<Record<HookPhase, Hook>>, options: { enforce?: boolean; failMode?: 'open' | 'closed' } = {}): PolicyInstance {
  return { name, enforce: options.enforce ?? true, failMode: options.failMode ?? 'closed', hooks };
}

/** A policy whose hooks log `name.phase` to `calls` and return the given verdict. */
function tracing(name: string, phases: readonly HookPhase[], calls: string[], verdict: Verdict = undefined, options = {}): PolicyInstance {
  return policy(name, Object.fromEntries(phases.map((phase) => [phase, () => (calls.push(`${name}.${phase}`), verdict)])), options);
}

const deny = (code: 'model_not_allowed' | 'invalid_api_key' = 'model_not_allowed', reason = 'not on the list'): Verdict => ({
  action: 'deny',
  error: new GatehouseError(code),
  reason,
});

const summary = (decisions: readonly Decision[]) => decisions.map((d) => `${d.policy}:${d.phase}:${d.verdict}:${d.enforced}`);

describe('compileChain', () => {
  it('groups hooks by phase, in policy order, with every phase present', () => {
    const a = tracing('a', ['identify', 'limit'], []);
    const b = tracing('b', ['identify', 'account'], []);
    const chain = compileChain([a, b]);
    assert.deepEqual(chain.policies, [a, b]);
    assert.deepEqual(Object.keys(chain.byPhase).sort(), [...REQUEST_PHASES, ...RESPONSE_PHASES].sort());
    assert.deepEqual(
      chain.byPhase.identify.map((e) => e.policy.name),
      ['a', 'b'],
    );
    assert.deepEqual(
      chain.byPhase.limit.map((e) => e.policy.name),
      ['a'],
    );
    assert.deepEqual(
      chain.byPhase.account.map((e) => e.policy.name),
      ['b'],
    );
    for (const phase of ['authorize', 'inspectIn', 'approve', 'inspectOut'] as const) assert.equal(chain.byPhase[phase].length, 0, phase);
  });

  it('compiles an empty chain that runs nothing', async () => {
    const ex = exchange();
    await run(compileChain([]), [...REQUEST_PHASES, ...RESPONSE_PHASES], ex, logger);
    assert.deepEqual(ex.decisions, []);
  });
});

describe('runPhases', () => {
  it('runs phases in the order given, and the policies of a phase in chain order', async () => {
    const calls: string[] = [];
    const chain = compileChain([
      tracing('a', ['limit', 'identify', 'inspectOut'], calls),
      tracing('b', ['approve', 'authorize', 'identify'], calls),
      tracing('c', ['inspectIn'], calls),
    ]);
    await run(chain, REQUEST_PHASES, exchange(), logger);
    assert.deepEqual(calls, ['a.identify', 'b.identify', 'b.authorize', 'a.limit', 'c.inspectIn', 'b.approve']);
  });

  it('runs only the requested phases', async () => {
    const calls: string[] = [];
    const chain = compileChain([tracing('a', ['identify', 'authorize', 'inspectOut', 'account'], calls)]);
    await run(chain, ['identify'], exchange(), logger);
    assert.deepEqual(calls, ['a.identify']);
    calls.length = 0;
    await run(chain, RESPONSE_PHASES, exchange(), logger);
    assert.deepEqual(calls, ['a.inspectOut', 'a.account']);
  });

  it('records nothing for a hook that returns nothing, and an allow with its reason', async () => {
    const ex = exchange();
    await run(compileChain([tracing('quiet', ['identify'], []), tracing('loud', ['identify'], [], { action: 'allow', reason: 'key demo' })]), ['identify'], ex, logger);
    assert.deepEqual(ex.decisions, [{ policy: 'loud', phase: 'identify', verdict: 'allow', reason: 'key demo', enforced: true }]);
  });

  it('lets a hook change the Exchange for the hooks after it', async () => {
    const ex = exchange();
    let seen = '';
    const chain = compileChain([
      policy('setter', { identify: (e) => void (e.requestedModel = 'set-by-identify') }),
      policy('reader', { authorize: (e) => void (seen = e.requestedModel ?? '') }),
    ]);
    await run(chain, REQUEST_PHASES, ex, logger);
    assert.equal(seen, 'set-by-identify');
  });

  describe('a deny', () => {
    it("throws the policy's own GatehouseError and runs no later hook", async () => {
      const calls: string[] = [];
      const verdict = deny('model_not_allowed', 'model "gpt-4o" is not in ["demo"]');
      const ex = exchange();
      const chain = compileChain([tracing('first', ['identify', 'authorize'], calls), tracing('denier', ['authorize'], calls, verdict), tracing('later', ['authorize', 'limit'], calls)]);
      await assert.rejects(run(chain, REQUEST_PHASES, ex, logger), (err: unknown) => {
        assert.ok(verdict?.action === 'deny');
        assert.equal(err, verdict.error, 'the same error object the policy returned');
        assert.equal((err as GatehouseError).status, 403);
        return true;
      });
      assert.deepEqual(calls, ['first.identify', 'first.authorize', 'denier.authorize']);
      assert.deepEqual(ex.decisions, [
        { policy: 'denier', phase: 'authorize', verdict: 'deny', reason: 'model "gpt-4o" is not in ["demo"]', code: 'model_not_allowed', enforced: true },
      ]);
    });

    it('in shadow mode (enforce: false) is recorded as not enforced and the request goes on', async () => {
      const calls: string[] = [];
      const ex = exchange();
      const chain = compileChain([tracing('shadow', ['identify'], calls, deny('invalid_api_key', 'unknown key'), { enforce: false }), tracing('next', ['identify', 'authorize'], calls)]);
      await run(chain, REQUEST_PHASES, ex, logger);
      assert.deepEqual(calls, ['shadow.identify', 'next.identify', 'next.authorize']);
      assert.deepEqual(ex.decisions, [{ policy: 'shadow', phase: 'identify', verdict: 'deny', reason: 'unknown key', code: 'invalid_api_key', enforced: false }]);
    });
  });

  describe('a hook that throws (the policy itself failed)', () => {
    it('of a fail-open policy is recorded as an error and skipped', async () => {
      const calls: string[] = [];
      const ex = exchange();
      const chain = compileChain([
        policy('flaky', { limit: () => { throw new Error('redis: connection refused'); } }, { failMode: 'open' }),
        tracing('next', ['limit', 'inspectIn'], calls),
      ]);
      await run(chain, REQUEST_PHASES, ex, logger);
      assert.deepEqual(calls, ['next.limit', 'next.inspectIn']);
      assert.deepEqual(ex.decisions, [{ policy: 'flaky', phase: 'limit', verdict: 'error', reason: 'redis: connection refused', enforced: false }]);
    });

    it('of a fail-open policy is skipped even when it threw a GatehouseError', async () => {
      const ex = exchange();
      const chain = compileChain([policy('flaky', { limit: () => { throw new GatehouseError('upstream_unreachable', 'classifier down'); } }, { failMode: 'open' })]);
      await run(chain, REQUEST_PHASES, ex, logger);
      assert.equal(ex.decisions[0].verdict, 'error');
      assert.equal(ex.decisions[0].reason, 'classifier down');
    });

    it('of a fail-closed policy stops the request with 503 policy_failed, keeping the cause', async () => {
      const calls: string[] = [];
      const ex = exchange();
      const cause = new Error('redis: connection refused');
      const chain = compileChain([policy('limits', { limit: () => { throw cause; } }, { failMode: 'closed' }), tracing('next', ['limit', 'inspectIn'], calls)]);
      await assert.rejects(run(chain, REQUEST_PHASES, ex, logger), (err: unknown) => {
        assert.ok(err instanceof GatehouseError);
        assert.equal(err.code, 'policy_failed');
        assert.equal(err.status, 503);
        assert.equal(err.fault, 'gateway');
        assert.match(err.message, /limits/);
        assert.match(err.message, /redis: connection refused/);
        assert.equal(err.cause, cause);
        return true;
      });
      assert.deepEqual(calls, []);
      assert.deepEqual(ex.decisions, [{ policy: 'limits', phase: 'limit', verdict: 'error', reason: 'redis: connection refused', enforced: true }]);
    });

    it('of a fail-closed policy that threw a GatehouseError stops with that error', async () => {
      const thrown = new GatehouseError('invalid_api_key', 'JWKS says no');
      const chain = compileChain([policy('jwt', { identify: () => { throw thrown; } }, { failMode: 'closed' })]);
      await assert.rejects(run(chain, REQUEST_PHASES, exchange(), logger), (err: unknown) => err === thrown);
    });

    it('that is not an Error still yields a readable reason', async () => {
      const ex = exchange();
      const chain = compileChain([
        policy('odd', { identify: () => { throw 'plain string'; } }, { failMode: 'closed' }),
      ]);
      await assert.rejects(run(chain, REQUEST_PHASES, ex, logger), (err: unknown) => err instanceof GatehouseError && err.code === 'policy_failed' && /plain string/.test(err.message));
      assert.equal(ex.decisions[0].reason, 'plain string');
    });

    // The schema promises shadow mode "never blocks"; today a throwing fail-closed policy in shadow
    // mode still answers 503 policy_failed (reported).
    it('of a shadow-mode (enforce: false) fail-closed policy does not block', async () => {
      const ex = exchange();
      const chain = compileChain([policy('shadow', { limit: () => { throw new Error('down'); } }, { enforce: false, failMode: 'closed' })]);
      await run(chain, REQUEST_PHASES, ex, logger);
      assert.equal(ex.decisions[0].enforced, false);
    });
  });

  describe('require_approval', () => {
    it('fails closed with 403 approval_required until approvals exist', async () => {
      const calls: string[] = [];
      const ex = exchange();
      const chain = compileChain([tracing('approval', ['approve'], calls, { action: 'require_approval', reason: 'refund over $500' }), tracing('later', ['approve'], calls)]);
      await assert.rejects(run(chain, REQUEST_PHASES, ex, logger), (err: unknown) => {
        assert.ok(err instanceof GatehouseError);
        assert.equal(err.code, 'approval_required');
        assert.equal(err.status, 403);
        assert.equal(err.fault, 'policy');
        assert.match(err.message, /refund over \$500/);
        return true;
      });
      assert.deepEqual(calls, ['approval.approve']);
      assert.deepEqual(ex.decisions, [{ policy: 'approval', phase: 'approve', verdict: 'require_approval', reason: 'refund over $500', code: 'approval_required', enforced: true }]);
    });

    it('in shadow mode is recorded and the request goes on', async () => {
      const ex = exchange();
      const chain = compileChain([tracing('approval', ['approve'], [], { action: 'require_approval', reason: 'big' }, { enforce: false })]);
      await run(chain, REQUEST_PHASES, ex, logger);
      assert.equal(ex.decisions[0].verdict, 'require_approval');
      assert.equal(ex.decisions[0].enforced, false);
    });
  });

  describe('async hooks', () => {
    const later = <T>(value: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value)));

    it('are awaited before the next hook runs', async () => {
      const calls: string[] = [];
      const ex = exchange();
      const chain = compileChain([
        policy('slow', {
          identify: async (e) => {
            await later(undefined);
            e.requestedModel = 'from-async';
            calls.push('slow.identify done');
            return { action: 'allow', reason: 'async ok' };
          },
        }),
        policy('next', { identify: (e) => void calls.push(`next.identify sees ${e.requestedModel}`) }),
      ]);
      await run(chain, ['identify'], ex, logger);
      assert.deepEqual(calls, ['slow.identify done', 'next.identify sees from-async']);
      assert.equal(ex.decisions[0].reason, 'async ok');
    });

    it('an async deny stops the request', async () => {
      const verdict = deny();
      const chain = compileChain([policy('slow', { authorize: () => later(verdict) })]);
      await assert.rejects(run(chain, REQUEST_PHASES, exchange(), logger), (err: unknown) => verdict?.action === 'deny' && err === verdict.error);
    });

    it('an async rejection is a policy failure like a throw', async () => {
      const ex = exchange();
      const chain = compileChain([
        policy('open', { limit: () => later(null).then(() => Promise.reject(new Error('timeout'))) }, { failMode: 'open' }),
        policy('closed', { limit: () => later(null).then(() => Promise.reject(new Error('timeout'))) }, { failMode: 'closed' }),
      ]);
      await assert.rejects(run(chain, REQUEST_PHASES, ex, logger), (err: unknown) => err instanceof GatehouseError && err.code === 'policy_failed');
      assert.deepEqual(summary(ex.decisions), ['open:limit:error:false', 'closed:limit:error:true']);
    });
  });

  it('records every decision in the order it was made', async () => {
    const ex = exchange();
    const chain = compileChain([
      policy('keys', { identify: () => ({ action: 'allow', reason: 'key demo' }) }),
      policy('shadow', { authorize: () => deny(), inspectOut: () => deny() }, { enforce: false }),
      policy('flaky', { limit: () => { throw new Error('down'); } }, { failMode: 'open' }),
      policy('audit', { authorize: () => ({ action: 'allow' }), account: () => ({ action: 'allow' }) }),
    ]);
    await run(chain, REQUEST_PHASES, ex, logger);
    await run(chain, RESPONSE_PHASES, ex, logger);
    assert.deepEqual(summary(ex.decisions), [
      'keys:identify:allow:true',
      'shadow:authorize:deny:false',
      'audit:authorize:allow:true',
      'flaky:limit:error:false',
      'shadow:inspectOut:deny:false',
      'audit:account:allow:true',
    ]);
  });

  describe('synchronous hooks cost no promise', () => {
    it('returns undefined when every hook answered synchronously, having run them all', () => {
      const calls: string[] = [];
      const chain = compileChain([tracing('a', ['identify', 'authorize'], calls), tracing('b', ['limit'], calls, { action: 'allow' })]);
      const ex = exchange();
      assert.equal(runPhases(chain, REQUEST_PHASES, ex, logger), undefined);
      assert.deepEqual(calls, ['a.identify', 'a.authorize', 'b.limit']);
      assert.deepEqual(summary(ex.decisions), ['b:limit:allow:true']);
    });

    it('throws a synchronous refusal at once, running nothing after it', () => {
      const calls: string[] = [];
      const chain = compileChain([policy('gate', { authorize: () => deny() }), tracing('after', ['limit'], calls)]);
      assert.throws(() => runPhases(chain, REQUEST_PHASES, exchange(), logger), (err: unknown) => err instanceof GatehouseError && err.code === 'model_not_allowed');
      assert.deepEqual(calls, []);
    });

    it('goes on after an asynchronous hook only once it settles, in chain and phase order', async () => {
      const calls: string[] = [];
      let settle!: (v: Verdict) => void;
      const chain = compileChain([
        tracing('first', ['identify'], calls),
        policy('slow', { identify: () => new Promise<Verdict>((resolve) => (settle = resolve)) }),
        tracing('same-phase', ['identify'], calls),
        tracing('next-phase', ['authorize'], calls),
      ]);
      const ex = exchange();
      const pending = runPhases(chain, REQUEST_PHASES, ex, logger);
      assert.ok(pending instanceof Promise);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(calls, ['first.identify']);
      settle({ action: 'allow', reason: 'late' });
      await pending;
      assert.deepEqual(calls, ['first.identify', 'same-phase.identify', 'next-phase.authorize']);
      assert.deepEqual(summary(ex.decisions), ['slow:identify:allow:true']);
    });

    it('rejects with a refusal made after an asynchronous hook', async () => {
      const chain = compileChain([policy('slow', { identify: () => Promise.resolve(undefined) }), policy('gate', { authorize: () => deny() })]);
      const pending = runPhases(chain, REQUEST_PHASES, exchange(), logger);
      assert.ok(pending instanceof Promise);
      await assert.rejects(pending, (err: unknown) => err instanceof GatehouseError && err.code === 'model_not_allowed');
    });
  });
});
