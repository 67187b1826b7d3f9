import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it as nodeIt, type TestContext } from 'node:test';
import { requirePostgres, testSchemas } from './databases.js';

/**
 * One conformance suite per store interface, run on each backend (SQLite file, :memory:,
 * PostgreSQL): the suite is written once against a StoreHarness, and each backend supplies one.
 */

/** What every store has: test/state suites migrate it and close it after each test. */
export interface ConformingStore {
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a store on a harness's database; several calls share that database. */
export type StoreOpener<S> = (options?: { now?: () => number }) => S;

export interface StoreHarness<O> {
  /** A fresh, empty database: the opener may be called several times for stores sharing it. */
  fresh(): O;
  cleanup(): Promise<void>;
  /** Runs first in every test; false means the test was skipped (the database is not there). */
  available?: (t: TestContext) => Promise<boolean>;
}

/** An injected clock, set back to the suite's start before each test. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export interface SuiteContext<S> {
  /** node:test's `it`, skipping (or, under CI, failing) when the harness's database is not there. */
  it(name: string, fn: () => Promise<void>): void;
  /** Closes `store` after the test; returns it. */
  track(store: S): S;
  /** A migrated store on a fresh database, on the clock, closed after the test. */
  fresh(): Promise<S>;
  /** `count` stores sharing one fresh database, migrated one after the other, on the clock, closed after the test. */
  freshShared(count: number): Promise<S[]>;
  clock: TestClock;
}

export interface SuiteOptions<S> {
  /** Where the clock starts in each test (ms since the epoch). */
  readonly start: number;
  /** Writes something with `writer` and asserts that `reader`, another store on the same database, reads it. */
  readonly sharedWrite: (writer: S, reader: S) => Promise<void>;
}

/**
 * Declares `describe(label)`: the migration test every store passes (migrate() is safe twice and
 * from several stores at once), then the tests `suite` declares through its context.
 */
export function storeConformance<S extends ConformingStore>(
  label: string,
  harness: StoreHarness<StoreOpener<S>>,
  { start, sharedWrite }: SuiteOptions<S>,
  suite: (ctx: SuiteContext<S>) => void,
): void {
  let t = start;
  const clock: TestClock = { now: () => t, advance: (ms) => void (t += ms) };
  let opened: S[] = [];
  const track = (store: S): S => (opened.push(store), store);
  const freshShared = async (count: number): Promise<S[]> => {
    const open = harness.fresh();
    const stores = Array.from({ length: count }, () => track(open({ now: clock.now })));
    for (const store of stores) await store.migrate();
    return stores;
  };
  const it = (name: string, fn: () => Promise<void>): void =>
    void nodeIt(name, async (tc) => {
      if (harness.available === undefined || (await harness.available(tc))) await fn();
    });
  describe(label, () => {
    beforeEach(() => {
      t = start;
    });
    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
    });
    after(() => harness.cleanup());
    it('migrates twice, and concurrently from several stores sharing one database', async () => {
      const open = harness.fresh();
      const stores = [open(), open(), open()].map(track);
      await Promise.all(stores.map((s) => s.migrate()));
      await stores[0]!.migrate();
      await sharedWrite(stores[1]!, stores[2]!);
    });
    suite({
      it,
      track,
      fresh: async () => (await freshShared(1))[0]!,
      freshShared,
      clock,
    });
  });
}

/**
 * SQLite files: each fresh() is a new file whose directory does not exist yet (so the store creates
 * it), all under one temp directory removed at cleanup.
 */
export function sqliteFileHarness<O>(prefix: string, fileName: string, opener: (path: string) => O): StoreHarness<O> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let files = 0;
  return {
    fresh: () => opener(join(dir, `db-${++files}`, fileName)),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** PostgreSQL: each fresh() is a new schema, all dropped at cleanup; skipped (failed under CI) without PostgreSQL. */
export function postgresHarness<O>(prefix: string, opener: (schema: string) => O): StoreHarness<O> {
  const schemas = testSchemas(prefix);
  return { fresh: () => opener(schemas.next()), cleanup: schemas.dropAll, available: requirePostgres };
}
