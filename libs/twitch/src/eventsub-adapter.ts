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
  /**
   * Runs finding or creating the conduit once across the deployment (pods starting at once
   * would each create one): a Redis lock in ingest-twitch. Default: as is (one process).
   */
  singleFlight: <T>(work: () => Promise<T>) => Promise<T>;
  /** Subscription calls a reconcile makes at once. */
  subscriptionConcurrency: number;
}

export type EventSubAdapterOptions = RequiredEventSubAdapterOptions & Partial<OptionalEventSubAdapterOptions>;

export const DefaultEventSubAdapterOptions: OptionalEventSubAdapterOptions = {
  knownBots: new Set(['nightbot', 'streamelements', 'moobot', 'fossabot', 'streamlabs']),
  session: { url: 'wss://eventsub.wss.twitch.tv/ws', keepaliveSeconds: 10, reconnectBackoff: { baseMs: 500, maxMs: 10_000 } },
  moderation: undefined,
  sendLanes: 16,
  singleFlight: (work) => work(),
  subscriptionConcurrency: 8,
};

/**
 * Revocation statuses that mean the broadcaster's grant (`channel:bot`) is gone: the channel
 * is refused until a subscription succeeds again. Other statuses (`version_removed`,
 * `notification_failures_exceeded`, ...) only cost the subscription: the next reconcile makes it again.
 */
export const AUTHORIZATION_LOST_STATUSES: ReadonlySet<string> = new Set(['authorization_revoked', 'user_removed']);

/** Whether a broadcaster lets the bot read their chat: granted (subscriptions made), refused (403 or revoked), pending (not known yet). */
export type ChannelAuthorizationState = 'granted' | 'refused' | 'pending';

export interface ChannelAuthorization {
  broadcasterId: string;
  channel: string;
  state: ChannelAuthorizationState;
  /** Why refused: `helix_403`, or the revocation status; null otherwise. */
  reason: string | null;
}

/** A channel the conduit should hold the chat subscriptions of. */
export interface WantedChannel {
  broadcasterId: string;
  login: string;
}

export interface ReconcileResult {
  created: number;
  deleted: number;
  /** Channels whose subscriptions could not be made for a reason that may pass (5xx, no answer): tried again next time. */
  failed: number;
  /** Every wanted channel's state after the pass (pending where it failed and nothing was known). */
  authorizations: ChannelAuthorization[];
}

/** Drop reasons of `POST /chat/messages` that pass with time; the rest are final. */
const DROPPED_FOR_NOW = new Set(['msg_ratelimit', 'msg_slowmode']);

export interface EventSubAdapterEvents {
  /** A shard's session is assigned to it at Twitch. */
  shardAssigned: [{ shard: string; sessionId: string }];
  /** A shard's socket failed; a new session follows. */
  shardLost: [{ shard: string; reason: string }];
  /** Twitch revoked a subscription (the broadcaster withdrew `channel:bot`, the user was banned...); `authorizationLost` per {@link AUTHORIZATION_LOST_STATUSES}. */
  revoked: [{ type: string; broadcasterId: string; status: string; authorizationLost: boolean }];
  /** A channel's authorization changed (granted: subscriptions made; refused: 403 or revoked); a reconcile reports changes from a state it knew. */
  authorization: [ChannelAuthorization];
  /** Twitch disabled a conduit shard (`conduit.shard.disabled`), whichever pod runs it. */
  shardDisabled: [{ shard: string; status: string; sessionId: string | null }];
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
  /** `type broadcasterId` → subscription id ('' when made elsewhere: 409) of the chat subscriptions the conduit has, as this pod last knew. */
  private subscriptions = new Map<string, string>();
  /** broadcaster id → authorization, for the channels this pod subscribes (joined, or reconciled while it holds the reconcile lease). */
  private authorizations = new Map<string, ChannelAuthorization>();
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

  /**
   * Finds the deployment's conduit (or creates it), sized to `shardCount`, once across the
   * deployment (`singleFlight`), subscribes `conduit.shard.disabled` for it, and reads its subscriptions.
   */
  async connect(): Promise<void> {
    this.conduitId = await this.options.singleFlight(() => this.findOrCreateConduit());
    await this.readSubscriptions();
  }

  private async readSubscriptions(): Promise<void> {
    this.subscriptions = new Map((await this.chatSubscriptions()).map(({ id, type, broadcasterId }) => [`${type} ${broadcasterId}`, id]));
  }

  private async findOrCreateConduit(): Promise<string> {
    const { data } = await this.helix.call<{ data: Array<{ id: string; shard_count: number }> }>('GET', '/eventsub/conduits');
    const found = data[0];
    let id: string;
    if (!found) {
      const created = await this.helix.call<{ data: Array<{ id: string }> }>('POST', '/eventsub/conduits', {}, { shard_count: this.options.shardCount });
      id = created.data[0]!.id;
    } else {
      id = found.id;
      if (found.shard_count !== this.options.shardCount) await this.helix.call('PATCH', '/eventsub/conduits', {}, { id, shard_count: this.options.shardCount });
    }
    // A shard Twitch disabled while its socket still looks alive would get nothing more, silently: this says which.
    await this.subscribe('conduit.shard.disabled', { client_id: this.helix.clientId, conduit_id: id }, id);
    return id;
  }

