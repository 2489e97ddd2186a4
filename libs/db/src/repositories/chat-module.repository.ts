import type { Platform } from '@parley/contracts';
import { isUuid, query, type Queryable } from './sql.js';

/** One enabled timer in one enabled channel: the unit the router's timer schedule fires. */
export interface TimerPlacement {
  timerId: string;
  communityId: string;
  message: string;
  intervalSeconds: number;
  minChatLines: number;
  /** Parley's channel id. */
  channelId: string;
  platform: Platform;
  platformChannelId: string;
  channelName: string;
}

/** What the router's chat modules read from the hub's tables. */
export class ChatModuleRepository {
  constructor(private readonly db: Queryable) {}

  /** Every enabled timer in each enabled channel it posts to (all communities: the schedule is deployment-wide). */
  async listTimerPlacements(): Promise<TimerPlacement[]> {
    const rows = await query<{
      timer_id: string;
      community_id: string;
      message: string;
      interval_seconds: number;
      min_chat_lines: number;
      channel_id: string;
      platform: Platform;
      platform_channel_id: string;
      channel_name: string;
    }>(
      this.db,
      `SELECT t.id AS timer_id, t.community_id, t.message, t.interval_seconds, t.min_chat_lines,
              ch.id AS channel_id, ch.platform, ch.platform_channel_id, ch.name AS channel_name
         FROM timers t
         JOIN channels ch ON ch.community_id = t.community_id AND ch.enabled
                         AND (t.channel_ids IS NULL OR ch.id = ANY (t.channel_ids))
        WHERE t.enabled
        ORDER BY t.id, ch.id`,
    );
    return rows.map((row) => ({
      timerId: row.timer_id,
      communityId: row.community_id,
      message: row.message,
      intervalSeconds: row.interval_seconds,
      minChatLines: row.min_chat_lines,
      channelId: row.channel_id,
      platform: row.platform,
      platformChannelId: row.platform_channel_id,
      channelName: row.channel_name,
    }));
  }

  /** The community's built-in module settings, module name → settings document. */
  async moduleSettings(communityId: string): Promise<Record<string, Record<string, unknown>>> {
    if (!isUuid(communityId)) return {};
    const rows = await query<{ module: string; settings: Record<string, unknown> }>(
      this.db,
      'SELECT module, settings FROM module_settings WHERE community_id = $1',
      [communityId],
    );
    return Object.fromEntries(rows.map((row) => [row.module, row.settings]));
  }
}
