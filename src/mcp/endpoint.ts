import { compileChain, type CompiledChain } from '../pipeline/chain.js';
import type { PolicyInstance } from '../pipeline/policy.js';
import type { McpEndpointConfig } from './config.js';
import { ToolAccess, toolAccessPolicy } from './tool-access.js';

/** One upstream server of an endpoint, with the prefix its names get. */
export interface EndpointServer {
  readonly server: string;
  /** '' when names pass unchanged (an endpoint with one server, or an explicit empty prefix). */
  readonly prefix: string;
}

/** An endpoint (`/mcp/{name}`), compiled once per configuration load. */
export interface CompiledMcpEndpoint {
  readonly name: string;
  readonly config: McpEndpointConfig;
  readonly servers: readonly EndpointServer[];
  readonly access: ToolAccess;
  /** Gateway-wide identify policies, the endpoint's own policies, then `mcp-tools`. */
  readonly chain: CompiledChain;
  /** The agent-facing name of an upstream's tool or prompt. */
  publicName(server: EndpointServer, name: string): string;
  /** Which server and upstream name an agent-facing name stands for, or undefined. */
  resolveName(name: string): { server: EndpointServer; name: string } | undefined;
}

export function compileMcpEndpoint(name: string, config: McpEndpointConfig, policies: readonly PolicyInstance[]): CompiledMcpEndpoint {
  const servers: EndpointServer[] = config.servers.map((ref) => {
    const server = typeof ref === 'string' ? ref : ref.server;
    const prefix = typeof ref === 'string' || ref.prefix === undefined ? (config.servers.length === 1 ? '' : server) : ref.prefix;
    return { server, prefix };
  });
  const access = new ToolAccess(config);
  const sep = config.separator;
  // Longest prefix first, so that "a" does not capture "a_b__tool" meant for prefix "a_b".
  const byPrefix = [...servers].filter((s) => s.prefix !== '').sort((a, b) => b.prefix.length - a.prefix.length);
  const unprefixed = servers.find((s) => s.prefix === '');
  return {
    name,
    config,
    servers,
    access,
    chain: compileChain([...policies, toolAccessPolicy(access, (exchange) => exchange.mcp?.call)]),
    publicName: (server, upstreamName) => (server.prefix === '' ? upstreamName : `${server.prefix}${sep}${upstreamName}`),
    resolveName(publicName) {
      for (const server of byPrefix) {
        const head = server.prefix + sep;
        if (publicName.startsWith(head) && publicName.length > head.length) return { server, name: publicName.slice(head.length) };
      }
      return unprefixed === undefined ? undefined : { server: unprefixed, name: publicName };
    },
  };
}
