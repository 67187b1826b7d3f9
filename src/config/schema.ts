import { z } from 'zod';
import { POLICY_MODULES } from '../policies/registry.js';
import { PROVIDER_MODULES } from '../llm/providers/registry.js';
import { identityConfigSchema } from '../identity/identity-config.js';
import { tlsListenerSchema } from '../server/tls-config.js';
import { PROVIDER_KEY_HEADER } from '../routing/provider-key.js';
import { mcpSectionSchema } from '../mcp/config.js';

/** A byte size: a number of bytes, or a string such as "512kb", "10mb". */
export const byteSize = z
  .union([z.number().int().positive(), z.string().regex(/^\s*\d+(\.\d+)?\s*(b|kb|mb|gb)?\s*$/i, 'must be a size such as 512kb or 10mb')])
  .transform((value) => {
    if (typeof value === 'number') return value;
    const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value) as RegExpExecArray;
    const unit = (m[2] ?? 'b').toLowerCase();
    const mult = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
    return Math.floor(Number(m[1]) * mult);
  });

const port = z.number().int().min(0).max(65535);
const ms = z.number().int().min(0);

const adminSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Bind address of the admin listener.'),
    port: port.default(8081).describe('Port of the admin listener (health, readiness, the admin API). 0 = any free port.'),
    token: z
      .string()
      .optional()
      .describe('Bearer token of the admin API (/admin/...). Use ${GATEHOUSE_ADMIN_TOKEN}. Unset or empty: the admin API is off.'),
  })
  .strict();

const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Bind address of the data plane. Use 0.0.0.0 to listen on all interfaces.'),
    port: port.default(8080).describe('Port of the data plane. 0 = any free port. Overridden by --port and PORT.'),
    admin: adminSchema.default({ host: '127.0.0.1', port: 8081 }).describe('The admin listener: /healthz and /readyz.'),
    maxBodyBytes: byteSize.default(10 * 1024 * 1024).describe('Largest request body accepted; larger ones get 413 body_too_large.'),
    headersTimeoutMs: ms.default(30_000).describe('Time a client has to send the request headers; 408 request_timeout after that.'),
    requestTimeoutMs: ms.default(300_000).describe('Time a client has to send the request body once its headers arrived; 408 request_timeout after that. 0 = no limit.'),
    keepAliveTimeoutMs: ms.default(65_000).describe('Idle time after which a keep-alive client connection is closed.'),
    shutdownTimeoutMs: ms.default(30_000).describe('On SIGTERM/SIGINT, how long in-flight requests (streams included) get to finish.'),
    heapGrowthPercent: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(100)
      .describe(
        'How far the JavaScript heap may grow past what the last full garbage collection left alive, in percent, before the next: ' +
          '100 = up to 2×. Lower bounds memory under load at some CPU; 0 lets V8 choose (up to 4×). ' +
          'A --heap-growing-percent given to node wins. See README, "Memory under saturation".',
      ),
    tls: tlsListenerSchema.optional().describe('An extra HTTPS listener for the data plane that asks for client certificates (mTLS). Restart-only.'),
  })
  .strict();

const priceSchema = z
  .object({
    input: z.number().min(0).describe('USD per million input tokens.'),
    output: z.number().min(0).describe('USD per million output tokens.'),
    cachedInput: z.number().min(0).optional().describe('USD per million cached input tokens (defaults to input).'),
    cacheWrite: z.number().min(0).optional().describe('USD per million prompt-cache write tokens (defaults to input).'),
  })
  .strict();

/** `policies:` — one optional key per registered policy, each validated by the policy's own schema. */
const policiesSchema = z
  .object(Object.fromEntries(POLICY_MODULES.map((m) => [m.name, m.configSchema.optional()])) as Record<string, z.ZodOptional<z.ZodType>>)
  .strict()
  .describe('Policies by name. Gateway-wide at the top level; a model route may override a policy by naming it again.');

