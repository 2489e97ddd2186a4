import { EventEmitter } from 'node:events';
import { DiscordAPIError, HTTPError, REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import { ROLES, chatEventId, decodeChatEvent, type ChatEvent } from '@parley/contracts';
import { IngestError, UnsupportedActionError, type OutboundMessage, type PendingSend, type PlatformAdapter, type SendOutcome } from '@parley/ingest';
import { GatewayCloseCodes, GatewayIntentBits, type GatewayDispatchPayload, type GatewayMessageCreateDispatchData } from 'discord-api-types/v10';
import type { Redis } from 'ioredis';
import { DiscordKeys } from './discord-keys.js';
import { GuildDirectory } from './guild-directory.js';
import { RedisIdentifyThrottler } from './identify-throttler.js';
import { discordRoles, type DiscordRoleSettings } from './roles.js';
import { GatewaySessionStore } from './session-store.js';

/** A gateway dispatch and the shard that received it (the shard id is the connection index). */
export interface DiscordFrame {
  shardId: number;
  payload: GatewayDispatchPayload;
}

/** Close codes after which Discord must not be asked again (docs: "do not reconnect"). */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

/** Guilds, their messages and their content (privileged: enabled in the developer portal). */
export const DISCORD_INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;

/** A message is at most 2,000 characters. */
const MAX_CONTENT = 2_000;
/** Discord's longest timeout: 28 days. */
const MAX_TIMEOUT_SECONDS = 28 * 24 * 3_600;
/** Close code used to stop a shard without ending its session (any code but 1000/1001 keeps it resumable). */
const HANDOVER_CLOSE_CODE = 4200;

export interface DiscordAdapterOptions {
  redis: Redis;
  keyPrefix: string;
  /** This pod's id (the identify bucket's holder, in logs). */
  pod: string;
  token: string;
  /** REST base (`@discordjs/rest`'s `api` option): Discord, or the fake. */
  apiUrl: string;
  /** The number of gateway shards of the bot (every unit is `<shard>/<shardCount>`). */
  shardCount: number;
  /** The community's role mapping of each guild. */
  roleSettings: (guildId: string) => DiscordRoleSettings | undefined;
  /** Resolves once every frame read so far is on the bus (the kit's `ChatIngest.flush`). */
  settle: () => Promise<void>;
  /** How often a running shard's session is checkpointed to Redis. */
  checkpointIntervalMs: number;
  sessionTtlMs: number;
}

export const DefaultDiscordAdapterOptions = { checkpointIntervalMs: 500, sessionTtlMs: 5 * 60_000 } satisfies Partial<DiscordAdapterOptions>;

/** How a shard this pod runs is doing; `fatal` carries Discord's close code and stays until the shard is handed back. */
export type ShardState = { shardId: number; status: 'connecting' | 'ready' | 'resuming' } | { shardId: number; status: 'fatal'; code: number; reason: string };

interface DiscordAdapterEvents {
  state: [ShardState];
  debug: [{ shardId: number; message: string }];
}

interface DiscordPending extends PendingSend {
  readonly outcome: Promise<SendOutcome>;
}

/**
 * Discord under the ingest kit. The unit the shard manager assigns is a gateway shard
 * (`"<shard_id>/<num_shards>"`), so guilds spread over pods as Discord requires. Each shard
 * this pod runs is a `@discordjs/ws` manager of that one shard: heartbeats and zombie
 * detection, RESUME, RECONNECT, INVALID_SESSION and the close codes are the library's; its
 * hooks put the session in Redis (`GatewaySessionStore`, so another pod resumes it) and the
 * identify throttle across pods (`RedisIdentifyThrottler`). A fatal close code leaves the
 * shard stopped and `fatal` (readiness fails) instead of reconnecting. Delivery is REST
 * (`@discordjs/rest`: buckets, the global limit and 429 `retry_after` waits) with
 * `allowed_mentions` that can ping nobody.
 */
export class DiscordAdapter extends EventEmitter<DiscordAdapterEvents> implements PlatformAdapter<DiscordFrame> {
  readonly platform = 'discord' as const;
  readonly options: DiscordAdapterOptions;
  readonly rest: REST;
  private readonly keys: DiscordKeys;
  private readonly sessions: GatewaySessionStore;
  private readonly guilds = new GuildDirectory();
  private readonly shards = new Map<number, WebSocketManager>();
  private readonly states = new Map<number, ShardState>();
  private readonly frameListeners: Array<(frame: DiscordFrame, connection: number) => void> = [];
  private botUserId: string | undefined;
  private checkpoints: NodeJS.Timeout | undefined;

  constructor(options: Omit<DiscordAdapterOptions, keyof typeof DefaultDiscordAdapterOptions> & Partial<DiscordAdapterOptions>) {
    super();
    this.options = { ...DefaultDiscordAdapterOptions, ...options };
    // No retries inside the client: a POST retried after a 5xx could post twice (the kit decides).
    this.rest = new REST({ api: this.options.apiUrl, version: '10', retries: 0 }).setToken(this.options.token);
    this.keys = new DiscordKeys(this.options.keyPrefix);
    this.sessions = new GatewaySessionStore(this.options.redis, this.keys, this.options.shardCount, this.options.settle, this.options.sessionTtlMs);
  }

  async connect(): Promise<void> {
    this.checkpoints = setInterval(() => {
      for (const shardId of this.sessions.running()) void this.sessions.checkpoint(shardId).catch(() => undefined);
    }, this.options.checkpointIntervalMs);
  }

  /** Starts gateway shard `"<id>/<count>"`: resumes the session a previous owner left in Redis, else identifies. */
  async join(unit: string): Promise<void> {
    const shardId = this.parseUnit(unit);
    if (this.shards.has(shardId)) return;
    await this.sessions.load(shardId);
    const manager = new WebSocketManager({
      token: this.options.token,
      intents: DISCORD_INTENTS,
      rest: this.rest,
      shardCount: this.options.shardCount,
      shardIds: [shardId],
      retrieveSessionInfo: (id) => this.sessions.retrieve(id),
      updateSessionInfo: (id, info) => this.sessions.update(id, info),
      buildIdentifyThrottler: async (built) => {
        const { session_start_limit } = await built.fetchGatewayInformation();
        return new RedisIdentifyThrottler(this.options.redis, this.keys, session_start_limit.max_concurrency, this.options.pod);
      },
    });
    manager.on(WebSocketShardEvents.Dispatch, (payload, id) => this.onDispatch(id, payload));
    manager.on(WebSocketShardEvents.Ready, (_data, id) => this.setState({ shardId: id, status: 'ready' }));
    manager.on(WebSocketShardEvents.Resumed, (id) => this.setState({ shardId: id, status: 'ready' }));
    manager.on(WebSocketShardEvents.Debug, (message, id) => this.emit('debug', { shardId: id, message }));
    manager.on(WebSocketShardEvents.Error, (error, id) => this.emit('debug', { shardId: id, message: error.message }));
    manager.on(WebSocketShardEvents.Closed, (code, id) => {
      if (FATAL_CLOSE_CODES.has(code)) this.setState({ shardId: id, status: 'fatal', code, reason: GatewayCloseCodes[code] ?? 'fatal' });
      else if (this.states.get(id)?.status !== 'fatal') this.setState({ shardId: id, status: 'resuming' });
    });
    this.shards.set(shardId, manager);
    this.setState({ shardId, status: 'connecting' });
    try {
      await manager.connect();
    } catch (error) {
      // A failed first connect (fatal close, Discord unreachable) shows in the shard's state, never crashes the pod.
      if (this.states.get(shardId)?.status !== 'fatal') this.emit('debug', { shardId, message: `connect failed: ${(error as Error).message}` });
    }
  }

  /** Stops a shard without ending its Discord session, and leaves the session in Redis for the next owner to resume. */
  async part(unit: string): Promise<void> {
    const shardId = this.parseUnit(unit);
    const manager = this.shards.get(shardId);
    if (!manager) return;
    this.shards.delete(shardId);
    await this.sessions.handOver(shardId, async () => manager.destroy({ code: HANDOVER_CLOSE_CODE, reason: 'shard handed over' }));
    this.states.delete(shardId);
  }

  async close(): Promise<void> {
    clearInterval(this.checkpoints);
    for (const shardId of [...this.shards.keys()]) await this.part(`${shardId}/${this.options.shardCount}`);
  }

  read(listener: (frame: DiscordFrame, connection: number) => void): void {
    this.frameListeners.push(listener);
  }

  /** The state of every shard this pod runs. */
  shardStates(): ShardState[] {
    return [...this.states.values()];
  }

  normalize(frame: DiscordFrame, receivedAt: Date): ChatEvent | null | undefined {
    const { payload } = frame;
    if (payload.t !== 'MESSAGE_CREATE') return undefined;
    const message = payload.d as GatewayMessageCreateDispatchData;
    // Direct messages belong to no community; system messages (joins, pins, boosts) are not chat.
    if (!message.guild_id || (message.type !== 0 && message.type !== 19)) return null;
    const guildId = message.guild_id;
    const guild = this.guilds.get(guildId);
    const memberRoleIds = message.member?.roles ?? [];
    const roles = discordRoles(
      { authorId: message.author.id, memberRoleIds },
      { ...this.options.roleSettings(guildId), ...(guild?.ownerId && { ownerId: guild.ownerId }) },
    );
    // The ADMINISTRATOR permission moderates whatever the community mapped.
    if (guild?.isAdministrator(memberRoleIds) && !roles.includes('moderator')) {
      roles.push('moderator');
      roles.sort((a, b) => ROLES.indexOf(b) - ROLES.indexOf(a));
    }
    return decodeChatEvent({
      v: 1,
      id: chatEventId('discord', message.id),
      platform: 'discord',
      // The guild is the community's Discord "channel"; the name is the text channel (or thread) the message is in, where answers go.
      channel: { id: guildId, name: message.channel_id },
      author: {
        id: message.author.id,
        name: message.author.username,
        displayName: message.author.global_name ?? message.author.username,
        roles,
        // Webhooks and bots (this one included) never trigger commands.
        isBot: message.author.bot === true || message.webhook_id !== undefined || message.author.id === this.botUserId,
      },
      text: message.content,
      kind: 'message',
      sentAt: new Date(message.timestamp).toISOString(),
      receivedAt: receivedAt.toISOString(),
      ...(message.message_reference?.message_id && { replyTo: message.message_reference.message_id }),
      extras: { guildId, channelId: message.channel_id },
    });
  }

  describe(frame: DiscordFrame): string {
    return JSON.stringify(frame.payload);
  }

  /** One lane per pod: REST reaches every channel from anywhere, and its buckets are the library's. */
  connectionFor(): number {
    return 0;
  }

  async send(message: OutboundMessage, connection: number): Promise<DiscordPending> {
    return { connection, outcome: this.call(message) };
  }

  async confirm(pending: PendingSend, timeoutMs: number): Promise<SendOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<SendOutcome>((resolve) => (timer = setTimeout(() => resolve({ status: 'unknown', reason: 'confirm_timeout' }), timeoutMs)));
    try {
      return await Promise.race([(pending as DiscordPending).outcome, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async call(message: OutboundMessage): Promise<SendOutcome> {
    const channel = message.channel;
    try {
      switch (message.kind) {
        case 'say':
        case 'reply': {
          const body = {
            content: [...message.text].slice(0, MAX_CONTENT).join(''),
            // Nobody can be pinged by an answer: no @everyone/@here, no role, no user, not even the replied-to author.
            allowed_mentions: { parse: [], replied_user: false },
            ...(message.kind === 'reply' && message.targetMessageId && { message_reference: { message_id: message.targetMessageId, fail_if_not_exists: false } }),
          };
          const created = (await this.rest.post(`/channels/${channel}/messages`, { body })) as { id: string };
          return { status: 'accepted', platformMessageId: created.id };
        }
        case 'delete':
          if (!message.targetMessageId) return { status: 'refused', reason: 'no_target_message', retry: 'never' };
          await this.rest.delete(`/channels/${channel}/messages/${message.targetMessageId}`, { reason: 'Parley moderation' });
          return { status: 'accepted' };
        case 'timeout': {
          if (!message.targetUserId || !message.channelId) return { status: 'refused', reason: 'no_target_user', retry: 'never' };
          const seconds = Math.min(message.durationSeconds ?? 600, MAX_TIMEOUT_SECONDS);
          await this.rest.patch(`/guilds/${message.channelId}/members/${message.targetUserId}`, {
            body: { communication_disabled_until: new Date(Date.now() + seconds * 1_000).toISOString() },
            reason: 'Parley moderation',
          });
          return { status: 'accepted' };
        }
        default:
          throw new UnsupportedActionError(String(message.kind), 'discord');
      }
    } catch (error) {
      if (error instanceof IngestError) throw error;
      if (error instanceof DiscordAPIError) {
        // 4xx with Discord's JSON code (50013 missing permissions, 10003 unknown channel, …): trying again will not help.
        if (error.status >= 400 && error.status < 500) return { status: 'refused', reason: `discord_${error.code}`, retry: 'never' };
        return { status: 'unknown', reason: `http_${error.status}` };
      }
      if (error instanceof HTTPError) return { status: 'unknown', reason: `http_${error.status}` };
      return { status: 'unknown', reason: 'request_failed' };
    }
  }

  private onDispatch(shardId: number, payload: GatewayDispatchPayload): void {
    if (payload.t === 'READY') this.botUserId = payload.d.user.id;
    this.guilds.apply(payload);
    for (const listener of this.frameListeners) listener({ shardId, payload }, shardId);
  }

  private setState(state: ShardState): void {
    const previous = this.states.get(state.shardId);
    // A fatal shard stays fatal: the library does not reconnect it, and neither does Parley.
    if (previous?.status === 'fatal' && state.status !== 'fatal') return;
    this.states.set(state.shardId, state);
    this.emit('state', state);
  }

  private parseUnit(unit: string): number {
    const match = /^(\d+)\/(\d+)$/.exec(unit);
    if (!match || Number(match[2]) !== this.options.shardCount || Number(match[1]) >= this.options.shardCount) {
      throw new RangeError(`gateway shard unit "${unit}" is not <shard>/<${this.options.shardCount}> (DISCORD_SHARD_COUNT must match the shard manager's)`);
    }
    return Number(match[1]);
  }
}
