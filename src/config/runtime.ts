import { createHash } from 'node:crypto';
import type { Identity } from '../pipeline/identity.js';
import { compileChain, type CompiledChain } from '../pipeline/chain.js';
import type { PolicyInstance, PolicyModule } from '../pipeline/policy.js';
import { globToRegExp, isGlob } from '../pipeline/glob.js';
import { POLICY_MODULES, DEFAULT_ON_POLICIES } from '../policies/registry.js';
import { providerModule } from '../llm/providers/registry.js';
import type { Provider } from '../llm/providers/types.js';
import { buildPriceTable, type Price, type PriceTable } from '../llm/prices/price-table.js';
import type { GatehouseConfig, ModelRouteConfig, PoliciesConfig } from './schema.js';
import { NO_SERVICES, type GatewayServices } from './services.js';
import { compileMcpEndpoint, type CompiledMcpEndpoint } from '../mcp/endpoint.js';

/** A model route, resolved against providers and policies at load time. */
export interface CompiledRoute {
  /** The configured name (exact model name or glob). */
  readonly name: string;
  readonly isGlob: boolean;
  readonly provider: Provider;
  /** The provider's model id for a requested name. */
  upstreamModel(requested: string): string;
  readonly timeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  /** Bring-your-own-key: the caller's provider key may replace the configured one. */
  readonly clientProviderKey: boolean;
  /** The route's own price, if configured; otherwise prices are looked up by upstream model id. */
  readonly price: Price | undefined;
  readonly chain: CompiledChain;
}

/**
 * The compiled, immutable form of one configuration. Requests capture the current Runtime when
 * they start and finish on it; a reload builds a new one and swaps it in. A retired Runtime closes
 * its provider pools once its last request has finished.
 */
export class Runtime {
  readonly config: GatehouseConfig;
  /** Short hash of the configuration, for logs and /readyz. */
  readonly version: string;
  readonly loadedAt = new Date();
  readonly providers: ReadonlyMap<string, Provider>;
  /** The chain for requests that match no route (used to identify the caller before a 404). */
  readonly defaultChain: CompiledChain;
  readonly prices: PriceTable;
  /** MCP endpoints (`/mcp/{name}`) by name. */
  readonly mcpEndpoints: ReadonlyMap<string, CompiledMcpEndpoint>;
  readonly #exact: ReadonlyMap<string, CompiledRoute>;
  readonly #globs: readonly { re: RegExp; route: CompiledRoute }[];
  #inFlight = 0;
  #retired = false;
  #closed: Promise<void> | undefined;

  /**
   * @param source the configuration as the file gave it, before command-line overrides, so the
   *   version a running gateway reports equals what `gatehouse config check` prints for the file.
   */
  constructor(config: GatehouseConfig, source: GatehouseConfig = config, services: GatewayServices = NO_SERVICES) {
    this.config = config;
    this.version = createHash('sha256').update(JSON.stringify(source)).digest('hex').slice(0, 12);
    const providers = new Map<string, Provider>();
    for (const [name, providerConfig] of Object.entries(config.providers) as [string, { type: string }][]) {
      const module = providerModule(providerConfig.type);
      if (module === undefined) throw new Error(`no provider module for type "${providerConfig.type}"`);
      providers.set(name, module.create(name, providerConfig));
    }
    this.providers = providers;
    this.prices = buildPriceTable(config.prices);

    const globalPolicies = config.policies as PoliciesConfig;
    const sharedInstances = new Map<string, PolicyInstance>();
    const instancesFor = (routeName: string | undefined, overrides: PoliciesConfig | undefined): PolicyInstance[] => {
      const out: PolicyInstance[] = [];
      for (const module of POLICY_MODULES as readonly PolicyModule<unknown>[]) {
        const own = overrides?.[module.name];
        if (own !== undefined) {
          out.push(module.create(own, { route: routeName, services }));
          continue;
        }
        let shared = sharedInstances.get(module.name);
        if (shared === undefined) {
          const globalConfig = globalPolicies[module.name] ?? (DEFAULT_ON_POLICIES.has(module.name) ? module.configSchema.parse({}) : undefined);
          if (globalConfig === undefined) continue;
          shared = module.create(globalConfig, { route: undefined, services });
          sharedInstances.set(module.name, shared);
        }
        out.push(shared);
      }
      return out;
    };

    this.defaultChain = compileChain(instancesFor(undefined, undefined));
    const exact = new Map<string, CompiledRoute>();
    const globs: { re: RegExp; route: CompiledRoute }[] = [];
    for (const routeConfig of config.models) {
      const route = compileRoute(routeConfig, providers, instancesFor(routeConfig.name, routeConfig.policies as PoliciesConfig | undefined));
      if (route.isGlob) globs.push({ re: globToRegExp(route.name), route });
      else exact.set(route.name, route);
    }
    this.#exact = exact;
    this.#globs = globs;
    const endpoints = new Map<string, CompiledMcpEndpoint>();
    for (const [name, endpoint] of Object.entries(config.mcp?.endpoints ?? {})) {
      endpoints.set(name, compileMcpEndpoint(name, endpoint, instancesFor(`mcp:${name}`, endpoint.policies as PoliciesConfig | undefined)));
    }
    this.mcpEndpoints = endpoints;
  }

  resolveRoute(model: string): CompiledRoute | undefined {
    const route = this.#exact.get(model);
    if (route !== undefined) return route;
    for (const { re, route: r } of this.#globs) if (re.test(model)) return r;
    return undefined;
  }

  /**
   * The exact-named models this identity may use and whose provider can serve. The identity comes
   * from the gateway-wide identify policies, so a route that identifies callers its own way (its
   * own keys) is left out: listing it would show it to callers it does not accept.
   */
  listModels(identity: Identity): CompiledRoute[] {
    const matcher = identity.access.models;
    const identifiers = this.defaultChain.byPhase.identify.map((e) => e.policy);
    return [...this.#exact.values()].filter((r) => {
      const own = r.chain.byPhase.identify;
      const sameIdentify = own.length === identifiers.length && own.every((e, i) => e.policy === identifiers[i]);
      // A bring-your-own-key route can serve with the caller's key even when its provider has none.
      const servable = r.provider.unavailableReason === undefined || r.clientProviderKey;
      return sameIdentify && servable && (matcher === undefined || matcher.matches(r.name));
    });
  }

  priceOf(route: CompiledRoute, upstreamModel: string): Price | undefined {
    return route.price ?? this.prices.lookup(upstreamModel);
  }

  retain(): void {
    this.#inFlight++;
  }

  release(): void {
    this.#inFlight--;
    if (this.#retired && this.#inFlight === 0) void this.close();
  }

  /** Marks this runtime as replaced; it closes its providers once no request uses it. */
  retire(): void {
    this.#retired = true;
    if (this.#inFlight === 0) void this.close();
  }

  close(): Promise<void> {
    this.#closed ??= Promise.allSettled([...this.providers.values()].map((p) => p.close())).then(() => undefined);
    return this.#closed;
  }
}

function compileRoute(config: ModelRouteConfig, providers: ReadonlyMap<string, Provider>, policies: PolicyInstance[]): CompiledRoute {
  const provider = providers.get(config.provider) as Provider; // existence checked by the schema
  const fixed = config.model;
  return {
    name: config.name,
    isGlob: isGlob(config.name),
    provider,
    upstreamModel: fixed === undefined ? (requested) => requested : () => fixed,
    timeoutMs: config.timeoutMs,
    streamIdleTimeoutMs: config.streamIdleTimeoutMs,
    clientProviderKey: config.clientProviderKey,
    price: config.price,
    chain: compileChain(policies),
  };
}
