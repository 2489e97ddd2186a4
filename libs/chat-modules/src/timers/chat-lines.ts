import { readFileSync } from 'node:fs';
import type { ChatEvent } from '@parley/contracts';
import type { Redis } from 'ioredis';
import type { ChatModuleKeys } from '../keys.js';

const COUNT_LINE = 'parleyCountLine';
const countLineLua = readFileSync(new URL('./countLine-1.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & { [COUNT_LINE](key: string, now: number, ttlSeconds: number): Promise<number> };

/** A platform channel's viewer lines as timers see them. */
export interface ChannelLines {
  /** Monotonic count of viewer lines (restarts at 0 only when the channel was silent for the TTL). */
  total: number;
  /** When the last viewer line was seen, ms; 0 when never. */
  lastAt: number;
}

export interface ChatLinesOptions {
  /** A channel silent this long forgets its count. */
  ttlSeconds: number;
}

export const DefaultChatLinesOptions: ChatLinesOptions = { ttlSeconds: 7 * 24 * 3_600 };

/**
 * Counts viewers' chat lines per platform channel (a line in Discord never counts for the
 * community's Twitch channel), in the channels that have timers (`watch`, kept by the
 * timer schedule): elsewhere no one reads the count, so a line costs nothing. Bots and
 * non-message events are not lines.
 * A redelivered event is counted again: a line more is harmless for "at least M lines",
 * and an idempotency mark per line would double the cost of every message.
 */
export class ChatLines {
  private readonly redis: ScriptedRedis;
  private readonly options: ChatLinesOptions;
  private watched = new Set<string>();

  constructor(
    redis: Redis,
    private readonly keys: ChatModuleKeys,
    options: Partial<ChatLinesOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand(COUNT_LINE, { numberOfKeys: 1, lua: countLineLua });
    this.redis = redis as ScriptedRedis;
    this.options = { ...DefaultChatLinesOptions, ...options };
  }

  /** Counts lines only in these platform channels from now on. */
  watch(channels: Iterable<{ platform: ChatEvent['platform']; platformChannelId: string }>): void {
    this.watched = new Set(Array.from(channels, (channel) => `${channel.platform}:${channel.platformChannelId}`));
  }

  async count(event: ChatEvent): Promise<void> {
    if (event.kind !== 'message' || event.author.isBot || !this.watched.has(`${event.platform}:${event.channel.id}`)) return;
    await this.redis[COUNT_LINE](this.keys.chatLines(event.platform, event.channel.id), this.now(), this.options.ttlSeconds);
  }

  async read(platform: ChatEvent['platform'], platformChannelId: string): Promise<ChannelLines> {
    const [total, lastAt] = await this.redis.hmget(this.keys.chatLines(platform, platformChannelId), 'lines', 'lastAt');
    return { total: Number(total ?? 0), lastAt: Number(lastAt ?? 0) };
  }
}