  /** The conduit's chat subscriptions (every page). */
  private async chatSubscriptions(): Promise<Array<{ id: string; type: string; broadcasterId: string }>> {
    const found: Array<{ id: string; type: string; broadcasterId: string }> = [];
    const chatTypes = new Set<string>(CHAT_SUBSCRIPTION_TYPES);
    let cursor: string | undefined;
    do {
      const page = await this.helix.call<{ data: Array<{ id: string; type: string; condition: Record<string, string>; transport: { conduit_id?: string } }>; pagination: { cursor?: string } }>(
        'GET',
        '/eventsub/subscriptions',
        { after: cursor },
      );
      for (const subscription of page.data) {
        const broadcasterId = subscription.condition.broadcaster_user_id;
        if (subscription.transport.conduit_id === this.conduitId && chatTypes.has(subscription.type) && broadcasterId) found.push({ id: subscription.id, type: subscription.type, broadcasterId });
      }
      cursor = page.pagination.cursor;
    } while (cursor);
    return found;
  }

  /** Creates a subscription on the conduit: its id, or '' when it exists already (409: another pod, an earlier start). */
  private async subscribe(type: string, condition: Record<string, string>, conduitId = this.conduitId): Promise<string> {
    try {
      const created = await this.helix.call<{ data: Array<{ id: string }> }>('POST', '/eventsub/subscriptions', {}, { type, version: '1', condition, transport: { method: 'conduit', conduit_id: conduitId } });
      return created.data[0]?.id ?? '';
    } catch (error) {
      if (error instanceof HelixError && error.status === 409) return '';
      throw error;
    }
  }

  /**
   * Makes the conduit's chat subscriptions those of `wanted`: the missing ones are created
   * (a 403 marks the channel refused: the broadcaster has not granted `channel:bot`), those
   * of channels no longer wanted deleted. `refresh` reads what the conduit has from Twitch
   * first (a full listing: every 100 subscriptions a call); without it the pass works from
   * what this pod last knew, so a channel added in the hub costs four calls, not a listing.
   * A 429 ends the pass (thrown, with `retryAfterMs`).
   */
  async reconcile(wanted: readonly WantedChannel[], { refresh }: { refresh: boolean } = { refresh: true }): Promise<ReconcileResult> {
    if (refresh) await this.readSubscriptions();
    const wantedIds = new Set(wanted.map((channel) => channel.broadcasterId));
    const result: ReconcileResult = { created: 0, deleted: 0, failed: 0, authorizations: [] };
    const previous = this.authorizations;
    const next = new Map<string, ChannelAuthorization>();
    await eachConcurrently(wanted, this.options.subscriptionConcurrency, async ({ broadcasterId, login }) => {
      let authorization: ChannelAuthorization;
      try {
        const made = await this.subscribeChat(broadcasterId);
        result.created += made;
        this.channels.set(login, broadcasterId);
        authorization = { broadcasterId, channel: login, state: 'granted', reason: null };
      } catch (error) {
        if (!(error instanceof HelixError) || error.status === 429) throw error;
        if (error.status === 403) authorization = { broadcasterId, channel: login, state: 'refused', reason: error.code };
        else {
          result.failed++;
          authorization = previous.get(broadcasterId) ?? { broadcasterId, channel: login, state: 'pending', reason: null };
        }
      }
      next.set(broadcasterId, authorization);
      result.authorizations.push(authorization);
      // A change this pod saw happen (not every channel on the first pass after taking the lease).
      const before = previous.get(broadcasterId)?.state;
      if (before !== undefined && before !== authorization.state && authorization.state !== 'pending') this.emit('authorization', authorization);
    });
    const unwanted = () => [...this.subscriptions].filter(([key]) => !wantedIds.has(key.slice(key.indexOf(' ') + 1)));
    // A subscription another pod made (409) has no id here: the listing has it.
    if (unwanted().some(([, id]) => id === '')) await this.readSubscriptions();
    await eachConcurrently(unwanted(), this.options.subscriptionConcurrency, async ([key, id]) => {
      try {
        await this.helix.call('DELETE', '/eventsub/subscriptions', { id });
      } catch (error) {
        // 404: gone already (revoked, or another pass).
        if (!(error instanceof HelixError && error.status === 404)) throw error;
      }
      this.subscriptions.delete(key);
      result.deleted++;
    });
    for (const [login, id] of this.channels) if (!wantedIds.has(id)) this.channels.delete(login);
    this.authorizations = next;
    return result;
  }

