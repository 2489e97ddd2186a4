import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MigrationError } from './errors.js';

export interface MigrateOptions {
  /** The folder of `.sql` migrations. Default: `PARLEY_MIGRATIONS_DIR`, else the repository's `migrations/`. */
  dir?: string;
  /** Receives node-pg-migrate's progress lines. Default: discarded. */
  log?: (message: string) => void;
}

export const MIGRATE_DEFAULTS = {
  /** node-pg-migrate's bookkeeping table, in the `public` schema. */
  migrationsTable: 'pgmigrations',
  /** Overrides where the migrations are (a container image that keeps them elsewhere). */
  dirEnvVariable: 'PARLEY_MIGRATIONS_DIR',
  folderName: 'migrations',
  applicationName: 'parley-migrate',
} as const;

/**
 * Applies every pending migration, in order, in one transaction; resolves to the names
 * applied (empty when the database was up to date).
 *
 * Safe to call from every pod at start: node-pg-migrate holds a Postgres advisory lock
 * for the run, and we ask it to *wait* for that lock (its default is to fail), so when
 * several pods start at once one migrates and the others then find nothing left to do.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  const dir = options.dir ?? process.env[MIGRATE_DEFAULTS.dirEnvVariable] ?? findMigrationsDir();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new MigrationError(`migrations folder not found: ${dir}`);
  const log = options.log ?? (() => undefined);
  // Our own client rather than node-pg-migrate's: it ends its client without waiting and
  // without an 'error' listener, so a server closing that connection (a restart, DROP
  // DATABASE ... WITH (FORCE)) would crash the process with an unhandled 'error' event.
  const client = new pg.Client({ connectionString: databaseUrl, application_name: MIGRATE_DEFAULTS.applicationName });
  client.on('error', (error) => log(`migration connection error: ${error.message}`));
  try {
    // Loaded on demand: services that only read through the repositories never need the
    // migrator (nor the module loader it sets up when imported).
    const { runner } = await import('node-pg-migrate');
    await client.connect();
    const applied = await runner({
      dbClient: client,
      dir,
      direction: 'up',
      migrationsTable: MIGRATE_DEFAULTS.migrationsTable,
      // Only .sql files are migrations; a README or editor file beside them is not.
      ignorePattern: String.raw`(?:\..*|.*(?<!\.sql))`,
      singleTransaction: true,
      checkOrder: true,
      advisoryLockMode: 'wait',
      logger: { debug: log, info: log, warn: log, error: log },
    });
    return applied.map((migration) => migration.name);
  } catch (error) {
    throw new MigrationError(`migration failed: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The repository's `migrations/` folder: the nearest ancestor of this module holding both
 * `migrations/` and `package.json`. Walking up works the same from `libs/db/src/*.ts`
 * (vitest) and from `dist/libs/db/src/*.js` (the built apps), and in an image that copies
 * `dist/`, `migrations/` and `package.json` side by side.
 */
export function findMigrationsDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, MIGRATE_DEFAULTS.folderName);
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(dir) === dir) {
      throw new MigrationError(
        `no ${MIGRATE_DEFAULTS.folderName}/ folder beside a package.json above ${from}; pass { dir } or set ${MIGRATE_DEFAULTS.dirEnvVariable}`,
      );
    }
  }
}
