import { isUuid, query, type Queryable } from './sql.js';

/** Where a page starts: after the row with this sort time and id (both as the database printed them). */
export interface PagePosition {
  at: string;
  id: string;
}

export interface PageRequest {
  /** Rows per page (the caller bounds it). */
  limit: number;
  after?: PagePosition | undefined;
}

export interface Page<T> {
  items: T[];
  /** The position of the last item when more may follow, else null. */
  next: PagePosition | null;
}

export interface KeysetQuery<R, T> {
  /** Columns to select (without the sort key, which is added). */
  select: string;
  table: string;
  /** Conditions on `$1..$n` of `values`; `TRUE` for none. */
  where: string;
  values: unknown[];
  /** The timestamptz column pages are ordered by, with `id` breaking ties. */
  sortColumn: string;
  /** The SQL type of `id`, so a malformed cursor id matches nothing instead of failing. */
  idType: 'uuid' | 'bigint';
  page: PageRequest;
  map(row: R): T;
}

/**
 * One page of a keyset ("seek") pagination over (sortColumn, id): stable under inserts
 * and deletes, and as fast on page 1000 as on page 1 with an index on (…, sortColumn, id).
 * The sort key is printed with microseconds in UTC, so a cursor round-trips exactly.
 */
export async function keysetPage<R extends object, T>(db: Queryable, spec: KeysetQuery<R, T>): Promise<Page<T>> {
  const { page } = spec;
  const values = [...spec.values];
  let after = '';
  if (page.after) {
    const idOk = spec.idType === 'uuid' ? isUuid(page.after.id) : /^\d{1,18}$/.test(page.after.id);
    if (!idOk) return { items: [], next: null };
    values.push(page.after.at, page.after.id);
    after = ` AND (${spec.sortColumn}, id) > ($${values.length - 1}::timestamptz, $${values.length}::${spec.idType})`;
  }
  values.push(page.limit + 1);
  const rows = await query<R & { page_at: string; id: string | number }>(
    db,
    `SELECT ${spec.select}, to_char(${spec.sortColumn} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS page_at
       FROM ${spec.table} WHERE (${spec.where})${after} ORDER BY ${spec.sortColumn}, id LIMIT $${values.length}`,
    values,
  );
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const last = kept.at(-1);
  return { items: kept.map((row) => spec.map(row)), next: more && last ? { at: last.page_at, id: String(last.id) } : null };
}
