import { z } from 'zod';
import { parseDurationSeconds } from './durations.js';

/** A duration: `15m`, `1h`, `30d`... or seconds. Parsed to seconds. */
export const durationSeconds = z
  .union([z.number().positive(), z.string()])
  .transform((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90s, 15m, 12h or 30d (at most 10 years)' });
      return z.NEVER;
    }
    return seconds;
  });

const globList = (what: string) => z.array(z.string().min(1)).optional().describe(what);

const grantsFields = {
  models: globList('Models (names or globs) allowed. Absent: not restricted at this level.'),
  mcpServers: globList('MCP servers allowed (enforced by the MCP gateway).'),
  mcpTools: globList('MCP tools allowed, as "server.tool" globs (enforced by the MCP gateway).'),
  routes: globList('REST API routes allowed (enforced by the API gateway).'),
};

const limitsSchema = z
  .object({
    requestsPerMinute: z.number().int().positive().optional(),
    tokensPerMinute: z.number().int().positive().optional(),
    budgetUsdPerMonth: z.number().positive().optional(),
  })
  .strict()
  .default({})
  .describe('Limits and budgets (enforced by the limits policies).');

const metadataSchema = z.record(z.string(), z.string()).default({}).describe('Free-form labels, kept in the audit trail.');
export const principalName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/, 'use letters, digits, ".", "_", "-", "@" and ":" (at most 128)');

export const teamSchema = z
  .object({ name: principalName.describe('Unique team name.'), ...grantsFields, limits: limitsSchema, metadata: metadataSchema })
  .strict();

/** A key declared in the file, by the SHA-256 of its secret (the secret itself never in the file). */
const declaredKeySchema = z
  .object({
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
      .describe('SHA-256 of the key (hex), e.g. `printf %s "$KEY" | sha256sum`. The key must start with gk-.'),
    name: z.string().min(1).optional().describe('A label for the key.'),
    models: z.array(z.string().min(1)).optional().describe('Narrows the consumer’s models for this key.'),
  })
  .strict();

export const consumerSchema = z
  .object({
    name: principalName.describe('Unique name of the person, service or agent.'),
    kind: z.enum(['consumer', 'service', 'agent']).default('consumer').describe('agent: a non-human identity that gets short-lived tokens.'),
    team: z.string().min(1).optional().describe('Team name; the team’s grants apply too (both must allow).'),
    ...grantsFields,
    scopes: z.array(z.string().min(1)).default([]).describe('Scopes carried by an agent’s tokens.'),
    limits: limitsSchema,
    metadata: metadataSchema,
    disabled: z.boolean().default(false).describe('A disabled consumer’s keys and tokens are refused.'),
    keys: z
      .array(declaredKeySchema)
      .default([])
      .describe('Keys provisioned from the file (GitOps): written to the store at start and reload; one removed from the file is revoked.'),
  })
  .strict();

export const storeSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('sqlite'),
        path: z.string().min(1).default('./data/gatehouse.db').describe('The database file (created with its directory).'),
      })
      .strict(),
    z
      .object({
        type: z.literal('postgres'),
        url: z.string().min(1).describe('postgres://user:password@host:5432/db — use ${DATABASE_URL}.'),
        schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('gatehouse').describe('Schema holding the tables (created if absent).'),
        poolSize: z.number().int().min(1).max(100).default(10),
      })
      .strict(),
  ])
  .describe('Where keys, consumers, teams and signing keys live. Restart-only.');

export const identityConfigSchema = z
  .object({
    store: storeSchema.default({ type: 'sqlite', path: './data/gatehouse.db' }),
    keyCacheSeconds: z.number().min(0).max(300).default(5).describe('How long a key lookup is cached; a revocation made on another replica applies within this time.'),
    teams: z.array(teamSchema).default([]).describe('Teams declared here are written to the store at start and on reload.'),
    consumers: z.array(consumerSchema).default([]).describe('Consumers and agents declared here are written to the store at start and on reload.'),
    agentTokens: z
      .object({
        issuer: z.string().min(1).default('gatehouse').describe('`iss` of the tokens the gateway mints for agents.'),
        audience: z.string().min(1).default('gatehouse').describe('`aud` of those tokens.'),
        defaultTtl: durationSeconds.default(900).describe('Lifetime of a token when none is asked for (default 15m).'),
        maxTtl: durationSeconds.default(3600).describe('Longest lifetime a token may be given (default 1h).'),
      })
      .strict()
      .default({ issuer: 'gatehouse', audience: 'gatehouse', defaultTtl: 900, maxTtl: 3600 }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const teams = new Set<string>();
    config.teams.forEach((t, i) => {
      if (teams.has(t.name)) ctx.addIssue({ code: 'custom', path: ['teams', i, 'name'], message: `duplicate team "${t.name}"` });
      teams.add(t.name);
    });
    const names = new Set<string>();
    config.consumers.forEach((c, i) => {
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: ['consumers', i, 'name'], message: `duplicate consumer "${c.name}"` });
      names.add(c.name);
    });
    if (config.agentTokens.defaultTtl > config.agentTokens.maxTtl) {
      ctx.addIssue({ code: 'custom', path: ['agentTokens', 'defaultTtl'], message: 'longer than maxTtl' });
    }
  })
  .describe('Identities managed by the gateway: the store, declared teams and consumers, agent tokens.');

export type IdentityConfig = z.output<typeof identityConfigSchema>;
export type TeamConfig = z.output<typeof teamSchema>;
export type ConsumerConfig = z.output<typeof consumerSchema>;
