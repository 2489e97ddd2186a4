import { z } from 'zod';
import { expecting, jsonSetting, keyPrefix, logLevel, port, positiveInt, redisUrl } from '@parley/config';
import { ingestPodFields } from '@parley/ingest';

/** `SLACK_WORKSPACES` (a Secret): every workspace the app is installed in, by team id, with its own bot token. */
const Workspaces = z.record(
  z.string().regex(/^[TE][A-Z0-9]{2,20}$/),
  z.strictObject({
    botToken: z.string().regex(/^xoxb-/),
    /** The bot user in this workspace: its own messages never trigger anything. */
    botUserId: z.string().regex(/^[UW][A-Z0-9]{2,20}$/),
  }),
);

const workspacesJson = jsonSetting(Workspaces.refine((workspaces) => Object.keys(workspaces).length > 0, 'at least one workspace'));

export const IngestSlackConfigSchema = z.object({
  REDIS_URL: redisUrl(),
  /** Ingest apps take 3010 and up: Slack is 3013. Slack's Events API posts to this port too. */
  PORT: port(3013),
  LOG_LEVEL: logLevel(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  PARLEY_EVENT_PARTITIONS: positiveInt(4),
  /** The app's signing secret (Slack app settings → Basic Information): every request is checked with it. */
  SLACK_SIGNING_SECRET: expecting(z.string().min(8), "the Slack app's signing secret"),
  SLACK_WORKSPACES: expecting(workspacesJson, 'JSON: {"T…": {"botToken": "xoxb-…", "botUserId": "U…"}} (see the README)'),
  /** The Web API's base URL: Slack, or the fake. */
  SLACK_API_URL: expecting(z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'), 'an http(s) URL ending in /api/'),
  /** Where Slack's Events API posts (the app's Request URL path). */
  SLACK_EVENTS_PATH: expecting(z.string().regex(/^\/[\w\-/]*$/).default('/slack/events'), 'a URL path'),
  /** Larger event bodies get 413 (Slack's events are a few kB). */
  SLACK_MAX_BODY_BYTES: positiveInt(256 * 1024),
  /** How long an author's roles (users.info) are reused: a new admin moderates after at most this long. */
  SLACK_USER_CACHE_TTL_MS: positiveInt(5 * 60_000),
  /** Authors whose roles a pod keeps (least recently used out first). */
  SLACK_USER_CACHE_MAX_ENTRIES: positiveInt(10_000),
  /** A users.info lookup slower than this makes the author `everyone` (the event must be acknowledged within 3 s). */
  SLACK_USER_LOOKUP_TIMEOUT_MS: positiveInt(1_000),
  /** Messages per window in one Slack channel, across pods (Slack: about one a second, short bursts allowed). */
  SLACK_SEND_LIMIT: positiveInt(1),
  SLACK_SEND_WINDOW_MS: positiveInt(1_000),
  ...ingestPodFields(),
});

export type IngestSlackConfig = z.infer<typeof IngestSlackConfigSchema>;
