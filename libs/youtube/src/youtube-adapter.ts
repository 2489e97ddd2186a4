import { EventEmitter } from 'node:events';
import type { youtube_v3 } from '@googleapis/youtube';
import { StreamKeys, type ChatEvent } from '@parley/contracts';
import { NotConnectedError, UnsupportedActionError, type OutboundMessage, type PendingSend, type PlatformAdapter, type SendOutcome } from '@parley/ingest';
import type { Redis } from 'ioredis';
import { ChannelWatch, type ChannelWatchDeps, type YouTubeChannelAccess, type YouTubeFrame } from './channel-watch.js';
import { YouTubeApiError } from './errors.js';
import { LiveCheckPlanner, type LiveCheckPlannerOptions } from './live-check-planner.js';
import { asApiError, type OptionalLiveChatReaderOptions } from './live-chat-reader.js';
import { LiveStateStore, type LiveState } from './live-state.js';
import { normalizeLiveChatItem } from './normalize.js';
import { pacificQuotaDay } from './quota-budget.js';

/** What to do with an answer longer than YouTube's 200 characters: cut it (with …) or send it as several messages. */
export type LongMessagePolicy = 'trim' | 'split';

export interface RequiredYouTubeAdapterOptions {
  redis: Redis;
  keyPrefix: string;
  /** This pod's id: written beside each channel's live state. */
  pod: string;
  /** The project and credentials a channel is followed with; undefined: none configured (the channel shows degraded). */
  access: (channelId: string) => YouTubeChannelAccess | undefined;
  /** The Data API client (`@googleapis/youtube`), pointed at YouTube or the fake by its root URL. */
  api: youtube_v3.Youtube;
  /** `host:port` of the `streamList` gRPC service. */
  grpcAddress: string;
}

export interface OptionalYouTubeAdapterOptions {
  grpcTls: boolean;
  longMessages: LongMessagePolicy;
  maxMessageChars: number;
  /** Units a call costs (YouTube's quota calculator): live check (`liveBroadcasts.list`), insert, delete, ban. */
  costs: { liveCheck: number; insert: number; delete: number; ban: number };
  checkRetryMs: number;
  pageTokenTtlSeconds: number;
  liveChecks: Partial<Omit<LiveCheckPlannerOptions, 'keyPrefix'>>;
  reader: Partial<OptionalLiveChatReaderOptions>;
  /** Resolves once every frame read so far is on the bus (the app passes `ChatIngest.flush`); the page token is saved after it. */
  settle: () => Promise<void>;
}

export type YouTubeAdapterOptions = RequiredYouTubeAdapterOptions & Partial<OptionalYouTubeAdapterOptions>;

export const DefaultYouTubeAdapterOptions: OptionalYouTubeAdapterOptions = {
  grpcTls: true,
  longMessages: 'trim',
  maxMessageChars: 200,
  costs: { liveCheck: 1, insert: 50, delete: 50, ban: 50 },
  checkRetryMs: 30_000,
  pageTokenTtlSeconds: 12 * 3_600,
  liveChecks: {},
  reader: {},
  settle: async () => undefined,
};

interface YouTubePendingSend extends PendingSend {
  outcome: Promise<SendOutcome>;
}

interface YouTubeAdapterEvents {
  /** A followed channel's live state changed (also written to Redis for the hub). */
  state: [LiveState];
  error: [Error];
}

/** Refusals that a later try can get past; every other refusal of a send is final. */
const RETRY_LATER = new Set(['rateLimitExceeded', 'quotaExceeded', 'authError', 'backendError']);

/**
 * YouTube Live chat as the kit's platform adapter. The unit the shard manager assigns is a
 * YouTube channel (joined by its id): a {@link ChannelWatch} finds its live chat as it starts
 * and reads it until it ends; items become ChatEvents (those published before the join
 * marked `extras.backlog`, never answered); `say`/`reply` go out with
 * `liveChatMessages.insert` and are confirmed by the message it returns, `delete` with
 * `liveChatMessages.delete`, `timeout` with `liveChatBans.insert` (temporary with a
 * duration, permanent without). Every call is charged to the channel's project first.
 */
export class YouTubeAdapter extends EventEmitter<YouTubeAdapterEvents> implements PlatformAdapter<YouTubeFrame> {
  readonly platform = 'youtube' as const;
  readonly options: RequiredYouTubeAdapterOptions & OptionalYouTubeAdapterOptions;
  readonly states: LiveStateStore;
  private readonly planner: LiveCheckPlanner;
  private readonly watches = new Map<string, ChannelWatch>();
  /** Channels held without credentials: followed in name only, shown degraded with the reason. */
  private readonly unfollowable = new Map<string, LiveState>();
  private readonly frameListeners: Array<(frame: YouTubeFrame, connection: number) => void> = [];
  private readonly keys: StreamKeys;

