import { z } from 'zod';
import { csvList, expecting, jsonSetting, keyPrefix, logLevel, port, positiveInt, redisUrl } from '@parley/config';
import { ingestPodFields } from '@parley/ingest';

/** A token: refreshed through the project's OAuth client (`refreshToken`), or used as given (`accessToken`: demo, tests). */
const Token = z.union([z.strictObject({ refreshToken: z.string().min(1) }), z.strictObject({ accessToken: z.string().min(1) })]);

/**
 * `YOUTUBE_CREDENTIALS` (a Secret): the broadcaster tokens of the channels followed, and the
 * Google projects communities bring (their own OAuth client, bot account and daily quota).
 */
const Credentials = z.strictObject({
  channels: z
    .record(
      z.string().min(1),
      z.strictObject({
        /** The project the channel's calls are charged to; default: the deployment's. */
        project: z.string().min(1).optional(),
        /** The broadcaster's token (scope youtube.readonly): finds the channel's live chat with `mine=true`. */
        broadcaster: Token,
      }),
    )
    .default({}),
  projects: z
    .record(
      z.string().min(1),
      z.strictObject({
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        dailyUnits: z.number().int().positive().default(10_000),
        sendReserve: z.number().int().nonnegative().default(1_000),
        botChannelId: z.string().min(1),
        bot: Token,
      }),
    )
    .default({}),
});
export type YouTubeCredentials = z.infer<typeof Credentials>;

const credentialsJson = jsonSetting(Credentials);

/** The channel entries of YOUTUBE_CREDENTIALS as far as they parsed (the refinements also run when other variables are wrong). */
function channelEntries(credentials: unknown): Array<{ project?: unknown; broadcaster?: unknown }> {
  const channels = typeof credentials === 'object' && credentials !== null ? (credentials as { channels?: unknown }).channels : undefined;
  if (typeof channels !== 'object' || channels === null) return [];
  return Object.values(channels).filter((entry): entry is { project?: unknown; broadcaster?: unknown } => typeof entry === 'object' && entry !== null);
}

function projectIds(credentials: unknown): string[] {
  const projects = typeof credentials === 'object' && credentials !== null ? (credentials as { projects?: unknown }).projects : undefined;
  return typeof projects === 'object' && projects !== null ? Object.keys(projects) : [];
}

const boolean = (defaultValue: boolean) => z.enum(['true', 'false']).default(defaultValue ? 'true' : 'false').transform((value) => value === 'true');

