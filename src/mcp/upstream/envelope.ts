/**
 * What each era puts around a request: 2026-07-28 carries the client's identity in every request's
 * `params._meta` (plus, over HTTP, headers that repeat the method and name); the session era carries
 * nothing per request, and must not carry the 2026 keys (a dual-era server would route the request
 * as 2026 traffic).
 */
import { META, MODERN_VERSION, type Json } from '../jsonrpc.js';
import type { CallOptions, ClientIdentity } from './types.js';

const ENVELOPE_KEYS: readonly string[] = [META.protocolVersion, META.clientCapabilities, META.clientInfo, META.logLevel];

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** params with the 2026-07-28 envelope in `_meta`; other `_meta` keys (progressToken, traceparent…) are kept. */
export function withModernMeta(params: Json | undefined, client: ClientIdentity, options: CallOptions = {}): Json {
  const meta: Json = isObject(params?._meta) ? { ...params._meta } : {};
  meta[META.protocolVersion] = MODERN_VERSION;
  meta[META.clientCapabilities] = options.clientCapabilities ?? client.capabilities;
  meta[META.clientInfo] = client.clientInfo;
  if (options.logLevel !== undefined) meta[META.logLevel] = options.logLevel;
  else delete meta[META.logLevel];
  return { ...params, _meta: meta };
}

/** params without the 2026-07-28 envelope keys (a session-era request says who it is once, at initialize). */
export function withoutModernMeta(params: Json | undefined): Json | undefined {
  if (params === undefined || !isObject(params._meta)) return params;
  const meta = params._meta;
  if (!ENVELOPE_KEYS.some((k) => k in meta)) return params;
  const kept: Json = {};
  for (const [k, v] of Object.entries(meta)) if (!ENVELOPE_KEYS.includes(k)) kept[k] = v;
  const out: Json = { ...params };
  if (Object.keys(kept).length === 0) delete out._meta;
  else out._meta = kept;
  return out;
}

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';

/**
 * An HTTP header value per 2026-07-28: plain when it is visible ASCII (tab allowed) without leading
 * or trailing whitespace, otherwise `=?base64?<base64 of UTF-8>?=` — as is a literal that already
 * looks like the sentinel, and the empty string.
 */
export function encodeHeaderValue(value: string): string {
  return needsBase64(value) ? `${SENTINEL_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SENTINEL_SUFFIX}` : value;
}

function needsBase64(s: string): boolean {
  if (s.length === 0) return true;
  if (s.startsWith(SENTINEL_PREFIX) && s.endsWith(SENTINEL_SUFFIX)) return true;
  if (s !== s.trim()) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 9 && (c < 0x20 || c > 0x7e)) return true;
  }
  return false;
}

/** Methods whose target must be repeated in `Mcp-Name`, and the param that names it. */
const NAME_PARAM: Readonly<Record<string, string>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** The 2026-07-28 headers for one POST: MCP-Protocol-Version, Mcp-Method and, where required, Mcp-Name. */
export function modernHeaders(method: string, params: Json | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': encodeHeaderValue(method) };
  const param = NAME_PARAM[method];
  const name = param === undefined ? undefined : params?.[param];
  // A non-string name is left out: the upstream answers -32020 and the caller gets that response.
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
  return headers;
}