  constructor(options: YouTubeAdapterOptions) {
    super();
    this.options = { ...DefaultYouTubeAdapterOptions, ...options, costs: { ...DefaultYouTubeAdapterOptions.costs, ...options.costs } };
    this.keys = new StreamKeys(options.keyPrefix);
    this.states = new LiveStateStore(options.redis, options.keyPrefix);
    this.planner = new LiveCheckPlanner(options.redis, { ...this.options.liveChecks, keyPrefix: options.keyPrefix });
  }

  /** Nothing to open up front: the REST client and the gRPC channel connect on first use. */
  async connect(): Promise<void> {}

  /** Starts following a YouTube channel (by id). Resolves at once: whether it is live shows in its state. */
  async join(channelId: string): Promise<void> {
    if (this.watches.has(channelId) || this.unfollowable.has(channelId)) return;
    const access = this.options.access(channelId);
    if (!access) {
      const now = new Date().toISOString();
      const state: LiveState = { channelId, status: 'degraded', project: 'none', reason: 'no YouTube credentials for this channel', since: now, updatedAt: now, pod: this.options.pod };
      this.unfollowable.set(channelId, state);
      return this.publishState(state);
    }
    const watch = new ChannelWatch(channelId, this.freeConnection(), access, this.watchDeps());
    this.watches.set(channelId, watch);
    watch.on('frame', (frame) => {
      for (const listener of this.frameListeners) listener(frame, watch.connection);
    });
    watch.on('state', (state) => void this.publishState(state));
    watch.on('error', (error) => this.emit('error', error));
    watch.start();
  }

