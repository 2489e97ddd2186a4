import { youtube } from '@googleapis/youtube';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { YouTubeFake, type YouTubeFakeOptions } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LiveChatReader, type LiveChatReaderOptions } from './live-chat-reader.js';
import { QuotaBudget, type QuotaBudgetOptions } from './quota-budget.js';

const prefix = uniquePrefix('youtube-reader');
const redis = new Redis(redisUrl());
const TOKEN = 'bot-access-token';
const VIEWER = { channelId: 'UCviewer', displayName: 'Viewer' };
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
  fake.addToken(TOKEN, { project: 'deployment', channelId: 'UCbot' });
  const { liveChatId } = fake.startBroadcast('UCstreamer');
  // Each test spends its own budget.
  const budget = new QuotaBudget(redis, { keyPrefix: `${prefix}:${++setUps}`, ...budgetOptions });
  const api = youtube({ version: 'v3', rootUrl: restUrl.replace(/\/youtube\/v3$/, '/') });
  const read: string[] = [];
  const reader = (options: Partial<LiveChatReaderOptions> = {}) => {
    const instance = new LiveChatReader({
      liveChatId,
      project: 'deployment',
      budget,
      accessToken: async () => TOKEN,
      grpcAddress,
      grpcTls: false,
      api,
      retryMs: 20,
      onPage: async (page) => void read.push(...page.items.map((item) => item.id!)),
      ...options,
    });
    cleanups.push(() => instance.stop());
    return instance;
  };
  return { fake, liveChatId, budget, read, reader };
}

/** Writes `count` viewer messages, returning their ids. */
function chatter(fake: YouTubeFake, liveChatId: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => fake.viewerSay(liveChatId, VIEWER, `message ${from + i}`));
}

describe('LiveChatReader against the YouTube fake', () => {
  it('streams history then live messages, and resumes after drops and server ends with no gap or duplicate', async () => {
    const { fake, liveChatId, read, reader } = await setUp({ streamHoldMs: 150 });
    const sent = chatter(fake, liveChatId, 5);
    reader().start();
    await expect.poll(() => read.length).toBe(5);
    for (let round = 0; round < 5; round++) {
      sent.push(...chatter(fake, liveChatId, 10, sent.length));
      await expect.poll(() => fake.openStreams()).toBe(1);
      fake.dropStreams();
    }
    sent.push(...chatter(fake, liveChatId, 10, sent.length));
    await expect.poll(() => read, { timeout: 10_000 }).toEqual(sent);
    const streamCalls = fake.calls.filter((call) => call.method === 'streamList');
    expect(streamCalls.length).toBeGreaterThan(5);
    expect(fake.calls.every((call) => call.method === 'streamList')).toBe(true);
  });

  it('falls back to list polling when streaming is unavailable, never sooner than pollingIntervalMillis', async () => {
    const { fake, liveChatId, read, reader } = await setUp({ streaming: false, pollingIntervalMillis: 150 });
    const instance = reader({ streamFailuresBeforePolling: 1 });
    instance.start();
    await expect.poll(() => instance.state).toBe('polling');
    const sent: string[] = [];
    for (let round = 0; round < 4; round++) {
      sent.push(...chatter(fake, liveChatId, 5, sent.length));
      await expect.poll(() => read.length, { timeout: 5_000 }).toBe(sent.length);
    }
    expect(read).toEqual(sent);
    expect(fake.refusals).not.toContain('rateLimitExceeded');
    const polls = fake.calls.filter((call) => call.method === 'messagesList').map((call) => call.at);
    expect(polls.length).toBeGreaterThan(3);
    for (let i = 1; i < polls.length; i++) expect(polls[i]! - polls[i - 1]!).toBeGreaterThanOrEqual(150);
  });

  it('resumes from a saved page token after a restart: nothing skipped, nothing read twice', async () => {
    const { fake, liveChatId, read, reader } = await setUp();
    const before = chatter(fake, liveChatId, 3);
    const first = reader();
    first.start();
    await expect.poll(() => read.length).toBe(3);
    await first.stop();
    const saved = first.pageToken;
    const during = chatter(fake, liveChatId, 4, 3);
    reader({ pageToken: saved }).start();
    const after = chatter(fake, liveChatId, 2, 7);
    await expect.poll(() => read).toEqual([...before, ...during, ...after]);
  });

  it('stops reading a chat that ended', async () => {
    const { fake, liveChatId, reader } = await setUp();
    const instance = reader();
    instance.start();
    await expect.poll(() => instance.state).toBe('streaming');
    fake.endBroadcast(liveChatId);
    await instance.done();
    expect(instance.state).toBe('ended');
    const calls = fake.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.calls.length).toBe(calls);
  });

  it('waits, degraded, when the budget is spent and reads again after midnight Pacific time', async () => {
    // A virtual clock 1.5 s before midnight Pacific time, running at real speed.
    const startedAt = Date.now();
    const now = () => new Date(Date.parse('2026-12-01T07:59:58.500Z') + (Date.now() - startedAt));
    const { fake, liveChatId, read, reader } = await setUp({ streamHoldMs: 100 }, { dailyUnits: 10, sendReserve: 0, now });
    const instance = reader();
    const states: string[] = [];
    instance.on('state', (state) => states.push(state));
    instance.start();
    await expect.poll(() => instance.state, { timeout: 5_000 }).toBe('waiting-for-quota');
    expect(fake.calls.filter((call) => call.method === 'streamList')).toHaveLength(2);
    const sent = chatter(fake, liveChatId, 3);
    await expect.poll(() => read, { timeout: 10_000 }).toEqual(sent);
    expect(states).toContain('streaming');
    expect(states.indexOf('waiting-for-quota')).toBeLessThan(states.lastIndexOf('streaming'));
  });

  it('treats quotaExceeded from YouTube itself as a spent budget, not as a failure to retry', async () => {
    const startedAt = Date.now();
    const now = () => new Date(Date.parse('2026-12-01T07:59:59.000Z') + (Date.now() - startedAt));
    const { fake, reader } = await setUp({ dailyQuota: 0 }, { now });
    const instance = reader();
    instance.start();
    await expect.poll(() => instance.state).toBe('waiting-for-quota');
    expect(fake.refusals).toEqual(['quotaExceeded']);
  });
});
