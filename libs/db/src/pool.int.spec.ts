import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_DEFAULTS, createPool } from './pool.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(undefined, { migrate: false });
});
afterAll(() => database?.drop());

describe('createPool', () => {
  it('has the documented defaults', () => {
    expect(POOL_DEFAULTS).toMatchObject({ max: 10, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, applicationName: 'parley' });
    const pool = createPool(database.url);
    expect(pool.options.max).toBe(10);
    return pool.end();
  });

  it('names its connections for pg_stat_activity', async () => {
    const pool = createPool(database.url, { applicationName: 'parley-router' });
    try {
      const { rows } = await pool.query<{ name: string }>('SELECT current_setting($1) AS name', ['application_name']);
      expect(rows[0]!.name).toBe('parley-router');
    } finally {
      await pool.end();
    }
  });

  it('survives an idle connection being killed and reports it to onError', async () => {
    const errors: Error[] = [];
    const pool = createPool(database.url, { applicationName: 'parley-pool-kill-test', onError: (error) => errors.push(error) });
    const killer = new pg.Client({ connectionString: database.url });
    await killer.connect();
    try {
      await pool.query('SELECT 1'); // leaves one idle client in the pool
      expect(pool.idleCount).toBe(1);
      await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'parley-pool-kill-test'`);
      for (let i = 0; i < 50 && errors.length === 0; i += 1) await sleep(20);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(/terminat/i);
      // The pool dropped the dead client; the next query gets a fresh connection.
      const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(rows[0]!.one).toBe(1);
    } finally {
      await killer.end();
      await pool.end();
    }
  });

  it('fails a query after connectionTimeoutMillis when the pool is exhausted', async () => {
    const pool = createPool(database.url, { max: 1, connectionTimeoutMillis: 200 });
    const held = await pool.connect();
    try {
      const started = Date.now();
      await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      held.release();
      await pool.end();
    }
  });
});
