import type { StreamKeys } from '@parley/contracts';
import type { Redis } from 'ioredis';
import type { RoutedEvent } from './event-router.js';

/** What the hub shows of a community's activity, counted by every router replica. */
export interface CommunityStatsSnapshot {
  /** Commands that matched and were handled (answered, denied, on cooldown, throttled, failed). */
  commandsRun: number;
  /** Commands that produced an answer. */
  answers: number;
  /** Commands whose answer failed (a webhook module down, an unknown module). */
  errors: number;
  /** Parley channel id → when the router last saw an event from it (ISO 8601). */
  lastSeen: Record<string, string>;
}

export interface CommunityStatsOptions {
  /** Counts are added up in the router and written this often. */
  flushIntervalMs: number;
  /**
   * Communities and channels counted in memory at most between two writes: reaching it
   * writes at once, so a burst over many channels never grows the router's memory.
   */
  maxPendingChannels: number;
}

export const DefaultCommunityStatsOptions: CommunityStatsOptions = { flushIntervalMs: 1_000, maxPendingChannels: 10_000 };

interface Pending {
  commandsRun: number;
  answers: number;
  errors: number;
  /** channel id → ms since the epoch; formatted only when written. */
  lastSeen: Map<string, number>;
}

const RUN_OUTCOMES: ReadonlySet<string> = new Set(['answered', 'denied', 'disabled', 'cooldown', 'throttled', 'error']);

/**
 * Per-community counters in one Redis hash (`<prefix>:stats:<communityId>`): HINCRBY is
 * atomic, so any number of routers add to the same numbers; the hub reads them. Each
 * router adds up its counts in memory and writes them once per `flushIntervalMs` in one
 * pipeline: a write per event would cost the router half its throughput (bench:router).
 * A crash loses at most one interval of counts, never an answer.
 */
export class CommunityStats {
  private readonly options: CommunityStatsOptions;
  private pending = new Map<string, Pending>();
  /** Entries in `pending` plus every `lastSeen` entry in them. */
  private pendingSize = 0;
  private timer: NodeJS.Timeout | undefined;
  private onError: (error: Error) => void = () => undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StreamKeys,
    options: Partial<CommunityStatsOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DefaultCommunityStatsOptions, ...options };
  }

  /** Communities and channels counted in memory, not yet written. */
  get pendingChannels(): number {
    return this.pendingSize;
  }

  record(routed: RoutedEvent): void {
    if (!routed.communityId) return;
    let pending = this.pending.get(routed.communityId);
    if (!pending) {
      pending = { commandsRun: 0, answers: 0, errors: 0, lastSeen: new Map() };
      this.pending.set(routed.communityId, pending);
      this.pendingSize++;
    }
    if (routed.channelId) {
      if (!pending.lastSeen.has(routed.channelId)) this.pendingSize++;
      pending.lastSeen.set(routed.channelId, this.now());
    }
    if (RUN_OUTCOMES.has(routed.outcome)) pending.commandsRun++;
    if (routed.outcome === 'answered') pending.answers++;
    if (routed.outcome === 'error') pending.errors++;
    if (this.pendingSize >= this.options.maxPendingChannels) void this.flush().catch(this.onError);
  }

  /** Writes what was counted since the last flush. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.pendingSize = 0;
    // A MULTI per community, not one for all: on Redis Cluster the communities' hashes live on
    // different nodes. Each community's counts land together (a reader never sees answers
    // without the commands that gave them).
    const writes: Promise<unknown>[] = [];
    for (const [communityId, counts] of batch) {
      const key = this.key(communityId);
      const transaction = this.redis.multi();
      for (const field of ['commandsRun', 'answers', 'errors'] as const) if (counts[field] > 0) transaction.hincrby(key, field, counts[field]);
      if (counts.lastSeen.size > 0) transaction.hset(key, Object.fromEntries([...counts.lastSeen].map(([channel, at]) => [`lastSeen:${channel}`, new Date(at).toISOString()])));
      writes.push(
        transaction.exec().then((replies) => {
          const failed = replies?.find(([error]) => error);
          if (failed) throw failed[0];
        }),
      );
    }
    await Promise.all(writes);
  }

  /**
   * Flushes every `flushIntervalMs` (and whenever `maxPendingChannels` is reached) until
   * `stop()`; errors go to `onError` (the counts of that interval are dropped).
   */
  start(onError: (error: Error) => void): void {
    this.onError = onError;
    this.timer ??= setInterval(() => void this.flush().catch(onError), this.options.flushIntervalMs);
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  async read(communityId: string): Promise<CommunityStatsSnapshot> {
    const fields = await this.redis.hgetall(this.key(communityId));
    const lastSeen: Record<string, string> = {};
    for (const [field, value] of Object.entries(fields)) if (field.startsWith('lastSeen:')) lastSeen[field.slice('lastSeen:'.length)] = value;
    return { commandsRun: Number(fields.commandsRun ?? 0), answers: Number(fields.answers ?? 0), errors: Number(fields.errors ?? 0), lastSeen };
  }

  private key(communityId: string): string {
    return this.keys.key('stats', communityId);
  }
}
