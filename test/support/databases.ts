import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests. Every test file gets its own schema (uniqueSchema) and drops it after, so
 * files can run in parallel against one database and leave nothing behind.
 *
 * Reachability is decided once per process. Under CI a missing PostgreSQL fails the tests (a
 * silently skipped suite would pass CI while testing nothing); on a developer machine the tests
 * are skipped with a message that says how to start it.
 */

const START_HINT = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

export function postgresUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

/** host:port of postgresUrl(), for messages (never the password). */
export function postgresAddress(): string {
  try {
    const u = new URL(postgresUrl());
    return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
  } catch {
    return 'DATABASE_URL';
  }
}

export interface PostgresAvailability {
  readonly reachable: boolean;
  /** Set when not reachable: pass to `describe(..., { skip })` or `t.skip(...)`. */
  readonly skipReason?: string;
}

let probe: Promise<PostgresAvailability> | undefined;

/** Whether PostgreSQL answers `SELECT 1`, probed once per process. Never throws. */
export function postgresAvailability(): Promise<PostgresAvailability> {
  probe ??= probeOnce();
  return probe;
}

async function probeOnce(): Promise<PostgresAvailability> {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { reachable: true };
  } catch (err) {
    const why = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
    return { reachable: false, skipReason: `PostgreSQL not reachable at ${postgresAddress()} (${why}): start it with: ${START_HINT}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Call first in every PostgreSQL test: `if (!(await requirePostgres(t))) return;`. True when
 * PostgreSQL is there; otherwise the test is skipped with a message saying how to start it and
 * false is returned — except under CI, where it throws, so the test fails.
 */
export async function requirePostgres(t: { skip(message?: string): void }): Promise<boolean> {
  const { reachable, skipReason } = await postgresAvailability();
  if (reachable) return true;
  if (process.env.CI) throw new Error(`${skipReason} (CI is set, so PostgreSQL tests must not be skipped)`);
  t.skip(skipReason);
  return false;
}

/** A fresh, valid schema name: prefix + pid + random, so parallel runs and files never collide. */
export function uniqueSchema(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  return `${clean}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs `fn` with a fresh client of its own (ended after), for what a test does beside the store. */
export async function withPostgresClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Fresh schemas for one test file: `next()` names a new one, `dropAll()` (for `after`) drops every
 * one handed out — nothing to do when PostgreSQL is not there.
 */
export function testSchemas(prefix: string): { next(): string; dropAll(): Promise<void> } {
  const schemas: string[] = [];
  return {
    next: () => {
      const schema = uniqueSchema(prefix);
      schemas.push(schema);
      return schema;
    },
    dropAll: async () => {
      if ((await postgresAvailability()).reachable) await Promise.all(schemas.map(dropSchema));
    },
  };
}

/** Drops a test schema and everything in it. Safe to call when it was never created. */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`refusing to drop schema ${JSON.stringify(schema)}`);
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
