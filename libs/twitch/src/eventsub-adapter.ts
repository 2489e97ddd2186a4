import { EventEmitter } from 'node:events';
import type { ChatEvent } from '@parley/contracts';
import { UnsupportedActionError, type OutboundMessage, type PendingSend, type PlatformAdapter, type SendOutcome } from '@parley/ingest';
import { HelixError, type HelixClient } from './helix-client.js';
import { HelixModeration } from './helix-moderation.js';
import { CHAT_SUBSCRIPTION_TYPES, normalizeEventSub } from './eventsub-normalize.js';
import { EventSubSession, type EventSubFrame, type EventSubSessionOptions } from './eventsub-session.js';

export interface RequiredEventSubAdapterOptions {
  botLogin: string;
  /** The bot's user id: `sender_id` of every chat message. */
  botUserId: string;
  /** Shards the conduit has (sized from the number of ingest pods); the conduit is resized to it at start. */
  shardCount: number;
}

export interface OptionalEventSubAdapterOptions {
  knownBots: Set<string>;
  session: Omit<EventSubSessionOptions, 'url'> & { url: string };
  /** Delete and timeout through Helix with the bot's user token; without it they are refused. */
  moderation: HelixModeration | undefined;
  /** Sends are serialized per lane (one per channel hash): this many lanes. */
  sendLanes: number;
}

export type EventSubAdapterOptions = RequiredEventSubAdapterOptions & Partial<OptionalEventSubAdapterOptions>;

export const DefaultEventSubAdapterOptions: OptionalEventSubAdapterOptions = {
  knownBots: new Set(['nightbot', 'streamelements', 'moobot', 'fossabot', 'streamlabs']),
  session: { url: 'wss://eventsub.wss.twitch.tv/ws', keepaliveSeconds: 10, reconnectBackoff: { baseMs: 500, maxMs: 10_000 } },
  moderation: undefined,
  sendLanes: 16,
};

/** Drop reasons of `POST /chat/messages` that pass with time; the rest are final. */
const DROPPED_FOR_NOW = new Set(['msg_ratelimit', 'msg_slowmode']);

export interface EventSubAdapterEvents {
  /** A shard's session is assigned to it at Twitch. */
  shardAssigned: [{ shard: string; sessionId: string }];
  /** A shard's socket failed; a new session follows. */
  shardLost: [{ shard: string; reason: string }];
  /** Twitch revoked a subscription (the broadcaster withdrew `channel:bot`, the user was banned...). */
  revoked: [{ type: string; broadcasterId: string; status: string }];
  /** What a channel's authorization is: subscribed (`channel:bot` granted) or refused. */
  authorization: [{ channel: string; granted: boolean }];
  error: [Error];
}

type EventSubPendingSend = PendingSend & { outcome: Promise<SendOutcome> };

/**
 * Twitch chat over EventSub through a conduit, as the kit's platform adapter. Reading: the
 * conduit (found or created at `connect`, resized to `shardCount`) holds one subscription
 * per chat type and channel; this pod runs a WebSocket session for each conduit shard it
 * is given (`startShard`) and assigns the session to the shard. Sending: `POST
 * /chat/messages` with the app token; delete and timeout through Helix moderation.
 */
export class EventSubAdapter extends EventEmitter<EventSubAdapterEvents> implements PlatformAdapter<EventSubFrame> {
  readonly platform = 'twitch' as const;
  private readonly options: RequiredEventSubAdapterOptions & OptionalEventSubAdapterOptions;
  private conduitId: string | undefined;
  private readonly shards = new Map<string, EventSubSession>();
  /** channel login → broadcaster id, for the channels subscribed. */
  private readonly channels = new Map<string, string>();
  /** `type broadcasterId` of the subscriptions the conduit has. */
  private readonly subscribed = new Set<string>();
  private listener: ((frame: EventSubFrame, connection: number) => void) | undefined;

  constructor(
    /** Helix with the app access token (conduits, subscriptions, chat messages). */
    private readonly helix: HelixClient,
    options: EventSubAdapterOptions,
  ) {
    super();
    this.options = { ...DefaultEventSubAdapterOptions, ...options };
  }

  get conduit(): string | undefined {
    return this.conduitId;
  }

