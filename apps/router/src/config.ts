import { hostname } from 'node:os';
import { z } from 'zod';
import { csvList, databaseUrl, keyPrefix, logLevel, port, positiveInt, redisUrl } from '@parley/config';
import { PLATFORMS } from '@parley/contracts';

export const RouterConfigSchema = z.object({
  REDIS_URL: redisUrl(),
  DATABASE_URL: databaseUrl(),
  PORT: port(3001),
  LOG_LEVEL: logLevel(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  PARLEY_EVENT_PARTITIONS: positiveInt(4),
  ROUTER_CONSUMER_NAME: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
  ROUTER_BATCH_SIZE: positiveInt(100),
  ROUTER_BATCHES_IN_FLIGHT: positiveInt(2),
  ROUTER_CLAIM_IDLE_MS: positiveInt(30_000),
  /** A router silent this long is dead: its pending events are taken over at once, not after ROUTER_CLAIM_IDLE_MS. */
  ROUTER_CONSUMER_TTL_MS: positiveInt(3_000),
  ROUTER_MAX_DELIVERIES: positiveInt(5),
  ROUTER_MAX_EVENT_AGE_MS: positiveInt(60_000),
  ROUTER_CONFIG_TTL_MS: positiveInt(30_000),
  /** How long "no community owns this channel" is believed. */
  ROUTER_CONFIG_NEGATIVE_TTL_MS: positiveInt(5_000),
  /** Channels whose configuration is kept in memory at most (least recently used out first). */
  ROUTER_CONFIG_CACHE_MAX_CHANNELS: positiveInt(50_000),
  /** A channel without events this long is dropped from the cache. */
  ROUTER_CONFIG_CACHE_IDLE_MS: positiveInt(600_000),
  ROUTER_COOLDOWN_NOTICE_INTERVAL_S: positiveInt(30),
  /** Answers one author may get per window across all commands: the reply-loop guard. */
  ROUTER_ANSWERS_PER_AUTHOR: positiveInt(10),
  ROUTER_ANSWERS_WINDOW_MS: positiveInt(30_000),
  /** Calls to a module within the rolling window before its breaker may open. */
  ROUTER_MODULE_BREAKER_VOLUME: positiveInt(5),
  ROUTER_MODULE_BREAKER_ERROR_PERCENT: positiveInt(50),
  /** How long an open breaker waits before letting one trial call through. */
  ROUTER_MODULE_BREAKER_RESET_MS: positiveInt(10_000),
  /** Hosts, addresses or CIDRs webhooks may reach although not public: keep equal to the hub's HUB_WEBHOOK_ALLOWLIST. */
  ROUTER_WEBHOOK_ALLOWLIST: csvList([]),
  ROUTER_MODULE_FALLBACK_TEXT: z.string().min(1).max(200).default('That command is unavailable right now; try again in a moment.'),
  /** The built-in chat modules (timers, spam filters, module commands); `false` runs commands only. */
  ROUTER_CHAT_MODULES: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  /** How often the timer schedule is looked at, and how often the timer list is reloaded. */
  ROUTER_TIMER_TICK_MS: positiveInt(1_000),
  ROUTER_TIMER_SYNC_MS: positiveInt(10_000),
  /** How soon a due timer that may not post yet (offline, too few lines) is looked at again. */
  ROUTER_TIMER_RECHECK_MS: positiveInt(15_000),
  /** The least time between two timers posting in one channel. */
  ROUTER_TIMER_SPACING_MS: positiveInt(30_000),
  /** A channel counts as live while a viewer line was seen within this window (no platform sends a live signal yet). */
  ROUTER_TIMER_LIVE_WINDOW_MS: positiveInt(600_000),
  /** Time budget of one message's banned-pattern matching; a community's patterns over it are suspended for the second value. */
  ROUTER_FILTER_PATTERN_BUDGET_MS: positiveInt(5),
  ROUTER_FILTER_PATTERN_SUSPEND_MS: positiveInt(60_000),
  /** Platforms whose ingest delivers delete and timeout (Twitch through Helix): their filters act; elsewhere they count what they would do. */
  ROUTER_MODERATION_PLATFORMS: csvList([]).pipe(z.array(z.enum(PLATFORMS))),
  /** Apply pending migrations at start (under an advisory lock, so replicas migrate once). */
  PARLEY_MIGRATE_ON_START: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
});

export type RouterConfig = z.infer<typeof RouterConfigSchema>;
