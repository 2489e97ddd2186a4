import type pg from 'pg';
import { isUuid, query } from './sql.js';
import type { Community, NewCommunity } from './types.js';

interface CommunityRow {
  id: string;
  slug: string;
  name: string;
  command_prefix: string;
  cooldown_notice: boolean;
}

export const COMMUNITY_COLUMNS = 'id, slug, name, command_prefix, cooldown_notice';

export function toCommunity(row: CommunityRow): Community {
  return { id: row.id, slug: row.slug, name: row.name, commandPrefix: row.command_prefix, cooldownNotice: row.cooldown_notice };
}

export class CommunityRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** @throws UniqueViolationError when the slug is taken; CheckViolationError for a malformed slug or prefix. */
  async create(input: NewCommunity): Promise<Community> {
    const [row] = await query<CommunityRow>(
      this.pool,
      `INSERT INTO communities (slug, name, command_prefix) VALUES ($1, $2, COALESCE($3, '!'))
       RETURNING ${COMMUNITY_COLUMNS}`,
      [input.slug, input.name, input.commandPrefix ?? null],
    );
    return toCommunity(row!);
  }

  async findById(id: string): Promise<Community | null> {
    if (!isUuid(id)) return null;
    const [row] = await query<CommunityRow>(this.pool, `SELECT ${COMMUNITY_COLUMNS} FROM communities WHERE id = $1`, [id]);
    return row ? toCommunity(row) : null;
  }

  async findBySlug(slug: string): Promise<Community | null> {
    const [row] = await query<CommunityRow>(this.pool, `SELECT ${COMMUNITY_COLUMNS} FROM communities WHERE slug = $1`, [slug]);
    return row ? toCommunity(row) : null;
  }
}
