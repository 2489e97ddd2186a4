import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { HelixAnswer, HelixRequest, TwitchHelixFake } from './twitch-helix-fake.js';
import { userIdOf } from './twitch-tmi-fake.js';

export interface TwitchEventSubFakeOptions {
  /** Seconds between keepalives on a quiet session; a client may ask for 10–600 with `?keepalive_timeout_seconds=`. */
  keepaliveSeconds: number;
  /**
   * Notifications written to a shard this long before its transport failed abnormally (no
   * clean close from the client) are retried once on another enabled shard. Default: the
   * keepalive interval (what a failure can hide in before anyone notices).
   */
  retryWindowMs: number | undefined;
  /** `POST /eventsub/conduits` answers after this long (Twitch takes a moment): clients racing to create one overlap. */
  createConduitDelayMs: number;
  host: string;
}

/** How long after it sees a shard's socket fail the fake retries what was written to it. */
const RETRY_AFTER_FAILURE_MS = 100;

export const DefaultTwitchEventSubFakeOptions: TwitchEventSubFakeOptions = { keepaliveSeconds: 10, retryWindowMs: undefined, createConduitDelayMs: 0, host: '127.0.0.1' };

/** The chat subscription types the fake can produce notifications for. */
export type ChatSubscriptionType = 'channel.chat.message' | 'channel.chat.notification' | 'channel.chat.message_delete' | 'channel.chat.clear_user_messages';

export interface EventSubChatMessage {
  /** The chatter. */
  login: string;
  userId?: string;
  displayName?: string;
  text: string;
  /** Badges as Twitch lists them, e.g. `[{set_id:'moderator', id:'1', info:''}]`. */
  badges?: Array<{ set_id: string; id: string; info: string }>;
  id?: string;
  replyParentMessageId?: string;
}

interface Session {
  id: string;
  socket: WebSocket;
  keepalive: NodeJS.Timeout;
  /** Notifications written on this socket, newest last, kept for the retry window. */
  recent: Array<{ at: number; frame: Notification }>;
  /** The client closed cleanly (1000) or the server moved it: nothing is retried. */
  closedCleanly: boolean;
  /** `silence()`: nothing is written any more. */
  silenced?: boolean;
}

interface Shard {
  id: string;
  status: 'enabled' | 'webhook_callback_verification_pending' | 'websocket_disconnected' | 'websocket_failed_ping_pong' | 'websocket_connection_unused';
  sessionId?: string;
  connectedAt?: string;
  disconnectedAt?: string;
}

interface Conduit {
  id: string;
  shards: Shard[];
  /** Round-robin position of the load balancer. */
  next: number;
}

interface Subscription {
  id: string;
  type: string;
  version: string;
  condition: Record<string, string>;
  conduitId: string;
  createdAt: string;
}

interface Notification {
  metadata: { message_id: string; message_type: string; message_timestamp: string; subscription_type?: string; subscription_version?: string };
  payload: object;
  /** Not on the wire: whether this is already the one retry. */
  retried?: boolean;
  conduitId?: string;
}

export interface TwitchEventSubFakeEvents {
  /** A notification written to a shard (`retry`: the second attempt on another shard). */
  delivered: [{ messageId: string; shardId: string; retry: boolean }];
  /** No enabled shard could take it. */
  undeliverable: [{ messageId: string }];
  shardDisabled: [{ conduitId: string; shardId: string; status: Shard['status'] }];
  /** A session's client connected to its reconnect URL: the new socket carries the session from now on. */
  sessionMoved: [{ sessionId: string }];
}

/**
 * Twitch EventSub over WebSocket with conduits, on top of the Helix fake (it registers the
 * `/eventsub/conduits`, `/eventsub/conduits/shards` and `/eventsub/subscriptions` routes):
 *
 * - a session: `session_welcome` on connect, `session_keepalive` when quiet, a client that
 *   sends anything is closed (4001); `reconnectSession` sends `session_reconnect` with a URL
 *   whose connection keeps the session id, and the old socket gets nothing more once the
 *   new one is welcomed;
 * - a conduit: shards get sessions with `PATCH /eventsub/conduits/shards`; notifications
 *   are load-balanced round robin over enabled shards; a shard whose socket fails
 *   abnormally is disabled (`websocket_disconnected`), `conduit.shard.disabled` goes to its
 *   subscribers, and what was written to it within `retryWindowMs` before the failure is
 *   retried once on another enabled shard, 100 ms after the failure was seen (Twitch
 *   retries a failed notification once);
 * - subscriptions belong to the conduit and survive any shard's reconnect; `revoke` sends a
 *   `revocation` and removes one.
 */
