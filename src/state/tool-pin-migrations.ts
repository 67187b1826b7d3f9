import type { MigrationSet, SchemaMigration } from './schema-migration.js';

/**
 * Versioned schema of the tool pin store (see SchemaMigration for the rules). It may share a
 * SQLite file or a PostgreSQL schema with the identity store, so its versions are recorded in a
 * table of its own, `mcp_tool_pins_migrations`, never in the identity store's `schema_migrations`.
 *
 * Times are integer milliseconds since the epoch; `summary` is JSON (TEXT on SQLite, jsonb on
 * PostgreSQL), read whole.
 */
export const TOOL_PIN_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'mcp tool pins',
    sqlite: `
      CREATE TABLE mcp_tool_pins (
        server TEXT NOT NULL,
        tool TEXT NOT NULL,
        approved_hash TEXT,
        approved_at INTEGER,
        approved_by TEXT,
        pending_hash TEXT,
        pending_reason TEXT,
        pending_since INTEGER,
        summary TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (server, tool)
      ) STRICT;
    `,
    postgres: (s) => `
      CREATE TABLE ${s}.mcp_tool_pins (
        server TEXT NOT NULL,
        tool TEXT NOT NULL,
        approved_hash TEXT,
        approved_at BIGINT,
        approved_by TEXT,
        pending_hash TEXT,
        pending_reason TEXT,
        pending_since BIGINT,
        summary JSONB,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (server, tool)
      );
    `,
  },
];

/** The tool pin store's migrations; the table name is stored in databases in use, never renamed. */
export const TOOL_PIN_SCHEMA: MigrationSet = { table: 'mcp_tool_pins_migrations', migrations: TOOL_PIN_MIGRATIONS };
