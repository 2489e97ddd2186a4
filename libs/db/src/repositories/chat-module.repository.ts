import type { Platform } from '@parley/contracts';
import { AuditLogRepository } from './audit-log.repository.js';
import { iso, isUuid, query, type Queryable } from './sql.js';

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

/** One enabled community reminder in one enabled channel: the unit the router's reminder schedule posts. */
export interface ReminderPlacement {
  reminderId: string;
  communityId: string;
  message: string;
  /** RFC 5545 `DTSTART` and `RRULE` lines. */
  schedule: string;
  channelId: string;
  platform: Platform;
  platformChannelId: string;
  channelName: string;
}

/** A quote as chat shows it. */
export interface ChatQuote {
  number: number;
  text: string;
  attributedTo: string | null;
  addedBy: string | null;
  createdAt: string;
}

interface QuoteRow {
  number: number;
  text: string;
  attributed_to: string | null;
  added_by: string | null;
  created_at: Date;
}

const QUOTE_COLUMNS = 'number, text, attributed_to, added_by, created_at';
const toQuote = (row: QuoteRow): ChatQuote => ({ number: row.number, text: row.text, attributedTo: row.attributed_to, addedBy: row.added_by, createdAt: iso(row.created_at) });

/** What the router's chat modules read from and write to the hub's tables. */
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

  /** Every enabled community reminder in each enabled channel it posts to (all communities). */
  async listReminderPlacements(): Promise<ReminderPlacement[]> {
    const rows = await query<{
      reminder_id: string;
      community_id: string;
      message: string;
      schedule: string;
      channel_id: string;
      platform: Platform;
      platform_channel_id: string;
      channel_name: string;
    }>(
      this.db,
      `SELECT r.id AS reminder_id, r.community_id, r.message, r.schedule,
              ch.id AS channel_id, ch.platform, ch.platform_channel_id, ch.name AS channel_name
         FROM reminders r
         JOIN channels ch ON ch.community_id = r.community_id AND ch.enabled
                         AND (r.channel_ids IS NULL OR ch.id = ANY (r.channel_ids))
        WHERE r.enabled
        ORDER BY r.id, ch.id`,
    );
    return rows.map((row) => ({
      reminderId: row.reminder_id,
      communityId: row.community_id,
      message: row.message,
      schedule: row.schedule,
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

  /** `!quote`: any one of the community's quotes; null when it has none. */
  async randomQuote(communityId: string): Promise<ChatQuote | null> {
    if (!isUuid(communityId)) return null;
    // OFFSET by a random row number: uniform, and one index range scan (no ORDER BY random() over every row).
    const [row] = await query<QuoteRow>(
      this.db,
      `SELECT ${QUOTE_COLUMNS} FROM quotes WHERE community_id = $1
        OFFSET floor(random() * (SELECT count(*) FROM quotes WHERE community_id = $1)) LIMIT 1`,
      [communityId],
    );
    return row ? toQuote(row) : null;
  }

  /** `!quote 42`. */
  async quoteByNumber(communityId: string, number: number): Promise<ChatQuote | null> {
    if (!isUuid(communityId) || !Number.isSafeInteger(number)) return null;
    const [row] = await query<QuoteRow>(this.db, `SELECT ${QUOTE_COLUMNS} FROM quotes WHERE community_id = $1 AND number = $2`, [communityId, number]);
    return row ? toQuote(row) : null;
  }

  /** `!quote search <words>`: full-text search (web-search syntax), the best match and how many matched. */
  async searchQuotes(communityId: string, words: string): Promise<{ best: ChatQuote | null; matches: number }> {
    if (!isUuid(communityId)) return { best: null, matches: 0 };
    const rows = await query<QuoteRow & { matches: string }>(
      this.db,
      `SELECT ${QUOTE_COLUMNS}, count(*) OVER () AS matches
         FROM quotes, websearch_to_tsquery('simple', $2) AS q
        WHERE community_id = $1 AND search @@ q
        ORDER BY ts_rank(search, q) DESC, number
        LIMIT 1`,
      [communityId, words],
    );
    return rows[0] ? { best: toQuote(rows[0]), matches: Number(rows[0].matches) } : { best: null, matches: 0 };
  }

  /** `!quote add`: the new quote's number. */
  async addQuote(communityId: string, text: string, addedBy: string): Promise<number> {
    const [row] = await query<{ number: number }>(
      this.db,
      'INSERT INTO quotes (community_id, text, added_by) VALUES ($1, $2, $3) RETURNING number',
      [communityId, text, addedBy],
    );
    return row!.number;
  }

  /** `!quote delete 42`: whether it existed. Its number is never given again. */
  async deleteQuote(communityId: string, number: number): Promise<boolean> {
    if (!isUuid(communityId) || !Number.isSafeInteger(number)) return false;
    return (await query(this.db, 'DELETE FROM quotes WHERE community_id = $1 AND number = $2 RETURNING id', [communityId, number])).length === 1;
  }

  /** Adds `delta` to a counter, or sets it to `value`; the new value, or null when the community has no such counter. */
  async changeCounter(communityId: string, name: string, change: { delta: number } | { value: number }): Promise<number | null> {
    if (!isUuid(communityId)) return null;
    const [row] = await query<{ value: string }>(
      this.db,
      'delta' in change
        ? 'UPDATE counters SET value = value + $3 WHERE community_id = $1 AND name = $2 RETURNING value'
        : 'UPDATE counters SET value = $3 WHERE community_id = $1 AND name = $2 RETURNING value',
      [communityId, name, 'delta' in change ? change.delta : change.value],
    );
    return row ? Number(row.value) : null;
  }

  /** The values of the named counters that exist. */
  async readCounters(communityId: string, names: readonly string[]): Promise<Map<string, number>> {
    if (!isUuid(communityId) || !names.length) return new Map();
    const rows = await query<{ name: string; value: string }>(this.db, 'SELECT name, value FROM counters WHERE community_id = $1 AND name = ANY ($2)', [
      communityId,
      names,
    ]);
    return new Map(rows.map((row) => [row.name, Number(row.value)]));
  }

  /** A giveaway draw in the audit log: `record` must hold what recomputes it (seed, entries, round). */
  async recordDraw(communityId: string, actor: string, record: { giveawayId: string }): Promise<void> {
    await new AuditLogRepository(this.db).record({ communityId, actor, action: 'draw', resource: 'giveaway', resourceId: record.giveawayId, before: null, after: record });
  }
}
