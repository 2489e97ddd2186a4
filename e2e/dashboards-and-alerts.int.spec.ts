import { randomBytes } from 'node:crypto';
import { StreamProducer } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys } from '@parley/contracts';
import { ChannelRepository, CommandRepository, CommunityRepository, WebhookModuleRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TestWebhookHandlers, TestWebhookServer } from '@parley/modules/testing';
import { LocalPrometheus, loadAlertRules, shippedPanelQueries, withoutThresholds } from '@parley/ops';
import { DiscordFake, TwitchAuthFake, TwitchTmiFake, YouTubeFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEvent, distRoot, eventually, logDir } from './support.js';

const CHANNEL = 'metricschannel';
const BOT = 'parleybot';
const TTL_MS = 3_000;
/** Dashboards use Grafana's `$__rate_interval`; with a 1 s scrape, a minute holds plenty of samples. */
const RATE_INTERVAL = '1m';

/**
 * Every app as a process, a real Prometheus scraping them, chat driven through the Twitch
 * fake: every query of every dashboard panel, and every alert expression (its threshold
 * made always true), must return series. A panel or alert built on a metric name nothing
 * exports returns nothing and fails here.
 */
describe('dashboards and alerts against live metrics', () => {
  const prefix = uniquePrefix('e2e-metrics');
  const keys = new StreamKeys(prefix, 2);
  // Twitch allows this bot fewer messages than Parley budgets for an ordinary account:
  // the surplus is refused with NOTICE msg_ratelimit, as when the bot lost moderator.
  const fake = new TwitchTmiFake({ sendLimit: { count: 3, moderatorCount: 3, perMs: 30_000 } });
  const auth = new TwitchAuthFake();
  // A YouTube project with a small quota, so its gauges move and the quota alert has data.
  const youtube = new YouTubeFake({ dailyQuota: 1_000 });
  // Discord, for the gateway shard series (the fatal-shard alert).
  const discord = new DiscordFake();
  const redis = new Redis(redisUrl());
  const apps: AppProcess[] = [];
  const adminToken = randomBytes(24).toString('base64url');
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let webhook: TestWebhookServer;
  let prometheus: LocalPrometheus;
  let hubUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const { ircUrl } = await fake.start();
    const tokenUrl = await auth.start();
    webhook = await TestWebhookServer.start('a-module-secret-of-enough-length', TestWebhookHandlers.reply('sunny'));
    const community = await new CommunityRepository(database.pool).create({ slug: 'metrics', name: 'Metrics' });
    await new ChannelRepository(database.pool).create({ communityId: community.id, platform: 'twitch', platformChannelId: fake.channelId(CHANNEL), name: CHANNEL });
    await new CommandRepository(database.pool).create({ communityId: community.id, name: 'hello', response: 'Hello $(user)!' });
    const module = await new WebhookModuleRepository(database.pool).create({ communityId: community.id, name: 'weather', url: webhook.url, secret: webhook.secret, timeoutMs: 2_000 });
    await new CommandRepository(database.pool).create({ communityId: community.id, name: 'weather', response: 'unused', moduleId: module.id });

    const env = {
      REDIS_URL: redisUrl(),
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      PARLEY_EVENT_PARTITIONS: '2',
      LOG_LEVEL: 'warn',
    };
    // The first token request fails (503) and is retried: both refresh outcomes exist.
    auth.failNext(1);
    const ingestEnv = {
      ...env,
      TWITCH_IRC_URL: ircUrl,
      TWITCH_BOT_LOGIN: BOT,
      TWITCH_REFRESH_TOKEN: auth.issueRefreshToken(),
      TWITCH_CLIENT_ID: auth.options.clientId,
      TWITCH_CLIENT_SECRET: auth.options.clientSecret,
      TWITCH_TOKEN_URL: tokenUrl,
      TWITCH_VALIDATE_URL: tokenUrl.replace(/token$/, 'validate'),
      INGEST_MEMBER_TTL_MS: String(TTL_MS),
      INGEST_CHANNEL_LEASE_TTL_MS: String(TTL_MS),
      INGEST_ASSIGNMENT_POLL_MS: '500',
    };
    apps.push(await launchApp('shard-manager', { distRoot, logDir, env: { ...env, SHARD_MEMBER_TTL_MS: String(TTL_MS), SHARD_LEADER_LEASE_TTL_MS: String(TTL_MS), SHARD_POLL_INTERVAL_MS: '500' } }));
    apps.push(await launchApp('ingest-twitch', { distRoot, logDir, env: ingestEnv }));
    apps.push(await launchApp('router', { distRoot, logDir, env: { ...env, ROUTER_WEBHOOK_ALLOWLIST: '127.0.0.1' } }));
    const { restUrl, grpcAddress } = await youtube.start();
    youtube.addToken('yt-bot', { project: 'metrics', channelId: 'UCbot' });
    youtube.addToken('yt-broadcaster', { project: 'metrics', channelId: 'UCmetrics' });
    youtube.startBroadcast('UCmetrics');
    apps.push(
      await launchApp('ingest-youtube', {
        distRoot,
        logDir,
        env: {
          ...env,
          YOUTUBE_API_URL: restUrl.replace(/youtube\/v3$/, ''),
          YOUTUBE_GRPC_ADDRESS: grpcAddress,
          YOUTUBE_GRPC_TLS: 'false',
          YOUTUBE_PROJECT: 'metrics',
          YOUTUBE_DAILY_UNITS: '1000',
          YOUTUBE_SEND_RESERVE: '100',
          YOUTUBE_BOT_CHANNEL_ID: 'UCbot',
          YOUTUBE_BOT_ACCESS_TOKEN: 'yt-bot',
          YOUTUBE_CHANNELS: 'UCmetrics',
          YOUTUBE_CREDENTIALS: JSON.stringify({ channels: { UCmetrics: { broadcaster: { accessToken: 'yt-broadcaster' } } } }),
        },
      }),
    );
    const { apiUrl: discordApiUrl } = await discord.start();
    apps.push(await launchApp('ingest-discord', { distRoot, logDir, env: { ...env, DISCORD_TOKEN: discord.options.token, DISCORD_API_URL: discordApiUrl } }));
    const hub = await launchApp('hub', {
      distRoot,
      logDir,
      env: { ...env, HUB_ADMIN_TOKEN: adminToken, HUB_COOKIE_SECRET: randomBytes(24).toString('base64url'), HUB_COOKIE_SECURE: 'false', HUB_RATE_LIMIT_PER_KEY: '10' },
    });
    apps.push(hub);
    hubUrl = `http://127.0.0.1:${hub.port}`;
    // Seven apps start at once: on a busy machine that takes longer than one minute.
    await waitUntilReady(apps, 120_000);
    prometheus = await LocalPrometheus.start(apps.map((app) => ({ service: app.name, port: app.port })));
    // The shard manager places the channel on the one ingest pod, which joins it.
    await eventually(() => (fake.joinedLogins(CHANNEL).includes(BOT) ? true : undefined), 30_000, 'the bot to join its assigned channel');
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    await stopApps(apps);
    await fake.stop();
    await auth.stop();
    await youtube.stop();
    await discord.stop();
    await webhook?.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  it('every dashboard panel and alert returns series once chat, the bus, the hub and sharding have done their work', async () => {
    // Chat: commands answered (until Twitch refuses the surplus), a module, a miss, small talk.
    for (const [viewer, text] of [['ann', '!ping'], ['bob', '!hello'], ['cid', '!weather'], ['dee', '!nosuch'], ['eve', 'hi all'], ['fay', '!ping'], ['gus', '!hello'], ['hal', '!ping']]) {
      fake.viewerSay(CHANNEL, { login: viewer!, text: text! });
    }
    // An event that waited too long to be answered, and an entry no router can read.
    const stale = chatEvent({ id: fake.channelId(CHANNEL), name: CHANNEL }, 'ivy', '!ping');
    stale.receivedAt = stale.sentAt = new Date(Date.now() - 10 * 60_000).toISOString();
    await new StreamProducer(redis).publish(keys.eventStreamFor('twitch', stale.channel.id), stale);
    await redis.xadd(keys.eventPartition(0), '*', 'payload', '{not json');
    // The hub: an unauthenticated call, then one key past its limit.
    expect((await fetch(`${hubUrl}/v1/communities`)).status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await fetch(`${hubUrl}/v1/communities`, { headers: { authorization: `Bearer ${adminToken}` } })).status);
    expect(statuses).toContain(429);
    await eventually(() => (fake.sentMessages(CHANNEL).some((line) => line.login === BOT && !line.delivered) ? true : undefined), 20_000, 'Twitch to refuse a send');

    const queries = [
      ...shippedPanelQueries().map(({ dashboard, panel, expr }) => ({ what: `${dashboard} / ${panel}`, expr: expr.replaceAll('$__rate_interval', RATE_INTERVAL) })),
      ...loadAlertRules().map((rule) => ({ what: `alert ${rule.alert}`, expr: withoutThresholds(rule.expr) })),
    ];
    expect(queries.length).toBeGreaterThan(40);
    // Counters that appeared late need two scrapes inside the window before rate() has a value.
    const empty = await eventually(async () => {
      const missing: string[] = [];
      for (const query of queries) if ((await prometheus.query(query.expr)).length === 0) missing.push(`${query.what}: ${query.expr}`);
      return missing.length === 0 ? missing : undefined;
    }, 90_000, 'every query to return data').catch(async () => {
      const missing: string[] = [];
      for (const query of queries) if ((await prometheus.query(query.expr)).length === 0) missing.push(`${query.what}: ${query.expr}`);
      return missing;
    });
    expect(empty).toEqual([]);
  });

  it('returns nothing for a metric no app exports, so the check above can fail', async () => {
    expect(await prometheus.query('parley_youtube_quota_units_used_total')).toEqual([]);
    expect(await prometheus.query(withoutThresholds('sum(rate(parley_no_such_metric_total[1m])) > 5'))).toEqual([]);
    // And the apps' own series are there, labelled with their service.
    const up = await prometheus.query('up');
    expect(up.map((series) => series.metric.service).sort()).toEqual(['hub', 'ingest-discord', 'ingest-twitch', 'ingest-youtube', 'router', 'shard-manager']);
    expect(up.every((series) => series.value[1] === '1')).toBe(true);
  });
});
