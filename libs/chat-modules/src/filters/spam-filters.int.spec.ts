import { randomUUID } from 'node:crypto';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import type { ChannelConfig } from '@parley/commands';
import type { ChatEvent, Platform, Role } from '@parley/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatModuleKeys } from '../keys.js';
import { PatternMatcher } from './pattern-matcher.js';
import { SpamFilters, type ModerationCapabilities } from './spam-filters.js';

const ENFORCING: ModerationCapabilities = { twitch: ['delete', 'timeout'], youtube: [], discord: [], slack: [] };

function config(filters: Record<string, unknown>, communityId: string = randomUUID()): ChannelConfig {
  return { communityId, channelId: randomUUID(), commandPrefix: '!', commands: [], moduleSettings: { filters: { enabled: true, dryRun: false, ...filters } } };
}

function line(text: string, options: { user?: string; roles?: Role[]; channel?: string; platform?: Platform } = {}): ChatEvent {
  const platform = options.platform ?? 'twitch';
  const user = options.user ?? 'viewer';
  return {
    v: 1,
    id: `${platform}:${randomUUID()}`,
    platform,
    channel: { id: options.channel ?? 'room', name: options.channel ?? 'room' },
    author: { id: `id-${user}`, name: user, displayName: user, roles: options.roles ?? ['everyone'], isBot: false },
    text,
    kind: 'message',
    sentAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
  };
}

/** How many lines a batch argument of `countRepeats-2.lua` holds (ASCII ids here: characters are bytes). */
function linesIn(batch: string): number {
  let lines = 0;
  for (let at = 0; at < batch.length; lines++) {
    const viewer = /^\S+ (\d+) /u.exec(batch.slice(at))!;
    at += viewer[0].length + Number(viewer[1]);
    const event = /^(\d+) /u.exec(batch.slice(at))!;
    at += event[0].length + Number(event[1]);
  }
  return lines;
}

