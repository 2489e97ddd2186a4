import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { youtube_v3 } from '@googleapis/youtube';
import { TokenRefreshError, type AuthProvider } from '@parley/ingest';
import type { Redis } from 'ioredis';
import { QuotaExhaustedError, YouTubeApiError } from './errors.js';
import type { LiveCheckPlanner } from './live-check-planner.js';
import { LiveChatReader, asApiError, type OptionalLiveChatReaderOptions } from './live-chat-reader.js';
import type { LiveState, LiveStatus } from './live-state.js';
import type { LiveChatItem } from './normalize.js';
import { pacificQuotaDay, type QuotaBudget } from './quota-budget.js';

/** What the adapter reads: a chat item, or a sign of life of a followed channel (an empty page, a state change). */
export type YouTubeFrame =
  | { type: 'item'; channelId: string; liveChatId: string; item: LiveChatItem; joinedAt: Date }
  | { type: 'keepalive'; channelId: string };

/** A Google project: who pays for the calls (its own daily budget) and the bot account that reads and sends. */
export interface YouTubeProject {
  id: string;
  budget: QuotaBudget;
  /** The bot account's access token (read and send). */
  bot: AuthProvider;
  /** The bot account's channel id: its own messages are never answered. */
  botChannelId: string;
}

/** How one YouTube channel is followed: the project that pays, and the broadcaster's token that finds its live chat. */
export interface YouTubeChannelAccess {
  project: YouTubeProject;
  /** The broadcaster's token: `liveBroadcasts.list?mine=true` names the channel's active live chat. */
  broadcaster: AuthProvider;
}

export interface ChannelWatchDeps {
  redis: Redis;
  api: youtube_v3.Youtube;
  planner: LiveCheckPlanner;
  pod: string;
  grpcAddress: string;
  grpcTls: boolean;
  liveCheckCost: number;
  /** After a failed check (YouTube or the token endpoint unreachable): wait this long. */
  checkRetryMs: number;
  pageTokenKey: (liveChatId: string) => string;
  pageTokenTtlSeconds: number;
  /** Resolves once every frame handed over so far is on the bus: only then is the page token saved. */
  settle: () => Promise<void>;
  reader: Partial<OptionalLiveChatReaderOptions>;
}

interface ChannelWatchEvents {
  frame: [YouTubeFrame];
  state: [LiveState];
  error: [Error];
}

/**
 * Follows one YouTube channel for as long as this pod holds it: asks whether it is live
 * (`liveBroadcasts.list?mine=true` with the broadcaster's token, one unit, as often as
 * the {@link LiveCheckPlanner} lets the project afford), reads its live chat while it is
 * live (a {@link LiveChatReader}: `streamList`, `list` as the fallback, resumed from the page
 * token saved in Redis after every published page, so a restarted or new pod goes on
 * where the last one stopped), and goes back to checking when the chat ends. Messages
 * published before this pod joined the chat carry `joinedAt` so they are recorded, not answered.
 */
export class ChannelWatch extends EventEmitter<ChannelWatchEvents> {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly stopped = new AbortController();
  private reader: LiveChatReader | undefined;
  private current: LiveState;

  constructor(
    readonly channelId: string,
    readonly connection: number,
    private readonly access: YouTubeChannelAccess,
    private readonly deps: ChannelWatchDeps,
  ) {
    super();
    const now = new Date().toISOString();
    this.current = { channelId, status: 'checking', project: access.project.id, since: now, updatedAt: now, pod: deps.pod };
  }

  get state(): LiveState {
    return this.current;
  }

  /** The live chat being read now, if any. */
  get liveChatId(): string | undefined {
    return this.current.status === 'live' || this.current.reading ? this.current.liveChatId : undefined;
  }

  get project(): YouTubeProject {
    return this.access.project;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setState({ status: 'checking' });
    this.loop = this.run().catch((error: unknown) => void this.emit('error', error as Error));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped.abort();
    await this.reader?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { project } = this.access;
    while (this.running) {
      try {
        const liveChatId = await this.findLiveChat();
        if (liveChatId === null) continue;
        if (liveChatId === undefined) {
          const waitMs = await this.deps.planner.checked(project.id, this.channelId, project.budget.options.dailyUnits);
          this.setState({ status: 'offline', nextCheckAt: new Date(Date.now() + waitMs).toISOString() });
          await this.pause(waitMs);
          continue;
        }
        await this.deps.planner.leave(project.id, this.channelId);
        await this.read(liveChatId);
      } catch (error) {
        // Redis unreachable (budget, planner, page token): the channel is not given up, it is tried again.
        this.emit('error', error as Error);
        await this.degrade(`cannot follow the channel now: ${(error as Error).message}`, this.deps.checkRetryMs);
      }
    }
  }

