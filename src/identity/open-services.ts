import { dirname, isAbsolute, resolve } from 'node:path';
import type { GatehouseConfig } from '../config/schema.js';
import type { GatewayServices } from '../config/services.js';
import type { IdentityStore } from '../state/identity-store.js';
import { openPostgresIdentityStore } from '../state/postgres-identity-store.js';
import { openSqliteIdentityStore } from '../state/sqlite-identity-store.js';
import { createAgentTokenService } from './agent-tokens.js';
import type { IdentityConfig } from './identity-config.js';
import { IdentityService } from './identity-service.js';
import type { Consumer, Team } from './model.js';

export type AgentTokenService = ReturnType<typeof createAgentTokenService>;

/** The services of a running gateway (or a CLI command), and how to keep them in step with the file. */
export interface OpenedServices {
  readonly services: GatewayServices;
  readonly identity: IdentityService | undefined;
  readonly agentTokens: AgentTokenService | undefined;
  /** Writes the teams and consumers the configuration declares to the store (start and every reload). */
  sync(config: GatehouseConfig): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the identity store named by the configuration (relative SQLite paths are relative to the
 * configuration file), migrates it, and applies the declared teams and consumers. Without an
 * `identity` section nothing is opened.
 */
export async function openGatewayServices(config: GatehouseConfig, configPath: string): Promise<OpenedServices> {
  const identityConfig = config.identity;
  if (identityConfig === undefined) {
    return { services: {}, identity: undefined, agentTokens: undefined, sync: async () => undefined, close: async () => undefined };
  }
  const store = openStore(identityConfig, configPath);
  try {
    await store.migrate();
    const identity = new IdentityService(store, { keyCacheMs: identityConfig.keyCacheSeconds * 1000 });
    const { issuer, audience, defaultTtl, maxTtl } = identityConfig.agentTokens;
    const agentTokens = createAgentTokenService(store, { issuer, audience, defaultTtlSeconds: defaultTtl, maxTtlSeconds: maxTtl });
    const verifier = agentTokens.verifier();
    const opened: OpenedServices = {
      services: { identity, agentTokens: { issuer, verify: (token) => verifier.verify(token) } },
      identity,
      agentTokens,
      sync: (next) => syncDeclared(store, identity, next.identity),
      close: () => store.close(),
    };
    await opened.sync(config);
    return opened;
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

function openStore(config: IdentityConfig, configPath: string): IdentityStore {
  const store = config.store;
  if (store.type === 'postgres') return openPostgresIdentityStore({ url: store.url, schema: store.schema, poolSize: store.poolSize });
  const path = store.path === ':memory:' || isAbsolute(store.path) ? store.path : resolve(dirname(configPath), store.path);
  return openSqliteIdentityStore(path);
}

/**
 * Declared teams and consumers are written with source "config". One that was declared before and
 * no longer is gets disabled, not deleted: a typo in the file must not destroy its keys.
 */
async function syncDeclared(store: IdentityStore, identity: IdentityService, config: IdentityConfig | undefined): Promise<void> {
  if (config === undefined) return;
  const grantsOf = (g: { models?: string[] | undefined; mcpServers?: string[] | undefined; mcpTools?: string[] | undefined; routes?: string[] | undefined }) => ({
    models: g.models,
    mcpServers: g.mcpServers,
    mcpTools: g.mcpTools,
    routes: g.routes,
  });
  for (const t of config.teams) {
    await store.upsertTeam({ name: t.name, grants: grantsOf(t), limits: t.limits, metadata: t.metadata, source: 'config' } satisfies Omit<Team, 'createdAt' | 'updatedAt'>);
  }
  const declared = new Set(config.consumers.map((c) => c.name));
  for (const c of config.consumers) {
    await store.upsertConsumer({
      name: c.name,
      kind: c.kind,
      team: c.team,
      grants: grantsOf(c),
      limits: c.limits,
      metadata: c.metadata,
      scopes: c.scopes,
      disabled: c.disabled,
      source: 'config',
    } satisfies Omit<Consumer, 'createdAt' | 'updatedAt'>);
  }
  // No longer in the file: handed over to the admin API (source "api"), a consumer disabled.
  for (const c of await store.listConsumers()) {
    if (c.source === 'config' && !declared.has(c.name)) await store.upsertConsumer({ ...c, disabled: true, source: 'api' });
  }
  const declaredTeams = new Set(config.teams.map((t) => t.name));
  for (const t of await store.listTeams()) {
    if (t.source === 'config' && !declaredTeams.has(t.name)) await store.upsertTeam({ ...t, source: 'api' });
  }
  await syncDeclaredKeys(store, config);
  identity.forgetAll();
}

/** Ids of keys declared in the file: derived from the hash, so each sync finds its own. */
const DECLARED_KEY_ID = 'key_cfg_';

/** Declared keys are inserted once; a declared key no longer in the file is revoked. */
async function syncDeclaredKeys(store: IdentityStore, config: IdentityConfig): Promise<void> {
  const wanted = new Set<string>();
  for (const c of config.consumers) {
    for (const k of c.keys) {
      const hash = k.sha256.toLowerCase();
      const id = `${DECLARED_KEY_ID}${hash.slice(0, 24)}`;
      wanted.add(id);
      const existing = await store.findKeyByHash(hash);
      if (existing !== undefined) {
        if (existing.consumer !== c.name) throw new Error(`identity.consumers: a key of "${c.name}" is already a key of "${existing.consumer}"`);
        continue;
      }
      await store.insertKey({ id, consumer: c.name, hash, prefix: 'gk-(file)', name: k.name, grants: k.models === undefined ? {} : { models: k.models }, createdAt: Date.now() });
    }
  }
  for (const key of await store.listKeys()) {
    if (key.id.startsWith(DECLARED_KEY_ID) && !wanted.has(key.id) && key.revokedAt === undefined) await store.updateKey(key.id, { revokedAt: Date.now() });
  }
}
