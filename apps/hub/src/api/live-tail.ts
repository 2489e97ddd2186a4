import { EntryField, readGroups } from '@parley/bus';
import type { Platform, StreamKeys } from '@parley/contracts';
import { PLATFORMS } from '@parley/contracts';
import type { Redis } from 'ioredis';

export interface LiveTailOptions {
  /** Open tails per process; past it a new one is refused (429). */
  maxTails: number;
  /** Open tails per community per process, so one community cannot take every slot. */
  maxTailsPerCommunity: number;
  /** Open tails per API key (or the admin token) per process. */
  maxTailsPerKey: number;
  /** How long one XREAD blocks, ms: also how soon a closed tail notices. */
  blockMs: number;
  /** A comment line this often keeps proxies from closing an idle stream, ms. */
  heartbeatMs: number;
  /** How often the community's channel list is read again and the tail's access checked again, ms. */
  channelsRefreshMs: number;
}

export const DefaultLiveTailOptions: LiveTailOptions = {
  maxTails: 100,
  maxTailsPerCommunity: 10,
  maxTailsPerKey: 5,
  blockMs: 5_000,
  heartbeatMs: 15_000,
  channelsRefreshMs: 5_000,
};

/** Who holds a tail: the key (null for the platform admin), its actor and the community tailed. */
export interface TailOwner {
  actor: string;
  keyId: string | null;
  communityId: string;
}

/** Why a tail was refused: this key's share, this community's share, or the process is full. */
export class TailRefusedError extends Error {
  override readonly name = 'TailRefusedError';
  constructor(
    readonly share: 'key' | 'community' | 'server',
    readonly limit: number,
  ) {
    super(`live-tail limit reached (${share}: ${limit})`);
  }
}

/** One reserved tail slot: held from admission until the stream ends. */
export interface TailSlot {
  readonly owner: TailOwner;
  /** Ends the stream (or keeps it from starting) and frees the slot. */
  stop(): void;
}

interface Held extends TailSlot {
  stopped: boolean;
  onStop: (() => void) | null;
  /** Whether the owner may still read this community (checked again after missed notices). */
  stillAllowed: () => Promise<boolean>;
}

/** What a tail writes to; the HTTP side turns it into SSE frames. */
export interface TailSink {
  send(event: 'chat' | 'action', data: string): void;
  comment(text: string): void;
}

/**
 * Live tails: one blocking `XREAD` connection per open tail over every event partition
 * and every action stream, passing on the entries of the community's own channels.
 * Each tail holds a slot, bounded per key, per community and per process. A tail stops
 * when its client goes away, when `end()` names its owner (a revoked key, a deleted
 * community), when its periodic access check fails, and on shutdown.
 */