  /** The active live chat's id; undefined when the channel is not live; null when the check failed (already waited). */
  private async findLiveChat(): Promise<string | undefined | null> {
    const { project, broadcaster } = this.access;
    try {
      await project.budget.charge(project.id, this.deps.liveCheckCost, 'read');
    } catch (error) {
      if (!(error instanceof QuotaExhaustedError)) throw error;
      await this.degrade(`the quota of project ${project.id} is spent (${error.why}) until midnight Pacific time`, error.retryAfterMs);
      return null;
    }
    let token: string | undefined;
    try {
      token = await broadcaster.accessToken();
      const { data } = await this.deps.api.liveBroadcasts.list(
        { part: ['snippet'], broadcastStatus: 'active', mine: true },
        { headers: { authorization: `Bearer ${token}` }, retry: false },
      );
      return data.items?.find((broadcast) => broadcast.snippet?.liveChatId)?.snippet?.liveChatId ?? undefined;
    } catch (error) {
      if (error instanceof TokenRefreshError) {
        await this.degrade(`the broadcaster's token cannot be refreshed (${error.message})`, this.deps.checkRetryMs);
        return null;
      }
      const apiError = error instanceof YouTubeApiError ? error : asApiError(error);
      if (apiError.reason === 'quotaExceeded') {
        // Spent by someone our budget does not see (another app on the project).
        const { endsInMs } = pacificQuotaDay(project.budget.options.now());
        await this.degrade(`YouTube says the quota of project ${project.id} is spent (quotaExceeded)`, endsInMs);
        return null;
      }
      if (apiError.status === 401 && token) await broadcaster.refused?.(token);
      this.emit('error', apiError);
      await this.degrade(`the live check failed: ${apiError.reason}`, this.deps.checkRetryMs);
      return null;
    }
  }

  private async read(liveChatId: string): Promise<void> {
    const { project } = this.access;
    const { redis, pageTokenKey, pageTokenTtlSeconds, settle } = this.deps;
    const joinedAt = new Date();
    const saved = await redis.get(pageTokenKey(liveChatId));
    const reader = new LiveChatReader({
      grpcTls: this.deps.grpcTls,
      ...this.deps.reader,
      liveChatId,
      project: project.id,
      budget: project.budget,
      accessToken: () => project.bot.accessToken(),
      grpcAddress: this.deps.grpcAddress,
      api: this.deps.api,
      pageToken: saved ?? undefined,
      onPage: async (page) => {
        for (const item of page.items) this.emit('frame', { type: 'item', channelId: this.channelId, liveChatId, item, joinedAt });
        if (page.items.length === 0) this.emit('frame', { type: 'keepalive', channelId: this.channelId });
        await settle();
        if (page.nextPageToken) await redis.set(pageTokenKey(liveChatId), page.nextPageToken, 'EX', pageTokenTtlSeconds);
      },
    });
    this.reader = reader;
    reader.on('error', (error) => this.emit('error', error));
    reader.on('state', (state, why) => {
      if (state === 'waiting-for-quota') {
        const { endsInMs } = pacificQuotaDay(project.budget.options.now());
        this.setState({ status: 'degraded', liveChatId, reading: state, reason: why, retryAt: new Date(Date.now() + endsInMs).toISOString() });
      } else if (state === 'streaming' || state === 'polling') {
        this.setState({ status: 'live', liveChatId, reading: state });
      }
      this.emit('frame', { type: 'keepalive', channelId: this.channelId });
    });
    if (!this.running) return;
    reader.start();
    await reader.done();
    this.reader = undefined;
    if (reader.state === 'ended') {
      await redis.del(pageTokenKey(liveChatId));
      this.setState({ status: 'checking', reason: 'the live chat ended' });
    }
  }

  private async degrade(reason: string, retryInMs: number): Promise<void> {
    this.setState({ status: 'degraded', reason, retryAt: new Date(Date.now() + retryInMs).toISOString() });
    await this.pause(retryInMs);
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopped.signal }).catch(() => undefined);
  }

  private setState(change: Partial<LiveState> & { status: LiveStatus }): void {
    if (!this.running) return;
    const now = new Date().toISOString();
    const same = change.status === this.current.status && change.reading === this.current.reading && change.liveChatId === this.current.liveChatId;
    this.current = {
      channelId: this.channelId,
      project: this.access.project.id,
      pod: this.deps.pod,
      since: same ? this.current.since : now,
      updatedAt: now,
      ...change,
    };
    this.emit('state', this.current);
  }
}
