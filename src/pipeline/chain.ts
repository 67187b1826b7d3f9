import { GatehouseError } from '../errors/gatehouse-error.js';
import type { Exchange } from './exchange.js';
import type { HookPhase, Hook, PolicyInstance, Verdict } from './policy.js';
import { REQUEST_PHASES, RESPONSE_PHASES } from './phases.js';
import type { Logger } from '../telemetry/logger.js';

interface ChainEntry {
  readonly policy: PolicyInstance;
  readonly hook: Hook;
}

/** The policy hooks of one route, grouped by phase, compiled once per configuration load. */
export interface CompiledChain {
  readonly policies: readonly PolicyInstance[];
  readonly byPhase: Readonly<Record<HookPhase, readonly ChainEntry[]>>;
  /** Whether any policy hooks a request phase / a response phase: a chain without skips them, with no await. */
  readonly requestHooks: boolean;
  readonly responseHooks: boolean;
}

export function compileChain(policies: readonly PolicyInstance[]): CompiledChain {
  const byPhase = {} as Record<HookPhase, ChainEntry[]>;
  for (const phase of [...REQUEST_PHASES, ...RESPONSE_PHASES]) {
    byPhase[phase] = [];
    for (const policy of policies) {
      const hook = policy.hooks[phase];
      if (hook !== undefined) byPhase[phase].push({ policy, hook });
    }
  }
  const hooked = (phases: readonly HookPhase[]): boolean => phases.some((phase) => byPhase[phase].length > 0);
  return { policies, byPhase, requestHooks: hooked(REQUEST_PHASES), responseHooks: hooked(RESPONSE_PHASES) };
}

/**
 * Runs the hooks of the given phases in order. A deny (when enforced) throws the policy's
 * GatehouseError; a shadow-mode deny is recorded and the request goes on. A hook that throws is its
 * policy failing: fail-open policies are recorded and skipped, fail-closed ones stop the request.
 *
 * Hooks that answer synchronously run synchronously: the result is undefined when every hook did
 * (a refusal is then thrown, not returned), and a promise from the first hook that answered with one
 * (the hooks after it run when it settles). Most hooks are synchronous (access, the guardrails, a
 * cached key), so most requests pay no promise and no await for the chain. Callers await the result
 * (`await undefined` is fine) or test it, as prepareExchange does.
 */
export function runPhases(chain: CompiledChain, phases: readonly HookPhase[], exchange: Exchange, logger: Logger): Promise<void> | undefined {
  return runFrom(chain, phases, 0, 0, exchange, logger);
}

function runFrom(chain: CompiledChain, phases: readonly HookPhase[], fromPhase: number, fromEntry: number, exchange: Exchange, logger: Logger): Promise<void> | undefined {
  for (let p = fromPhase; p < phases.length; p++) {
    const phase = phases[p]!;
    const entries = chain.byPhase[phase];
    for (let i = p === fromPhase ? fromEntry : 0; i < entries.length; i++) {
      const { policy, hook } = entries[i]!;
      let verdict;
      try {
        verdict = hook(exchange);
      } catch (err) {
        hookFailed(policy, phase, exchange, logger, err);
        continue;
      }
      if (verdict instanceof Promise) {
        const next = (): Promise<void> | undefined => runFrom(chain, phases, p, i + 1, exchange, logger);
        return verdict.then(
          (settled: Verdict) => {
            applyVerdict(policy, phase, exchange, settled);
            return next();
          },
          (err: unknown) => {
            hookFailed(policy, phase, exchange, logger, err);
            return next();
          },
        );
      }
      applyVerdict(policy, phase, exchange, verdict);
    }
  }
  return undefined;
}

/** A hook threw or rejected: recorded; throws when its policy fails closed and is enforced. */
function hookFailed(policy: PolicyInstance, phase: HookPhase, exchange: Exchange, logger: Logger, err: unknown): void {
  const reason = err instanceof Error ? err.message : String(err);
  logger.warn({ requestId: exchange.id, policy: policy.name, phase, err: reason, failMode: policy.failMode }, 'policy failed');
  const stops = policy.failMode === 'closed' && policy.enforce;
  exchange.decide({ policy: policy.name, phase, verdict: 'error', reason, enforced: stops });
  if (stops) {
    throw err instanceof GatehouseError ? err : new GatehouseError('policy_failed', `Policy "${policy.name}" could not decide: ${reason}`, { cause: err });
  }
}

/** Records a hook's verdict; throws the refusal when the policy enforces it. */
function applyVerdict(policy: PolicyInstance, phase: HookPhase, exchange: Exchange, verdict: Verdict): void {
  if (verdict === undefined) return;
  if (verdict.action === 'allow') {
    exchange.decide({ policy: policy.name, phase, verdict: 'allow', reason: verdict.reason, enforced: true });
  } else if (verdict.action === 'deny') {
    exchange.decide({ policy: policy.name, phase, verdict: 'deny', reason: verdict.reason, code: verdict.error.code, enforced: policy.enforce });
    if (policy.enforce) throw verdict.error;
  } else {
    exchange.decide({ policy: policy.name, phase, verdict: 'require_approval', reason: verdict.reason, code: 'approval_required', enforced: policy.enforce });
    // Fails closed until the approval workflow exists to hold the request.
    if (policy.enforce) throw new GatehouseError('approval_required', `Policy "${policy.name}" requires approval: ${verdict.reason}`);
  }
}
