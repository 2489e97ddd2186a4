import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MigrationError } from './errors.js';
import { MIGRATE_DEFAULTS, findMigrationsDir, migrate } from './migrate.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

/** Every migration of the repository, in the order they apply: derived, so a new one never breaks these tests. */
const REPOSITORY_MIGRATIONS = readdirSync(findMigrationsDir())
  .filter((file) => file.endsWith('.sql'))
  .map((file) => file.replace(/\.sql$/, ''))
  .sort();
const SCHEMA_TABLES = ['channels', 'commands', 'communities', 'pgmigrations', 'webhook_modules'];
const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

async function emptyDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase(undefined, { migrate: false });
  databases.push(database);
  return database;
}

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-migrations-'));
  tempDirs.push(dir);
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

async function tables(database: TestDatabase): Promise<string[]> {
  const { rows } = await database.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

afterEach(async () => {
  await Promise.all(databases.splice(0).map((database) => database.drop()));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  delete process.env[MIGRATE_DEFAULTS.dirEnvVariable];
});

describe('migrate', () => {
  it('applies the repository migrations once and reports their names', async () => {
    const database = await emptyDatabase();
    const lines: string[] = [];
    expect(await migrate(database.url, { log: (line) => lines.push(line) })).toEqual(REPOSITORY_MIGRATIONS);
    for (const name of REPOSITORY_MIGRATIONS) expect(lines.join('\n')).toContain(name);
    expect(await tables(database)).toEqual(expect.arrayContaining(SCHEMA_TABLES));
    expect(await migrate(database.url)).toEqual([]);
  });

  it('runs once when four pods start at the same time (advisory lock, waiting)', async () => {
    const database = await emptyDatabase();
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(database.url)));
    expect(results.flat()).toEqual(REPOSITORY_MIGRATIONS);
    expect(results.filter((names) => names.length === 0)).toHaveLength(3);
    const { rows } = await database.pool.query<{ name: string; count: string }>(
      'SELECT name, count(*) AS count FROM pgmigrations GROUP BY name',
    );
    expect(rows.map((row) => row.count)).toEqual(REPOSITORY_MIGRATIONS.map(() => '1'));
    expect(rows.map((row) => row.name).sort()).toEqual(REPOSITORY_MIGRATIONS);
  });

  it('applies pending migrations in order, in one transaction, and ignores files that are not .sql', async () => {
    const database = await emptyDatabase();
    const dir = await migrationsDir({
      '2_second.sql': '-- Up Migration\nCREATE TABLE second (id int);\n-- Down Migration\nDROP TABLE second;\n',
      '1_first.sql': '-- Up Migration\nCREATE TABLE first (id int);\n-- Down Migration\nDROP TABLE first;\n',
      'README.md': 'not a migration',
      '.editor.swp': 'not a migration either',
    });
    expect(await migrate(database.url, { dir })).toEqual(['1_first', '2_second']);
    await writeFile(join(dir, '3_third.sql'), '-- Up Migration\nCREATE TABLE third (id int);\n');
    expect(await migrate(database.url, { dir })).toEqual(['3_third']);
  });

  it('rolls every pending migration back when one fails, with a typed error', async () => {
    const database = await emptyDatabase();
    const dir = await migrationsDir({
      '1_good.sql': '-- Up Migration\nCREATE TABLE good (id int);\n',
      '2_bad.sql': '-- Up Migration\nCREATE TABLE bad (id int REFERENCES nowhere (id));\n',
    });
    const error = await migrate(database.url, { dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain('nowhere');
    expect(await tables(database)).toEqual(['pgmigrations']);
    // The lock was released: a fixed migration set goes through afterwards.
    await rm(join(dir, '2_bad.sql'));
    expect(await migrate(database.url, { dir })).toEqual(['1_good']);
  });

  it('takes the folder from PARLEY_MIGRATIONS_DIR when no dir is passed', async () => {
    const database = await emptyDatabase();
    process.env[MIGRATE_DEFAULTS.dirEnvVariable] = await migrationsDir({ '1_env.sql': 'CREATE TABLE from_env (id int);' });
    expect(await migrate(database.url)).toEqual(['1_env']);
    expect(await tables(database)).toContain('from_env');
  });

  it('fails with a typed error when the folder does not exist', async () => {
    const database = await emptyDatabase();
    await expect(migrate(database.url, { dir: join(tmpdir(), 'parley-no-such-folder') })).rejects.toBeInstanceOf(MigrationError);
  });
});

describe('the repository migrations', () => {
  it('goes down and up again cleanly', async () => {
    const database = await emptyDatabase();
    await migrate(database.url);
    const dbClient = new pg.Client({ connectionString: database.url });
    await dbClient.connect();
    try {
      const options = { dbClient, dir: findMigrationsDir(), migrationsTable: MIGRATE_DEFAULTS.migrationsTable, log: () => undefined };
      await runner({ ...options, direction: 'down', count: Infinity });
      expect(await tables(database)).toEqual(['pgmigrations']);
      await runner({ ...options, direction: 'up' });
      expect(await tables(database)).toEqual(expect.arrayContaining(SCHEMA_TABLES));
    } finally {
      await dbClient.end();
    }
  });
});

describe('findMigrationsDir', () => {
  const repoMigrations = findMigrationsDir();

  it('finds the repository folder from the sources', () => {
    expect(repoMigrations).toBe(resolve(import.meta.dirname, '../../../migrations'));
  });

  it('finds the same folder from the compiled output', () => {
    expect(findMigrationsDir(resolve(repoMigrations, '../dist/libs/db/src'))).toBe(repoMigrations);
  });

  it('fails with a typed error where there is no such folder', async () => {
    const dir = await migrationsDir({});
    expect(() => findMigrationsDir(dir)).toThrow(MigrationError);
  });
});
