import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from './migrate.js';
import { createPool } from './pool.js';

/** Test helpers for code that talks to Postgres; import from `@parley/db/testing`, never in production code. */

export const TEST_DATABASE_DEFAULTS = {
  url: 'postgres://postgres@127.0.0.1:5432/postgres',
  namePrefix: 'parley_test_',
  poolMax: 5,
} as const;

export interface TestDatabase {
  /** A connection URL for the new database (hand it to apps under test as DATABASE_URL). */
  url: string;
  /** The database's name, e.g. `parley_test_3f9a…`. */
  name: string;
  /** A pool on it, ended by `drop()`. */
  pool: pg.Pool;
  /** Ends the pool and drops the database, disconnecting anyone still on it. Safe to call twice. */
  drop(): Promise<void>;
}

/** The server the integration tests use: `DATABASE_URL`, or a local default (trust auth). */
export function databaseUrl(): string {
  return process.env.DATABASE_URL || TEST_DATABASE_DEFAULTS.url;
}

export interface TestDatabaseOptions {
  /** Apply the repository's migrations (default true); false gives an empty database for migration tests. */
  migrate?: boolean;
}

/**
 * A fresh, migrated database of its own for one test file, so test files running in
 * parallel never see each other's rows. `name` must be a plain identifier; default random.
 */
export async function createTestDatabase(
  name: string = `${TEST_DATABASE_DEFAULTS.namePrefix}${randomBytes(8).toString('hex')}`,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  await admin(`CREATE DATABASE "${name}"`);
  const url = urlFor(name);
  try {
    if (options.migrate ?? true) await migrate(url);
  } catch (error) {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  const pool = createPool(url, { max: TEST_DATABASE_DEFAULTS.poolMax, applicationName: 'parley-test' });
  let dropped: Promise<void> | undefined;
  return {
    url,
    name,
    pool,
    drop: () =>
      (dropped ??= (async () => {
        await pool.end();
        await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      })()),
  };
}

/** `DATABASE_URL` with its database swapped for `name` (credentials and options kept). */
function urlFor(name: string): string {
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** CREATE/DROP DATABASE cannot run in a transaction or on the database itself: use the server's own. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl(), application_name: 'parley-test-admin' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