export class TwitchEventSubFake extends EventEmitter<TwitchEventSubFakeEvents> {
  readonly options: TwitchEventSubFakeOptions;
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sessions = new Map<string, Session>();
  /** reconnect token → session id. */
  private readonly reconnects = new Map<string, string>();
  private readonly conduits = new Map<string, Conduit>();
  private readonly subscriptions = new Map<string, Subscription>();
  /** user id → login, for the users the fake has named. */
  private readonly logins = new Map<string, string>();
  /** Broadcasters who withdrew `channel:bot` (`revokeAuthorization`): their chat subscriptions are refused (403). */
  private readonly withdrawn = new Set<string>();

  constructor(
    private readonly helix: TwitchHelixFake,
    options: Partial<TwitchEventSubFakeOptions> = {},
  ) {
    super();
    this.options = { ...DefaultTwitchEventSubFakeOptions, ...options };
    helix.addRoute('GET', '/eventsub/conduits', () => ({ status: 200, body: { data: [...this.conduits.values()].map(conduitJson) } }));
    helix.addRoute('POST', '/eventsub/conduits', async (request) => {
      // Created at once, answered later: a GET meanwhile sees it, as with a slow answer from Twitch.
      const answer = this.createConduit(request);
      if (this.options.createConduitDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.createConduitDelayMs));
      return answer;
    });
    helix.addRoute('PATCH', '/eventsub/conduits', (request) => this.updateConduit(request));
    helix.addRoute('GET', '/eventsub/conduits/shards', (request) => this.getShards(request));
    helix.addRoute('PATCH', '/eventsub/conduits/shards', (request) => this.updateShards(request));
    helix.addRoute('POST', '/eventsub/subscriptions', (request) => this.subscribe(request));
    helix.addRoute('GET', '/eventsub/subscriptions', (request) => this.listSubscriptions(request));
    helix.addRoute('DELETE', '/eventsub/subscriptions', (request) => this.unsubscribe(request));
    // What the bot sends through Helix shows up in chat like any message, as on Twitch.
    helix.onChatMessage = (sent) => {
      const { broadcasterId, senderId, message: text, messageId, replyParentMessageId } = sent;
      const login = this.logins.get(senderId) ?? senderId;
      const channel = this.logins.get(broadcasterId) ?? broadcasterId;
      this.notify('channel.chat.message', broadcasterId, this.chatMessageEvent(channel, { login, userId: senderId, text, id: messageId, ...(replyParentMessageId && { replyParentMessageId }) }));
    };
    helix.addRoute('GET', '/users', (request) => this.users(request));
  }

  /** `GET /users?login=…&id=…`: the fakes' ids of logins (Twitch: up to 100 of each). */
  private users({ query }: HelixRequest): HelixAnswer {
    const logins = query.getAll('login').map((login) => login.toLowerCase());
    const ids = query.getAll('id');
    if (logins.length + ids.length > 100) return helixError(400, 'at most 100 ids and logins');
    const data = [
      ...logins.map((login) => ({ id: userIdOf(login), login })),
      ...ids.flatMap((id) => (this.logins.has(id) ? [{ id, login: this.logins.get(id)! }] : [])),
    ].map((user) => ({ ...user, display_name: user.login, type: '', broadcaster_type: '', description: '', profile_image_url: '', offline_image_url: '', created_at: '2020-01-01T00:00:00Z' }));
    for (const user of data) this.logins.set(user.id, user.login);
    return { status: 200, body: { data } };
  }

  /** Listens on an ephemeral port; returns the WebSocket URL (`ws://host:port/ws`). */
  async start(): Promise<string> {
    this.server = createServer((_request, response) => void response.writeHead(426).end());
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (socket, request) => this.onConnection(socket, new URL(request.url ?? '/', 'http://fake')));
    this.server.listen(0, this.options.host);
    await once(this.server, 'listening');
    return this.url;
  }

  get url(): string {
    return `ws://${this.options.host}:${(this.server!.address() as AddressInfo).port}/ws`;
  }

  async stop(): Promise<void> {
    for (const session of this.sessions.values()) clearInterval(session.keepalive);
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise((resolve) => this.server!.close(resolve));
    }
    this.server = undefined;
  }

  shards(conduitId: string): Array<Readonly<Shard>> {
    return this.conduits.get(conduitId)?.shards.map((shard) => ({ ...shard })) ?? [];
  }

  conduitIds(): string[] {
    return [...this.conduits.keys()];
  }

  subscriptionsOf(type?: string): Array<Readonly<Subscription>> {
    return [...this.subscriptions.values()].filter((subscription) => !type || subscription.type === type);
  }

  /** The session's socket stays open but nothing more is written to it, keepalives included (a half-dead connection). */
  silence(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    clearInterval(session.keepalive);
    session.silenced = true;
  }

  /** Sends `session_reconnect` on the session; its next connection (to the URL given) keeps the session id. */
  reconnectSession(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    const token = randomUUID();
    this.reconnects.set(token, sessionId);
    this.write(session, message('session_reconnect', { session: { ...sessionJson(session.id, 'reconnecting', null), reconnect_url: `${this.url}?reconnect=${token}` } }));
  }

  /** A viewer writes in chat: a `channel.chat.message` notification for the broadcaster's subscribers. Returns the message id. */
  viewerSay(channel: string, chat: EventSubChatMessage): string {
    const event = this.chatMessageEvent(channel, chat);
    this.notify('channel.chat.message', this.channelId(channel), event);
    return event.message_id;
  }

  private chatMessageEvent(channel: string, chat: EventSubChatMessage) {
    const messageId = chat.id ?? randomUUID();
    const login = chat.login.toLowerCase();
    return {
      ...this.broadcasterFields(channel),
      chatter_user_id: chat.userId ?? userIdOf(login),
      chatter_user_login: login,
      chatter_user_name: chat.displayName ?? login,
      message_id: messageId,
      message: { text: chat.text, fragments: [{ type: 'text', text: chat.text, cheermote: null, emote: null, mention: null }] },
      color: '',
      badges: chat.badges ?? [],
      message_type: 'text',
      cheer: null,
      reply: chat.replyParentMessageId ? { parent_message_id: chat.replyParentMessageId, parent_message_body: '', parent_user_id: '', parent_user_name: '', parent_user_login: '', thread_message_id: chat.replyParentMessageId, thread_user_id: '', thread_user_name: '', thread_user_login: '' } : null,
      channel_points_custom_reward_id: null,
    };
  }

  /** The broadcaster id of a channel login (the same as the TMI fake's `room-id`). */
  channelId(channel: string): string {
    const login = channel.toLowerCase();
    const id = userIdOf(login);
    this.logins.set(id, login);
    return id;
  }

  /** `broadcaster_user_id`, `_login`, `_name` of a channel login, as every chat event carries them. */
  broadcasterFields(channel: string) {
    const login = channel.toLowerCase();
    return { broadcaster_user_id: this.channelId(login), broadcaster_user_login: login, broadcaster_user_name: login };
  }

  /** A notification of any chat type for the broadcaster's subscribers (the event body as Twitch documents it). Returns the notification's message id. */
  notify(type: string, broadcasterId: string, event: object): string {
    const subscription = [...this.subscriptions.values()].find((candidate) => candidate.type === type && candidate.condition.broadcaster_user_id === broadcasterId);
    const notificationId = randomUUID();
    if (!subscription) return notificationId;
    const frame: Notification = {
      ...message('notification', { subscription: subscriptionJson(subscription), event }, { message_id: notificationId, subscription_type: type, subscription_version: subscription.version }),
      conduitId: subscription.conduitId,
    };
    this.deliver(frame, undefined);
    return notificationId;
  }

  /** The broadcaster (or Twitch) revoked a subscription: a `revocation` message, and the subscription is gone. */
  revoke(subscriptionId: string, status = 'authorization_revoked'): void {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) return;
    this.subscriptions.delete(subscriptionId);
    this.deliver({ ...message('revocation', { subscription: { ...subscriptionJson(subscription), status } }, { subscription_type: subscription.type, subscription_version: subscription.version }), conduitId: subscription.conduitId }, undefined);
  }

  /**
   * The broadcaster withdraws `channel:bot` (`authorization_revoked`) or the user is gone
   * (`user_removed`): every chat subscription of theirs is revoked, and new ones are refused (403).
   */
  revokeAuthorization(channel: string, status: 'authorization_revoked' | 'user_removed' = 'authorization_revoked'): void {
    const broadcasterId = this.channelId(channel);
    this.withdrawn.add(broadcasterId);
    for (const subscription of [...this.subscriptions.values()]) if (subscription.condition.broadcaster_user_id === broadcasterId) this.revoke(subscription.id, status);
  }

  /**
   * Twitch disables a shard (`websocket_failed_ping_pong` and the like) while its socket stays
   * open: the session still gets keepalives but no notification; `conduit.shard.disabled`
   * goes to the conduit's subscribers (over another shard).
   */
  disableShard(conduitId: string, shardId: string, status: Shard['status'] = 'websocket_failed_ping_pong'): void {
    const conduit = this.conduits.get(conduitId);
    const shard = conduit?.shards.find((candidate) => candidate.id === shardId);
    if (!conduit || !shard) throw new Error(`no shard ${shardId} in conduit ${conduitId}`);
    shard.status = status;
    shard.disconnectedAt = new Date().toISOString();
    this.emit('shardDisabled', { conduitId, shardId, status });
    this.shardDisabledNotice(conduit, shard);
  }

  private onConnection(socket: WebSocket, url: URL): void {
    const reconnectOf = url.searchParams.get('reconnect');
    const movedFrom = reconnectOf ? this.reconnects.get(reconnectOf) : undefined;
    if (reconnectOf && !movedFrom) return socket.close(4004, 'reconnect grace time expired');
    const keepaliveSeconds = Number(url.searchParams.get('keepalive_timeout_seconds') ?? this.options.keepaliveSeconds);
    if (!Number.isInteger(keepaliveSeconds) || keepaliveSeconds < 1 || keepaliveSeconds > 600) return socket.close(4000, 'invalid keepalive_timeout_seconds');
    const old = movedFrom ? this.sessions.get(movedFrom) : undefined;
    const session: Session = { id: movedFrom ?? randomUUID().replaceAll('-', '_'), socket, recent: [], closedCleanly: false, keepalive: undefined as unknown as NodeJS.Timeout };
    session.keepalive = setInterval(() => this.write(session, message('session_keepalive', {})), keepaliveSeconds * 1_000);
    session.keepalive.unref();
    socket.on('message', () => socket.close(4001, 'client sent inbound traffic'));
    socket.on('close', (code) => this.onClose(session, code));
    socket.on('error', () => undefined);
    if (old) {
      // The old socket is done: whatever it still gets is not the session's any more; the client closes it.
      if (reconnectOf) this.reconnects.delete(reconnectOf);
      old.closedCleanly = true;
      clearInterval(old.keepalive);
      this.emit('sessionMoved', { sessionId: session.id });
    }
    this.sessions.set(session.id, session);
    this.write(session, message('session_welcome', { session: sessionJson(session.id, 'connected', keepaliveSeconds) }));
  }

  private onClose(session: Session, code: number): void {
    clearInterval(session.keepalive);
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    const clean = session.closedCleanly || code === 1000;
    for (const conduit of this.conduits.values()) {
      for (const shard of conduit.shards) {
        if (shard.sessionId !== session.id || shard.status !== 'enabled') continue;
        shard.status = 'websocket_disconnected';
        shard.disconnectedAt = new Date().toISOString();
        this.emit('shardDisabled', { conduitId: conduit.id, shardId: shard.id, status: shard.status });
        this.shardDisabledNotice(conduit, shard);
      }
    }
    if (clean) return;
    const window = this.options.retryWindowMs ?? this.options.keepaliveSeconds * 1_000;
    const since = Date.now() - window;
    const retries = session.recent.filter(({ at, frame }) => at >= since && !frame.retried && frame.metadata.message_type === 'notification');
    // Retried once Twitch has seen the failure, not in the same instant: the other sockets of a
    // process that died are closed at once, and a retry written into one of them would be its
    // one retry, lost (ADR 0014). Real Twitch's timing is undocumented.
    setTimeout(() => {
      for (const { frame } of retries) this.deliver({ ...frame, retried: true }, session.id);
    }, RETRY_AFTER_FAILURE_MS);
  }

  private shardDisabledNotice(conduit: Conduit, shard: Shard): void {
    const subscription = [...this.subscriptions.values()].find((candidate) => candidate.type === 'conduit.shard.disabled' && candidate.conduitId === conduit.id);
    if (!subscription) return;
    const event = { conduit_id: conduit.id, shard_id: shard.id, status: shard.status, transport: { method: 'websocket', session_id: shard.sessionId, connected_at: shard.connectedAt, disconnected_at: shard.disconnectedAt } };
    this.deliver(
      { ...message('notification', { subscription: subscriptionJson(subscription), event }, { subscription_type: subscription.type, subscription_version: subscription.version }), conduitId: conduit.id },
      undefined,
    );
  }

  /** Writes a frame to the next enabled shard of its conduit (not the one it failed on). */
  private deliver(frame: Notification, notOn: string | undefined): void {
    const conduit = frame.conduitId ? this.conduits.get(frame.conduitId) : undefined;
    // A socket already closing (its peer gone, the close event not yet here) is no candidate:
    // a frame written to it would be dropped without being remembered for the retry.
    const candidates =
      conduit?.shards.filter((shard) => shard.status === 'enabled' && shard.sessionId !== notOn && this.sessions.get(shard.sessionId!)?.socket.readyState === WebSocket.OPEN) ?? [];
    if (!conduit || candidates.length === 0) return void this.emit('undeliverable', { messageId: frame.metadata.message_id });
    const shard = candidates[conduit.next++ % candidates.length]!;
    const session = this.sessions.get(shard.sessionId!)!;
    this.write(session, frame);
    this.emit('delivered', { messageId: frame.metadata.message_id, shardId: shard.id, retry: frame.retried === true });
  }

  private write(session: Session, frame: Notification): void {
    if (session.socket.readyState !== WebSocket.OPEN || session.silenced) return;
    const { retried: _retried, conduitId: _conduitId, ...wire } = frame;
    session.socket.send(JSON.stringify(wire));
    const now = Date.now();
    session.recent.push({ at: now, frame });
    const since = now - (this.options.retryWindowMs ?? this.options.keepaliveSeconds * 1_000);
    while (session.recent.length > 0 && session.recent[0]!.at < since) session.recent.shift();
    // Anything written restarts the keepalive clock.
    session.keepalive.refresh();
  }

  private createConduit({ body }: HelixRequest): HelixAnswer {
    const count = (body as { shard_count?: unknown } | undefined)?.shard_count;
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 20_000) return helixError(400, 'shard_count must be 1–20000');
    if (this.conduits.size >= 5) return helixError(429, 'conduit limit reached (5)');
    const conduit: Conduit = { id: randomUUID(), shards: [], next: 0 };
    resize(conduit, count as number);
    this.conduits.set(conduit.id, conduit);
    return { status: 200, body: { data: [conduitJson(conduit)] } };
  }

  private updateConduit({ body }: HelixRequest): HelixAnswer {
    const { id, shard_count: count } = (body ?? {}) as { id?: string; shard_count?: number };
    const conduit = id ? this.conduits.get(id) : undefined;
    if (!conduit) return helixError(404, 'conduit not found');
    if (!Number.isInteger(count) || count! < 1 || count! > 20_000) return helixError(400, 'shard_count must be 1–20000');
    resize(conduit, count!);
    return { status: 200, body: { data: [conduitJson(conduit)] } };
  }

  private getShards({ query }: HelixRequest): HelixAnswer {
    const conduit = this.conduits.get(query.get('conduit_id') ?? '');
    if (!conduit) return helixError(404, 'conduit not found');
    const status = query.get('status');
    const shards = conduit.shards.filter((shard) => !status || shard.status === status);
    return { status: 200, body: { data: shards.map(shardJson), pagination: {} } };
  }

  private updateShards({ body }: HelixRequest): HelixAnswer {
    const { conduit_id: conduitId, shards } = (body ?? {}) as { conduit_id?: string; shards?: Array<{ id?: string; transport?: { method?: string; session_id?: string } }> };
    const conduit = conduitId ? this.conduits.get(conduitId) : undefined;
    if (!conduit) return helixError(404, 'conduit not found');
    if (!Array.isArray(shards)) return helixError(400, 'shards required');
    const data: object[] = [];
    const errors: object[] = [];
    for (const update of shards) {
      const shard = conduit.shards[Number(update.id)];
      const sessionId = update.transport?.session_id;
      if (!shard || String(Number(update.id)) !== update.id) errors.push({ id: update.id, message: 'shard not found', code: 'not_found' });
      else if (update.transport?.method !== 'websocket' || !sessionId || !this.sessions.has(sessionId)) {
        errors.push({ id: update.id, message: 'The websocket session is not connected', code: 'websocket_session_not_found' });
      } else {
        Object.assign(shard, { status: 'enabled', sessionId, connectedAt: new Date().toISOString() });
        delete shard.disconnectedAt;
        data.push(shardJson(shard));
      }
    }
    return { status: 202, body: { data, errors } };
  }

  private subscribe({ body }: HelixRequest): HelixAnswer {
    const { type, version, condition, transport } = (body ?? {}) as { type?: string; version?: string; condition?: Record<string, string>; transport?: { method?: string; conduit_id?: string } };
    if (!type || !version || !condition || transport?.method !== 'conduit') return helixError(400, 'type, version, condition and a conduit transport are required');
    if (!transport.conduit_id || !this.conduits.has(transport.conduit_id)) return helixError(400, 'conduit not found');
    const broadcasterId = condition.broadcaster_user_id;
    const grants = this.helix.options.botGrants;
    if (type.startsWith('channel.chat.') && broadcasterId && (this.withdrawn.has(broadcasterId) || (grants && !grants.has(broadcasterId)))) {
      return helixError(403, 'subscription missing proper authorization (channel:bot not granted)');
    }
    const same = [...this.subscriptions.values()].find((s) => s.type === type && s.conduitId === transport.conduit_id && JSON.stringify(s.condition) === JSON.stringify(condition));
    if (same) return helixError(409, 'subscription already exists');
    const subscription: Subscription = { id: randomUUID(), type, version, condition, conduitId: transport.conduit_id, createdAt: new Date().toISOString() };
    this.subscriptions.set(subscription.id, subscription);
    return { status: 202, body: { data: [subscriptionJson(subscription)], total: this.subscriptions.size, total_cost: 0, max_total_cost: 10_000 } };
  }

  private listSubscriptions({ query }: HelixRequest): HelixAnswer {
    const type = query.get('type');
    const all = [...this.subscriptions.values()].filter((subscription) => !type || subscription.type === type);
    const first = Math.min(100, Number(query.get('first') ?? 100));
    const start = Number(query.get('after') ?? 0);
    const page = all.slice(start, start + first);
    const next = start + first < all.length ? String(start + first) : undefined;
    return { status: 200, body: { data: page.map(subscriptionJson), total: all.length, total_cost: 0, max_total_cost: 10_000, pagination: next ? { cursor: next } : {} } };
  }

  private unsubscribe({ query }: HelixRequest): HelixAnswer {
    if (!this.subscriptions.delete(query.get('id') ?? '')) return helixError(404, 'subscription not found');
    return { status: 204 };
  }
}

