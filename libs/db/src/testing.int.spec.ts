import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, databaseUrl } from './testing.js';

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('creates a uniquely named, migrated database and drops it, even with connections open', async () => {
    const [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect(first.name).toMatch(/^parley_test_[0-9a-f]{16}$/);
      expect(first.name).not.toBe(second.name);
      expect(new URL(first.url).pathname).toBe(`/${first.name}`);
      const { rows } = await first.pool.query<{ count: string }>('SELECT count(*) AS count FROM pgmigrations');
      expect(Number(rows[0]!.count)).toBeGreaterThan(0);
      const straggler = new pg.Client({ connectionString: first.url });
      await straggler.connect();
      straggler.on('error', () => undefined); // DROP ... WITH (FORCE) terminates it
      await first.drop();
      await first.drop(); // twice is harmless
      expect(await databaseExists(first.name)).toBe(false);
      await straggler.end().catch(() => undefined);
    } finally {
      await first.drop();
      await second.drop();
    }
    expect(await databaseExists(second.name)).toBe(false);
  });

  it('refuses a name that is not a plain identifier', async () => {
    await expect(createTestDatabase('x"; DROP DATABASE postgres; --')).rejects.toThrow(/plain database name/);
  });
});
