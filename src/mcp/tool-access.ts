import { GatehouseError } from '../errors/gatehouse-error.js';
import { globToRegExp } from '../pipeline/glob.js';
import type { Identity } from '../pipeline/identity.js';
import type { PolicyInstance } from '../pipeline/policy.js';
import type { ArgumentConstraint, McpEndpointConfig, ToolPolicyConfig } from './config.js';
import type { Json } from './jsonrpc.js';

interface CompiledToolPolicy {
  readonly pattern: string;
  readonly re: RegExp;
  readonly config: ToolPolicyConfig;
  readonly arguments: readonly { name: string; check: (value: unknown) => string | undefined; required: boolean }[];
}

/**
 * The endpoint's tool rules, compiled once per configuration: who sees and may call each tool
 * (config `allow`, and the identity's own MCP grants), argument constraints, audit level and
 * approval. `tools/list` and `tools/call` ask the same `visible` question, so a caller never sees a
 * tool it may not call.
 */
export class ToolAccess {
  readonly #rules: readonly CompiledToolPolicy[];
  readonly #defaultAllow: boolean;

  constructor(config: McpEndpointConfig) {
    this.#rules = Object.entries(config.tools).map(([pattern, rule]) => ({
      pattern,
      re: globToRegExp(pattern),
      config: rule,
      arguments: Object.entries(rule.arguments).map(([name, c]) => ({ name, check: compileConstraint(name, c), required: c.required })),
    }));
    this.#defaultAllow = config.defaultToolAccess === 'allow';
  }

  rule(tool: string): CompiledToolPolicy | undefined {
    for (const rule of this.#rules) if (rule.re.test(tool)) return rule;
    return undefined;
  }

  /** Why `identity` may not see or call `tool` (served by upstream `server`), or undefined when it may. */
  refusal(identity: Identity, server: string, tool: string): string | undefined {
    const rule = this.rule(tool);
    if (rule === undefined && !this.#defaultAllow) return 'no tool rule allows it (defaultToolAccess: deny)';
    const allow = rule?.config.allow;
    if (allow !== undefined) {
      if (allow.kinds !== undefined && !allow.kinds.includes(identity.kind as 'consumer')) return `callers of kind ${identity.kind} are not allowed`;
      if (allow.teams !== undefined && (identity.team === undefined || !allow.teams.includes(identity.team))) return `team ${identity.team ?? '(none)'} is not allowed`;
      if (allow.consumers !== undefined && !allow.consumers.includes(identity.name)) return `"${identity.name}" is not allowed`;
    }
    const grants = identity.access;
    if (grants.mcpServers !== undefined && !grants.mcpServers.every((list) => list.some((g) => grantGlob(g).test(server)))) return `"${identity.name}" has no grant for MCP server ${server}`;
    if (grants.mcpTools !== undefined && !grants.mcpTools.every((list) => list.some((g) => grantGlob(g).test(tool)))) return `"${identity.name}" has no grant for tool ${tool}`;
    return undefined;
  }

  /** The first argument constraint `args` breaks, as a message naming the argument (never its value). */
  argumentProblem(tool: string, args: Json | undefined): string | undefined {
    const rule = this.rule(tool);
    if (rule === undefined) return undefined;
    for (const arg of rule.arguments) {
      const value = args?.[arg.name];
      if (value === undefined) {
        if (arg.required) return `argument "${arg.name}" is required`;
        continue;
      }
      const problem = arg.check(value);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  audit(tool: string): 'standard' | 'enhanced' {
    return this.rule(tool)?.config.audit ?? 'standard';
  }

  needsApproval(tool: string): boolean {
    return this.rule(tool)?.config.approval === 'required';
  }
}

/** Grant globs come from identities (the store), not the configuration: compiled once each, bounded. */
const GRANT_GLOBS = new Map<string, RegExp>();
function grantGlob(glob: string): RegExp {
  let re = GRANT_GLOBS.get(glob);
  if (re === undefined) {
    if (GRANT_GLOBS.size >= 4096) GRANT_GLOBS.clear();
    re = globToRegExp(glob);
    GRANT_GLOBS.set(glob, re);
  }
  return re;
}

function compileConstraint(name: string, c: ArgumentConstraint): (value: unknown) => string | undefined {
  const re = c.pattern === undefined ? undefined : new RegExp(c.pattern, 'u');
  return (value) => {
    if (c.enum !== undefined && !c.enum.some((allowed) => allowed === value)) return `argument "${name}" must be one of ${JSON.stringify(c.enum)}`;
    if (typeof value === 'string') {
      if (c.maxLength !== undefined && value.length > c.maxLength) return `argument "${name}" is longer than ${c.maxLength} characters`;
      if (re !== undefined && !re.test(value)) return `argument "${name}" does not match the pattern ${c.pattern}`;
    } else if (re !== undefined) {
      return `argument "${name}" must be a string`;
    }
    if (Array.isArray(value) && c.maxLength !== undefined && value.length > c.maxLength) return `argument "${name}" has more than ${c.maxLength} items`;
    if (c.minimum !== undefined || c.maximum !== undefined) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `argument "${name}" must be a number`;
      if (c.minimum !== undefined && value < c.minimum) return `argument "${name}" is below ${c.minimum}`;
      if (c.maximum !== undefined && value > c.maximum) return `argument "${name}" is above ${c.maximum}`;
    }
    return undefined;
  };
}

/** What the tools/call Exchange carries for the `mcp-tools` policy. */
export interface ToolCallInfo {
  readonly endpoint: string;
  readonly server: string;
  /** The name the agent called. */
  readonly tool: string;
  /** The upstream's own name. */
  readonly upstreamTool: string;
  readonly arguments: Json | undefined;
}

/**
 * The endpoint's tool rules as a policy instance at the front of its chain, so that its verdicts
 * are decisions on the Exchange like any other policy's: authorize (who), inspectIn (arguments),
 * approve (approval required).
 */
export function toolAccessPolicy(access: ToolAccess, getCall: (exchange: Parameters<NonNullable<PolicyInstance['hooks']['authorize']>>[0]) => ToolCallInfo | undefined): PolicyInstance {
  return {
    name: 'mcp-tools',
    enforce: true,
    failMode: 'closed',
    hooks: {
      authorize(exchange) {
        const call = getCall(exchange);
        if (call === undefined) return undefined;
        const why = access.refusal(exchange.identity, call.server, call.tool);
        if (why === undefined) return { action: 'allow', reason: `tool ${call.tool}` };
        return { action: 'deny', error: new GatehouseError('tool_not_allowed', `Tool "${call.tool}" is not available to this caller.`), reason: why };
      },
      inspectIn(exchange) {
        const call = getCall(exchange);
        if (call === undefined) return undefined;
        const problem = access.argumentProblem(call.tool, call.arguments);
        if (problem === undefined) return undefined;
        return { action: 'deny', error: new GatehouseError('tool_arguments_rejected', `Tool "${call.tool}": ${problem}.`), reason: problem };
      },
      approve(exchange) {
        const call = getCall(exchange);
        if (call === undefined || !access.needsApproval(call.tool)) return undefined;
        return { action: 'require_approval', reason: `tool ${call.tool} requires approval` };
      },
    },
  };
}
