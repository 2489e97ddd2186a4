import { COMMUNITY_COLUMNS, toCommunity } from './community.repository.js';
import { keysetPage, type Page, type PageRequest } from './paging.js';
import { iso, isUuid, query, type Queryable } from './sql.js';
import type { HubCommunity, NewCommunity } from './types.js';

type CommunityRow = Parameters<typeof toCommunity>[0] & { created_at: Date; updated_at: Date };

const SELECT = `${COMMUNITY_COLUMNS}, created_at, updated_at`;

/** camelCase field → column, for the fields a community's admin may change. */
const PATCHABLE = { name: 'name', commandPrefix: 'command_prefix', cooldownNotice: 'cooldown_notice' } as const;
export type CommunityPatch = Partial<{ name: string; commandPrefix: string; cooldownNotice: boolean }>;

function toHubCommunity(row: CommunityRow): HubCommunity {
  return { ...toCommunity(row), createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) };
}

/** Communities as the hub manages them: paged, changed, deleted (with everything they own). */
export class CommunityAdminRepository {
  constructor(private readonly db: Queryable) {}

  /** @throws UniqueViolationError when the slug is taken; CheckViolationError for a malformed slug or prefix. */
  async create(input: NewCommunity): Promise<HubCommunity> {
    const [row] = await query<CommunityRow>(
      this.db,
      `INSERT INTO communities (slug, name, command_prefix) VALUES ($1, $2, COALESCE($3, '!')) RETURNING ${SELECT}`,
      [input.slug, input.name, input.commandPrefix ?? null],
    );
    return toHubCommunity(row!);
  }

  async list(page: PageRequest): Promise<Page<HubCommunity>> {
    return keysetPage<CommunityRow, HubCommunity>(this.db, {
      select: SELECT,
      table: 'communities',
      where: 'TRUE',
      values: [],
      sortColumn: 'created_at',
      idType: 'uuid',
      page,
      map: toHubCommunity,
    });
  }

  async find(id: string, options: { forUpdate?: boolean } = {}): Promise<HubCommunity | null> {
    if (!isUuid(id)) return null;
    const [row] = await query<CommunityRow>(this.db, `SELECT ${SELECT} FROM communities WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return row ? toHubCommunity(row) : null;
  }

  async update(id: string, patch: CommunityPatch): Promise<HubCommunity | null> {
    if (!isUuid(id)) return null;
    const fields = (Object.keys(PATCHABLE) as Array<keyof CommunityPatch>).filter((field) => patch[field] !== undefined);
    if (fields.length === 0) return this.find(id);
    const assignments = fields.map((field, index) => `${PATCHABLE[field]} = $${index + 2}`).join(', ');
    const [row] = await query<CommunityRow>(this.db, `UPDATE communities SET ${assignments} WHERE id = $1 RETURNING ${SELECT}`, [
      id,
      ...fields.map((field) => patch[field]),
    ]);
    return row ? toHubCommunity(row) : null;
  }

  async delete(id: string): Promise<HubCommunity | null> {
    if (!isUuid(id)) return null;
    const [row] = await query<CommunityRow>(this.db, `DELETE FROM communities WHERE id = $1 RETURNING ${SELECT}`, [id]);
    return row ? toHubCommunity(row) : null;
  }
}
