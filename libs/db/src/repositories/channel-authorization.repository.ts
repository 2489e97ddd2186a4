import type { Platform } from '@parley/contracts';
import { ForeignKeyViolationError } from '../errors.js';
import { query, type Queryable } from './sql.js';

/** Whether the platform lets the bot into a channel, as the ingest last learned it. */
export interface ChannelAuthorization {
  state: 'granted' | 'refused';
  /** Why refused (`helix_403`, `authorization_revoked`, `user_removed`); null when granted. */
  reason: string | null;
  /** When the state last changed. */
  changedAt: Date;
}

interface AuthorizationRow {
  channel_id: string;
  state: 'granted' | 'refused';
  reason: string | null;
  changed_at: Date;
}

/** `channel_authorizations`: written by the ingest (one statement per batch), read by the hub beside its channels. */
export class ChannelAuthorizationRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Records each channel's state by the platform's channel id; a row changes only when the
   * state does (so `changedAt` and the first reason stay). Channels unknown here are skipped.
   * Returns how many rows changed.
   */
  async record(platform: Platform, states: ReadonlyArray<{ platformChannelId: string; state: 'granted' | 'refused'; reason: string | null }>): Promise<number> {
    if (states.length === 0) return 0;
    // A channel deleted while the statement ran fails it (its row was in the statement's snapshot); the next snapshot skips it.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.upsert(platform, states);
      } catch (error) {
        if (!(error instanceof ForeignKeyViolationError) || attempt === 3) throw error;
      }
    }
  }

  private async upsert(platform: Platform, states: ReadonlyArray<{ platformChannelId: string; state: 'granted' | 'refused'; reason: string | null }>): Promise<number> {
    const rows = await query<{ channel_id: string }>(
      this.db,
      `INSERT INTO channel_authorizations (channel_id, state, reason)
       SELECT c.id, s.state, s.reason
         FROM unnest($2::text[], $3::text[], $4::text[]) AS s (platform_channel_id, state, reason)
         JOIN channels c ON c.platform = $1 AND c.platform_channel_id = s.platform_channel_id
       ON CONFLICT (channel_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, changed_at = now()
         WHERE channel_authorizations.state IS DISTINCT FROM excluded.state
       RETURNING channel_id`,
      [platform, states.map((s) => s.platformChannelId), states.map((s) => s.state), states.map((s) => (s.reason === null ? null : s.reason.slice(0, 64)))],
    );
    return rows.length;
  }

  /** The known states of these channels (by channel id); channels never checked are absent. */
  async forChannels(channelIds: readonly string[]): Promise<Map<string, ChannelAuthorization>> {
    if (channelIds.length === 0) return new Map();
    const rows = await query<AuthorizationRow>(
      this.db,
      'SELECT channel_id, state, reason, changed_at FROM channel_authorizations WHERE channel_id = ANY($1::uuid[])',
      [channelIds],
    );
    return new Map(rows.map((row) => [row.channel_id, { state: row.state, reason: row.reason, changedAt: row.changed_at }]));
  }
}
