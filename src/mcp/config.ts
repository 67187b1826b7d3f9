import { z } from 'zod';
import { storeSchema } from '../identity/identity-config.js';
import { unsafePatternReason } from '../policies/content-rules/safe-pattern.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'use letters, digits, "-" and "_"');
const era = z
  .enum(['auto', 'legacy', 'modern'])
  .default('auto')
  .describe('The protocol era the server speaks: legacy (sessions, 2025-11-25 and before), modern (2026-07-28, stateless), or auto (probe once).');
const timeoutMs = z.number().int().min(100).max(3_600_000).default(60_000).describe('Time the server has to answer one request (from 1 s up it is checked every 250 ms, so it fires at most 250 ms late).');

const httpServerSchema = z
  .object({
    url: z.url().describe('The server\'s Streamable HTTP endpoint, e.g. https://mcp.example.com/mcp.'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('Headers sent to this server: its credentials live here (use ${ENV}); the agent\'s own token is never forwarded.'),
    era,
    timeoutMs,
  })
  .strict();

const stdioServerSchema = z
  .object({
    command: z.string().min(1).describe('The program to spawn (no shell). It must be listed in mcp.stdio.allowCommands.'),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}).describe('The only environment the process gets, besides PATH: nothing else of the gateway\'s leaks.'),
    cwd: z.string().optional().describe('Working directory (relative to the configuration file). Default: the configuration file\'s directory.'),
    era,
    timeoutMs,
  })
  .strict();

export const mcpServerSchema = z.union([httpServerSchema, stdioServerSchema]).describe('An upstream MCP server: `url` (Streamable HTTP) or `command` (stdio).');

const argumentConstraintSchema = z
  .object({
    enum: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional().describe('The only values allowed.'),
    pattern: z
      .string()
      .optional()
      .superRefine((source, ctx) => {
        const reason = source === undefined ? undefined : unsafePatternReason(source);
        if (reason !== undefined) ctx.addIssue({ code: 'custom', message: `pattern refused: ${reason}` });
      })
      .describe('A regular expression a string value must match (checked like content-rules patterns: no catastrophic backtracking).'),
    maxLength: z.number().int().min(0).optional().describe('Longest string (in characters) or array allowed.'),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    required: z.boolean().default(false).describe('The argument must be present.'),
  })
  .strict();

const toolPolicySchema = z
  .object({
    allow: z
      .object({
        teams: z.array(z.string()).optional(),
        consumers: z.array(z.string()).optional().describe('Consumers or agents by name.'),
        kinds: z.array(z.enum(['consumer', 'service', 'agent'])).optional(),
      })
      .strict()
      .optional()
      .describe('Who may see and call the tool: a caller must match every list given. Absent: every caller of the endpoint.'),
    arguments: z.record(z.string(), argumentConstraintSchema).default({}).describe('Constraints per top-level argument.'),
    audit: z.enum(['standard', 'enhanced']).default('standard').describe('enhanced: the call\'s arguments and result are captured in its record.'),
    approval: z
      .enum(['none', 'required'])
      .default('none')
      .describe('required: each call needs a person\'s approval (until the approvals workflow exists: refused with approval_required).'),
  })
  .strict();

const endpointServerRef = z.union([
  name,
  z
    .object({
      server: name,
      prefix: z.string().regex(/^[A-Za-z0-9_-]*$/).optional().describe('Namespace of this server\'s tools, prompts and resources (default: the server name; "" for none).'),
    })
    .strict(),
]);