  /** Finds the deployment's conduit (or creates it), sized to `shardCount`, and reads its subscriptions. */
  async connect(): Promise<void> {
    const { data } = await this.helix.call<{ data: Array<{ id: string; shard_count: number }> }>('GET', '/eventsub/conduits');
    const found = data[0];
    if (!found) {
      const created = await this.helix.call<{ data: Array<{ id: string }> }>('POST', '/eventsub/conduits', {}, { shard_count: this.options.shardCount });
      this.conduitId = created.data[0]!.id;
    } else {
      this.conduitId = found.id;
      if (found.shard_count !== this.options.shardCount) await this.helix.call('PATCH', '/eventsub/conduits', {}, { id: found.id, shard_count: this.options.shardCount });
    }
    let cursor: string | undefined;
    do {
      const page = await this.helix.call<{ data: Array<{ type: string; condition: Record<string, string>; transport: { conduit_id?: string } }>; pagination: { cursor?: string } }>(
        'GET',
        '/eventsub/subscriptions',
        { after: cursor },
      );
      for (const subscription of page.data) {
        if (subscription.transport.conduit_id === this.conduitId) this.subscribed.add(`${subscription.type} ${subscription.condition.broadcaster_user_id}`);
      }
      cursor = page.pagination.cursor;
    } while (cursor);
  }