function resize(conduit: Conduit, count: number): void {
  conduit.shards.length = Math.min(conduit.shards.length, count);
  while (conduit.shards.length < count) conduit.shards.push({ id: String(conduit.shards.length), status: 'websocket_disconnected' });
}

function message(type: string, payload: object, metadata: Partial<Notification['metadata']> = {}): Notification {
  return { metadata: { message_id: randomUUID(), message_type: type, message_timestamp: new Date().toISOString(), ...metadata }, payload };
}

function sessionJson(id: string, status: string, keepaliveSeconds: number | null) {
  return { id, status, keepalive_timeout_seconds: keepaliveSeconds, reconnect_url: null, connected_at: new Date().toISOString() };
}

const conduitJson = (conduit: Conduit) => ({ id: conduit.id, shard_count: conduit.shards.length });

const shardJson = (shard: Shard) => ({
  id: shard.id,
  status: shard.status,
  transport: { method: 'websocket', session_id: shard.sessionId, connected_at: shard.connectedAt, disconnected_at: shard.disconnectedAt },
});

const subscriptionJson = (subscription: Subscription) => ({
  id: subscription.id,
  status: 'enabled',
  type: subscription.type,
  version: subscription.version,
  condition: subscription.condition,
  created_at: subscription.createdAt,
  transport: { method: 'conduit', conduit_id: subscription.conduitId },
  cost: 0,
});

const helixError = (status: number, text: string): HelixAnswer => ({ status, body: { error: 'Error', status, message: text } });
