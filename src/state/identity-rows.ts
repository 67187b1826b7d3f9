import type { ApiKeyPatch, ApiKeyRecord, Consumer, SigningKey, Team } from '../identity/model.js';

/** A database row as the driver returns it. */
export type Row = Record<string, unknown>;

/** ApiKeyPatch field → column; the only names that ever reach an UPDATE statement. */
export const KEY_PATCH_COLUMNS = {
  expiresAt: 'expires_at',
  revokedAt: 'revoked_at',
  graceUntil: 'grace_until',
  replacedBy: 'replaced_by',
  lastUsedAt: 'last_used_at',
} as const satisfies Record<keyof ApiKeyPatch, string>;

const optNumber = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const optString = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** Optional fields that are unset are left out of records, never present as undefined or null. */
function compact<T extends object>(record: T): T {
  for (const k of Object.keys(record) as (keyof T)[]) if (record[k] === undefined) delete record[k];
  return record;
}

/** How a dialect stores what is not a plain string or number: JSON columns and booleans. */
export interface RowDialect {
  json<T>(value: unknown): T;
  bool(value: unknown): boolean;
}

/**
 * Row → record for both stores. Numbers are converted with Number(): SQLite gives numbers,
 * PostgreSQL's BIGINT arrives as a string (ms timestamps stay far below 2^53).
 */
export function rowMappers(d: RowDialect) {
  return {
    team: (r: Row): Team => ({
      name: String(r.name),
      grants: d.json(r.grants),
      limits: d.json(r.limits),
      metadata: d.json(r.metadata),
      source: r.source as Team['source'],
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }),
    consumer: (r: Row): Consumer =>
      compact({
        name: String(r.name),
        kind: r.kind as Consumer['kind'],
        team: optString(r.team),
        grants: d.json(r.grants),
        limits: d.json(r.limits),
        metadata: d.json(r.metadata),
        scopes: d.json(r.scopes),
        disabled: d.bool(r.disabled),
        source: r.source as Consumer['source'],
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      }),
    key: (r: Row): ApiKeyRecord =>
      compact({
        id: String(r.id),
        consumer: String(r.consumer),
        hash: String(r.hash),
        prefix: String(r.prefix),
        name: optString(r.name),
        grants: d.json(r.grants),
        createdAt: Number(r.created_at),
        expiresAt: optNumber(r.expires_at),
        revokedAt: optNumber(r.revoked_at),
        graceUntil: optNumber(r.grace_until),
        replacedBy: optString(r.replaced_by),
        lastUsedAt: optNumber(r.last_used_at),
      }),
    signingKey: (r: Row): SigningKey =>
      compact({
        kid: String(r.kid),
        alg: r.alg as SigningKey['alg'],
        privateJwk: String(r.private_jwk),
        publicJwk: String(r.public_jwk),
        createdAt: Number(r.created_at),
        retiredAt: optNumber(r.retired_at),
      }),
  };
}
