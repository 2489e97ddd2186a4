import { EntryField } from '@parley/bus';
import type { Platform, StreamKeys } from '@parley/contracts';
import { PLATFORMS } from '@parley/contracts';
import type { Redis } from 'ioredis';

export interface LiveTailOptions {
  /** Open tails per process; past it a new one is refused (429). */
  maxTails: number;
  /** How long one XREAD blocks, ms: also how soon a closed tail notices. */
  blockMs: number;
  /** A comment line this often keeps proxies from closing an idle stream, ms. */
  heartbeatMs: number;
  /** How often the community's channel list is read again, ms. */
  channelsRefreshMs: number;
}

export const DefaultLiveTailOptions: LiveTailOptions = { maxTails: 100, blockMs: 5_000, heartbeatMs: 15_000, channelsRefreshMs: 5_000 };

/** What a tail writes to; the HTTP side turns it into SSE frames. */
export interface TailSink {
  send(event: 'chat' | 'action', data: string): void;
  comment(text: string): void;
}

/**
 * Live tails: one blocking `XREAD` connection per open tail over every event partition
 * and every action stream, passing on the entries of the community's own channels.
 * A tail stops when its client goes away and all of them stop on shutdown.
 */
export class LiveTails {
  private readonly open = new Set<() => void>();
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
    return this.open.size;
  }

  hasRoom(): boolean {
    return this.open.size < this.options.maxTails;
  }

  /**
   * Streams until `stop()` (client gone) or `closeAll()` (shutdown); resolves when done.
   * `channels()` lists the community's channels as `<platform>:<platform channel id>`.
   */
  async run(channels: () => Promise<Set<string>>, sink: TailSink, signal: AbortSignal): Promise<void> {
    const connection = this.redis.duplicate({ lazyConnect: false, maxRetriesPerRequest: 1 });
    connection.on('error', () => undefined);
    let stopped = false;
    const stop = () => {
      stopped = true;
      connection.disconnect();
    };
    this.open.add(stop);
    this.onCountChanged(this.open.size);
    signal.addEventListener('abort', stop, { once: true });
    const heartbeat = setInterval(() => sink.comment('keep-alive'), this.options.heartbeatMs);
    const streams = [...this.keys.allEventPartitions(), ...PLATFORMS.map((platform: Platform) => this.keys.actions(platform))];
    const actionStreams = new Set(PLATFORMS.map((platform) => this.keys.actions(platform)));
    // Only what arrives from now on (by Redis's clock, which stamps the ids); then each
    // stream resumes after its own last entry, so nothing between two reads is missed.
    const [seconds, micros] = await connection.time();
    const start = `${Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000)}-0`;
    const cursors = new Map(streams.map((stream) => [stream, start]));
    let owned = await channels();
    let refreshedAt = Date.now();
    try {
      while (!stopped) {
        if (Date.now() - refreshedAt > this.options.channelsRefreshMs) {
          owned = await channels();
          refreshedAt = Date.now();
        }
        const reply = (await connection.xread('COUNT', 100, 'BLOCK', this.options.blockMs, 'STREAMS', ...streams, ...streams.map((stream) => cursors.get(stream)!))) as
          | Array<[string, Array<[string, string[]]>]>
          | null;
        for (const [stream, entries] of reply ?? []) {
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
      if (!stopped) throw error;
    } finally {
      clearInterval(heartbeat);
      signal.removeEventListener('abort', stop);
      this.open.delete(stop);
      this.onCountChanged(this.open.size);
      connection.disconnect();
    }
  }

  closeAll(): void {
    for (const stop of [...this.open]) stop();
  }
}