describe('SpamFilters (real Redis)', () => {
  const redis = new Redis(redisUrl());
  // One prefix for the file (a sub-prefix per test): cleaning up scans the shared Redis once.
  const filePrefix = uniquePrefix('filters');
  let testCount = 0;
  let keys: ChatModuleKeys;
  let clock: number;
  let filters: SpamFilters;

  beforeEach(() => {
    const prefix = `${filePrefix}:${++testCount}`;
    keys = new ChatModuleKeys(prefix);
    clock = Date.parse('2026-12-01T10:00:00Z');
    filters = new SpamFilters(redis, keys, { capabilities: ENFORCING }, () => clock);
  });

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, filePrefix);
    redis.disconnect();
  });

  const cases: Array<{ filter: string; settings: Record<string, unknown>; positive: string; negative: string }> = [
    { filter: 'links', settings: { links: { enabled: true, allow: ['twitch.tv'] } }, positive: 'free stuff at evil.example', negative: 'clip: https://clips.twitch.tv/abc' },
    { filter: 'caps', settings: { caps: { enabled: true } }, positive: 'WHY IS NOBODY LISTENING TO ME', negative: 'why is nobody listening to me' },
    { filter: 'symbols', settings: { symbols: { enabled: true } }, positive: '$$$$ !!!! #### @@@@ %%%%', negative: 'wow!!! that was great, really' },
    { filter: 'emotes', settings: { emotes: { enabled: true, max: 5 } }, positive: '😀😀😀😀😀😀', negative: 'nice 😀😀' },
    { filter: 'length', settings: { length: { enabled: true, max: 50 } }, positive: 'x'.repeat(51), negative: 'x'.repeat(50) },
    { filter: 'words', settings: { words: { enabled: true, banned: ['bad phrase'] } }, positive: 'this is a Bad Phrase!', negative: 'this is a bad phrasebook' },
    { filter: 'patterns', settings: { patterns: { enabled: true, patterns: ['fr[e3]{2}\\s*v-?bucks'] } }, positive: 'get FR33 vbucks here', negative: 'free time tonight' },
  ];

  for (const { filter, settings, positive, negative } of cases) {
    it(`${filter}: catches the offending line, lets the clean one through, exempts the role`, async () => {
      const community = config(settings);
      const hit = await filters.check(line(positive), community);
      expect(hit?.filter).toBe(filter);
      expect(hit?.dryRun).toBe(false);
      expect(await filters.check(line(negative, { user: 'other' }), community)).toBeNull();
      // VIPs and up are exempt by default; a per-filter exemption can lower that.
      expect(await filters.check(line(positive, { user: 'vip', roles: ['vip'] }), community)).toBeNull();
      const subsExempt = config({ [filter]: { ...(settings[filter] as object), exemptRole: 'subscriber' } });
      expect(await filters.check(line(positive, { user: 'sub', roles: ['subscriber'] }), subsExempt)).toBeNull();
      expect(await filters.check(line(positive, { user: 'pleb' }), subsExempt)).not.toBeNull();
    });
  }

  it('repeats: the same line more than `max` times in the window, counted per viewer', async () => {
    const community = config({ repeats: { enabled: true, max: 2, windowSeconds: 60 } });
    expect(await filters.check(line('buy my stuff'), community)).toBeNull();
    expect(await filters.check(line('Buy  my stuff'), community)).toBeNull();
    expect(await filters.check(line('another viewer says buy my stuff', { user: 'b' }), community)).toBeNull();
    expect((await filters.check(line('buy my stuff'), community))?.filter).toBe('repeats');
    // A different line starts over.
    expect(await filters.check(line('something else'), community)).toBeNull();
  });

  it('repeats: a batch of lines checked together is counted in order, across replicas, one script call per channel', async () => {
    const community = config({ repeats: { enabled: true, max: 2, windowSeconds: 60 } });
    const replica = new Redis(redisUrl());
    try {
      const other = new SpamFilters(replica, keys, { capabilities: ENFORCING }, () => clock);
      // The script's calls as the filters make them (key, key, now, window, the batch's lines); each goes on to real Redis.
      type Scripted = Record<'parleyCountRepeats', (...args: string[]) => Promise<number[]>>;
      const linesPerCall = (client: Redis) => vi.spyOn(client as unknown as Scripted, 'parleyCountRepeats');
      const here = linesPerCall(redis);
      const there = linesPerCall(replica);
      // One read batch: four lines in one turn of the event loop, two of them the same viewer's same line.
      const hits = await Promise.all([
        filters.check(line('spam spam', { user: 'a' }), community),
        filters.check(line('spam spam', { user: 'a' }), community),
        filters.check(line('hello', { user: 'b' }), community),
        filters.check(line('spam spam', { user: 'a' }), community),
      ]);
      expect(hits.map((hit) => hit?.filter ?? null)).toEqual([null, null, null, 'repeats']);
      // Another router sees the same history: the fourth repeat is caught there too.
      expect((await other.check(line('spam spam', { user: 'a' }), community))?.filter).toBe('repeats');
      // The batch of four went out as one script call with four lines, the other replica's line as one with one.
      expect(here.mock.calls.map((args) => linesIn(args[4]!))).toEqual([4]);
      expect(there.mock.calls.map((args) => linesIn(args[4]!))).toEqual([1]);
      here.mockRestore();
      there.mockRestore();
    } finally {
      replica.disconnect();
    }
  });

  it('repeats: forgotten after a window without a line from the viewer, kept across generations, a redelivery counted once', async () => {
    const community = config({ repeats: { enabled: true, max: 2, windowSeconds: 60 } });
    // Ids may hold any character: the script reads them by their byte length.
    const viewer = { user: 'jürgen 🎮' };
    const again = (text = 'buy my stuff') => filters.check(line(text, viewer), community);
    // Three in a row, each 50 s after the last: the history crosses generations (60 s each) and stays.
    expect(await again()).toBeNull();
    clock += 50_000;
    expect(await again()).toBeNull();
    clock += 50_000;
    expect((await again())?.filter).toBe('repeats');
    // A window without a line from the viewer: the count starts over.
    clock += 61_000;
    expect(await again()).toBeNull();
    expect(await again()).toBeNull();
    // The same event redelivered gets the count it got the first time, not one more.
    expect((await again())?.filter).toBe('repeats');
    const redelivered = { ...line('new line', viewer), id: 'twitch:redelivered ü' };
    const fresh = await Promise.all([again('new line'), filters.check(redelivered, community)]);
    expect(fresh.map((hit) => hit?.filter ?? null)).toEqual([null, null]);
    expect(await filters.check(redelivered, community)).toBeNull();
    expect((await again('new line'))?.filter).toBe('repeats');
  });

  it('climbs the full ladder per viewer: delete, warn, timeouts of growing length, ban; strikes decay', async () => {
    const community = config({ caps: { enabled: true }, strikeDecaySeconds: 600 });
    const shout = () => filters.check(line('STOP SHOUTING AT ME PLEASE', { user: 'loud' }), community);
    const steps = [];
    for (let i = 0; i < 6; i++) steps.push(await shout());
    expect(steps.map((hit) => hit?.strikes)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps.map((hit) => hit?.step)).toEqual([
      { action: 'delete' },
      { action: 'warn' },
      { action: 'timeout', seconds: 60 },
      { action: 'timeout', seconds: 600 },
      { action: 'ban' },
      { action: 'ban' },
    ]);
    const [remove, warn, shortTimeout, longTimeout, ban] = steps.map((hit) => hit!.actions);
    expect(remove).toEqual([expect.objectContaining({ kind: 'delete', targetMessageId: expect.any(String) })]);
    expect(warn!.map((action) => action.kind)).toEqual(['delete', 'say']);
    expect(warn![1]!.text).toBe('@loud, too many capital letters (warning).');
    expect(shortTimeout).toEqual([expect.objectContaining({ kind: 'timeout', targetUserId: 'id-loud', durationSeconds: 60 })]);
    expect(longTimeout).toEqual([expect.objectContaining({ kind: 'timeout', durationSeconds: 600 })]);
    expect(ban![0]).toMatchObject({ kind: 'timeout', targetUserId: 'id-loud' });
    expect(ban![0]!.durationSeconds).toBeUndefined();

    // Another viewer starts at the bottom.
    expect((await filters.check(line('I AM ALSO VERY LOUD TODAY', { user: 'new' }), community))?.step).toEqual({ action: 'delete' });
    // 6 strikes; 25 minutes of calm forgive two (one per 10 min): the next is the 5th.
    clock += 25 * 60_000;
    expect((await shout())?.strikes).toBe(5);
    // Long calm (the key expires) starts over.
    clock += 24 * 3_600_000;
    await redis.del(keys.strikes(community.communityId, 'twitch', 'id-loud', false));
    expect((await shout())?.strikes).toBe(1);
  });

  it('counts a redelivered event once', async () => {
    const community = config({ caps: { enabled: true } });
    const event = line('ONE LOUD LINE DELIVERED TWICE');
    expect((await filters.check(event, community))?.strikes).toBe(1);
    expect((await filters.check(event, community))?.strikes).toBe(1);
  });

  it('dry run: says what it would have done, sends nothing, and keeps its own ladder', async () => {
    const dry = config({ dryRun: true, caps: { enabled: true } });
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push(await filters.check(line('DRY RUN SHOUTING IN CHAT', { user: 'dry' }), dry));
    expect(hits.map((hit) => [hit?.dryRun, hit?.step.action, hit?.actions.length])).toEqual([
      ['settings', 'delete', 0],
      ['settings', 'warn', 0],
      ['settings', 'timeout', 0],
    ]);
    // Enforcing later starts from the real ladder's bottom, not from the dry run's.
    const enforced = config({ caps: { enabled: true } }, dry.communityId);
    expect((await filters.check(line('NOW IT IS FOR REAL, SHOUTING', { user: 'dry' }), enforced))?.step).toEqual({ action: 'delete' });
    // One filter can stay in dry run while the others enforce.
    const mixed = config({ caps: { enabled: true, dryRun: true }, length: { enabled: true, max: 20 } });
    expect((await filters.check(line('LOUD SHOUTING NOW'), mixed))?.dryRun).toBe('settings');
    expect((await filters.check(line('a long enough line to break the limit', { user: 'x' }), mixed))?.dryRun).toBe(false);
  });

  it('runs in dry run where the platform cannot deliver moderation actions', async () => {
    const platformless = new SpamFilters(redis, keys, {}, () => clock);
    const hit = await platformless.check(line('TWITCH CANNOT TIME OUT YET'), config({ caps: { enabled: true } }));
    expect(hit).toMatchObject({ dryRun: 'unsupported', actions: [] });
    const youtube = await filters.check(line('NEITHER CAN YOUTUBE, LOUDLY', { platform: 'youtube' }), config({ caps: { enabled: true } }));
    expect(youtube).toMatchObject({ dryRun: 'unsupported', actions: [] });
    // ingest-discord delivers deletes and timeouts: Discord's filters act by default.
    const discord = await platformless.check(line('DISCORD CAN DELETE, LOUDLY', { platform: 'discord' }), config({ caps: { enabled: true } }));
    expect(discord).toMatchObject({ dryRun: false, actions: [{ kind: 'delete' }] });
  });

  it('!permit lets a viewer post links until it runs out', async () => {
    const community = config({ links: { enabled: true }, permitSeconds: 10 });
    await filters.permit(community.communityId, 'twitch', '@Linker', 10);
    expect(await filters.check(line('my site: example.org', { user: 'linker' }), community)).toBeNull();
    expect((await filters.check(line('mine too: example.org', { user: 'someone' }), community))?.filter).toBe('links');
    await redis.del(keys.permit(community.communityId, 'twitch', 'linker'));
    expect((await filters.check(line('again example.org', { user: 'linker' }), community))?.filter).toBe('links');
  });

  it('a hostile pattern costs milliseconds, not seconds, and never holds up another channel', async () => {
    // Catastrophic for a backtracking engine: JavaScript's RegExp takes seconds for `(a+)+$` on 30 characters.
    const hostile = config({ patterns: { enabled: true, patterns: Array.from({ length: 50 }, (_, i) => `(a+)+(b|c${i})+$`) } });
    const calm = config({ patterns: { enabled: true, patterns: ['free\\s*v-?bucks'] } });
    const suspended: string[] = [];
    filters.on('patternsSuspended', ({ communityId }) => suspended.push(communityId));

    // Compiling the sets is a one-off per settings change, not part of a line's cost.
    await filters.check(line('warm-up', { channel: 'hostile' }), hostile);
    await filters.check(line('warm-up', { channel: 'calm' }), calm);
    const hostileCpuMs: number[] = [];
    const calmLatencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      // A different attack line each time, so no engine cache helps.
      const attack = Array.from({ length: 900 }, (_, j) => `${'a'.repeat(9)}${String.fromCharCode(100 + ((i + j) % 20))}`).join('');
      const cpu = process.cpuUsage();
      expect(await filters.check(line(attack, { user: `attacker${i}`, channel: 'hostile' }), hostile)).toBeNull();
      const used = process.cpuUsage(cpu);
      hostileCpuMs.push((used.user + used.system) / 1_000);
      const before = performance.now();
      expect((await filters.check(line('free vbucks', { user: `viewer${i}`, channel: 'calm' }), calm))?.filter).toBe('patterns');
      calmLatencies.push(performance.now() - before);
    }
    expect(suspended).not.toContain(calm.communityId);
    // The attack's cost is CPU time (wall time on a shared machine is mostly waiting for a core):
    // milliseconds per 9,000-character line against 50 hostile patterns.
    expect(Math.max(...hostileCpuMs)).toBeLessThan(100);
    // The calm channel's checks, right after each attack, answer promptly (generous: each includes a Redis round trip).
    expect(Math.max(...calmLatencies)).toBeLessThan(1_000);
  });
});
