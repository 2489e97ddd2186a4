import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatEvent } from '@parley/contracts';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, stopProcess, waitUntilReady, type AppProcess } from '@parley/launcher';
import { YouTubeFake } from '@parley/platform-fakes';
import { LiveStateStore } from '@parley/youtube/live-state';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir } from './support.js';

const VIEWER = { channelId: 'UCviewer', displayName: 'Viewer' };
const POLL_MS = 400;

/**
 * The YouTube ingest as production runs it: built apps as processes (router, ingest pods,
 * shard manager), real Redis and PostgreSQL, the YouTube fake (REST + streamList gRPC with
 * quota accounting).
 */
describe('YouTube ingest against the fake, as processes', () => {
  const redis = new Redis(redisUrl());
  const apps: AppProcess[] = [];
  const fakes: YouTubeFake[] = [];
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await stopApps(apps.splice(0));
    for (const fake of fakes.splice(0)) await fake.stop();
  });
  afterAll(async () => {
    redis.disconnect();
    await database?.drop();
  });

  async function world(name: string, fakeOptions: ConstructorParameters<typeof YouTubeFake>[0] = {}) {
    const prefix = uniquePrefix(`e2e-youtube-${name}`);
    const keys = new StreamKeys(prefix, 2);
    const fake = new YouTubeFake({ pollingIntervalMillis: POLL_MS, ...fakeOptions });
    fakes.push(fake);
    const { restUrl, grpcAddress } = await fake.start();
    fake.addToken('bot-token', { project: 'deployment', channelId: 'UCbot' });
    const community = await new CommunityRepository(database.pool).create({ slug: `yt-${name}`, name });
    const env = {
      REDIS_URL: redisUrl(),
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      PARLEY_EVENT_PARTITIONS: '2',
      LOG_LEVEL: 'info',
      YOUTUBE_API_URL: restUrl.replace(/youtube\/v3$/, ''),
      YOUTUBE_GRPC_ADDRESS: grpcAddress,
      YOUTUBE_GRPC_TLS: 'false',
      YOUTUBE_PROJECT: 'deployment',
      YOUTUBE_BOT_CHANNEL_ID: 'UCbot',
      YOUTUBE_BOT_ACCESS_TOKEN: 'bot-token',
      YOUTUBE_LIVE_CHECK_MIN_MS: '200',
      YOUTUBE_LIVE_CHECK_MAX_MS: '1000',
    };
    /** A live YouTube channel of the community, with its broadcaster's token. */
    const channel = async (channelId: string) => {
      await new ChannelRepository(database.pool).create({ communityId: community.id, platform: 'youtube', platformChannelId: channelId, name: channelId });
      fake.addToken(`broadcaster-${channelId}`, { project: 'deployment', channelId });
      return fake.startBroadcast(channelId);
    };
    const credentials = (channelIds: string[]) =>
      JSON.stringify({ channels: Object.fromEntries(channelIds.map((id) => [id, { broadcaster: { accessToken: `broadcaster-${id}` } }])) });
    const launch = async (app: string, instance: string, extra: Record<string, string> = {}) => {
      const launched = await launchApp(app, { distRoot, logDir, instance: `youtube-${name}-${instance}`, env: { ...env, ...extra } });
      apps.push(launched);
      return launched;
    };
    /** The YouTube events on the bus, in order, with how often each was published. */
    const published = async (): Promise<ChatEvent[]> => {
      const events: ChatEvent[] = [];
      for (const stream of keys.allEventPartitions()) {
        for (const [, fields] of await redis.xrange(stream, '-', '+')) events.push(JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatEvent);
      }
      return events.filter((event) => event.platform === 'youtube');
    };
    const cleanup = () => deleteKeysWithPrefix(redis, prefix);
    return { prefix, keys, fake, env, channel, credentials, launch, published, cleanup };
  }

  it('answers !ping, and publishes every message once, in order, across stream drops, resumes, polling and pod restarts', async () => {
    const { fake, prefix, channel, credentials, launch, published, cleanup } = await world('order', { streamHoldMs: 500 });
    const { liveChatId } = await channel('UCorder');
    const ingestEnv = { YOUTUBE_CHANNELS: 'UCorder', YOUTUBE_CREDENTIALS: credentials(['UCorder']) };
    await launch('router', 'router');
    let ingest = await launch('ingest-youtube', 'pod-a', ingestEnv);
    await waitUntilReady(apps, 60_000);
    await eventually(() => (fake.openStreams() > 0 ? true : undefined), 30_000, 'the ingest to stream the live chat');

    fake.viewerSay(liveChatId, VIEWER, '!ping');
    const botLines = () => fake.messages(liveChatId).filter((item) => item.authorDetails.channelId === 'UCbot').map((item) => item.snippet['displayMessage']);
    await eventually(() => (botLines().includes('Pong!') ? true : undefined), 30_000, 'the bot to answer !ping in the YouTube chat');

    const said: string[] = [];
    const say = (count: number) => {
      for (let i = 0; i < count; i++) said.push(fake.viewerSay(liveChatId, VIEWER, `line ${said.length}`));
    };
    const readAll = () =>
      eventually(async () => {
        const ids = (await published()).map((event) => event.id);
        return said.every((id) => ids.includes(`youtube:${id}`)) ? ids : undefined;
      }, 60_000, 'every line on the bus');

    // Streams the server ends every 500 ms, and drops.
    for (let round = 0; round < 4; round++) {
      say(5);
      await eventually(() => (fake.openStreams() > 0 ? true : undefined), 10_000, 'a stream');
      fake.dropStreams();
    }
    say(5);
    await readAll();
    // streamList goes away: the reader falls back to list polling.
    fake.options.streaming = false;
    fake.dropStreams();
    await eventually(() => (fake.calls.some((call) => call.method === 'messagesList') ? true : undefined), 30_000, 'list polling');
    say(5);
    await readAll();
    // The pod restarts (SIGTERM, a new process): it resumes from the saved page token.
    await stopProcess(ingest.child);
    apps.splice(apps.indexOf(ingest), 1);
    say(3);
    ingest = await launch('ingest-youtube', 'pod-b', ingestEnv);
    await waitUntilReady([ingest], 60_000);
    say(3);
    // And a crash (SIGKILL) once the new pod has published what it read; streaming works again for the next one.
    await readAll();
    fake.options.streaming = true;
    ingest.child.kill('SIGKILL');
    await new Promise((resolve) => ingest.child.once('exit', resolve));
    apps.splice(apps.indexOf(ingest), 1);
    say(3);
    await launch('ingest-youtube', 'pod-c', ingestEnv);
    say(3);
    const ids = await readAll();

    const viewerIds = said.map((id) => `youtube:${id}`);
    const onBus = ids.filter((id) => viewerIds.includes(id));
    expect(onBus).toEqual(viewerIds);
    expect(new Set(ids).size).toBe(ids.length);
    // Polling never came sooner than pollingIntervalMillis: YouTube refused no poll.
    expect(fake.refusals).not.toContain('rateLimitExceeded');
    const polls = fake.calls.filter((call) => call.method === 'messagesList').map((call) => call.at);
    for (let i = 1; i < polls.length; i++) if (polls[i]! - polls[i - 1]! < POLL_MS) expect.soft(polls[i]! - polls[i - 1]!, 'a poll sooner than pollingIntervalMillis').toBeGreaterThanOrEqual(POLL_MS);
    // Lines said while no pod read the chat were recorded, not answered.
    const backlog = (await published()).filter((event) => event.extras?.['backlog'] === true).map((event) => event.id);
    expect(backlog.length).toBeGreaterThan(0);
    expect(await new LiveStateStore(redis, prefix).read('UCorder')).toMatchObject({ status: 'live', liveChatId });
    await cleanup();
  }, 240_000);

  it('stops reading a chat that ended, and goes back to checking whether the channel is live', async () => {
    const { fake, prefix, channel, credentials, launch, cleanup } = await world('ended');
    const { liveChatId } = await channel('UCended');
    await launch('ingest-youtube', 'pod', { YOUTUBE_CHANNELS: 'UCended', YOUTUBE_CREDENTIALS: credentials(['UCended']) });
    await waitUntilReady(apps, 60_000);
    await eventually(() => (fake.openStreams() > 0 ? true : undefined), 30_000, 'the live chat streamed');
    fake.endBroadcast(liveChatId);
    const states = new LiveStateStore(redis, prefix);
    await eventually(async () => ((await states.read('UCended'))?.status === 'offline' ? true : undefined), 30_000, 'the channel offline again');
    const reads = () => fake.calls.filter((call) => call.method === 'streamList' || call.method === 'messagesList').length;
    const before = reads();
    // Several live checks later, the ended chat has not been read again.
    const checks = fake.calls.filter((call) => call.method === 'liveBroadcastsList').length;
    await eventually(() => (fake.calls.filter((call) => call.method === 'liveBroadcastsList').length >= checks + 2 ? true : undefined), 30_000, 'two more live checks');
    expect(reads()).toBe(before);
    expect(fake.openStreams()).toBe(0);
    await cleanup();
  }, 120_000);

  it('degrades on quotaExceeded from YouTube without crashing or retrying in a loop', async () => {
    // YouTube grants the project less than Parley budgets for: YouTube's own quotaExceeded answers.
    const { fake, prefix, channel, credentials, launch, cleanup } = await world('exceeded', { dailyQuota: 3 });
    await channel('UCexceeded');
    const ingest = await launch('ingest-youtube', 'pod', { YOUTUBE_CHANNELS: 'UCexceeded', YOUTUBE_CREDENTIALS: credentials(['UCexceeded']) });
    await waitUntilReady(apps, 60_000);
    const states = new LiveStateStore(redis, prefix);
    const degraded = await eventually(async () => {
      const state = await states.read('UCexceeded');
      return state?.status === 'degraded' ? state : undefined;
    }, 30_000, 'the channel degraded');
    expect(degraded.reason).toMatch(/quota/i);
    expect(fake.refusals).toContain('quotaExceeded');
    const refusals = fake.refusals.length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // It waits for midnight Pacific time: no call in a loop, and the process runs on, ready.
    expect(fake.refusals.length).toBeLessThanOrEqual(refusals + 1);
    expect(ingest.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${ingest.port}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.port}/metrics`)).text();
    expect(metrics).toMatch(/parley_youtube_channels\{status="degraded"/);
    await cleanup();
  }, 120_000);

  it('three pods on 30 chats never spend more than the shared budget', async () => {
    const BUDGET = 600;
    // YouTube would grant more: only Parley's shared budget can stop the pods.
    const { fake, prefix, channel, credentials, launch, cleanup } = await world('budget', { streamHoldMs: 300 });
    const ids = Array.from({ length: 30 }, (_, i) => `UCbudget${String(i).padStart(2, '0')}`);
    for (const id of ids) await channel(id);
    // The shard manager places every enabled YouTube channel of the database: only these.
    await database.pool.query("UPDATE channels SET enabled = false WHERE platform = 'youtube' AND platform_channel_id NOT LIKE 'UCbudget%'");
    const shared = {
      YOUTUBE_CREDENTIALS: credentials(ids),
      YOUTUBE_DAILY_UNITS: String(BUDGET),
      YOUTUBE_SEND_RESERVE: '0',
      INGEST_MEMBER_TTL_MS: '3000',
      INGEST_CHANNEL_LEASE_TTL_MS: '3000',
      INGEST_ASSIGNMENT_POLL_MS: '500',
      SHARD_MEMBER_TTL_MS: '3000',
      SHARD_LEADER_LEASE_TTL_MS: '3000',
      SHARD_POLL_INTERVAL_MS: '500',
      SHARD_PLATFORMS: 'youtube',
    };
    await launch('shard-manager', 'manager', shared);
    for (const pod of ['pod-0', 'pod-1', 'pod-2']) await launch('ingest-youtube', pod, { ...shared, INGEST_MEMBER_ID: pod, INGEST_CONSUMER_NAME: pod });
    await waitUntilReady(apps, 120_000);
    const states = new LiveStateStore(redis, prefix);
    // Every chat is read until the budget is gone, then every channel shows degraded.
    const final = await eventually(async () => {
      const all = await Promise.all(ids.map((id) => states.read(id)));
      return all.every((state) => state?.status === 'degraded') ? all : undefined;
    }, 90_000, 'every channel degraded once the budget is spent');
    expect(new Set(final.map((state) => state!.pod)).size).toBe(3);
    const used = Number(await redis.hget((await redis.keys(`${prefix}:quota:*`))[0]!, 'used'));
    expect(used).toBeLessThanOrEqual(BUDGET);
    // The budget was really spent (so the check can fail), and YouTube saw no more than it.
    expect(used).toBeGreaterThan(BUDGET - 6);
    expect(fake.unitsUsedBy('deployment')).toBeLessThanOrEqual(used);
    expect(fake.refusals).not.toContain('quotaExceeded');
    await cleanup();
  }, 240_000);
});
