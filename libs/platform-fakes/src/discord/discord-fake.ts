import { EventEmitter, once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** Gateway opcodes (v10). */
const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;
const MESSAGE_CONTENT = 1 << 15;
/** Discord epoch (2015-01-01) for snowflakes. */
const DISCORD_EPOCH = 1_420_070_400_000n;

export interface DiscordFakeOptions {
  host: string;
  token: string;
  /** The shard count `/gateway/bot` recommends and IDENTIFY must use. */
  shards: number;
  /** Identifies allowed per 5 s (`session_start_limit.max_concurrency`). */
  maxConcurrency: number;
  heartbeatIntervalMs: number;
  /** false: heartbeats get no ACK (a zombie connection the client must notice). */
  ackHeartbeats: boolean;
  /** Whether the app may use the privileged MESSAGE_CONTENT intent. */
  messageContentAllowed: boolean;
  /** REST: requests per bucket per window before a 429. */
  restLimit: number;
  restWindowMs: number;
}

export const DefaultDiscordFakeOptions: DiscordFakeOptions = {
  host: '127.0.0.1',
  token: 'fake-bot-token',
  shards: 1,
  maxConcurrency: 1,
  heartbeatIntervalMs: 41_250,
  ackHeartbeats: true,
  messageContentAllowed: true,
  restLimit: 5,
  restWindowMs: 5_000,
};

export interface DiscordAuthor {
  id: string;
  username: string;
  bot?: boolean;
}

/** A REST call the fake served, for tests (deliveries, moderation, 429s). */
export interface DiscordRestRecord {
  method: string;
  path: string;
  status: number;
  body?: Record<string, unknown>;
}

interface Session {
  id: string;
  shard: [number, number];
  intents: number;
  /** Dispatches sent in this session, by sequence, kept so a RESUME can replay them. */
  log: Array<{ s: number; t: string; d: unknown }>;
  socket: WebSocket | undefined;
}

interface DiscordFakeEvents {
  identify: [{ shard: [number, number]; sessionId: string }];
  /** An IDENTIFY refused with 4008: `previous` are the times (ms) of the identifies within the 5 s before it. */
  identifyRefused: [{ shard: [number, number]; at: number; previous: number[] }];
  resume: [{ sessionId: string; replayed: number }];
}

/**
 * Discord in miniature: Gateway v10 (JSON encoding, no transport compression) and the REST
 * routes a chat bot uses, faithful enough for `@discordjs/ws` and `@discordjs/rest`.
 * Gateway: HELLO, heartbeats and ACKs, IDENTIFY with shard and intents (close codes 4004,
 * 4010, 4011, 4014; 4008 past `max_concurrency` identifies per 5 s), READY with
 * `session_id` and `resume_gateway_url`, RESUME replaying what was missed then RESUMED,
 * INVALID_SESSION, RECONNECT; a guild's events go to shard `(guild_id >> 22) % shards`.
 * REST: `GET /gateway/bot`, messages create/delete, member timeouts, with `X-RateLimit-*`
 * headers and 429 `{message, retry_after, global}` past a bucket's limit.
 */
export class DiscordFake extends EventEmitter<DiscordFakeEvents> {
  readonly options: DiscordFakeOptions;
  readonly rest: DiscordRestRecord[] = [];
  readonly botUser = { id: '100000000000000001', username: 'parleybot', bot: true };
  private http: Server | undefined;
  private gateway: WebSocketServer | undefined;
  private gatewayUrl = '';
  private readonly sessions = new Map<string, Session>();
  private readonly identifies: number[] = [];
  /** bucket → times of its recent requests. */
  private readonly buckets = new Map<string, number[]>();
  private forced429 = 0;
  private sequence = 0;
  /** Guilds the bot is in: each shard gets GUILD_CREATE for its guilds after READY. */
  private readonly guilds = new Map<string, { ownerId: string; roles: Array<{ id: string; permissions: string }> }>();
  /** Identifies refused with 4008 because `max_concurrency` per 5 s was exceeded. */
  identifyRefusals = 0;

  constructor(options: Partial<DiscordFakeOptions> = {}) {
    super();
    this.options = { ...DefaultDiscordFakeOptions, ...options };
  }

  /** Starts REST and the gateway; returns the REST base (`@discordjs/rest`'s `api` option). */
  async start(): Promise<{ apiUrl: string; gatewayUrl: string }> {
    this.http = createServer((request, response) => void this.handleRest(request, response));
    this.gateway = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (request, socket, head) => this.gateway!.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws)));
    this.http.listen(0, this.options.host);
    await once(this.http, 'listening');
    const base = `${this.options.host}:${(this.http.address() as AddressInfo).port}`;
    this.gatewayUrl = `ws://${base}`;
    return { apiUrl: `http://${base}/api`, gatewayUrl: this.gatewayUrl };
  }

  async stop(): Promise<void> {
    for (const client of this.gateway?.clients ?? []) client.terminate();
    this.gateway?.close();
    if (this.http) {
      this.http.closeAllConnections();
      await new Promise((resolve) => this.http!.close(resolve));
      this.http = undefined;
    }
  }

  /** A snowflake made now (ids in Discord are snowflakes, kept as strings). */
  snowflake(): string {
    return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | BigInt(++this.sequence % 4096)).toString();
  }

  /** The shard a guild's events go to. */
  shardOf(guildId: string, shards = this.options.shards): number {
    return Number((BigInt(guildId) >> 22n) % BigInt(shards));
  }

  /** A member writes in a guild channel; returns the message id. Delivered to its shard's session (or kept for its RESUME). */
  memberSay(guildId: string, channelId: string, author: DiscordAuthor, content: string, options: { roles?: string[]; webhookId?: string } = {}): string {
    const id = this.snowflake();
    this.dispatchToGuild(guildId, 'MESSAGE_CREATE', {
      id,
      type: 0,
      channel_id: channelId,
      guild_id: guildId,
      author: { global_name: null, discriminator: '0', avatar: null, ...author },
      ...(author.bot ? {} : { member: { roles: options.roles ?? [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } }),
      ...(options.webhookId && { webhook_id: options.webhookId }),
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
    });
    return id;
  }

  /** Adds the bot to a guild (its owner, its roles with their permission bitfields); sent as GUILD_CREATE to the guild's shard. */
  addGuild(guildId: string, guild: { ownerId: string; roles?: Array<{ id: string; permissions: string }> }): void {
    this.guilds.set(guildId, { ownerId: guild.ownerId, roles: guild.roles ?? [] });
  }

  /** Sessions that currently have a socket, by shard id. */
  connectedShards(): number[] {
    return [...this.sessions.values()].filter((session) => session.socket).map((session) => session.shard[0]).sort((a, b) => a - b);
  }

  /** Sends RECONNECT (op 7) to every connected session: the client must resume. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) session.socket?.send(JSON.stringify({ op: Op.Reconnect, d: null }));
  }

  /** Destroys every gateway socket without a close frame, as a network failure would. */
  dropConnections(): void {
    for (const client of this.gateway?.clients ?? []) client.terminate();
  }

  /** Closes every gateway socket with a close code (e.g. 4004 authentication failed). */
  closeAll(code: number, reason = ''): void {
    for (const client of this.gateway?.clients ?? []) client.close(code, reason);
  }

  /** The next `count` REST calls get a 429, whatever their bucket. */
  rateLimitNext(count: number): void {
    this.forced429 = count;
  }

  private dispatchToGuild(guildId: string, t: string, d: unknown): void {
    const shard = this.shardOf(guildId);
    const sessions = [...this.sessions.values()].filter((session) => session.shard[0] === shard);
    // The newest session of the shard gets it: an older one was replaced by a re-identify.
    const session = sessions.at(-1);
    if (session) this.dispatch(session, t, d);
  }

  private dispatch(session: Session, t: string, d: unknown): void {
    const s = session.log.length + 1;
    session.log.push({ s, t, d });
    session.socket?.send(JSON.stringify({ op: Op.Dispatch, s, t, d }));
  }

  private onConnection(socket: WebSocket): void {
    socket.send(JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } }));
    let session: Session | undefined;
    socket.on('close', () => {
      if (session?.socket === socket) session.socket = undefined;
    });
    socket.on('message', (raw) => {
      let payload: { op?: number; d?: Record<string, unknown> | number | null };
      try {
        payload = JSON.parse(String(raw)) as typeof payload;
      } catch {
        return socket.close(4002, 'Error while decoding payload.');
      }
      const d = typeof payload.d === 'object' && payload.d !== null ? payload.d : {};
      switch (payload.op) {
        case Op.Heartbeat:
          if (this.options.ackHeartbeats) socket.send(JSON.stringify({ op: Op.HeartbeatAck }));
          return;
        case Op.Identify:
          if (session) return socket.close(4005, 'Already authenticated.');
          session = this.identify(socket, d);
          return;
        case Op.Resume:
          if (session) return socket.close(4005, 'Already authenticated.');
          session = this.resume(socket, d);
          return;
        default:
          return socket.close(4001, 'Unknown opcode.');
      }
    });
  }

  private identify(socket: WebSocket, d: Record<string, unknown>): Session | undefined {
    if (d['token'] !== this.options.token && d['token'] !== `Bot ${this.options.token}`) return void socket.close(4004, 'Authentication failed.');
    const shard = Array.isArray(d['shard']) ? (d['shard'] as number[]) : [0, 1];
    const [id = 0, count = 1] = shard;
    if (count !== this.options.shards) return void socket.close(this.options.shards > 1 && count === 1 ? 4011 : 4010, 'Invalid shard.');
    if (id < 0 || id >= count) return void socket.close(4010, 'Invalid shard.');
    const intents = Number(d['intents'] ?? 0);
    if (intents & MESSAGE_CONTENT && !this.options.messageContentAllowed) return void socket.close(4014, 'Disallowed intent(s).');
    const now = Date.now();
    while (this.identifies.length > 0 && now - this.identifies[0]! > 5_000) this.identifies.shift();
    if (this.identifies.length >= this.options.maxConcurrency) {
      this.identifyRefusals += 1;
      this.emit('identifyRefused', { shard: [id, count], at: now, previous: [...this.identifies] });
      return void socket.close(4008, 'Rate limited.');
    }
    this.identifies.push(now);
    const session: Session = { id: randomBytes(16).toString('hex'), shard: [id, count], intents, log: [], socket };
    this.sessions.set(session.id, session);
    this.dispatch(session, 'READY', {
      v: 10,
      user: { ...this.botUser, discriminator: '0', avatar: null, global_name: null },
      guilds: [],
      session_id: session.id,
      resume_gateway_url: this.gatewayUrl,
      shard: [id, count],
      application: { id: this.botUser.id, flags: 0 },
    });
    for (const [guildId, guild] of this.guilds) {
      if (this.shardOf(guildId, count) !== id) continue;
      this.dispatch(session, 'GUILD_CREATE', {
        id: guildId,
        name: `guild ${guildId}`,
        owner_id: guild.ownerId,
        roles: [{ id: guildId, name: '@everyone', permissions: '0', position: 0 }, ...guild.roles.map((role, i) => ({ name: `role ${role.id}`, position: i + 1, ...role }))],
        channels: [],
        threads: [],
        unavailable: false,
      });
    }
    this.emit('identify', { shard: [id, count], sessionId: session.id });
    return session;
  }

  private resume(socket: WebSocket, d: Record<string, unknown>): Session | undefined {
    const session = this.sessions.get(String(d['session_id']));
    if (d['token'] !== this.options.token && d['token'] !== `Bot ${this.options.token}`) return void socket.close(4004, 'Authentication failed.');
    if (!session) {
      socket.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
      return undefined;
    }
    const seq = Number(d['seq'] ?? 0);
    session.socket?.close(4000, 'Session resumed elsewhere.');
    session.socket = socket;
    const missed = session.log.filter((entry) => entry.s > seq);
    for (const entry of missed) socket.send(JSON.stringify({ op: Op.Dispatch, ...entry }));
    this.dispatch(session, 'RESUMED', null);
    this.emit('resume', { sessionId: session.id, replayed: missed.length });
    return session;
  }

  private async handleRest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api(\/v\d+)?/, '');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : undefined;
    const method = request.method ?? 'GET';
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      this.rest.push({ method, path, status, ...(body && { body }) });
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    if (request.headers.authorization !== `Bot ${this.options.token}`) return send(401, { message: '401: Unauthorized', code: 0 });
    // One bucket per route and major parameter (the channel or guild), as Discord counts them.
    const bucket = path.replace(/\/messages\/\d+/, '/messages/:id').replace(/\/members\/\d+/, '/members/:id');
    const now = Date.now();
    const recent = (this.buckets.get(bucket) ?? []).filter((at) => now - at < this.options.restWindowMs);
    const resetAfter = recent.length ? (recent[0]! + this.options.restWindowMs - now) / 1000 : this.options.restWindowMs / 1000;
    const limitHeaders = {
      'x-ratelimit-limit': String(this.options.restLimit),
      'x-ratelimit-remaining': String(Math.max(0, this.options.restLimit - recent.length - 1)),
      'x-ratelimit-reset': String((now / 1000 + resetAfter).toFixed(3)),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': Buffer.from(bucket).toString('hex').slice(0, 32),
    };
    if (path !== '/gateway/bot' && (this.forced429 > 0 || recent.length >= this.options.restLimit)) {
      const retryAfter = this.forced429 > 0 ? 0.05 : resetAfter;
      this.forced429 = Math.max(0, this.forced429 - 1);
      return send(429, { message: 'You are being rate limited.', retry_after: retryAfter, global: false }, {
        ...limitHeaders,
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': retryAfter.toFixed(3),
        'retry-after': String(Math.ceil(retryAfter)),
        'x-ratelimit-scope': 'user',
      });
    }
    recent.push(now);
    this.buckets.set(bucket, recent);
    let match: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return send(200, {
        url: this.gatewayUrl,
        shards: this.options.shards,
        session_start_limit: { total: 1_000, remaining: 1_000, reset_after: 86_400_000, max_concurrency: this.options.maxConcurrency },
      });
    }
    if (method === 'POST' && (match = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const content = typeof body?.['content'] === 'string' ? body['content'] : '';
      if (!content || [...content].length > 2_000) return send(400, { message: 'Invalid Form Body', code: 50035 });
      return send(200, { id: this.snowflake(), channel_id: match[1], content, author: this.botUser, timestamp: new Date().toISOString(), ...(body?.['message_reference'] ? { message_reference: body['message_reference'] } : {}) }, limitHeaders);
    }
    if (method === 'DELETE' && /^\/channels\/\d+\/messages\/\d+$/.test(path)) return send(204, undefined, limitHeaders);
    if (method === 'PATCH' && /^\/guilds\/\d+\/members\/\d+$/.test(path)) return send(200, { communication_disabled_until: body?.['communication_disabled_until'] ?? null }, limitHeaders);
    send(404, { message: '404: Not Found', code: 0 });
  }
}
