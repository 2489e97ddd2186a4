import type { Platform } from '@parley/contracts';
import type pg from 'pg';
import { query } from './sql.js';
import type { Channel, NewChannel } from './types.js';

interface ChannelRow {
  id: string;
  community_id: string;
  platform: Platform;
  platform_channel_id: string;
  name: string;
  enabled: boolean;
  bot_login: string | null;
}

const COLUMNS = 'id, community_id, platform, platform_channel_id, name, enabled, bot_login';

function toChannel(row: ChannelRow): Channel {
  return {
    id: row.id,
    communityId: row.community_id,
    platform: row.platform,
    platformChannelId: row.platform_channel_id,
    name: row.name,
    enabled: row.enabled,
    botLogin: row.bot_login,
  };
}

export class ChannelRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * @throws UniqueViolationError when the platform channel belongs to a community already;
   *   ForeignKeyViolationError for an unknown community; CheckViolationError for an unknown platform.
   */
  async create(input: NewChannel): Promise<Channel> {
    const [row] = await query<ChannelRow>(
      this.pool,
      `INSERT INTO channels (community_id, platform, platform_channel_id, name, enabled, bot_login)
       VALUES ($1, $2, $3, $4, COALESCE($5, true), $6)
       RETURNING ${COLUMNS}`,
      [input.communityId, input.platform, input.platformChannelId, input.name, input.enabled ?? null, input.botLogin ?? null],
    );
    return toChannel(row!);
  }

  /** The channel an event came from, enabled or not (the caller decides what disabled means). */
  async findByPlatformChannel(platform: Platform, platformChannelId: string): Promise<Channel | null> {
    const [row] = await query<ChannelRow>(
      this.pool,
      `SELECT ${COLUMNS} FROM channels WHERE platform = $1 AND platform_channel_id = $2`,
      [platform, platformChannelId],
    );
    return row ? toChannel(row) : null;
  }

  /** Every enabled channel of a platform, by name: what the shard manager spreads over ingest pods. */
  async listEnabled(platform: Platform): Promise<Channel[]> {
    const rows = await query<ChannelRow>(
      this.pool,
      `SELECT ${COLUMNS} FROM channels WHERE platform = $1 AND enabled ORDER BY name, id`,
      [platform],
    );
    return rows.map(toChannel);
  }
}
