/**
 * The identity model: teams, consumers (people, services) and agents (non-human identities with
 * narrow scopes), API keys, and the gateway's own token-signing keys. Times are milliseconds since
 * the epoch; `undefined` means "not set".
 */

export type PrincipalKind = 'consumer' | 'service' | 'agent';

/**
 * What an identity may use. Each list holds names or globs; an absent list means "not restricted
 * at this level". Models are enforced by the access policy; MCP servers/tools and API routes are
 * carried for the MCP and REST surfaces, which enforce them.
 */
export interface Grants {
  readonly models?: readonly string[] | undefined;
  readonly mcpServers?: readonly string[] | undefined;
  readonly mcpTools?: readonly string[] | undefined;
  readonly routes?: readonly string[] | undefined;
}

/** Limits and budgets, carried for the limits work, which enforces them. */
export interface Limits {
  readonly requestsPerMinute?: number | undefined;
  readonly tokensPerMinute?: number | undefined;
  readonly budgetUsdPerMonth?: number | undefined;
}

export type Metadata = Readonly<Record<string, string>>;

export interface Team {
  readonly name: string;
  readonly grants: Grants;
  readonly limits: Limits;
  readonly metadata: Metadata;
  /** `config`: declared in the YAML (re-applied at every start/reload); `api`: made at run time. */
  readonly source: 'config' | 'api';
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Consumer {
  /** Unique, stable; used in key and token records and in the audit trail. */
  readonly name: string;
  readonly kind: PrincipalKind;
  readonly team?: string | undefined;
  readonly grants: Grants;
  readonly limits: Limits;
  readonly metadata: Metadata;
  /** Scopes an agent's tokens carry (e.g. "models:read", "mcp:tickets.read"). */
  readonly scopes: readonly string[];
  readonly disabled: boolean;
  readonly source: 'config' | 'api';
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type TeamInput = Omit<Team, 'createdAt' | 'updatedAt'>;
export type ConsumerInput = Omit<Consumer, 'createdAt' | 'updatedAt'>;

/** A virtual API key. The secret itself is never stored: only its SHA-256 (hex). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly consumer: string;
  /** SHA-256 of the secret, lower-case hex; unique; keys are looked up by it. */
  readonly hash: string;
  /** The first characters of the secret (e.g. "gk-3fA9x"), to recognise a key in lists. */
  readonly prefix: string;
  readonly name?: string | undefined;
  /** Narrows the consumer's grants for this key (never widens them). */
  readonly grants: Grants;
  readonly createdAt: number;
  readonly expiresAt?: number | undefined;
  readonly revokedAt?: number | undefined;
  /** Set on the old key when it is rotated: it keeps working until then. */
  readonly graceUntil?: number | undefined;
  /** The id of the key that replaced this one by rotation. */
  readonly replacedBy?: string | undefined;
  readonly lastUsedAt?: number | undefined;
}

export type ApiKeyPatch = Partial<Pick<ApiKeyRecord, 'expiresAt' | 'revokedAt' | 'graceUntil' | 'replacedBy' | 'lastUsedAt'>>;

/** A key the gateway signs agent tokens with (ES256). Kept until every token it signed expired. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256';
  /** JWK as JSON text. */
  readonly privateJwk: string;
  readonly publicJwk: string;
  readonly createdAt: number;
  /** When it stopped signing (a newer key took over); it still verifies until tokens expire. */
  readonly retiredAt?: number | undefined;
}
