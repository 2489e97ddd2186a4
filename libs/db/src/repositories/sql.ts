import type pg from 'pg';
import { translatePgError } from '../errors.js';

/** A pool, or a client checked out of it inside a transaction: what repositories run SQL on. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The one way repositories run SQL: parameterised, with pg errors turned into typed ones. */
export async function query<R extends pg.QueryResultRow>(db: Queryable, text: string, values: unknown[] = []): Promise<R[]> {
  try {
    const result = await db.query<R>(text, values);
    return result.rows;
  } catch (error) {
    throw translatePgError(error);
  }
}

/**
 * Runs `work` in one transaction on a client of `pool`: committed when it resolves, rolled
 * back when it throws (the error is rethrown, translated). A change and its audit entry
 * are written this way, so neither exists without the other.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw translatePgError(error);
  } finally {
    client.release();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that is not a uuid cannot match a row; asking Postgres would only fail with 22P02. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** An ISO timestamp from the Date pg returns for a timestamptz. */
export function iso(value: Date): string;
export function iso(value: Date | null): string | null;
export function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
