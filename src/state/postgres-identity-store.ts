import type { ApiKeyPatch, ApiKeyRecord, ConsumerInput, SigningKey, TeamInput } from '../identity/model.js';
import { IDENTITY_STORE_ERRORS, type IdentityStore } from './identity-store.js';
import { IDENTITY_SCHEMA } from './identity-migrations.js';
import { KEY_PATCH_COLUMNS, rowMappers, type Row } from './identity-rows.js';
import { runPostgresMigrations, quoteIdent } from './postgres-migrations.js';
import { openPostgresPool, type PostgresConnectionOptions } from './postgres-pool.js';

const fromRow = rowMappers({ json: <T>(v: unknown): T => v as T, bool: (v) => v === true });

/** The connection (a pool of 10 unless poolSize says otherwise), the schema and the clock. */
export interface PostgresIdentityStoreOptions extends PostgresConnectionOptions {
  /** Every table lives in this schema (created by migrate() if absent). Default "gatehouse". */
  readonly schema?: string;
  /** The clock for createdAt/updatedAt; tests inject one. */
  readonly now?: () => number;
}

/**
 * The distributed identity store. Table names are qualified with the schema in every statement
 * (rather than a per-connection search_path) so that no statement depends on session state, which
 * also keeps it correct behind a transaction-pooling proxy. The pool connects lazily: opening never
 * fails, the first query reports an unreachable database.
 */
