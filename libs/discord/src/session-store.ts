import type { SessionInfo } from '@discordjs/ws';
import type { Redis } from 'ioredis';
import type { DiscordKeys } from './discord-keys.js';

/**
 * The gateway sessions of the shards this pod runs, behind `@discordjs/ws`'s
 * `retrieveSessionInfo` / `updateSessionInfo` hooks: the library reads and writes the live
 * copy in memory (it asks on every dispatch), and a checkpoint puts it in Redis, so the
 * next owner of a shard (after a hand-over or a crash) RESUMEs the same session and Discord
 * replays what it missed. The sequence written is one whose events are all on the bus: the
 * checkpoint takes the live sequence, waits until what was read is published (`settle`),
 * then writes; a crash replays at most one checkpoint interval, and publish-once drops what
 * comes twice.
 */
export class GatewaySessionStore {
  private readonly live = new Map<number, SessionInfo>();
  /** Shards being handed over: their closing must not forget the session in Redis. */
  private readonly handingOver = new Set<number>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: DiscordKeys,
    private readonly shardCount: number,
    private readonly settle: () => Promise<void>,
    /** How long a checkpoint outlives its pod (Discord keeps a session resumable for minutes, not hours). */
    private readonly ttlMs: number,
  ) {}

  /** Loads the shard's checkpoint before it connects: a session left by another pod is resumed. */
  async load(shardId: number): Promise<SessionInfo | undefined> {
    const saved = await this.redis.get(this.keys.session(shardId, this.shardCount));
    if (!saved) return undefined;
    const session = JSON.parse(saved) as SessionInfo;
    if (session.shardCount !== this.shardCount || session.shardId !== shardId) return undefined;
    this.live.set(shardId, session);
    return session;
  }

  retrieve(shardId: number): SessionInfo | null {
    return this.live.get(shardId) ?? null;
  }

  update(shardId: number, session: SessionInfo | null): void {
    if (session) return void this.live.set(shardId, session);
    this.live.delete(shardId);
    // The library forgets a session it cannot resume (invalid session, fatal close); so does Redis.
    // A shard handed over keeps it: its next owner resumes.
    if (!this.handingOver.has(shardId)) void this.redis.del(this.keys.session(shardId, this.shardCount)).catch(() => undefined);
  }

  /** Writes the shard's session to Redis with the newest sequence whose events are published. */
  async checkpoint(shardId: number, snapshot = this.live.get(shardId)): Promise<void> {
    if (!snapshot) return;
    const taken = { ...snapshot };
    await this.settle();
    const current = this.live.get(shardId);
    // A session replaced meanwhile (re-identify) is not written back over the new one.
    if (current && current.sessionId !== taken.sessionId) return;
    await this.redis.set(this.keys.session(shardId, this.shardCount), JSON.stringify(taken), 'PX', this.ttlMs);
  }

  /** Runs `close` with the session kept for the next owner, then checkpoints it. */
  async handOver(shardId: number, close: () => Promise<void>): Promise<void> {
    const snapshot = this.live.get(shardId);
    this.handingOver.add(shardId);
    try {
      await close();
      await this.checkpoint(shardId, snapshot);
    } finally {
      this.handingOver.delete(shardId);
      this.live.delete(shardId);
    }
  }

  running(): number[] {
    return [...this.live.keys()];
  }
}
