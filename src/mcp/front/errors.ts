import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { RenderedError } from '../../llm/formats/error-headers.js';
import { ERR, errorResponse, type JsonRpcId, type JsonRpcResponse } from '../jsonrpc.js';
import { UpstreamError } from '../upstream/types.js';

/**
 * JSON-RPC error codes for the gateway's own refusals. The standard ones where they fit
 * (-32602 for a bad argument), otherwise codes in the implementation-defined range, always with
 * our stable code, its fault domain and the request id in `data`, as on every other surface:
 *   -32001 the caller is not authenticated (HTTP 401)      -32003 a policy refused
 *   -32004 an upstream MCP server failed                     -32603 the gateway failed
 */
export const GATEWAY_ERR = { unauthenticated: -32001, policy: -32003, upstream: -32004 } as const;

export function rpcCodeOf(error: GatehouseError): number {
  if (error.code === 'tool_arguments_rejected' || error.code === 'invalid_request' || error.code === 'invalid_json') return ERR.invalidParams;
  if (error.status === 401) return GATEWAY_ERR.unauthenticated;
  if (error.fault === 'policy') return GATEWAY_ERR.policy;
  if (error.fault === 'provider') return GATEWAY_ERR.upstream;
  if (error.fault === 'caller') return ERR.invalidRequest;
  return ERR.internal;
}

/** A GatehouseError as the JSON-RPC error answering request `id`. */
export function rpcError(id: JsonRpcId | null, error: GatehouseError, requestId: string): JsonRpcResponse {
  return errorResponse(id, rpcCodeOf(error), error.message, { code: error.code, fault: error.fault, requestId });
}

/** HTTP-level errors on /mcp/ paths (before any JSON-RPC id is known): a JSON-RPC error with id null. */
export function renderMcpError(error: GatehouseError, requestId: string): RenderedError {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error.status === 401) headers['www-authenticate'] = 'Bearer';
  return { status: error.status, headers, body: JSON.stringify(rpcError(null, error, requestId)) };
}

/** An upstream transport failure as a GatehouseError. */
export function upstreamFailure(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (err instanceof UpstreamError) {
    const code = err.kind === 'timeout' ? 'upstream_timeout' : 'mcp_upstream_unavailable';
    return new GatehouseError(code, `MCP server "${err.upstream}": ${err.message}`, { cause: err });
  }
  return new GatehouseError('mcp_upstream_unavailable', `An MCP server failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