export function mcpEndpointSchema(policies: z.ZodType) {
  return z
    .object({
      servers: z.array(endpointServerRef).min(1).describe('Upstream servers (names under mcp.servers) aggregated behind this endpoint.'),
      separator: z.string().min(1).max(4).regex(/^[A-Za-z0-9_.-]+$/).default('__').describe('Between prefix and name: server__tool.'),
      tools: z
        .record(z.string(), toolPolicySchema)
        .default({})
        .describe('Tool policy by the name agents see (globs allowed: "github__*"); the first matching entry in file order applies.'),
      defaultToolAccess: z.enum(['allow', 'deny']).default('allow').describe('Tools no `tools` entry matches: listed and callable, or hidden and refused.'),
      policies: policies.optional().describe('Policies for this endpoint\'s tool calls (data-protection, prompt-injection, content-rules ...): arguments in, results out.'),
      allowedOrigins: z
        .array(z.string())
        .default([])
        .describe('Browser origins allowed to call (e.g. https://app.example.com). A request with any other Origin gets 403 (DNS-rebinding protection); requests without Origin are allowed.'),
      sessionIdleSeconds: z.number().int().min(10).max(86_400 * 7).default(1800).describe('A session unused this long is expired (404).'),
    })
    .strict();
}

export function mcpSectionSchema(policies: z.ZodType) {
  return z
    .object({
      stdio: z
        .object({
          allowCommands: z.array(z.string().min(1)).default([]).describe('Programs stdio servers may be spawned from (exact match with `command`). Empty: no stdio server starts.'),
        })
        .strict()
        .default({ allowCommands: [] }),
      servers: z.record(name, mcpServerSchema).default({}).describe('Upstream MCP servers by name.'),
      endpoints: z.record(name, mcpEndpointSchema(policies)).default({}).describe('Virtual servers agents connect to at /mcp/{name}.'),
      sessionSecret: z
        .string()
        .min(32)
        .optional()
        .describe('Key (≥ 32 characters) that seals session ids, so any replica can resume any session. Use ${GATEHOUSE_MCP_SECRET}; the same on every replica. Unset: random per process (sessions do not survive a restart or another replica).'),
      pins: z
        .object({
          mode: z
            .enum(['tofu', 'manual'])
            .default('tofu')
            .describe('tofu: a tool seen for the first time is approved as it is; manual: new tools are quarantined until `gatehouse mcp approve-tool`. A changed definition is quarantined in both modes.'),
          store: storeSchema.default({ type: 'sqlite', path: './data/gatehouse.db' }),
          cacheSeconds: z.number().min(0).max(300).default(5).describe('How long a pin read from the store is trusted: an approval made with the CLI applies within this time.'),
        })
        .strict()
        .default({ mode: 'tofu', store: { type: 'sqlite', path: './data/gatehouse.db' }, cacheSeconds: 5 })
        .describe('Tool pinning against rug pulls: the hash of each tool\'s definition, stored when approved.'),
    })
    .strict()
    .superRefine((mcp, ctx) => {
      for (const [endpoint, config] of Object.entries(mcp.endpoints)) {
        const prefixes = new Map<string, string>();
        config.servers.forEach((ref, i) => {
          const server = typeof ref === 'string' ? ref : ref.server;
          if (!Object.hasOwn(mcp.servers, server)) {
            ctx.addIssue({ code: 'custom', path: ['endpoints', endpoint, 'servers', i], message: `unknown MCP server "${server}" (configured: ${Object.keys(mcp.servers).join(', ') || 'none'})` });
          }
          const prefix = typeof ref === 'string' || ref.prefix === undefined ? (config.servers.length === 1 ? '' : server) : ref.prefix;
          const other = prefixes.get(prefix);
          if (other !== undefined) {
            ctx.addIssue({ code: 'custom', path: ['endpoints', endpoint, 'servers', i], message: `servers "${other}" and "${server}" share the prefix "${prefix}": their names could collide` });
          }
          prefixes.set(prefix, server);
        });
      }
      for (const [server, config] of Object.entries(mcp.servers)) {
        if ('command' in config && !mcp.stdio.allowCommands.includes(config.command)) {
          ctx.addIssue({ code: 'custom', path: ['servers', server, 'command'], message: `"${config.command}" is not in mcp.stdio.allowCommands` });
        }
      }
    });
}

export type McpSection = z.output<ReturnType<typeof mcpSectionSchema>>;
export type McpEndpointConfig = z.output<ReturnType<typeof mcpEndpointSchema>>;
export type McpServerConfig = z.output<typeof mcpServerSchema>;
export type ToolPolicyConfig = z.output<typeof toolPolicySchema>;
export type ArgumentConstraint = z.output<typeof argumentConstraintSchema>;