  /** Subscribes the channel's chat types to the conduit (those it lacks): from then on its chat arrives on whichever shard Twitch picks. */
  async join(channel: string): Promise<void> {
    const login = channel.toLowerCase().replace(/^#/, '');
    const broadcasterId = this.channels.get(login) ?? (await this.broadcasterIdOf(login));
    for (const type of CHAT_SUBSCRIPTION_TYPES) {
      const key = `${type} ${broadcasterId}`;
      if (this.subscribed.has(key)) continue;
      try {
        await this.helix.call('POST', '/eventsub/subscriptions', {}, {
          type,
          version: '1',
          condition: { broadcaster_user_id: broadcasterId, user_id: this.options.botUserId },
          transport: { method: 'conduit', conduit_id: this.conduitId },
        });
      } catch (error) {
        // 409: another pod (or an earlier start) made it.
        if (!(error instanceof HelixError && error.status === 409)) {
          if (error instanceof HelixError && error.status === 403) this.emit('authorization', { channel: login, granted: false });
          throw error;
        }
      }
      this.subscribed.add(key);
    }
    this.channels.set(login, broadcasterId);
    this.emit('authorization', { channel: login, granted: true });
  }

  /** Stops reading the channel here; the subscriptions stay with the conduit (removed by `unsubscribe`). */
  async part(channel: string): Promise<void> {
    this.channels.delete(channel.toLowerCase().replace(/^#/, ''));
  }

  /** Runs a session for conduit shard `shard` and assigns it to the shard (again after every new session). */
  async startShard(shard: string): Promise<void> {
    if (this.shards.has(shard)) return;
    const session = new EventSubSession(this.options.session);
    this.shards.set(shard, session);
    const assigned = new Promise<void>((resolve) => {
      session.on('session', (sessionId) => {
        void this.assign(shard, sessionId)
          .then(resolve)
          .catch((error: Error) => this.emit('error', error));
      });
    });
    session.on('frame', (frame) => this.onFrame(frame, Number(shard)));
    session.on('lost', ({ reason }) => this.emit('shardLost', { shard, reason }));
    session.start();
    await assigned;
  }

  /** Closes the shard's session cleanly; the pod that takes the shard over assigns its own. */
  async stopShard(shard: string): Promise<void> {
    this.shards.get(shard)?.close();
    this.shards.delete(shard);
  }

  runningShards(): string[] {
    return [...this.shards.keys()];
  }

  /** The session id each running shard uses (for a reconnect test: the fake moves sessions by id). */
  sessionOf(shard: string): string | undefined {
    return this.shards.get(shard)?.id;
  }

  subscribedChannels(): string[] {
    return [...this.channels.keys()];
  }

  async close(): Promise<void> {
    for (const shard of [...this.shards.keys()]) await this.stopShard(shard);
  }

  read(listener: (frame: EventSubFrame, connection: number) => void): void {
    this.listener = listener;
  }

  normalize(frame: EventSubFrame, receivedAt: Date): ChatEvent | null | undefined {
    return normalizeEventSub(frame, { receivedAt, botLogin: this.options.botLogin, knownBots: this.options.knownBots });
  }

  describe(frame: EventSubFrame): string {
    return JSON.stringify(frame);
  }

  /** Sends go over HTTP, not a socket: a lane per channel hash, so one slow channel holds up only its lane. */
  connectionFor(channel: string): number | undefined {
    if (this.conduitId === undefined) return undefined;
    let hash = 0;
    for (const char of channel) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    return hash % this.options.sendLanes;
  }

  async send(message: OutboundMessage, connection: number): Promise<EventSubPendingSend> {
    if (HelixModeration.handles(message.kind)) {
      if (!this.options.moderation) throw new UnsupportedActionError(message.kind, 'Twitch EventSub without a bot user token');
      return { connection, outcome: this.options.moderation.moderate(message) };
    }
    const broadcasterId = message.channelId ?? this.channels.get(message.channel);
    if (!broadcasterId) return { connection, outcome: Promise.resolve({ status: 'refused', reason: 'no_broadcaster_id', retry: 'never' }) };
    return { connection, outcome: this.chat(broadcasterId, message) };
  }

  async confirm(pending: PendingSend): Promise<SendOutcome> {
    return (pending as EventSubPendingSend).outcome;
  }

  private async chat(broadcasterId: string, message: OutboundMessage): Promise<SendOutcome> {
    try {
      const result = await this.helix.sendChatMessage({
        broadcasterId,
        senderId: this.options.botUserId,
        text: message.text,
        ...(message.kind === 'reply' && message.targetMessageId && { replyParentMessageId: message.targetMessageId }),
      });
      if (result.isSent) return { status: 'accepted', platformMessageId: result.messageId };
      const { code } = result.dropReason;
      if (code === 'msg_duplicate') return { status: 'refused', reason: code, retry: 'variant' };
      if (DROPPED_FOR_NOW.has(code)) return { status: 'refused', reason: code, retry: 'later', retryAfterMs: 1_000 };
      return { status: 'refused', reason: code, retry: 'never' };
    } catch (error) {
      if (!(error instanceof HelixError)) throw error;
      if (error.status === 429) return { status: 'refused', reason: error.code, retry: 'later', retryAfterMs: error.retryAfterMs ?? 1_000 };
      // No answer, or a server error: the message may or may not be in chat.
      if (error.status === 0 || error.status >= 500) return { status: 'unknown', reason: error.code };
      return { status: 'refused', reason: error.code, retry: 'never' };
    }
  }

  private onFrame(frame: EventSubFrame, shard: number): void {
    if (frame.metadata.message_type === 'revocation') {
      const subscription = frame.payload.subscription;
      if (subscription) {
        this.subscribed.delete(`${subscription.type} ${subscription.condition.broadcaster_user_id}`);
        this.emit('revoked', { type: subscription.type, broadcasterId: subscription.condition.broadcaster_user_id ?? '', status: subscription.status });
        const login = [...this.channels].find(([, id]) => id === subscription.condition.broadcaster_user_id)?.[0];
        if (login && subscription.status === 'authorization_revoked') this.emit('authorization', { channel: login, granted: false });
      }
    }
    this.listener?.(frame, shard);
  }

  private async assign(shard: string, sessionId: string): Promise<void> {
    const answer = await this.helix.call<{ errors?: Array<{ id: string; message: string }> }>('PATCH', '/eventsub/conduits/shards', {}, {
      conduit_id: this.conduitId,
      shards: [{ id: shard, transport: { method: 'websocket', session_id: sessionId } }],
    });
    const failed = answer.errors?.find((error) => error.id === shard);
    if (failed) throw new Error(`conduit shard ${shard}: ${failed.message}`);
    this.emit('shardAssigned', { shard, sessionId });
  }

  private async broadcasterIdOf(login: string): Promise<string> {
    const { data } = await this.helix.call<{ data: Array<{ id: string; login: string }> }>('GET', '/users', { login });
    const user = data.find((candidate) => candidate.login === login);
    if (!user) throw new HelixError(404, `no Twitch user ${login}`, 'GET /users');
    return user.id;
  }
}

/** The shard manager's units as conduit shards (unit id = shard id): `ShardMember`'s handler in EventSub mode. */
export class ConduitShardUnitHandler {
  constructor(private readonly adapter: Pick<EventSubAdapter, 'startShard' | 'stopShard'>) {}

  start(unit: { id: string }): Promise<void> {
    return this.adapter.startShard(unit.id);
  }

  stop(unit: { id: string }): Promise<void> {
    return this.adapter.stopShard(unit.id);
  }
}
