import type { OutboundMessage, SendOutcome } from '@parley/ingest';
import { HelixError, type HelixClient } from './helix-client.js';

/**
 * Delete and timeout actions through Helix, for either transport: Twitch retired `/delete`
 * and `/timeout` over IRC. The bot moderates as itself (`moderatorId`, the bot's user id),
 * with its user token (`moderator:manage:chat_messages`, `moderator:manage:banned_users`).
 */
export class HelixModeration {
  constructor(
    private readonly helix: HelixClient,
    /** The bot account's user id: the moderator every call names. */
    private readonly moderatorId: string,
  ) {}

  static handles(kind: OutboundMessage['kind']): boolean {
    return kind === 'delete' || kind === 'timeout';
  }

  /** Performs a delete or timeout; what Helix said, as the kit's outcome. */
  async moderate(message: OutboundMessage): Promise<SendOutcome> {
    const broadcasterId = message.channelId;
    if (!broadcasterId) return { status: 'refused', reason: 'no_broadcaster_id', retry: 'never' };
    if (message.kind === 'delete') {
      if (!message.targetMessageId) return { status: 'refused', reason: 'no_target_message', retry: 'never' };
      return helixOutcome(this.helix.deleteChatMessage(broadcasterId, this.moderatorId, message.targetMessageId));
    }
    if (!message.targetUserId) return { status: 'refused', reason: 'no_target_user', retry: 'never' };
    return helixOutcome(this.helix.banUser(broadcasterId, this.moderatorId, message.targetUserId, message.durationSeconds, message.text || undefined));
  }
}

/**
 * A Helix call's end as the kit's send outcome: done → accepted; 429, 5xx and network
 * errors → try later (moderation is safe to repeat: a second delete or timeout changes
 * nothing); any other refusal is final, with `helix_<status>` as the reason.
 */
export async function helixOutcome(call: Promise<unknown>): Promise<SendOutcome> {
  try {
    await call;
    return { status: 'accepted' };
  } catch (error) {
    if (!(error instanceof HelixError)) throw error;
    if (error.retryAfterMs !== undefined) return { status: 'refused', reason: error.code, retry: 'later', retryAfterMs: error.retryAfterMs };
    return { status: 'refused', reason: error.code, retry: 'never' };
  }
}
