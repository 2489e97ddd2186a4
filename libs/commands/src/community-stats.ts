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

const RUN_OUTCOMES: ReadonlySet<string> = new Set(['answered', 'denied', 'disabled', 'cooldown', 'throttled', 'error']);

/**
 * Per-community counters in one Redis hash (`<prefix>:stats:<communityId>`): HINCRBY is
 * atomic, so any number of routers add to the same numbers; the hub reads them.
 */
export class CommunityStats {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StreamKeys,
    private readonly now: () => number = Date.now,
  ) {}

  async record(routed: RoutedEvent): Promise<void> {
    if (!routed.communityId) return;
    const multi = this.redis.multi().hset(this.key(routed.communityId), `lastSeen:${routed.channelId}`, new Date(this.now()).toISOString());
    if (RUN_OUTCOMES.has(routed.outcome)) multi.hincrby(this.key(routed.communityId), 'commandsRun', 1);
    if (routed.outcome === 'answered') multi.hincrby(this.key(routed.communityId), 'answers', 1);
    if (routed.outcome === 'error') multi.hincrby(this.key(routed.communityId), 'errors', 1);
    await multi.exec();
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
