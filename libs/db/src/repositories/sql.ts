import type pg from 'pg';
import { translatePgError } from '../errors.js';

/** The one way repositories run SQL: parameterised, with pg errors turned into typed ones. */
export async function query<R extends pg.QueryResultRow>(pool: pg.Pool, text: string, values: unknown[] = []): Promise<R[]> {
  try {
    const result = await pool.query<R>(text, values);
    return result.rows;
  } catch (error) {
    throw translatePgError(error);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that is not a uuid cannot match a row; asking Postgres would only fail with 22P02. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
