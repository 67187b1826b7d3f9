/**
 * A store's versioned schema: each version carries its SQLite and its PostgreSQL form side by
 * side so the two dialects cannot drift apart. A released version is never edited, renumbered or
 * renamed (databases in use have recorded it): a change is a new version appended to the list.
 * Run by sqlite-migrations.ts and postgres-migrations.ts.
 */
export interface SchemaMigration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  /** Receives the schema name already quoted as an identifier. */
  readonly postgres: (schema: string) => string;
}

/**
 * A store's migrations and the table that records which of them were applied. Stores may share a
 * SQLite file or a PostgreSQL schema, so each records its versions in a table of its own.
 */
export interface MigrationSet {
  /** The bookkeeping table: (version, name, applied_at). A constant, never user input. */
  readonly table: string;
  readonly migrations: readonly SchemaMigration[];
}

/** Bookkeeping table names go into SQL unquoted, so they are checked against a plain pattern. */
export function bookkeepingTable(set: MigrationSet): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(set.table)) throw new Error(`invalid migrations table name: ${JSON.stringify(set.table)}`);
  return set.table;
}
