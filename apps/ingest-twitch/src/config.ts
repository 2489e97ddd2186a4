import { hostname } from 'node:os';
import { z } from 'zod';
import { csvList, databaseUrl, expecting, keyPrefix, logLevel, port, positiveInt, redisUrl } from '@parley/config';

export const IngestTwitchConfigSchema = z.object({
  REDIS_URL: redisUrl(),
  /**
   * EventSub with the shard manager: the enabled Twitch channels are read here to keep the
   * conduit's subscriptions in step with the hub, and each channel's authorization written back.
   */
  DATABASE_URL: expecting(databaseUrl().optional(), 'a postgres:// or postgresql:// URL; EventSub without TWITCH_CHANNELS reads the hub’s Twitch channels from it'),
  /** Ingest apps take 3010 and up (README: default ports), so all apps run side by side. */
  PORT: port(3010),
  LOG_LEVEL: logLevel(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  PARLEY_EVENT_PARTITIONS: positiveInt(4),
  /** How chat is read: irc (TMI) or eventsub (through a conduit; sends through the Send Chat Message API). */
  TWITCH_TRANSPORT: z.enum(['irc', 'eventsub']).default('irc'),
  TWITCH_EVENTSUB_URL: z.string().regex(/^wss?:\/\/\S+$/, 'a ws:// or wss:// URL').default('wss://eventsub.wss.twitch.tv/ws'),
  /** Asked of Twitch per session (10–600): a session silent this long plus 2 s is reconnected. */
  TWITCH_EVENTSUB_KEEPALIVE_SECONDS: positiveInt(10).pipe(z.number().min(10).max(600)),
  /** Shards of the deployment's conduit: sized from the ingest pods (the chart: replicas × 4). */
  TWITCH_CONDUIT_SHARDS: positiveInt(4).pipe(z.number().max(20_000)),
  /** One pod (under a Redis lease) reconciles the conduit's subscriptions on every channel change notice, and at least this often. */
  TWITCH_SUBSCRIPTIONS_RECONCILE_MS: positiveInt(60_000),
  TWITCH_IRC_URL: z
    .string()
    .regex(/^(wss?|ircs?):\/\/[^\s/]+/, 'a ws://, wss://, irc:// or ircs:// URL')
    .default('wss://irc-ws.chat.twitch.tv:443'),
  TWITCH_BOT_LOGIN: z.string().regex(/^[a-z0-9_]{3,25}$/, 'a Twitch login: 3-25 lowercase letters, digits or _'),
  TWITCH_OAUTH_TOKEN: expecting(
    z.string().min(1).optional(),
    'the bot account OAuth token, unless TWITCH_REFRESH_TOKEN, TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET are set',
  ),
  /** With these three the token is refreshed ahead of expiry, once for all pods (Redis). */
  TWITCH_REFRESH_TOKEN: z.string().min(1).optional(),
  TWITCH_CLIENT_ID: z.string().min(1).optional(),
  TWITCH_CLIENT_SECRET: z.string().min(1).optional(),
  TWITCH_TOKEN_URL: expecting(z.url().default('https://id.twitch.tv/oauth2/token'), 'an http(s) URL'),
  TWITCH_VALIDATE_URL: expecting(z.url().default('https://id.twitch.tv/oauth2/validate'), 'an http(s) URL'),
  TWITCH_HELIX_URL: expecting(z.url().default('https://api.twitch.tv/helix'), 'an http(s) URL'),
  /**
   * The bot account's user id: with TWITCH_CLIENT_ID set, delete and timeout actions go through
   * Helix as this moderator (the bot token needs moderator:manage:chat_messages and
   * moderator:manage:banned_users). Unset: they are dead-lettered.
   */
  TWITCH_BOT_USER_ID: z.string().regex(/^\d{1,20}$/, 'a Twitch user id (digits)').optional(),
  /** Set: join exactly these (local demo, small setups). Empty: the shard manager assigns channels. */
  TWITCH_CHANNELS: csvList([]),
  /** JOINs per window for the bot account, shared by all pods: 20 per 10 s for ordinary accounts, 2,000 for verified bots. */
  TWITCH_JOIN_LIMIT: positiveInt(20),
  /** Channels per TMI connection: one dropped socket takes down (and rejoins) at most this many. */
  TWITCH_CHANNELS_PER_CONNECTION: positiveInt(50),
  TWITCH_JOIN_WINDOW_MS: positiveInt(10_000),
  TWITCH_KNOWN_BOTS: csvList(['nightbot', 'streamelements', 'moobot', 'fossabot', 'streamlabs']),
  INGEST_CONSUMER_NAME: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
  /** This pod's id in the shard manager's pool (sharded mode): unique per process. */
  INGEST_MEMBER_ID: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
  /** Must match the shard manager's SHARD_MEMBER_TTL_MS. */
  INGEST_MEMBER_TTL_MS: positiveInt(10_000),
  /** A killed pod's channels are joined elsewhere this long (plus a rebalance) after it died. */
  INGEST_CHANNEL_LEASE_TTL_MS: positiveInt(10_000),
  INGEST_ASSIGNMENT_POLL_MS: positiveInt(1_000),
  /**
   * break-before-make: a channel is never joined by two pods, a hand-over leaves it unwatched
   * for milliseconds. make-before-break: the next pod joins first, nothing is missed, the
   * overlap's duplicates are dropped by event id.
   */
  INGEST_HANDOVER: z.enum(['break-before-make', 'make-before-break']).default('make-before-break'),
  INGEST_CLAIM_IDLE_MS: positiveInt(30_000),
  /**
   * Actions read per XREADGROUP, two reads ahead. Small on purpose: a pod sends one message per
   * connection at a time, so more read ahead only waits in the pending list, where a crash
   * strands it and each takeover spends one of its deliveries.
   */
  INGEST_BATCH_SIZE: positiveInt(10),
  /** A pod silent this long is dead: the actions pending on it are taken over at once, not after INGEST_CLAIM_IDLE_MS. */
  INGEST_CONSUMER_TTL_MS: positiveInt(3_000),
  INGEST_MAX_ACTION_AGE_MS: positiveInt(60_000),
  /** How long Twitch has to answer a PRIVMSG (USERSTATE or NOTICE) before its outcome is unknown. */
  INGEST_CONFIRM_TIMEOUT_MS: positiveInt(10_000),
  /** An action found "being sent" after a crash, or never confirmed: drop = at most once (counted), resend = at least once. */
  INGEST_ON_AMBIGUOUS: z.enum(['drop', 'resend']).default('drop'),
  /** A connection that received nothing for this long makes the pod not ready (it PINGs every TWITCH_PING_INTERVAL_MS). */
  INGEST_MAX_SILENCE_MS: positiveInt(90_000),
  TWITCH_PING_INTERVAL_MS: positiveInt(60_000),
  /** Messages per window in one channel: 20 per 30 s, 100 where the bot moderates (Twitch's limits). */
  TWITCH_SEND_LIMIT: positiveInt(20),
  TWITCH_MODERATOR_SEND_LIMIT: positiveInt(100),
  TWITCH_SEND_WINDOW_MS: positiveInt(30_000),
}).check(
  z.refine(
    (config) => Boolean(config.TWITCH_OAUTH_TOKEN || (config.TWITCH_REFRESH_TOKEN && config.TWITCH_CLIENT_ID && config.TWITCH_CLIENT_SECRET)),
    // Checked even when other variables are wrong too, so one run names every problem.
    { path: ['TWITCH_OAUTH_TOKEN'], message: 'required', when: () => true },
  ),
  z.refine((config) => config.TWITCH_TRANSPORT !== 'eventsub' || Boolean(config.TWITCH_CLIENT_ID && config.TWITCH_CLIENT_SECRET && config.TWITCH_BOT_USER_ID), {
    path: ['TWITCH_TRANSPORT'],
    message: 'eventsub needs TWITCH_CLIENT_ID, TWITCH_CLIENT_SECRET (app access token) and TWITCH_BOT_USER_ID',
    when: () => true,
  }),
  z.refine((config) => config.TWITCH_TRANSPORT !== 'eventsub' || config.TWITCH_CHANNELS.length > 0 || Boolean(config.DATABASE_URL), {
    path: ['DATABASE_URL'],
    message: 'required',
    when: () => true,
  }),
);

export type IngestTwitchConfig = z.infer<typeof IngestTwitchConfigSchema>;
