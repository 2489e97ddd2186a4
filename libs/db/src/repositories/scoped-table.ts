import { keysetPage, type Page, type PageRequest } from './paging.js';
import { iso, isUuid, query, type Queryable } from './sql.js';
import type { Timestamps } from './types.js';

/**
 * How one community-owned table maps to an entity: the generic CRUD of `ScopedTable`
 * needs nothing else. Every statement is scoped by `community_id`, so a row of another
 * community is indistinguishable from a row that does not exist.
 */
export interface ScopedTableSpec<T extends Timestamps> {
  table: string;
  /** Columns selected (never secrets: a write-only column is in `writable` only). */
  columns: readonly string[];
  /** The column a single row is addressed by within its community (`id` or a unique name). */
  key: string;
  /** Whether `key` is a uuid column (a malformed value then cannot match). */
  keyIsUuid: boolean;
  /** camelCase field → column, for the fields create and update may set. */
  writable: Readonly<Record<string, string>>;
  /** Builds the entity (without its timestamps, which every table has) from a selected row. */
  toEntity(row: Record<string, unknown>): Omit<T, keyof Timestamps>;
}

type Row = Record<string, unknown> & { created_at: Date; updated_at: Date };

/** Plain CRUD with keyset pagination over one community-owned table. */
export class ScopedTable<T extends Timestamps> {
  private readonly select: string;

  constructor(
    private readonly db: Queryable,
    readonly spec: ScopedTableSpec<T>,
  ) {
    this.select = [...spec.columns, 'created_at', 'updated_at'].join(', ');
  }

  /** The same table on another connection (a transaction's client). */
  on(db: Queryable): ScopedTable<T> {
    return new ScopedTable(db, this.spec);
  }

  async list(communityId: string, page: PageRequest): Promise<Page<T>> {
    if (!isUuid(communityId)) return { items: [], next: null };
    return keysetPage<Row, T>(this.db, {
      select: this.select,
      table: this.spec.table,
      where: 'community_id = $1',
      values: [communityId],
      sortColumn: 'created_at',
      idType: 'uuid',
      page,
      map: (row) => this.entity(row),
    });
  }

  /** `lock`: hold the row until the transaction ends (read before an update, for the audit's "before"). */
  async find(communityId: string, key: string, options: { lock?: boolean } = {}): Promise<T | null> {
    if (!this.addressable(communityId, key)) return null;
    const [row] = await query<Row>(
      this.db,
      `SELECT ${this.select} FROM ${this.spec.table} WHERE community_id = $1 AND ${this.spec.key} = $2${options.lock ? ' FOR UPDATE' : ''}`,
      [communityId, key],
    );
    return row ? this.entity(row) : null;
  }

  /** @throws UniqueViolationError, CheckViolationError, ForeignKeyViolationError from the schema's rules. */
  async create(communityId: string, fields: Readonly<Record<string, unknown>>): Promise<T> {
    const names = this.fieldsOf(fields);
    const columns = ['community_id', ...names.map((name) => this.spec.writable[name]!)];
    const placeholders = columns.map((_, index) => `$${index + 1}`);
    const [row] = await query<Row>(
      this.db,
      `INSERT INTO ${this.spec.table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING ${this.select}`,
      [communityId, ...names.map((name) => fields[name])],
    );
    return this.entity(row!);
  }

  /** Sets the given fields; null when the community has no such row. */
  async update(communityId: string, key: string, patch: Readonly<Record<string, unknown>>): Promise<T | null> {
    if (!this.addressable(communityId, key)) return null;
    const names = this.fieldsOf(patch);
    if (names.length === 0) return this.find(communityId, key);
    const assignments = names.map((name, index) => `${this.spec.writable[name]} = $${index + 3}`).join(', ');
    const [row] = await query<Row>(
      this.db,
      `UPDATE ${this.spec.table} SET ${assignments} WHERE community_id = $1 AND ${this.spec.key} = $2 RETURNING ${this.select}`,
      [communityId, key, ...names.map((name) => patch[name])],
    );
    return row ? this.entity(row) : null;
  }

  /** Deletes the row and returns what it was; null when there was none. */
  async delete(communityId: string, key: string): Promise<T | null> {
    if (!this.addressable(communityId, key)) return null;
    const [row] = await query<Row>(
      this.db,
      `DELETE FROM ${this.spec.table} WHERE community_id = $1 AND ${this.spec.key} = $2 RETURNING ${this.select}`,
      [communityId, key],
    );
    return row ? this.entity(row) : null;
  }

  private addressable(communityId: string, key: string): boolean {
    return isUuid(communityId) && (!this.spec.keyIsUuid || isUuid(key));
  }

  /** Only known, defined fields; the column names come from the spec, never from input. */
  private fieldsOf(fields: Readonly<Record<string, unknown>>): string[] {
    return Object.keys(fields).filter((name) => fields[name] !== undefined && Object.hasOwn(this.spec.writable, name));
  }

  private entity(row: Row): T {
    return { ...this.spec.toEntity(row), createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) } as T;
  }
}