  /** The chat types the broadcaster lacks, subscribed; how many were made. */
  private async subscribeChat(broadcasterId: string): Promise<number> {
    let made = 0;
    for (const type of CHAT_SUBSCRIPTION_TYPES) {
      const key = `${type} ${broadcasterId}`;
      if (this.subscriptions.has(key)) continue;
      const id = await this.subscribe(type, { broadcaster_user_id: broadcasterId, user_id: this.options.botUserId });
      if (id) made++;
      this.subscriptions.set(key, id);
    }
    return made;
  }

  /** Channels by authorization state (what this pod subscribes: see {@link ChannelAuthorization}). */
  authorizationCounts(): Record<ChannelAuthorizationState, number> {
    const counts = { granted: 0, refused: 0, pending: 0 };
    for (const { state } of this.authorizations.values()) counts[state]++;
    return counts;
  }

  /** This pod no longer reconciles (another holds the lease): its counts would be stale. */
  forgetAuthorizations(): void {
    this.authorizations = new Map();
  }

  /** Subscribes the channel's chat types to the conduit (those it lacks): from then on its chat arrives on whichever shard Twitch picks. */
  async join(channel: string): Promise<void> {
    const login = channel.toLowerCase().replace(/^#/, '');
    const broadcasterId = this.channels.get(login) ?? (await this.broadcasterIdOf(login));
    try {
      await this.subscribeChat(broadcasterId);
    } catch (error) {
      if (error instanceof HelixError && error.status === 403) this.setAuthorization({ broadcasterId, channel: login, state: 'refused', reason: error.code });
      throw error;
    }
    this.channels.set(login, broadcasterId);
    this.setAuthorization({ broadcasterId, channel: login, state: 'granted', reason: null });
  }

  private setAuthorization(authorization: ChannelAuthorization): void {
    const before = this.authorizations.get(authorization.broadcasterId);
    this.authorizations.set(authorization.broadcasterId, authorization);
    if (before?.state !== authorization.state) this.emit('authorization', authorization);
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
    let settled = false;
    const assigned = new Promise<void>((resolve, reject) => {
      session.on('session', (sessionId) => {
        void this.assign(shard, sessionId).then(
          () => ((settled = true), resolve()),
          (error: Error) => {
            // The first assignment failing fails the start (the shard manager retries the unit); a later one is reported.
            if (!settled) return ((settled = true), reject(error));
            if (this.listenerCount('error') > 0) this.emit('error', error);
          },
        );
      });
    });
    session.on('frame', (frame) => this.onFrame(frame, Number(shard)));
    session.on('lost', ({ reason }) => this.emit('shardLost', { shard, reason }));
    session.start();
    try {
      await assigned;
    } catch (error) {
      await this.stopShard(shard);
      throw error;
    }
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
        const broadcasterId = subscription.condition.broadcaster_user_id ?? '';
        const authorizationLost = AUTHORIZATION_LOST_STATUSES.has(subscription.status);
        this.subscriptions.delete(`${subscription.type} ${broadcasterId}`);
        this.emit('revoked', { type: subscription.type, broadcasterId, status: subscription.status, authorizationLost });
        const known = this.authorizations.get(broadcasterId);
        if (known && authorizationLost) this.setAuthorization({ ...known, state: 'refused', reason: subscription.status });
      }
    }
    if (frame.metadata.subscription_type === 'conduit.shard.disabled') return this.onShardDisabled(frame);
    this.listener?.(frame, shard);
  }

  private onShardDisabled(frame: EventSubFrame): void {
    const event = (frame.payload.event ?? {}) as { conduit_id?: unknown; shard_id?: unknown; status?: unknown; transport?: { session_id?: unknown } };
    if (event.conduit_id !== this.conduitId || typeof event.shard_id !== 'string') return;
    const sessionId = typeof event.transport?.session_id === 'string' ? event.transport.session_id : null;
    this.emit('shardDisabled', { shard: event.shard_id, status: typeof event.status === 'string' ? event.status : 'unknown', sessionId });
  }

  /**
   * Twitch disabled `shard` while it was assigned `sessionId`. If this pod runs the shard on
   * that session, the session is replaced by a new one assigned to the shard (the old socket
   * may still get keepalives, but no notification would come). If it runs the shard on
   * another session, its session is assigned again: Twitch's shard pointed at someone else's
   * session that then closed (a hand-over whose old owner's assignment landed after the new
   * owner's), and nothing else would ever enable it. False when this pod does not run it.
   */
  async recoverDisabledShard(shard: string, sessionId: string | null): Promise<boolean> {
    const session = this.shards.get(shard);
    if (!session) return false;
    if (sessionId !== null && session.id !== sessionId) {
      // A session not yet welcomed is assigned when its welcome comes.
      if (session.id !== undefined) await this.assign(shard, session.id);
      return true;
    }
    await this.stopShard(shard);
    await this.startShard(shard);
    return true;
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

/** Runs `work` for every item, at most `limit` at a time; the first failure is thrown once the running ones end. */
async function eachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
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
