import type { z } from 'zod';
import type { GatehouseError } from '../errors/gatehouse-error.js';
import type { Exchange } from './exchange.js';
import type { GatewayServices } from '../config/services.js';
import type { RequestPhase, ResponsePhase } from './phases.js';

/**
 * What a hook returns. Returning nothing means "continue". A policy that rewrites text does so
 * through the Exchange's text view and records a `mutate` decision itself.
 */
export type Verdict =
  | undefined
  | { readonly action: 'allow'; readonly reason?: string }
  | { readonly action: 'deny'; readonly error: GatehouseError; readonly reason?: string }
  | { readonly action: 'require_approval'; readonly reason: string };

export type Hook = (exchange: Exchange) => Verdict | Promise<Verdict>;

export type HookPhase = RequestPhase | ResponsePhase;

/** A configured policy, created once per compiled runtime (never per request). */
export interface PolicyInstance {
  readonly name: string;
  /** false = shadow mode: decide and record, but never act on a deny. */
  readonly enforce: boolean;
  /** What happens when the hook itself throws (its dependency failed): let the request through, or stop it. */
  readonly failMode: 'open' | 'closed';
  readonly hooks: Partial<Record<HookPhase, Hook>>;
}

export interface PolicyContext {
  /** The route this instance is compiled for, or undefined for the gateway-wide default chain. */
  readonly route: string | undefined;
  /** The gateway's long-lived services (identity store, token verifiers). */
  readonly services: GatewayServices;
}

/**
 * A policy module: its name, its config schema (next to the code that reads it) and a factory.
 * Adding a policy means one folder under src/policies/ and one line in src/policies/registry.ts.
 */
export interface PolicyModule<C> {
  readonly name: string;
  readonly description: string;
  readonly configSchema: z.ZodType<C>;
  /** The Exchange fields its hooks write, documented in docs/pipeline.md. */
  readonly writes: readonly string[];
  create(config: C, context: PolicyContext): PolicyInstance;
}
