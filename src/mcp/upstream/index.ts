/**
 * Upstream MCP clients: createUpstream() picks the transport from the config; everything else the
 * gateway needs is the interfaces in types.ts.
 */
import { HttpUpstream } from './http.js';
import { StdioUpstream } from './stdio.js';
import type { Upstream, UpstreamConfig, UpstreamOptions } from './types.js';

export function createUpstream(config: UpstreamConfig, options: UpstreamOptions): Upstream {
  return config.kind === 'http' ? new HttpUpstream(config, options) : new StdioUpstream(config, options);
}

export { encodeHeaderValue } from './envelope.js';
export { UpstreamError } from './types.js';
export type {
  CallOptions,
  ClientIdentity,
  EraSetting,
  Upstream,
  UpstreamConfig,
  UpstreamErrorKind,
  UpstreamHttpConfig,
  UpstreamMessage,
  UpstreamOptions,
  UpstreamSession,
  UpstreamStdioConfig,
} from './types.js';