  async part(channelId: string): Promise<void> {
    const watch = this.watches.get(channelId);
    this.watches.delete(channelId);
    this.unfollowable.delete(channelId);
    await watch?.stop();
    await this.planner.leave(watch?.project.id ?? 'none', channelId).catch(() => undefined);
    await this.states.forget(channelId, this.options.pod).catch((error: Error) => this.emit('error', error));
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches.keys(), ...this.unfollowable.keys()].map((channelId) => this.part(channelId)));
  }

  /** The live state of every channel this pod follows. */
  followed(): LiveState[] {
    return [...[...this.watches.values()].map((watch) => watch.state), ...this.unfollowable.values()];
  }

  read(listener: (frame: YouTubeFrame, connection: number) => void): void {
    this.frameListeners.push(listener);
  }

  normalize(frame: YouTubeFrame, receivedAt: Date): ChatEvent | null | undefined {
    if (frame.type === 'keepalive') return undefined;
    const access = this.options.access(frame.channelId);
    const event = normalizeLiveChatItem(frame.item, {
      channel: { id: frame.channelId, name: frame.channelId },
      receivedAt,
      botChannelId: access?.project.botChannelId ?? '',
      joinedAt: frame.joinedAt,
    });
    // Chat-state items (chat ended, tombstones, polls) are chat Parley does not act on.
    return event ?? null;
  }

  describe(frame: YouTubeFrame): string {
    return JSON.stringify(frame);
  }

  connectionFor(channelId: string): number | undefined {
    const watch = this.watches.get(channelId);
    return watch?.liveChatId ? watch.connection : undefined;
  }

  async send(message: OutboundMessage, connection: number): Promise<YouTubePendingSend> {
    const watch = this.watches.get(message.channel);
    const liveChatId = watch?.liveChatId;
    if (!watch || !liveChatId) throw new NotConnectedError(message.channel);
    const { project } = watch;
    const { costs } = this.options;
    const auth = { headers: { authorization: `Bearer ${await project.bot.accessToken()}` }, retry: false };
    switch (message.kind) {
      case 'say':
      case 'reply': {
        // YouTube has no threaded replies: a reply is a message in the same chat.
        const texts = this.fit(message.text);
        // Charged before anything is written: a refusal (QuotaExhaustedError, retryable) leaves nothing half sent.
        await project.budget.charge(project.id, costs.insert * texts.length, 'send', liveChatId);
        return { connection, outcome: this.insertAll(liveChatId, texts, auth) };
      }
      case 'delete': {
        if (!message.targetMessageId) throw new UnsupportedActionError('delete without a target message', 'YouTube');
        await project.budget.charge(project.id, costs.delete, 'send', liveChatId);
        return { connection, outcome: this.outcomeOf(this.options.api.liveChatMessages.delete({ id: message.targetMessageId }, auth)) };
      }
      case 'timeout': {
        if (!message.targetUserId) throw new UnsupportedActionError('timeout without a target user', 'YouTube');
        await project.budget.charge(project.id, costs.ban, 'send', liveChatId);
        const temporary = message.durationSeconds !== undefined;
        const snippet = {
          liveChatId,
          type: temporary ? 'temporary' : 'permanent',
          bannedUserDetails: { channelId: message.targetUserId },
          ...(temporary && { banDurationSeconds: String(message.durationSeconds) }),
        };
        return { connection, outcome: this.outcomeOf(this.options.api.liveChatBans.insert({ part: ['snippet'], requestBody: { snippet } }, auth)) };
      }
    }
  }

  async confirm(pending: PendingSend, timeoutMs: number): Promise<SendOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<SendOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'unknown', reason: `no answer from YouTube within ${timeoutMs} ms` }), timeoutMs);
    });
    return Promise.race([(pending as YouTubePendingSend).outcome, timeout]).finally(() => clearTimeout(timer));
  }

  /** The text as YouTube takes it: at most `maxMessageChars` characters (code points), trimmed or split by policy. */
  fit(text: string): string[] {
    const max = this.options.maxMessageChars;
    const chars = [...text];
    if (chars.length <= max) return [text];
    if (this.options.longMessages === 'trim') return [`${chars.slice(0, max - 1).join('').trimEnd()}…`];
    const parts: string[] = [];
    let rest = chars;
    while (rest.length > max) {
      // Cut at the last space within the limit, so words stay whole where they can.
      const window = rest.slice(0, max);
      const space = window.lastIndexOf(' ');
      const cut = space > max / 2 ? space : max;
      parts.push(rest.slice(0, cut).join('').trimEnd());
      rest = [...rest.slice(cut).join('').trimStart()];
    }
    if (rest.length > 0) parts.push(rest.join(''));
    return parts;
  }

  private async insertAll(liveChatId: string, texts: string[], auth: { headers: Record<string, string>; retry: boolean }): Promise<SendOutcome> {
    let platformMessageId: string | undefined;
    for (const [index, messageText] of texts.entries()) {
      const outcome = await this.outcomeOf(
        this.options.api.liveChatMessages.insert({ part: ['snippet'], requestBody: { snippet: { liveChatId, type: 'textMessageEvent', textMessageDetails: { messageText } } } }, auth),
      );
      if (outcome.status !== 'accepted') {
        // A later part refused after earlier ones went out: the answer is half in chat, whatever is done now.
        return index === 0 ? outcome : { status: 'unknown', reason: `part ${index + 1} of ${texts.length}: ${outcome.reason}` };
      }
      platformMessageId ??= outcome.platformMessageId;
    }
    return platformMessageId ? { status: 'accepted', platformMessageId } : { status: 'accepted' };
  }

  /** YouTube's answer to a write as the kit's outcome: the returned resource confirms it. */
  private async outcomeOf(call: Promise<{ data?: unknown }>): Promise<SendOutcome> {
    try {
      const { data } = await call;
      const id = (data as { id?: string } | undefined)?.id;
      return id ? { status: 'accepted', platformMessageId: id } : { status: 'accepted' };
    } catch (error) {
      const apiError = error instanceof YouTubeApiError ? error : asApiError(error);
      // No answer at all (network) or a server error: the write may or may not have happened.
      if (apiError.status === 0 || apiError.status >= 500) return { status: 'unknown', reason: apiError.reason === 'unknown' ? 'no answer from YouTube' : apiError.reason };
      if (!RETRY_LATER.has(apiError.reason)) return { status: 'refused', reason: apiError.reason, retry: 'never' };
      const retryAfterMs = apiError.reason === 'quotaExceeded' ? pacificQuotaDay(new Date()).endsInMs : 1_000;
      return { status: 'refused', reason: apiError.reason, retry: 'later', retryAfterMs };
    }
  }

  private watchDeps(): ChannelWatchDeps {
    const { redis, api, pod, grpcAddress, grpcTls, costs, checkRetryMs, pageTokenTtlSeconds, settle, reader } = this.options;
    return {
      redis,
      api,
      planner: this.planner,
      pod,
      grpcAddress,
      grpcTls,
      liveCheckCost: costs.liveCheck,
      checkRetryMs,
      pageTokenKey: (liveChatId) => this.keys.key('youtube-page', liveChatId),
      pageTokenTtlSeconds,
      settle,
      reader,
    };
  }

  /** The lowest connection index no followed channel uses: small and stable, it is a metric label. */
  private freeConnection(): number {
    const used = new Set([...this.watches.values()].map((watch) => watch.connection));
    let index = 0;
    while (used.has(index)) index++;
    return index;
  }

  private async publishState(state: LiveState): Promise<void> {
    this.emit('state', state);
    await this.states.write(state).catch((error: Error) => this.emit('error', error));
  }
}