export class LiveTails {
  private readonly held = new Set<Held>();
  private readonly options: LiveTailOptions;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StreamKeys,
    options: Partial<LiveTailOptions> = {},
    private readonly onCountChanged: (open: number) => void = () => undefined,
  ) {
    this.options = { ...DefaultLiveTailOptions, ...options };
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * Takes a slot for `owner`, or throws `TailRefusedError` naming the share that is used
   * up. Synchronous, so two requests can never both take the last slot.
   */
  reserve(owner: TailOwner, stillAllowed: () => Promise<boolean>): TailSlot {
    let ofKey = 0;
    let ofCommunity = 0;
    for (const slot of this.held) {
      if (slot.owner.actor === owner.actor) ofKey++;
      if (slot.owner.communityId === owner.communityId) ofCommunity++;
    }
    if (ofKey >= this.options.maxTailsPerKey) throw new TailRefusedError('key', this.options.maxTailsPerKey);
    if (ofCommunity >= this.options.maxTailsPerCommunity) throw new TailRefusedError('community', this.options.maxTailsPerCommunity);
    if (this.held.size >= this.options.maxTails) throw new TailRefusedError('server', this.options.maxTails);
    const slot: Held = {
      owner,
      stopped: false,
      onStop: null,
      stillAllowed,
      stop: () => {
        slot.stopped = true;
        slot.onStop?.();
        this.release(slot);
      },
    };
    this.held.add(slot);
    this.onCountChanged(this.held.size);
    return slot;
  }

  /** Ends every tail whose owner matches (a revoked key, a deleted community); their slots are free at once. */
  end(matches: (owner: TailOwner) => boolean): void {
    for (const slot of [...this.held]) if (matches(slot.owner)) slot.stop();
  }

  /** Checks every tail's access again (after change notices may have been missed) and ends those that lost it. */
  async recheck(): Promise<void> {
    await Promise.all([...this.held].map(async (slot) => ((await slot.stillAllowed().catch(() => false)) ? undefined : slot.stop())));
  }

  /**
   * Streams into `sink` until the slot is stopped (client gone, access revoked, shutdown);
   * resolves when done. `channels()` lists the community's channels as
   * `<platform>:<platform channel id>`.
   */
  async run(reserved: TailSlot, channels: () => Promise<Set<string>>, sink: TailSink, signal: AbortSignal): Promise<void> {
    const slot = reserved as Held;
    if (slot.stopped) return;
    // ioredis's Cluster client duplicates with other arguments (startup nodes first).
    const connection = this.redis.isCluster ? this.redis.duplicate() : this.redis.duplicate({ lazyConnect: false, maxRetriesPerRequest: 1 });
    connection.on('error', () => undefined);
    slot.onStop = () => connection.disconnect();
    const stop = () => slot.stop();
    signal.addEventListener('abort', stop, { once: true });
    const heartbeat = setInterval(() => sink.comment('keep-alive'), this.options.heartbeatMs);
    const actionStreams = new Set(PLATFORMS.flatMap((platform: Platform) => this.keys.allActionPartitions(platform)));
    const streams = [...this.keys.allEventPartitions(), ...actionStreams];
    // One XREAD reads one slot on Redis Cluster: there each slot's streams are read in turn, sharing the block time.
    const groups = readGroups(this.redis, streams);
    const blockMs = Math.max(1, Math.floor(this.options.blockMs / groups.length));
    try {
      // Only what arrives from now on (by Redis's clock, which stamps the ids); then each
      // stream resumes after its own last entry, so nothing between two reads is missed.
      const [seconds, micros] = await connection.time();
      const start = `${Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000)}-0`;
      const cursors = new Map(streams.map((stream) => [stream, start]));
      let owned = await channels();
      let refreshedAt = Date.now();
      while (!slot.stopped) {
        if (Date.now() - refreshedAt > this.options.channelsRefreshMs) {
          // A missed revocation notice still ends the tail here, at the latest.
          if (!(await slot.stillAllowed())) break;
          owned = await channels();
          refreshedAt = Date.now();
        }
        const replies = [];
        for (const group of groups) {
          replies.push(
            ...(((await connection.xread('COUNT', 100, 'BLOCK', blockMs, 'STREAMS', ...group, ...group.map((stream) => cursors.get(stream)!))) as Array<
              [string, Array<[string, string[]]>]
            > | null) ?? []),
          );
        }
        for (const [stream, entries] of replies) {
          for (const [id, fields] of entries) {
            cursors.set(stream, id);
            const payload = fields[fields.indexOf(EntryField.payload) + 1];
            if (!payload) continue;
            const parsed = JSON.parse(payload) as { platform?: string; channel?: { id?: string } };
            if (owned.has(`${parsed.platform}:${parsed.channel?.id}`)) sink.send(actionStreams.has(stream) ? 'action' : 'chat', payload);
          }
        }
      }
    } catch (error) {
      // A disconnect to stop the tail rejects the blocked XREAD: that is the normal end.
      if (!slot.stopped) throw error;
    } finally {
      clearInterval(heartbeat);
      signal.removeEventListener('abort', stop);
      slot.stop();
      connection.disconnect();
    }
  }

  closeAll(): void {
    this.end(() => true);
  }

  private release(slot: Held): void {
    if (this.held.delete(slot)) this.onCountChanged(this.held.size);
  }
}
