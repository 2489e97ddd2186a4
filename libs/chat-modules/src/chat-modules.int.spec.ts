import { randomUUID } from 'node:crypto';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import type { ChannelConfig } from '@parley/commands';
import { StreamKeys, type ChatEvent, type Role } from '@parley/contracts';
import { AuditLogRepository, ChatModuleRepository, CommunityRepository, hubTable } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatModules } from './chat-modules.js';
import { SpamFilters } from './filters/spam-filters.js';
import { drawWinner, seedCommitment } from './giveaways/draw.js';
import { Giveaways, type DrawRecord } from './giveaways/giveaways.js';
import { ReminderScheduler } from './reminders/reminders.js';
import { StreamProducer } from '@parley/bus';
import type { ChatAction } from '@parley/contracts';
import { ChatModuleKeys } from './keys.js';
import { ChatLines } from './timers/chat-lines.js';
import { Shoutouts } from './shoutouts/shoutouts.js';

describe('ChatModules: quotes, counters, giveaways (real Redis and Postgres)', () => {
  const redis = new Redis(redisUrl());
  const prefix = uniquePrefix('chat-modules');
  const keys = new ChatModuleKeys(prefix);
  let database: TestDatabase;
  let modules: ChatModules;
  let config: ChannelConfig;
  /** Authors whose answer budget is spent (the engine's budget, as the router passes it). */
  const overBudget = new Set<string>();
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const connections: Redis[] = [];
  /** Three routers' reminder schedulers, each on its own connection, sharing the test's clock. */
  const reminderReplicas = Array.from({ length: 3 }, () => {
    const connection = new Redis(redisUrl());
    connections.push(connection);
    return new ReminderScheduler(connection, keys, new StreamProducer(connection), { actionsStream: (platform, channelId) => new StreamKeys(prefix).actionsFor(platform, channelId), leaseMs: 20_000 }, () => clock);
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    const communityId = (await new CommunityRepository(database.pool).create({ slug: 'quotes', name: 'Quotes' })).id;
    config = { communityId, channelId: randomUUID(), commandPrefix: '!', commands: [], moduleSettings: {} };
    modules = new ChatModules({
      redis,
      keys,
      lines: new ChatLines(redis, keys),
      filters: new SpamFilters(redis, keys),
      giveaways: new Giveaways(redis, keys, new ChatModuleRepository(database.pool)),
      reminders: reminderReplicas[0]!,
      store: new ChatModuleRepository(database.pool),
      appliedTtlSeconds: 60,
      answerBudget: async (event) => !overBudget.has(event.author.name),
      shoutouts: new Shoutouts({}),
    });
  });

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    for (const connection of connections) connection.disconnect();
    await database?.drop();
  });

  function line(text: string, roles: Role[] = ['everyone'], user = 'viewer'): ChatEvent {
    const now = new Date().toISOString();
    return {
      v: 1,
      id: `twitch:${randomUUID()}`,
      platform: 'twitch',
      channel: { id: 'room', name: 'room' },
      author: { id: `id-${user}`, name: user, displayName: user, roles, isBot: false },
      text,
      kind: 'message',
      sentAt: now,
      receivedAt: now,
    };
  }

  async function reply(text: string, roles?: Role[], user?: string, on: ChannelConfig = config): Promise<string | null> {
    const verdict = await modules.inspect(line(text, roles, user), on);
    return verdict ? verdict.actions.map((action) => action.text).join(' | ') : null;
  }

  it('adds, shows, finds and deletes quotes; numbers are never given again', async () => {
    expect(await reply('!quote')).toBe('There are no quotes yet.');
    expect(await reply('!quote add I never lose', ['everyone'])).toMatch(/^Usage/);
    expect(await reply('!quote add I never lose at chess', ['moderator'], 'mod')).toBe('Added quote #1.');
    expect(await reply('!quote add The snacks are a lie', ['moderator'], 'mod')).toBe('Added quote #2.');
    // The hub numbers its inserts the same way.
    await hubTable(database.pool, 'quotes').create(config.communityId, { text: 'Chess is about snacks', attributedTo: 'Streamer' });

    expect(await reply('!quote 2')).toMatch(/^#2: "The snacks are a lie" \(added by mod, \d{4}-\d{2}-\d{2}\)$/);
    expect(await reply('!quote #3')).toMatch(/^#3: "Chess is about snacks" — Streamer/);
    expect(await reply('!quote 9')).toBe('There is no quote #9.');
    expect(await reply('!quote')).toMatch(/^#[123]: /);
    expect(await reply('!quote search snacks')).toMatch(/\(1 of 2 matches\)$/);
    expect(await reply('!quote search chess snacks')).toMatch(/^#3: /);
    expect(await reply('!quote search streamer')).toMatch(/^#3: /);
    expect(await reply('!quote search "no such words"')).toBe('No quote matches that.');

    expect(await reply('!quote delete 3', ['vip'])).toMatch(/^Usage/);
    expect(await reply('!quote delete 3', ['moderator'])).toBe('Deleted quote #3.');
    expect(await reply('!quote 3')).toBe('There is no quote #3.');
    expect(await reply('!quote add Numbers move on', ['broadcaster'])).toBe('Added quote #4.');
  });

  it('a module command spends the author\'s answer budget: over it, nothing is answered or changed', async () => {
    overBudget.add('echo-bot');
    try {
      const verdict = await modules.inspect(line('!quote add an echo', ['moderator'], 'echo-bot'), config);
      expect(verdict).toEqual({ outcome: 'throttled', command: 'quote', actions: [] });
      expect(await reply('!quote search echo')).toBe('No quote matches that.');
      // Another author's line is answered as usual.
      expect(await reply('!counter nosuch')).toBe('There is no counter nosuch.');
    } finally {
      overBudget.clear();
    }
  });

  it('!so: moderators shout out a user with their profile link; others are not answered', async () => {
    expect(await reply('!so @friend', ['moderator'])).toBe('Go show friend some love: https://www.twitch.tv/friend');
    expect(await reply('!so friend', ['everyone'])).toBeNull();
    expect(await reply('!so', ['moderator'])).toBe('Usage: !so <user>');
  });

  it('applies a redelivered change once', async () => {
    const event = line('!quote add Said twice, stored once', ['moderator']);
    const first = await modules.inspect(event, config);
    const again = await modules.inspect(event, config);
    expect(first?.actions[0]?.text).toMatch(/^Added quote #\d+\.$/);
    expect(again?.actions[0]?.text).toBe('That quote was already added.');
    const { matches } = await new ChatModuleRepository(database.pool).searchQuotes(config.communityId, 'stored once');
    expect(matches).toBe(1);
  });

  it('counters: anyone reads, the edit role moves them, redelivery counts once', async () => {
    await hubTable(database.pool, 'counters').create(config.communityId, { name: 'deaths', value: 3 });
    expect(await reply('!counter deaths')).toBe('deaths: 3');
    expect(await reply('!counter deaths +1')).toBe('deaths: 3');
    expect(await reply('!counter deaths +1', ['moderator'])).toBe('deaths: 4');
    expect(await reply('!counter deaths -2', ['moderator'])).toBe('deaths: 2');
    expect(await reply('!counter deaths =40', ['moderator'])).toBe('deaths: 40');
    expect(await reply('!counter nothing +1', ['moderator'])).toBe('There is no counter nothing.');
    const bump = line('!counter deaths +', ['moderator']);
    await modules.inspect(bump, config);
    await modules.inspect(bump, config);
    expect(await reply('!counter deaths')).toBe('deaths: 41');

    // Settings lower the edit role; a community command of the same name wins over the module.
    const subsEdit = { ...config, moduleSettings: { counters: { editRole: 'subscriber' } } };
    expect(await reply('!counter deaths +1', ['subscriber'], 'sub', subsEdit)).toBe('deaths: 42');
    const own = { ...config, commands: [{ name: 'counter', aliases: [], response: 'mine', minRole: 'everyone' as const, globalCooldownSeconds: 0, userCooldownSeconds: 0, moderatorsBypassCooldown: true, enabled: true, platforms: null }] };
    expect(await reply('!counter deaths', ['everyone'], 'x', own)).toBeNull();
    const off = { ...config, moduleSettings: { quotes: { enabled: false } } };
    expect(await reply('!quote', ['everyone'], 'x', off)).toBeNull();
  });

  it('giveaway: one entry per viewer in the window, weighted tickets, a draw reproducible from the audited seed, re-draws', async () => {
    const weighted = { ...config, moduleSettings: { giveaways: { weights: { subscriber: 3 } } } };
    expect(await reply('!join', ['everyone'], 'early', weighted)).toBeNull();
    expect(await reply('!giveaway start 5', ['everyone'], 'viewer', weighted)).toMatch(/^0 entered so far/);
    const opened = await reply('!giveaway start 5', ['moderator'], 'mod', weighted);
    const commitment = /Seed commitment \(SHA-256\): ([0-9a-f]{64})$/.exec(opened ?? '')?.[1];
    expect(commitment).toBeDefined();
    for (let i = 0; i < 30; i++) {
      const roles: Role[] = i % 3 === 0 ? ['subscriber'] : ['everyone'];
      expect(await reply('!join', roles, `viewer${i}`, weighted)).toBe('');
      expect(await reply('!JOIN', roles, `viewer${i}`, weighted)).toBe('');
    }
    expect(await reply('!giveaway', ['everyone'], 'someone', weighted)).toMatch(/^30 entered so far/);

    const drawn = await reply('!giveaway draw', ['moderator'], 'mod', weighted);
    expect(drawn).toMatch(/^Winner: @viewer\d+ \(30 entries, round 1, seed [0-9a-f]{64}; recorded in the audit log\)$/);
    // Closed by the draw: later entries do not count.
    expect(await reply('!join', ['everyone'], 'late', weighted)).toBeNull();
    const redrawn = await reply('!giveaway redraw', ['moderator'], 'mod', weighted);
    expect(redrawn).toMatch(/^Re-draw: @viewer\d+ \(30 entries, round 2/);
    expect(redrawn!.split(' ')[1]).not.toBe(drawn!.split(' ')[1]);

    // Anyone holding the audit log recomputes both winners from the seed, which matches the commitment shown at the start.
    const audit = await new AuditLogRepository(database.pool).list(config.communityId, { limit: 100 });
    const draws = audit.items.filter((entry) => entry.action === 'draw').map((entry) => entry.after as DrawRecord);
    expect(draws).toHaveLength(2);
    for (const record of draws) {
      expect(seedCommitment(record.seed)).toBe(commitment);
      expect(drawWinner(record.seed, record.entries, record.round, new Set(record.excluded))).toEqual(record.winner);
      expect(audit.items.find((entry) => entry.action === 'draw')!.actor).toBe('chat:twitch:mod');
    }
    expect(draws.find((record) => record.round === 2)!.excluded).toEqual([draws.find((record) => record.round === 1)!.winner!.userId]);
    const tickets = draws[0]!.entries.reduce((sum, entry) => sum + entry.weight, 0);
    expect(tickets).toBe(30 + 2 * 10);
  });

  it('!remindme: delivered once across three routers at its time, with limits per viewer', async () => {
    for (const replica of reminderReplicas) replica.on('failed', (error) => expect.unreachable(error.message));
    const posts = async () =>
      (await Promise.all(new StreamKeys(prefix).allActionPartitions('twitch').map((stream) => redis.xrange(stream, '-', '+')))).flat().map(([, fields]) => JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatAction);
    const stepAll = async (seconds: number) => {
      for (let i = 0; i < seconds; i++) {
        clock += 1_000;
        await Promise.all(reminderReplicas.map((replica) => replica.step()));
      }
    };
    expect(await reply('!remindme 10m')).toMatch(/^Usage/);
    expect(await reply('!remindme 30s too soon')).toMatch(/^Usage/);
    expect(await reply('!remindme 3d too far')).toMatch(/^Usage/);
    expect(await reply('!remindme 10m stretch', ['everyone'], 'ann')).toBe('I will remind you in 10m.');
    expect(await reply('!remindme 1h drink water', ['everyone'], 'ann')).toBe('I will remind you in 1h.');
    expect(await reply('!remindme 1h30m go to bed', ['everyone'], 'ann')).toBe('I will remind you in 1h30m.');
    expect(await reply('!remindme 2h one too many', ['everyone'], 'ann')).toBe('You have 3 reminders pending already.');
    expect(await reply('!remindme 2h mine', ['everyone'], 'bob')).toBe('I will remind you in 2h.');

    await stepAll(9 * 60 + 58);
    expect(await posts()).toHaveLength(0);
    await stepAll(3);
    expect((await posts()).map((action) => action.text)).toEqual(['@ann reminder: stretch']);
    // Delivered: it no longer counts against the limit, and it never comes again.
    expect(await reply('!remindme 2h another', ['everyone'], 'ann')).toBe('I will remind you in 2h.');
    await stepAll(60 * 60);
    expect((await posts()).map((action) => action.text)).toEqual(['@ann reminder: stretch', '@ann reminder: drink water']);
  }, 120_000);
});
