/**
 * Opening a session, independent of the transport: the session-era initialize (version offer and
 * check), the 2026-07-28 server/discover, and how a discover answer decides the era of an 'auto'
 * upstream.
 */
import { ERR, LEGACY_VERSIONS, META, MODERN_VERSION, type Era, type Json, type JsonRpcResponse } from '../jsonrpc.js';
import { UpstreamError, type ClientIdentity } from './types.js';

/** What a session knows about its server once it is open. */
export interface ServerDescription {
  era: Era;
  protocolVersion: string;
  serverCapabilities: Json;
  serverInfo: Json;
  instructions: string | undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const LEGACY: readonly string[] = LEGACY_VERSIONS;

/** The version we offer at initialize: the downstream's if it is a session-era version we speak, else our newest. */
export function offeredLegacyVersion(client: ClientIdentity): string {
  return client.protocolVersion !== undefined && LEGACY.includes(client.protocolVersion) ? client.protocolVersion : LEGACY[0];
}

export function initializeParams(client: ClientIdentity): Json {
  return { protocolVersion: offeredLegacyVersion(client), capabilities: client.capabilities, clientInfo: client.clientInfo };
}

/** Checks an initialize response; throws UpstreamError 'protocol' for an error or a version we do not speak. */
export function parseInitializeResponse(upstream: string, response: JsonRpcResponse): ServerDescription {
  if (response.error !== undefined) {
    throw new UpstreamError('protocol', upstream, `initialize failed: ${response.error.code} ${response.error.message}`);
  }
  const result = response.result;
  if (!isObject(result) || typeof result.protocolVersion !== 'string') {
    throw new UpstreamError('protocol', upstream, 'initialize answered without a protocolVersion.');
  }
  if (!LEGACY.includes(result.protocolVersion)) {
    throw new UpstreamError('protocol', upstream, `initialize answered protocol version ${JSON.stringify(result.protocolVersion)}, which this gateway does not speak.`);
  }
  return {
    era: 'legacy',
    protocolVersion: result.protocolVersion,
    serverCapabilities: isObject(result.capabilities) ? result.capabilities : {},
    serverInfo: isObject(result.serverInfo) ? result.serverInfo : {},
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}

/** A DiscoverResult that lists 2026-07-28, as a description; undefined for anything else. */
export function describeDiscover(response: JsonRpcResponse): ServerDescription | undefined {
  const result = response.result;
  if (response.error !== undefined || !isObject(result)) return undefined;
  if (!Array.isArray(result.supportedVersions) || !result.supportedVersions.includes(MODERN_VERSION)) return undefined;
  const meta = isObject(result._meta) ? result._meta : {};
  const serverInfo = meta[META.serverInfo];
  return {
    era: 'modern',
    protocolVersion: MODERN_VERSION,
    serverCapabilities: isObject(result.capabilities) ? result.capabilities : {},
    serverInfo: isObject(serverInfo) ? serverInfo : {},
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}

/** The errors only a 2026-07-28 server answers with (over HTTP, they say "modern" even on a 400). */
const MODERN_ERRORS: readonly number[] = [ERR.headerMismatch, ERR.missingCapability, ERR.unsupportedVersion];

export function isModernError(response: JsonRpcResponse): boolean {
  return response.error !== undefined && MODERN_ERRORS.includes(response.error.code);
}

/** server/discover carries its envelope in `_meta` like every 2026-07-28 request. */
export const DISCOVER = 'server/discover';

/** Turns a discover answer of a server that is modern into its description, or throws 'protocol'. */
export function requireDiscover(upstream: string, response: JsonRpcResponse): ServerDescription {
  const description = describeDiscover(response);
  if (description !== undefined) return description;
  const why = response.error !== undefined ? `${response.error.code} ${response.error.message}` : `it does not list ${MODERN_VERSION}`;
  throw new UpstreamError('protocol', upstream, `server/discover failed: ${why}.`);
}
