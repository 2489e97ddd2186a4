import { youtube } from '@googleapis/youtube';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import type { ChatEvent } from '@parley/contracts';
import { StaticAuthProvider } from '@parley/ingest';
import { YouTubeFake, type YouTubeFakeOptions } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { YouTubeFrame, YouTubeProject } from './channel-watch.js';
import { QuotaBudget, type QuotaBudgetOptions } from './quota-budget.js';
import { YouTubeAdapter, type YouTubeAdapterOptions } from './youtube-adapter.js';

const prefix = uniquePrefix('youtube-adapter');
const redis = new Redis(redisUrl());
const VIEWER = { channelId: 'UCviewer', displayName: 'Viewer' };
const STREAMER = 'UCstreamer';
const cleanups: Array<() => Promise<unknown>> = [];
let setUps = 0;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

async function setUp(fakeOptions: Partial<YouTubeFakeOptions> = {}, budgetOptions: Partial<QuotaBudgetOptions> = {}) {
  const fake = new YouTubeFake(fakeOptions);
  const { restUrl, grpcAddress } = await fake.start();
  cleanups.push(() => fake.stop());
  fake.addToken('bot-token', { project: 'deployment', channelId: 'UCbot' });
  fake.addToken('broadcaster-token', { project: 'deployment', channelId: STREAMER });
  const keyPrefix = `${prefix}:${++setUps}`;
  const budget = new QuotaBudget(redis, { keyPrefix, ...budgetOptions });
  const project: YouTubeProject = { id: 'deployment', budget, bot: new StaticAuthProvider('bot-token'), botChannelId: 'UCbot' };
  const api = youtube({ version: 'v3', rootUrl: restUrl.replace(/\/youtube\/v3$/, '/') });
  const events: ChatEvent[] = [];
  const adapter = (options: Partial<YouTubeAdapterOptions> = {}) => {
    const instance = new YouTubeAdapter({
      redis,
      keyPrefix,
      pod: `pod-${setUps}`,
      access: (channelId) => (channelId === STREAMER ? { project, broadcaster: new StaticAuthProvider('broadcaster-token') } : undefined),
      api,
      grpcAddress,
      grpcTls: false,
      checkRetryMs: 50,
      liveChecks: { minIntervalMs: 50, maxIntervalMs: 200 },
      reader: { retryMs: 20 },
      ...options,
    });
    instance.read((frame: YouTubeFrame) => {
      const event = instance.normalize(frame, new Date());
      if (event) events.push(event);
    });
    cleanups.push(() => instance.close());
    return instance;
  };
  return { fake, budget, adapter, events, keyPrefix };
}

const texts = (events: ChatEvent[]) => events.filter((event) => event.kind === 'message').map((event) => event.text);