const providerSchema = z.discriminatedUnion(
  'type',
  PROVIDER_MODULES.map((m) => m.configSchema) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

const providerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "-", "_" and "."');

const modelRouteSchema = z
  .object({
    name: z.string().min(1).describe('The model name clients send. May be a glob ("gpt-*"): then the requested name is passed on.'),
    provider: z.string().min(1).describe('Name of a provider under `providers`.'),
    model: z.string().min(1).optional().describe("The provider's model id. Defaults to the requested name."),
    timeoutMs: z.number().int().min(1).default(120_000).describe('Time the provider has to start answering (headers).'),
    streamIdleTimeoutMs: z.number().int().min(1).default(60_000).describe('Longest silence allowed between two chunks of a streamed answer.'),
    price: priceSchema.optional().describe("Price for this route; otherwise the price of the provider's model id is looked up."),
    clientProviderKey: z
      .boolean()
      .default(false)
      .describe(
        `Bring your own key: accept the caller's own provider key in the "${PROVIDER_KEY_HEADER}" header and use it instead of the provider's. ` +
          'Off by default: provider keys stay in the gateway, and the header is refused elsewhere.',
      ),
    policies: policiesSchema.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    server: serverSchema.default(serverSchema.parse({})).describe('Listeners, body size limit, client timeouts and shutdown.'),
    logging: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('Log level (JSON lines on stdout). GATEHOUSE_LOG_LEVEL overrides it. Applied on reload.'),
      })
      .strict()
      .default({ level: 'info' })
      .describe('Logging.'),
    providers: z.record(providerName, providerSchema).default({}).describe('Upstream providers by name.'),
    models: z.array(modelRouteSchema).default([]).describe('Model routes: exact names first, then globs in file order.'),
    prices: z.record(z.string(), priceSchema).default({}).describe('Prices per model id, added to or overriding the shipped table.'),
    policies: policiesSchema.default({}),
    identity: identityConfigSchema.optional(),
    mcp: mcpSectionSchema(policiesSchema).optional().describe('The MCP gateway: upstream MCP servers and the endpoints agents connect to (docs/mcp.md).'),
  })
  .strict()
  .superRefine((config, ctx) => {
    checkIdentifyPolicies(config.policies as PoliciesConfig, ['policies'], config.identity !== undefined, ctx);
    config.models.forEach((route, i) => {
      if (route.policies !== undefined) {
        const merged = { ...(config.policies as PoliciesConfig), ...(route.policies as PoliciesConfig) };
        checkIdentifyPolicies(merged, ['models', i, 'policies'], config.identity !== undefined, ctx);
      }
    });
    const names = new Set<string>();
    config.models.forEach((route, i) => {
      if (!Object.hasOwn(config.providers, route.provider)) {
        const known = Object.keys(config.providers);
        ctx.addIssue({
          code: 'custom',
          path: ['models', i, 'provider'],
          message: `unknown provider "${route.provider}"${known.length > 0 ? ` (configured: ${known.join(', ')})` : ' (no providers are configured)'}`,
        });
      }
      if (names.has(route.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model route "${route.name}"` });
      names.add(route.name);
    });
  });

/** `identity` needs the store, and competes with `api-keys` for the same credentials: one or the other. */
function checkIdentifyPolicies(policies: PoliciesConfig, path: (string | number)[], hasIdentitySection: boolean, ctx: z.RefinementCtx): void {
  if (policies.identity === undefined) return;
  if (!hasIdentitySection) {
    ctx.addIssue({ code: 'custom', path: [...path, 'identity'], message: 'the identity policy needs the top-level `identity` section (its store)' });
  }
  if (policies['api-keys'] !== undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'api-keys'], message: 'use `identity` or `api-keys` in one chain, not both (both would judge the same credential)' });
  }
}

export type GatehouseConfig = z.infer<typeof configSchema>;
export type ModelRouteConfig = GatehouseConfig['models'][number];
export type ServerConfig = GatehouseConfig['server'];
export type PoliciesConfig = Record<string, unknown>;
