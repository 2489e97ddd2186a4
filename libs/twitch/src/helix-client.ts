import { IngestError, type AuthProvider } from '@parley/ingest';

export interface RequiredHelixClientOptions {
  clientId: string;
  /** Where the bearer token comes from (the bot's user token, or the app token). */
  auth: AuthProvider;
}

export interface OptionalHelixClientOptions {
  /** `https://api.twitch.tv/helix`, or a fake's URL. */
  baseUrl: string;
  /** One request may take this long before it counts as failed. */
  requestTimeoutMs: number;
}

export type HelixClientOptions = RequiredHelixClientOptions & Partial<OptionalHelixClientOptions>;

export const DefaultHelixClientOptions: OptionalHelixClientOptions = {
  baseUrl: 'https://api.twitch.tv/helix',
  requestTimeoutMs: 10_000,
};

/**
 * Helix answered with an error. `status` and Twitch's `message` say why; `retryAfterMs` is
 * set for a 429 (from `Ratelimit-Reset`) and 5xx, which may pass. Never carries a token.
 */
export class HelixError extends IngestError {
  constructor(
    readonly status: number,
    readonly helixMessage: string,
    readonly route: string,
    retryAfterMs?: number,
  ) {
    super(status === 429 ? 'helix_rate_limited' : `helix_${status}`, `Helix ${route} answered ${status}: ${helixMessage}`, retryAfterMs);
  }
}

/** What `POST /chat/messages` said: sent with an id, or not sent with Twitch's drop reason. */
export type ChatMessageResult = { isSent: true; messageId: string } | { isSent: false; dropReason: { code: string; message: string } };

type Query = Record<string, string | undefined>;

/**
 * The Helix calls Parley makes, typed, over `fetch`: moderation (delete a message, ban or
 * time out a user), sending chat, and the EventSub conduit and subscription endpoints. One
 * 401 refreshes the token once (`AuthProvider.refused`) and tries again; a 429 becomes a
 * {@link HelixError} whose `retryAfterMs` is the time until `Ratelimit-Reset`.
 * (ADR 0014: why not `@twurple/api`.)
 */
export class HelixClient {
  private readonly options: RequiredHelixClientOptions & OptionalHelixClientOptions;

  constructor(options: HelixClientOptions) {
    this.options = { ...DefaultHelixClientOptions, ...options };
  }

  /** The app's client id (a `conduit.shard.disabled` condition names it). */
  get clientId(): string {
    return this.options.clientId;
  }

  /** `DELETE /moderation/chat`: removes one message (needs `moderator:manage:chat_messages`). */
  async deleteChatMessage(broadcasterId: string, moderatorId: string, messageId: string): Promise<void> {
    await this.call('DELETE', '/moderation/chat', { broadcaster_id: broadcasterId, moderator_id: moderatorId, message_id: messageId });
  }

  /** `POST /moderation/bans`: a timeout with `durationSeconds`, a ban without (needs `moderator:manage:banned_users`). */
  async banUser(broadcasterId: string, moderatorId: string, userId: string, durationSeconds?: number, reason?: string): Promise<void> {
    await this.call('POST', '/moderation/bans', { broadcaster_id: broadcasterId, moderator_id: moderatorId }, {
      data: { user_id: userId, ...(durationSeconds !== undefined && { duration: durationSeconds }), ...(reason && { reason: reason.slice(0, 500) }) },
    });
  }

  /** `POST /chat/messages`; a reply names the message it answers. */
  async sendChatMessage(message: { broadcasterId: string; senderId: string; text: string; replyParentMessageId?: string }): Promise<ChatMessageResult> {
    const answer = await this.call<{ data: Array<{ message_id: string; is_sent: boolean; drop_reason: { code: string; message: string } | null }> }>(
      'POST',
      '/chat/messages',
      {},
      {
        broadcaster_id: message.broadcasterId,
        sender_id: message.senderId,
        message: message.text,
        ...(message.replyParentMessageId && { reply_parent_message_id: message.replyParentMessageId }),
      },
    );
    const result = answer.data[0];
    if (!result) throw new HelixError(200, 'empty data', 'POST /chat/messages');
    return result.is_sent ? { isSent: true, messageId: result.message_id } : { isSent: false, dropReason: result.drop_reason ?? { code: 'unknown', message: '' } };
  }

  /** Any Helix call: JSON in and out, typed errors. */
  async call<T = unknown>(method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    const route = `${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
      const token = await this.options.auth.accessToken();
      const url = new URL(this.options.baseUrl.replace(/\/$/, '') + path);
      for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${token}`, 'client-id': this.options.clientId, ...(body !== undefined && { 'content-type': 'application/json' }) },
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        });
      } catch (error) {
        throw new HelixError(0, (error as Error).message, route, 1_000);
      }
      if (response.status === 401 && attempt === 1 && this.options.auth.refused) {
        await response.body?.cancel();
        await this.options.auth.refused(token);
        continue;
      }
      const text = await response.text();
      if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
      const message = (() => {
        try {
          return String((JSON.parse(text) as { message?: unknown }).message ?? response.statusText);
        } catch {
          return response.statusText;
        }
      })();
      throw new HelixError(response.status, message, route, retryAfter(response));
    }
  }
}

/** 429: until `Ratelimit-Reset` (epoch seconds); 5xx: a second; other errors do not pass. */
function retryAfter(response: Response): number | undefined {
  if (response.status === 429) {
    const reset = Number(response.headers.get('ratelimit-reset'));
    return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1_000 - Date.now()) : 1_000;
  }
  return response.status >= 500 ? 1_000 : undefined;
}
