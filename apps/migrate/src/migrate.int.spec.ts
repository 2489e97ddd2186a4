import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@parley/db/testing';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../../dist/apps/migrate/src/main.js', import.meta.url));

/** Runs the built app as the chart's Job does: exactly `env`, nothing inherited but PATH. */
function runMigrate(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, lines: `${result.stdout}${result.stderr}`.trim().split('\n').filter(Boolean) };
}

describe('the migrate app (the chart’s pre-install/pre-upgrade Job)', () => {
  it('applies every migration once, then finds nothing to do', async () => {
    const database = await createTestDatabase(undefined, { migrate: false });
    try {
      const first = runMigrate({ DATABASE_URL: database.url });
      expect(first.status).toBe(0);
      const report = JSON.parse(first.lines.at(-1)!) as { msg: string; applied: string[]; service: string };
      expect(report).toMatchObject({ service: 'migrate', msg: 'migrations applied' });
      expect(report.applied.length).toBeGreaterThan(0);
      const { rows } = await database.pool.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');
      expect(rows.map((row) => row.name)).toEqual(report.applied);

      const second = runMigrate({ DATABASE_URL: database.url });
      expect(second.status).toBe(0);
      expect(JSON.parse(second.lines.at(-1)!)).toMatchObject({ msg: 'database already up to date', applied: [] });
    } finally {
      await database.drop();
    }
  });

  it('exits 78 with one line naming DATABASE_URL when it is missing, and 1 when the database cannot be reached', () => {
    const missing = runMigrate({});
    expect(missing.status).toBe(78);
    expect(missing.lines).toEqual([expect.stringMatching(/^migrate: .*DATABASE_URL is required/)]);

    const unreachable = runMigrate({ DATABASE_URL: 'postgres://parley:hunter2@127.0.0.1:1/parley' });
    expect(unreachable.status).toBe(1);
    expect(unreachable.lines.join('\n')).toContain('migration failed');
    expect(unreachable.lines.join('\n')).not.toContain('hunter2');
  });
});
