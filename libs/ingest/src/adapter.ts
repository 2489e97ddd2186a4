import type { ActionKind, ChatEvent, Platform } from '@parley/contracts';

/** One message to write into a channel, as delivery hands it to a platform. */
export interface OutboundMessage {
  kind: ActionKind;
  /** The platform's channel name or id, as the action names it. */
  channel: string;
  /** The action's `channel.id`, always set by OutboundDelivery (Twitch: the broadcaster id Helix calls need; Discord: the guild, for member timeouts; Slack: the workspace, whose token sends). */
  channelId?: string;
  /** The text to send, already made different from the channel's last line when the platform refuses repeats. */
  text: string;
  /** The platform message id this answers (reply), or targets (delete). */
  targetMessageId?: string;
  targetUserId?: string;
  durationSeconds?: number;
}

/**
 * What the platform said about one send.
 * - `accepted`: the platform confirmed it (Twitch: the USERSTATE that follows the PRIVMSG;
 *   HTTP platforms: the created message).
 * - `refused`: the platform said no, with its own `reason` code; `retry` says what helps:
 *   `variant` (a different text: duplicate refusal), `later` (rate limit, slow mode) or
 *   `never` (banned, followers-only, suspended: the dead-letter stream).
 * - `unknown`: no confirmation came (timeout, connection lost): it may or may not be in chat.
 */
export type SendOutcome =
  | { status: 'accepted'; platformMessageId?: string }
  | { status: 'refused'; reason: string; retry: 'variant' | 'later' | 'never'; retryAfterMs?: number }
  | { status: 'unknown'; reason: string };

/** A send written to the platform and not yet confirmed. */
export interface PendingSend {
  readonly connection: number;
}

/**
 * Everything a platform supplies to the kit, and nothing else: connect (and enter or
 * leave the channels the shard manager assigns), read frames, normalize them into
 * ChatEvents, send, and confirm a send. Budgets, idempotency, delivery marks, health,
 * token refresh and sharding are the kit's.
 */
export interface PlatformAdapter<Frame = unknown> {
  readonly platform: Platform;

  /** Opens the platform connection(s); a refused login rejects. */
  connect(): Promise<void>;
  /** Starts reading one channel (a shard unit); resolves once it is read. */
  join(channel: string): Promise<void>;
  part(channel: string): Promise<void>;
  close(): Promise<void>;

  /**
   * Calls `listener` with every frame received, keep-alives included, and the index of
   * the connection that received it (small and stable: it is a metric label).
   */
  read(listener: (frame: Frame, connection: number) => void): void;
  /**
   * The chat event a frame carries; `null` for a chat frame Parley does not act on,
   * `undefined` for a frame that is not chat at all (keep-alive, state). Throws for a chat
   * frame that cannot be understood: it goes to the dead-letter stream.
   */
  normalize(frame: Frame, receivedAt: Date): ChatEvent | null | undefined;
  /** The raw text of a frame, for the dead-letter stream. */
  describe(frame: Frame): string;

  /** The connection a message to `channel` would go out on; undefined when none is up. */
  connectionFor(channel: string): number | undefined;
  /**
   * Writes one message. Throws `UnsupportedActionError` for a kind the transport cannot
   * carry, `NotConnectedError` when the connection went away.
   */
  send(message: OutboundMessage, connection: number): Promise<PendingSend>;
  /** Resolves with what the platform said about `pending`, or `unknown` after `timeoutMs`. */
  confirm(pending: PendingSend, timeoutMs: number): Promise<SendOutcome>;
}
