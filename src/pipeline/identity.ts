/** Who is calling. Set in the identify phase; read by every later phase and the recorder. */
export interface Identity {
  /** Stable id of the caller, e.g. `key:demo`. */
  readonly id: string;
  readonly kind: 'consumer' | 'service' | 'agent' | 'anonymous';
  /** Human-readable name (the key's name, a JWT subject...). */
  readonly name: string;
  readonly team?: string | undefined;
  /** How the caller proved who they are, e.g. `api-key`. */
  readonly method: string;
  /** Which policy rule identified the caller (e.g. the key's name), for the audit trail. */
  readonly rule: string;
  /** What this identity may use. A missing entry means "not restricted by the identity". */
  readonly access: IdentityAccess;
  /** The credential used: a key id, a token's jti, a certificate fingerprint (never a secret). */
  readonly credential?: string | undefined;
  /** Scopes the credential carries (agent tokens, OAuth scopes). */
  readonly scopes?: readonly string[] | undefined;
}

export interface IdentityAccess {
  /** Compiled model matcher, or undefined when the identity does not restrict models. */
  readonly models?: ModelMatcher | undefined;
  /**
   * MCP servers, MCP tools and API routes this identity may use, for the surfaces that enforce
   * them: one glob list per level that restricts (team, consumer, key); a name must match every list.
   */
  readonly mcpServers?: readonly (readonly string[])[] | undefined;
  readonly mcpTools?: readonly (readonly string[])[] | undefined;
  readonly routes?: readonly (readonly string[])[] | undefined;
}

export interface ModelMatcher {
  readonly patterns: readonly string[];
  matches(model: string): boolean;
}

export const ANONYMOUS: Identity = Object.freeze({
  id: 'anonymous',
  kind: 'anonymous',
  name: 'anonymous',
  method: 'none',
  rule: 'no identify policy on this route',
  access: Object.freeze({}),
});
