import { isJsonObject as isObject } from '../llm/formats/json-object.js';

/**
 * JSON-RPC 2.0 as MCP uses it, shared by the gateway's front (agents) and its upstream clients
 * (MCP servers). Messages are plain objects: the relay passes fields it does not know untouched.
 */
export type JsonRpcId = string | number;
export type Json = Record<string, unknown>;

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}
export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Json;
}
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Json;
}
export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  result?: Json;
  error?: JsonRpcError;
}
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** The stateless revision. */
export const MODERN_VERSION = '2026-07-28';
/** Session-era revisions we speak, newest first. */
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;
export type Era = 'legacy' | 'modern';

/** Reserved `_meta` keys of 2026-07-28. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** JSON-RPC error codes: the standard ones and those MCP 2026-07-28 defines. */
export const ERR = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** Session era: a resource that does not exist (2026-07-28 uses invalidParams instead). */
  resourceNotFound: -32002,
  headerMismatch: -32020,
  missingCapability: -32021,
  unsupportedVersion: -32022,
} as const;


export function isRequest(m: JsonRpcMessage): m is JsonRpcRequest {
  return 'method' in m && 'id' in m && m.id !== undefined && m.id !== null;
}
export function isNotification(m: JsonRpcMessage): m is JsonRpcNotification {
  return 'method' in m && !('id' in m && m.id !== undefined && m.id !== null);
}
export function isResponse(m: JsonRpcMessage): m is JsonRpcResponse {
  return !('method' in m) && ('result' in m || 'error' in m);
}

/** A message that is not valid JSON-RPC: the front answers it with `code` (HTTP 400). */
export class McpProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'McpProtocolError';
  }
}

/** Checks one parsed value is a JSON-RPC 2.0 message. */
export function toMessage(value: unknown): JsonRpcMessage {
  if (!isObject(value) || value.jsonrpc !== '2.0') throw new McpProtocolError(ERR.invalidRequest, 'Not a JSON-RPC 2.0 message.');
  if ('method' in value) {
    if (typeof value.method !== 'string') throw new McpProtocolError(ERR.invalidRequest, '"method" must be a string.');
    if (value.params !== undefined && !isObject(value.params)) throw new McpProtocolError(ERR.invalidRequest, '"params" must be an object.');
    if ('id' in value && value.id !== undefined && typeof value.id !== 'string' && typeof value.id !== 'number') {
      throw new McpProtocolError(ERR.invalidRequest, '"id" must be a string or a number.');
    }
    return value as unknown as JsonRpcMessage;
  }
  if (!('id' in value) || !('result' in value || 'error' in value)) throw new McpProtocolError(ERR.invalidRequest, 'A message needs a method, or an id with a result or an error.');
  if ('error' in value && (!isObject(value.error) || typeof value.error.code !== 'number')) throw new McpProtocolError(ERR.invalidRequest, '"error" must be an object with a numeric code.');
  return value as unknown as JsonRpcMessage;
}

/** Parses one JSON-RPC message from text (a batch array is refused: no revision we serve allows it after 2025-03-26). */
export function parseMessage(text: string): JsonRpcMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new McpProtocolError(ERR.parse, 'The body is not valid JSON.');
  }
  if (Array.isArray(value)) throw new McpProtocolError(ERR.invalidRequest, 'JSON-RPC batches are not supported; send one message per request.');
  return toMessage(value);
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

export function resultResponse(id: JsonRpcId, result: Json): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}
