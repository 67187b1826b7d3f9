import type { MigrationSet, SchemaMigration } from './schema-migration.js';

/**
 * Versioned schema of the identity store (see SchemaMigration for the rules). Applied versions
 * are recorded in `schema_migrations`.
 *
 * Layout choices shared by both dialects: JSON documents (grants, limits, metadata, scopes) are one
 * column each (TEXT on SQLite, jsonb on PostgreSQL) because they are read whole and never queried
 * into; times are integer milliseconds since the epoch; `seq` is an insertion counter that breaks
 * ties between rows created in the same millisecond, so "newest first" is deterministic.
 * api_keys.consumer has no foreign key: deleteConsumer removes the keys itself, and a key may be
 * written before its consumer is (config is applied in any order).
 */
export const IDENTITY_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'teams, consumers, api keys, signing keys',
    sqlite: `
      CREATE TABLE teams (
        name TEXT PRIMARY KEY,
        grants TEXT NOT NULL,
        limits TEXT NOT NULL,
        metadata TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE consumers (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        team TEXT,
        grants TEXT NOT NULL,
        limits TEXT NOT NULL,
        metadata TEXT NOT NULL,
        scopes TEXT NOT NULL,
        disabled INTEGER NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX consumers_by_team ON consumers (team);
      CREATE TABLE api_keys (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        consumer TEXT NOT NULL,
        hash TEXT NOT NULL,
        prefix TEXT NOT NULL,
        name TEXT,
        grants TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        grace_until INTEGER,
        replaced_by TEXT,
        last_used_at INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (hash);
      CREATE INDEX api_keys_by_consumer ON api_keys (consumer, created_at);
      CREATE TABLE signing_keys (
        seq INTEGER PRIMARY KEY,
        kid TEXT NOT NULL UNIQUE,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        retired_at INTEGER
      ) STRICT;
    `,
    postgres: (s) => `
      CREATE TABLE ${s}.teams (
        name TEXT PRIMARY KEY,
        grants JSONB NOT NULL,
        limits JSONB NOT NULL,
        metadata JSONB NOT NULL,
        source TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE ${s}.consumers (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        team TEXT,
        grants JSONB NOT NULL,
        limits JSONB NOT NULL,
        metadata JSONB NOT NULL,
        scopes JSONB NOT NULL,
        disabled BOOLEAN NOT NULL,
        source TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX consumers_by_team ON ${s}.consumers (team);
      CREATE TABLE ${s}.api_keys (
        id TEXT PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        consumer TEXT NOT NULL,
        hash TEXT NOT NULL,
        prefix TEXT NOT NULL,
        name TEXT,
        grants JSONB NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT,
        grace_until BIGINT,
        replaced_by TEXT,
        last_used_at BIGINT
      );
      CREATE UNIQUE INDEX api_keys_by_hash ON ${s}.api_keys (hash);
      CREATE INDEX api_keys_by_consumer ON ${s}.api_keys (consumer, created_at);
      CREATE TABLE ${s}.signing_keys (
        kid TEXT PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        retired_at BIGINT
      );
    `,
  },
];

/** The identity store's migrations; the table name is stored in databases in use, never renamed. */
export const IDENTITY_SCHEMA: MigrationSet = { table: 'schema_migrations', migrations: IDENTITY_MIGRATIONS };