export function openPostgresIdentityStore(options: PostgresIdentityStoreOptions): IdentityStore {
  const now = options.now ?? Date.now;
  const schema = options.schema ?? 'gatehouse';
  const s = quoteIdent(schema);
  const { pool, query, guard, close } = openPostgresPool(options, 10, IDENTITY_STORE_ERRORS);
  const one = async (what: string, sql: string, params: unknown[]): Promise<Row | undefined> => (await query(what, sql, params))[0];

  const getKey = async (id: string): Promise<ApiKeyRecord | undefined> => {
    const row = await one('getKey', `SELECT * FROM ${s}.api_keys WHERE id = $1`, [id]);
    return row === undefined ? undefined : fromRow.key(row);
  };

  return {
    kind: 'postgres',

    migrate: () => guard('migrate', () => runPostgresMigrations(pool, schema, IDENTITY_SCHEMA, now())),

    upsertTeam: async (team: TeamInput) => {
      const row = await one(
        'upsertTeam',
        `INSERT INTO ${s}.teams (name, grants, limits, metadata, source, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (name) DO UPDATE SET grants = excluded.grants, limits = excluded.limits,
           metadata = excluded.metadata, source = excluded.source, updated_at = excluded.updated_at
         RETURNING *`,
        [team.name, JSON.stringify(team.grants), JSON.stringify(team.limits), JSON.stringify(team.metadata), team.source, now()],
      );
      return fromRow.team(row as Row);
    },
    getTeam: async (name) => {
      const row = await one('getTeam', `SELECT * FROM ${s}.teams WHERE name = $1`, [name]);
      return row === undefined ? undefined : fromRow.team(row);
    },
    listTeams: async () => (await query('listTeams', `SELECT * FROM ${s}.teams ORDER BY name COLLATE "C"`)).map(fromRow.team),
    deleteTeam: async (name) => (await query('deleteTeam', `DELETE FROM ${s}.teams WHERE name = $1 RETURNING name`, [name])).length > 0,

    upsertConsumer: async (c: ConsumerInput) => {
      const row = await one(
        'upsertConsumer',
        `INSERT INTO ${s}.consumers
           (name, kind, team, grants, limits, metadata, scopes, disabled, source, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, team = excluded.team,
           grants = excluded.grants, limits = excluded.limits, metadata = excluded.metadata,
           scopes = excluded.scopes, disabled = excluded.disabled, source = excluded.source,
           updated_at = excluded.updated_at
         RETURNING *`,
        [
          c.name,
          c.kind,
          c.team ?? null,
          JSON.stringify(c.grants),
          JSON.stringify(c.limits),
          JSON.stringify(c.metadata),
          JSON.stringify(c.scopes),
          c.disabled,
          c.source,
          now(),
        ],
      );
      return fromRow.consumer(row as Row);
    },
    getConsumer: async (name) => {
      const row = await one('getConsumer', `SELECT * FROM ${s}.consumers WHERE name = $1`, [name]);
      return row === undefined ? undefined : fromRow.consumer(row);
    },
    listConsumers: async (filter = {}) => {
      const conditions: string[] = [];
      const params: unknown[] = [];
      if (filter.kind !== undefined) conditions.push(`kind = $${params.push(filter.kind)}`);
      if (filter.team !== undefined) conditions.push(`team = $${params.push(filter.team)}`);
      const whereSql = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      return (await query('listConsumers', `SELECT * FROM ${s}.consumers ${whereSql} ORDER BY name COLLATE "C"`, params)).map(fromRow.consumer);
    },
    // One statement, so the keys and the consumer go together without an explicit transaction.
    deleteConsumer: async (name) =>
      (
        await query(
          'deleteConsumer',
          `WITH gone_keys AS (DELETE FROM ${s}.api_keys WHERE consumer = $1)
           DELETE FROM ${s}.consumers WHERE name = $1 RETURNING name`,
          [name],
        )
      ).length > 0,

    insertKey: async (key: ApiKeyRecord) => {
      await query(
        'insertKey',
        `INSERT INTO ${s}.api_keys (id, consumer, hash, prefix, name, grants, created_at, expires_at,
           revoked_at, grace_until, replaced_by, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          key.id,
          key.consumer,
          key.hash,
          key.prefix,
          key.name ?? null,
          JSON.stringify(key.grants),
          key.createdAt,
          key.expiresAt ?? null,
          key.revokedAt ?? null,
          key.graceUntil ?? null,
          key.replacedBy ?? null,
          key.lastUsedAt ?? null,
        ],
      );
    },
    findKeyByHash: async (hash) => {
      const row = await one('findKeyByHash', `SELECT * FROM ${s}.api_keys WHERE hash = $1`, [hash]);
      return row === undefined ? undefined : fromRow.key(row);
    },
    getKey,
    listKeys: async (filter = {}) => {
      const rows =
        filter.consumer === undefined
          ? await query('listKeys', `SELECT * FROM ${s}.api_keys ORDER BY created_at DESC, seq DESC`)
          : await query('listKeys', `SELECT * FROM ${s}.api_keys WHERE consumer = $1 ORDER BY created_at DESC, seq DESC`, [filter.consumer]);
      return rows.map(fromRow.key);
    },
    // One conditional UPDATE: concurrent claims on a row queue on its lock, and each re-checks the
    // WHERE against the committed row (READ COMMITTED), so exactly one of them matches.
    claimKeyReplacement: async (id, patch) => {
      const row = await one(
        'claimKeyReplacement',
        `UPDATE ${s}.api_keys SET replaced_by = $2, grace_until = $3
         WHERE id = $1 AND replaced_by IS NULL AND revoked_at IS NULL RETURNING *`,
        [id, patch.replacedBy, patch.graceUntil],
      );
      return row === undefined ? undefined : fromRow.key(row);
    },
    updateKey: async (id, patch) => {
      // A field given as undefined counts as not given, so spreading optional inputs never clears.
      const fields = (Object.keys(KEY_PATCH_COLUMNS) as (keyof ApiKeyPatch)[]).filter((f) => patch[f] !== undefined);
      if (fields.length === 0) return getKey(id);
      const params: unknown[] = [id];
      const sets = fields.map((f) => `${KEY_PATCH_COLUMNS[f]} = $${params.push(patch[f])}`).join(', ');
      const row = await one('updateKey', `UPDATE ${s}.api_keys SET ${sets} WHERE id = $1 RETURNING *`, params);
      return row === undefined ? undefined : fromRow.key(row);
    },

    insertSigningKey: async (key: SigningKey) => {
      await query(
        'insertSigningKey',
        `INSERT INTO ${s}.signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [key.kid, key.alg, key.privateJwk, key.publicJwk, key.createdAt, key.retiredAt ?? null],
      );
    },
    listSigningKeys: async () =>
      (await query('listSigningKeys', `SELECT * FROM ${s}.signing_keys ORDER BY created_at DESC, seq DESC`)).map(fromRow.signingKey),
    retireSigningKey: async (kid, at) => {
      await query('retireSigningKey', `UPDATE ${s}.signing_keys SET retired_at = $2 WHERE kid = $1`, [kid, at]);
    },
    pruneSigningKeys: async (before) =>
      (await query('pruneSigningKeys', `DELETE FROM ${s}.signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1 RETURNING kid`, [before]))
        .length,

    close,
  };
}