describe('YouTubeAdapter against the YouTube fake and real Redis', () => {
  it('follows a channel: finds its live chat when it goes live, reads it, and goes back to checking when it ends', async () => {
    const { fake, adapter, events } = await setUp();
    const youtube = adapter();
    await youtube.join(STREAMER);
    await expect.poll(() => youtube.followed()[0]?.status).toBe('offline');
    expect(youtube.connectionFor(STREAMER)).toBeUndefined();

    const { liveChatId } = fake.startBroadcast(STREAMER);
    fake.viewerSay(liveChatId, VIEWER, 'said before the bot joined');
    await expect.poll(() => youtube.followed()[0], { timeout: 5_000 }).toMatchObject({ status: 'live', liveChatId, reading: 'streaming' });
    expect(youtube.connectionFor(STREAMER)).toBe(0);
    await expect.poll(() => youtube.states.read(STREAMER)).toMatchObject({ status: 'live', liveChatId });
    fake.viewerSay(liveChatId, VIEWER, '!ping');
    await expect.poll(() => texts(events)).toEqual(['said before the bot joined', '!ping']);
    // The backlog is recorded but marked, so the router never answers it.
    expect(events.map((event) => event.extras?.['backlog'] ?? false)).toEqual([true, false]);

    fake.endBroadcast(liveChatId);
    await expect.poll(() => youtube.followed()[0]?.status, { timeout: 5_000 }).toBe('offline');
    expect(fake.openStreams()).toBe(0);
    const reads = fake.calls.filter((call) => call.method === 'streamList' || call.method === 'messagesList').length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.calls.filter((call) => call.method === 'streamList' || call.method === 'messagesList')).toHaveLength(reads);
    // Every live check was charged to the budget before it was made: 1 unit each.
    const checks = fake.calls.filter((call) => call.method === 'liveBroadcastsList').length;
    expect(checks).toBeGreaterThan(1);
  });

  it('sends with liveChatMessages.insert, confirmed by the returned message; trims or splits past 200 characters; deletes and bans', async () => {
    const { fake, adapter } = await setUp();
    const { liveChatId } = fake.startBroadcast(STREAMER);
    const trimming = adapter();
    await trimming.join(STREAMER);
    await expect.poll(() => trimming.connectionFor(STREAMER)).toBe(0);

    const sent = await trimming.confirm(await trimming.send({ kind: 'say', channel: STREAMER, text: 'Pong!' }, 0), 5_000);
    expect(sent).toMatchObject({ status: 'accepted', platformMessageId: expect.stringMatching(/^LCC\./) });
    const long = `${'word '.repeat(60)}end`;
    expect(await trimming.confirm(await trimming.send({ kind: 'say', channel: STREAMER, text: long }, 0), 5_000)).toMatchObject({ status: 'accepted' });
    const botLines = () => fake.messages(liveChatId).filter((item) => item.authorDetails.channelId === 'UCbot').map((item) => String(item.snippet.displayMessage));
    expect(botLines()).toHaveLength(2);
    expect([...botLines()[1]!].length).toBeLessThanOrEqual(200);
    expect(botLines()[1]).toMatch(/…$/);

    const splitting = adapter({ longMessages: 'split' });
    expect(splitting.fit(long).every((part) => [...part].length <= 200)).toBe(true);
    expect(splitting.fit(long).join(' ')).toBe(long);

    const viewerLine = fake.viewerSay(liveChatId, VIEWER, 'spam');
    expect(await trimming.confirm(await trimming.send({ kind: 'delete', channel: STREAMER, text: '', targetMessageId: viewerLine }, 0), 5_000)).toMatchObject({ status: 'accepted' });
    expect(await trimming.confirm(await trimming.send({ kind: 'timeout', channel: STREAMER, text: '', targetUserId: VIEWER.channelId, durationSeconds: 60 }, 0), 5_000)).toMatchObject({ status: 'accepted' });
    const types = fake.messages(liveChatId).map((item) => item.snippet.type);
    expect(types).toContain('messageDeletedEvent');
    expect(fake.messages(liveChatId).find((item) => item.snippet.type === 'userBannedEvent')?.snippet).toMatchObject({
      userBannedDetails: { bannedUserDetails: { channelId: VIEWER.channelId }, banType: 'temporary', banDurationSeconds: '60' },
    });
    // A refusal is YouTube's reason, classified: a missing message will never be deleted.
    expect(await trimming.confirm(await trimming.send({ kind: 'delete', channel: STREAMER, text: '', targetMessageId: 'LCC.none' }, 0), 5_000)).toEqual({
      status: 'refused',
      reason: 'liveChatMessageNotFound',
      retry: 'never',
    });
  });

  it('degrades with the reason when the budget is spent and follows the chat again after midnight Pacific time', async () => {
    const startedAt = Date.now();
    const now = () => new Date(Date.parse('2026-12-01T07:59:58.000Z') + (Date.now() - startedAt));
    // The live check (1 unit) fits, the stream (5) does not until the day turns.
    const { fake, adapter } = await setUp({}, { dailyUnits: 5, sendReserve: 0, now });
    const { liveChatId } = fake.startBroadcast(STREAMER);
    const youtube = adapter();
    const statuses: string[] = [];
    youtube.on('state', (state) => statuses.push(state.status));
    await youtube.join(STREAMER);
    await expect.poll(() => youtube.followed()[0], { timeout: 5_000 }).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/quota/) });
    await expect.poll(() => youtube.states.read(STREAMER)).toMatchObject({ status: 'degraded' });
    await expect.poll(() => youtube.followed()[0], { timeout: 10_000 }).toMatchObject({ status: 'live', liveChatId });
    expect(statuses.indexOf('degraded')).toBeLessThan(statuses.lastIndexOf('live'));
    expect(fake.refusals).not.toContain('quotaExceeded');
  });

  it('resumes from the saved page token after a restart: nothing skipped, nothing twice; what was said meanwhile is backlog', async () => {
    const { fake, adapter, events } = await setUp();
    const { liveChatId } = fake.startBroadcast(STREAMER);
    const first = adapter();
    await first.join(STREAMER);
    await expect.poll(() => first.connectionFor(STREAMER)).toBe(0);
    fake.viewerSay(liveChatId, VIEWER, 'one');
    await expect.poll(() => texts(events)).toEqual(['one']);
    await first.close();
    fake.viewerSay(liveChatId, VIEWER, 'two (while no pod read the chat)');
    const second = adapter();
    await second.join(STREAMER);
    await expect.poll(() => texts(events)).toEqual(['one', 'two (while no pod read the chat)']);
    fake.viewerSay(liveChatId, VIEWER, 'three');
    await expect.poll(() => texts(events)).toEqual(['one', 'two (while no pod read the chat)', 'three']);
    expect(events.map((event) => event.extras?.['backlog'] ?? false)).toEqual([false, true, false]);
  });

  it('shows a channel without credentials as degraded, with the reason', async () => {
    const { adapter } = await setUp();
    const youtube = adapter();
    await youtube.join('UCunknown');
    await expect.poll(() => youtube.states.read('UCunknown')).toMatchObject({ status: 'degraded', reason: 'no YouTube credentials for this channel' });
  });
});
