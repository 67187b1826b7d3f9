import type { ApiKeyRecord, Consumer, Team } from '../identity/model.js';

/** A stored time as ISO 8601; a value no date can show (a row written by an older version) as null. */
const iso = (ms: number | undefined): string | null => {
  if (ms === undefined) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

/** Where a key stands now: what a list shows and what a request with it would get. */
export function keyStatus(key: ApiKeyRecord, now: number): 'active' | 'rotating' | 'revoked' | 'expired' | 'rotated' {
  if (key.revokedAt !== undefined) return 'revoked';
  if (key.expiresAt !== undefined && key.expiresAt <= now) return 'expired';
  if (key.graceUntil !== undefined) return key.graceUntil <= now ? 'rotated' : 'rotating';
  return 'active';
}

/** A key as the admin API and the CLI show it: never the hash, never a secret. */
export function keyView(key: ApiKeyRecord, now: number = Date.now()): Record<string, unknown> {
  return {
    id: key.id,
    consumer: key.consumer,
    name: key.name ?? null,
    prefix: key.prefix,
    models: key.grants.models ?? null,
    status: keyStatus(key, now),
    created_at: iso(key.createdAt),
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    grace_until: iso(key.graceUntil),
    replaced_by: key.replacedBy ?? null,
  };
}

export function consumerView(c: Consumer): Record<string, unknown> {
  return {
    name: c.name,
    kind: c.kind,
    team: c.team ?? null,
    ...c.grants,
    scopes: c.scopes,
    limits: c.limits,
    metadata: c.metadata,
    disabled: c.disabled,
    source: c.source,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

export function teamView(t: Team): Record<string, unknown> {
  return { name: t.name, ...t.grants, limits: t.limits, metadata: t.metadata, source: t.source, created_at: iso(t.createdAt), updated_at: iso(t.updatedAt) };
}