export const IngestYouTubeConfigSchema = z
  .object({
    REDIS_URL: redisUrl(),
    /** Ingest apps take 3010 and up (README: default ports): YouTube is 3011. */
    PORT: port(3011),
    LOG_LEVEL: logLevel(),
    PARLEY_KEY_PREFIX: keyPrefix(),
    PARLEY_EVENT_PARTITIONS: positiveInt(4),
    /** Root URL of the Data API (`@googleapis/youtube`'s rootUrl): YouTube, or the fake. */
    YOUTUBE_API_URL: expecting(z.url().default('https://youtube.googleapis.com/'), 'an http(s) URL'),
    YOUTUBE_GRPC_ADDRESS: expecting(z.string().regex(/^[^\s/:]+:\d+$/).default('youtube.googleapis.com:443'), 'host:port of the streamList gRPC service'),
    YOUTUBE_GRPC_TLS: expecting(boolean(true), 'true or false'),
    YOUTUBE_TOKEN_URL: expecting(z.url().default('https://oauth2.googleapis.com/token'), 'an http(s) URL'),
    /** The deployment's Google project: the budget key of every channel without a project of its own. */
    YOUTUBE_PROJECT: z.string().min(1).max(64).default('default'),
    YOUTUBE_DAILY_UNITS: positiveInt(10_000),
    /** Units only sends may spend: an insert costs 50, so 1,000 keeps 20 answers for a day whose reads ran out. */
    YOUTUBE_SEND_RESERVE: expecting(z.coerce.number().int().nonnegative().default(1_000), 'a non-negative integer'),
    /** Units one chat may spend per day (0: no cap). */
    YOUTUBE_CHAT_CAP: expecting(z.coerce.number().int().nonnegative().default(0), 'a non-negative integer'),
    /** Share of the daily units spent on finding out which channels are live. */
    YOUTUBE_LIVE_CHECK_SHARE: expecting(z.coerce.number().gt(0).max(1).default(0.2), 'a number above 0 and at most 1'),
    YOUTUBE_LIVE_CHECK_MIN_MS: positiveInt(30_000),
    YOUTUBE_LIVE_CHECK_MAX_MS: positiveInt(30 * 60_000),
    /** The deployment's OAuth client: needed to refresh tokens. */
    YOUTUBE_CLIENT_ID: z.string().min(1).optional(),
    YOUTUBE_CLIENT_SECRET: z.string().min(1).optional(),
    /** The bot account (reads and sends in every chat of the deployment's project). */
    YOUTUBE_BOT_CHANNEL_ID: expecting(z.string().regex(/^[\w-]{2,64}$/), 'the bot account\'s YouTube channel id (UC…)'),
    YOUTUBE_BOT_REFRESH_TOKEN: z.string().min(1).optional(),
    YOUTUBE_BOT_ACCESS_TOKEN: expecting(
      z.string().min(1).optional(),
      'the bot account access token, unless YOUTUBE_BOT_REFRESH_TOKEN, YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET are set',
    ),
    YOUTUBE_CREDENTIALS: expecting(credentialsJson.default({ channels: {}, projects: {} }), 'JSON: {"channels": {…}, "projects": {…}} (see the README)'),
    /** Set: follow exactly these channel ids (local demo, small setups). Empty: the shard manager assigns channels. */
    YOUTUBE_CHANNELS: csvList([]),
    YOUTUBE_LONG_MESSAGES: z.enum(['trim', 'split']).default('trim'),
    /** Messages per window in one chat, across pods (YouTube publishes no number; the quota is the harder limit). */
    YOUTUBE_SEND_LIMIT: positiveInt(20),
    YOUTUBE_SEND_WINDOW_MS: positiveInt(30_000),
    ...ingestPodFields(),
  })
  .check(
    z.refine(
      (config) => Boolean(config.YOUTUBE_BOT_ACCESS_TOKEN || (config.YOUTUBE_BOT_REFRESH_TOKEN && config.YOUTUBE_CLIENT_ID && config.YOUTUBE_CLIENT_SECRET)),
      { path: ['YOUTUBE_BOT_ACCESS_TOKEN'], message: 'required', when: () => true },
    ),
    z.refine(
      (config) =>
        Boolean(config.YOUTUBE_CLIENT_ID && config.YOUTUBE_CLIENT_SECRET) ||
        channelEntries(config.YOUTUBE_CREDENTIALS).every(
          (channel) => channel.project !== undefined || typeof channel.broadcaster !== 'object' || channel.broadcaster === null || !('refreshToken' in channel.broadcaster),
        ),
      { path: ['YOUTUBE_CLIENT_ID'], message: 'required to refresh the broadcaster tokens of YOUTUBE_CREDENTIALS', when: () => true },
    ),
    z.refine(
      (config) =>
        channelEntries(config.YOUTUBE_CREDENTIALS).every(
          (channel) => channel.project === undefined || channel.project === config.YOUTUBE_PROJECT || projectIds(config.YOUTUBE_CREDENTIALS).includes(String(channel.project)),
        ),
      // A path below the variable, so the line says what is wrong rather than the variable's general shape.
      { path: ['YOUTUBE_CREDENTIALS', 'channels'], message: 'channels whose project is YOUTUBE_PROJECT or one of its projects', when: () => true },
    ),
  );

export type IngestYouTubeConfig = z.infer<typeof IngestYouTubeConfigSchema>;
