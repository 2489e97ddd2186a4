import { z } from 'zod';
import { expecting, jsonSetting, keyPrefix, logLevel, port, positiveInt, redisUrl } from '@parley/config';
import { ingestPodFields } from '@parley/ingest';

const snowflake = z.string().regex(/^\d{1,20}$/);
const roleIds = z.array(snowflake).max(100).optional();

/** `DISCORD_GUILDS`: each guild's mapping of Discord role ids to Parley roles (the owner and ADMINISTRATOR come from Discord). */
const Guilds = z.record(
  snowflake,
  z.strictObject({ broadcasterRoleIds: roleIds, moderatorRoleIds: roleIds, vipRoleIds: roleIds, subscriberRoleIds: roleIds }),
);

const guildsJson = jsonSetting(Guilds);

export const IngestDiscordConfigSchema = z.object({
  REDIS_URL: redisUrl(),
  /** Ingest apps take 3010 and up: Discord is 3012. */
  PORT: port(3012),
  LOG_LEVEL: logLevel(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  PARLEY_EVENT_PARTITIONS: positiveInt(4),
  /** The bot token (Developer Portal → Bot), without the `Bot ` prefix. */
  DISCORD_TOKEN: expecting(z.string().min(8), 'the bot token'),
  /** REST base URL (`@discordjs/rest`'s `api`): Discord, or the fake. The gateway URL comes from `GET /gateway/bot`. */
  DISCORD_API_URL: expecting(z.url({ protocol: /^https?$/ }).default('https://discord.com/api'), 'an http(s) URL'),
  /** The bot's gateway shards (`/gateway/bot` recommends a count); must match the shard manager's SHARD_DISCORD_GATEWAY_SHARDS. */
  DISCORD_SHARD_COUNT: positiveInt(1),
  /** `all`: this pod runs every shard (one pod, the demo). `pool`: the shard manager assigns shards to pods. */
  DISCORD_SHARDING: z.enum(['all', 'pool']).default('all'),
  DISCORD_GUILDS: expecting(guildsJson.default({}), 'JSON: {"<guild id>": {"moderatorRoleIds": ["…"], …}} (see the README)'),
  /** How often each shard's session (with the last published sequence) is saved for the next owner. */
  DISCORD_SESSION_CHECKPOINT_MS: positiveInt(500),
  /** Messages per window in one channel, across pods (Discord's per-channel bucket is about 5 per 5 s). */
  DISCORD_SEND_LIMIT: positiveInt(5),
  DISCORD_SEND_WINDOW_MS: positiveInt(5_000),
  ...ingestPodFields(),
});

export type IngestDiscordConfig = z.infer<typeof IngestDiscordConfigSchema>;
