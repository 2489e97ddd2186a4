import { hostname } from 'node:os';
import { z } from 'zod';
import { csvList, keyPrefix, logLevel, port, positiveInt, redisUrl } from '@parley/config';

export const IngestTwitchConfigSchema = z.object({
  REDIS_URL: redisUrl(),
  PORT: port(3002),
  LOG_LEVEL: logLevel(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  PARLEY_EVENT_PARTITIONS: positiveInt(4),
  TWITCH_IRC_URL: z
    .string()
    .regex(/^(wss?|ircs?):\/\/[^\s/]+/, 'a ws://, wss://, irc:// or ircs:// URL')
    .default('wss://irc-ws.chat.twitch.tv:443'),
  TWITCH_BOT_LOGIN: z.string().regex(/^[a-z0-9_]{3,25}$/, 'a Twitch login: 3-25 lowercase letters, digits or _'),
  TWITCH_OAUTH_TOKEN: z.string().min(1, 'the bot account OAuth token'),
  TWITCH_CHANNELS: csvList(),
  TWITCH_KNOWN_BOTS: csvList(['nightbot', 'streamelements', 'moobot', 'fossabot', 'streamlabs']),
  INGEST_CONSUMER_NAME: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
  INGEST_CLAIM_IDLE_MS: positiveInt(30_000),
  INGEST_MAX_ACTION_AGE_MS: positiveInt(60_000),
});

export type IngestTwitchConfig = z.infer<typeof IngestTwitchConfigSchema>;
