import { hostname } from 'node:os';
import { z } from 'zod';
import { csvList, databaseUrl, expecting, keyPrefix, logLevel, port, positiveInt, redisUrl } from '@parley/config';
import { PLATFORMS } from '@parley/contracts';

export const ShardManagerConfigSchema = z.object({
  REDIS_URL: redisUrl(),
  DATABASE_URL: databaseUrl(),
  PORT: port(3003),
  LOG_LEVEL: logLevel(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  /** This instance's id, the holder of the leader lease: unique per process. */
  SHARD_MANAGER_ID: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
  SHARD_PLATFORMS: csvList(['twitch']).pipe(
    expecting(z.array(z.enum(PLATFORMS)).min(1), `a comma-separated list of platforms (${PLATFORMS.join(', ')})`),
  ),
  /** sticky-bounded-load keeps the published assignment where it fits: a pod leaving moves only its own channels (ADR 0005). */
  SHARD_PLACEMENT: z.enum(['sticky-bounded-load', 'bounded-load', 'consistent-hash']).default('sticky-bounded-load'),
  SHARD_VIRTUAL_NODES: positiveInt(512),
  SHARD_LOAD_FACTOR: expecting(z.coerce.number().min(1).max(2).default(1.05), 'a number between 1 and 2'),
  SHARD_LEADER_LEASE_TTL_MS: positiveInt(10_000),
  /** Must match the ingest pods' INGEST_MEMBER_TTL_MS. */
  SHARD_MEMBER_TTL_MS: positiveInt(10_000),
  SHARD_REBALANCE_DEBOUNCE_MS: positiveInt(200),
  SHARD_POLL_INTERVAL_MS: positiveInt(1_000),
  /** Re-read the channels from Postgres this often even without a change notice. */
  SHARD_UNITS_POLL_INTERVAL_MS: positiveInt(30_000),
  /**
   * Set when Twitch reads through an EventSub conduit: Twitch's units are then this many
   * conduit shards (ids 0..N-1; match the ingest pods' TWITCH_CONDUIT_SHARDS), not channels.
   */
  SHARD_TWITCH_CONDUIT_SHARDS: expecting(z.coerce.number().int().min(1).max(20_000).optional(), 'a whole number of conduit shards (1–20000)'),
  /** Discord: the bot's gateway shard count, the units of `discord` (must match ingest-discord's DISCORD_SHARD_COUNT). */
  SHARD_DISCORD_GATEWAY_SHARDS: positiveInt(1),
  PARLEY_MIGRATE_ON_START: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
});

export type ShardManagerConfig = z.infer<typeof ShardManagerConfigSchema>;
