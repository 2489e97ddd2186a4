import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckViolationError, ForeignKeyViolationError, UniqueViolationError } from '../errors.js';
import { createTestDatabase, type TestDatabase } from '../testing.js';
import { ChannelRepository } from './channel.repository.js';
import { CommandRepository } from './command.repository.js';
import { CommunityRepository } from './community.repository.js';
import { WebhookModuleRepository } from './webhook-module.repository.js';

let database: TestDatabase;
let communities: CommunityRepository;
let channels: ChannelRepository;
let commands: CommandRepository;
let modules: WebhookModuleRepository;

beforeAll(async () => {
  database = await createTestDatabase();
  communities = new CommunityRepository(database.pool);
  channels = new ChannelRepository(database.pool);
  commands = new CommandRepository(database.pool);
  modules = new WebhookModuleRepository(database.pool);
});
afterAll(() => database?.drop());

describe('CommunityRepository', () => {
  it('creates a community with the default prefix and finds it by id and slug', async () => {
    const created = await communities.create({ slug: 'alpha', name: 'Alpha' });
    expect(created).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), slug: 'alpha', name: 'Alpha', commandPrefix: '!', cooldownNotice: false });
    expect(await communities.findById(created.id)).toEqual(created);
    expect(await communities.findBySlug('alpha')).toEqual(created);
  });

  it('keeps a chosen prefix', async () => {
    expect((await communities.create({ slug: 'beta', name: 'Beta', commandPrefix: '?' })).commandPrefix).toBe('?');
  });

  it('returns null for an unknown or malformed id', async () => {
    expect(await communities.findById(randomUUID())).toBeNull();
    expect(await communities.findById('not-a-uuid')).toBeNull();
  });

  it('rejects a taken slug and a malformed one with typed errors', async () => {
    await communities.create({ slug: 'gamma', name: 'Gamma' });
    const taken = await communities.create({ slug: 'gamma', name: 'Other' }).catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(UniqueViolationError);
    expect((taken as UniqueViolationError).constraint).toBe('communities_slug_key');
    await expect(communities.create({ slug: 'Not A Slug', name: 'x' })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(communities.create({ slug: 'delta', name: 'x', commandPrefix: 'a b' })).rejects.toBeInstanceOf(CheckViolationError);
  });

  it('treats SQL in values as data', async () => {
    const created = await communities.create({ slug: 'quotes', name: "Robert'); DROP TABLE communities;--" });
    expect((await communities.findById(created.id))!.name).toBe("Robert'); DROP TABLE communities;--");
  });
});

describe('ChannelRepository', () => {
  it('creates a channel and finds it by platform and platform channel id', async () => {
    const community = await communities.create({ slug: 'chan-a', name: 'A' });
    const created = await channels.create({ communityId: community.id, platform: 'twitch', platformChannelId: '1001', name: 'streamer' });
    expect(created).toEqual({
      id: expect.any(String),
      communityId: community.id,
      platform: 'twitch',
      platformChannelId: '1001',
      name: 'streamer',
      enabled: true,
      botLogin: null,
    });
    expect(await channels.findByPlatformChannel('twitch', '1001')).toEqual(created);
    // Same id on another platform is another channel.
    expect(await channels.findByPlatformChannel('youtube', '1001')).toBeNull();
  });

  it('stores enabled and botLogin, and lists only enabled channels of one platform', async () => {
    const community = await communities.create({ slug: 'chan-b', name: 'B' });
    const base = { communityId: community.id, platform: 'discord' as const };
    await channels.create({ ...base, platformChannelId: 'd-2', name: 'zeta', botLogin: 'parleybot' });
    await channels.create({ ...base, platformChannelId: 'd-1', name: 'eta' });
    const disabled = await channels.create({ ...base, platformChannelId: 'd-3', name: 'off', enabled: false });
    await channels.create({ communityId: community.id, platform: 'slack', platformChannelId: 's-1', name: 'slack' });
    expect(disabled.enabled).toBe(false);
    const listed = await channels.listEnabled('discord');
    expect(listed.map((channel) => [channel.name, channel.botLogin])).toEqual([
      ['eta', null],
      ['zeta', 'parleybot'],
    ]);
  });

  it('rejects a channel claimed twice, an unknown community and an unknown platform', async () => {
    const community = await communities.create({ slug: 'chan-c', name: 'C' });
    const channel = { communityId: community.id, platform: 'youtube' as const, platformChannelId: 'UC123', name: 'yt' };
    await channels.create(channel);
    await expect(channels.create(channel)).rejects.toBeInstanceOf(UniqueViolationError);
    await expect(channels.create({ ...channel, platformChannelId: 'UC456', communityId: randomUUID() })).rejects.toBeInstanceOf(
      ForeignKeyViolationError,
    );
    await expect(channels.create({ ...channel, platformChannelId: 'x', platform: 'myspace' as never })).rejects.toBeInstanceOf(
      CheckViolationError,
    );
  });
});

describe('CommandRepository', () => {
  it('creates a command with the schema defaults', async () => {
    const community = await communities.create({ slug: 'cmd-a', name: 'A' });
    const created = await commands.create({ communityId: community.id, name: 'hello', response: 'Hello $(user)!' });
    expect(created).toEqual({
      id: expect.any(String),
      communityId: community.id,
      name: 'hello',
      aliases: [],
      response: 'Hello $(user)!',
      minRole: 'everyone',
      globalCooldownSeconds: 0,
      userCooldownSeconds: 0,
      moderatorsBypassCooldown: true,
      enabled: true,
      platforms: null,
      channelIds: null,
      moduleId: null,
    });
  });

  it('stores every field and lists a community’s commands by name, camelCase', async () => {
    const community = await communities.create({ slug: 'cmd-b', name: 'B' });
    const other = await communities.create({ slug: 'cmd-b-other', name: 'Other' });
    await commands.create({ communityId: other.id, name: 'elsewhere', response: 'no' });
    const so = await commands.create({
      communityId: community.id,
      name: 'so',
      response: 'Go follow $(touser)',
      aliases: ['shoutout'],
      minRole: 'moderator',
      globalCooldownSeconds: 30,
      userCooldownSeconds: 5,
      moderatorsBypassCooldown: false,
      enabled: false,
      platforms: ['twitch', 'youtube'],
    });
    const lurk = await commands.create({ communityId: community.id, name: 'lurk', response: '$(user) lurks' });
    expect(await commands.listForCommunity(community.id)).toEqual([lurk, so]);
    expect(so).toMatchObject({
      aliases: ['shoutout'],
      minRole: 'moderator',
      globalCooldownSeconds: 30,
      userCooldownSeconds: 5,
      moderatorsBypassCooldown: false,
      enabled: false,
      platforms: ['twitch', 'youtube'],
    });
    expect(await commands.listForCommunity(randomUUID())).toEqual([]);
  });

  it('rejects what the engine could never match or run', async () => {
    const community = await communities.create({ slug: 'cmd-c', name: 'C' });
    const base = { communityId: community.id, response: 'x' };
    await commands.create({ ...base, name: 'dup' });
    await expect(commands.create({ ...base, name: 'dup' })).rejects.toBeInstanceOf(UniqueViolationError);
    await expect(commands.create({ ...base, name: 'Hello' })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(commands.create({ ...base, name: 'two words' })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(commands.create({ ...base, name: 'a', aliases: ['B'] })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(commands.create({ ...base, name: 'b', minRole: 'admin' as never })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(commands.create({ ...base, name: 'c', globalCooldownSeconds: -1 })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(commands.create({ ...base, name: 'd', userCooldownSeconds: -1 })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(commands.create({ ...base, name: 'e', platforms: ['myspace' as never] })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(commands.create({ ...base, name: 'f', platforms: [] })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(commands.create({ ...base, name: 'g', communityId: randomUUID() })).rejects.toBeInstanceOf(ForeignKeyViolationError);
  });

  it('loads a community with its commands in one piece', async () => {
    const community = await communities.create({ slug: 'cmd-d', name: 'D', commandPrefix: '$' });
    const ping = await commands.create({ communityId: community.id, name: 'ping', response: 'pong', aliases: ['p'] });
    const ask = await commands.create({ communityId: community.id, name: 'ask', response: '?', platforms: ['discord'] });
    expect(await commands.loadCommunityConfig(community.id)).toEqual({
      community: { id: community.id, slug: 'cmd-d', name: 'D', commandPrefix: '$', cooldownNotice: false },
      commands: [ask, ping],
      modules: [],
    });
  });

  it('loads a community without commands, and null for an unknown one', async () => {
    const community = await communities.create({ slug: 'cmd-e', name: 'E' });
    expect(await commands.loadCommunityConfig(community.id)).toEqual({ community, commands: [], modules: [] });
    expect(await commands.loadCommunityConfig(randomUUID())).toBeNull();
    expect(await commands.loadCommunityConfig('nope')).toBeNull();
  });
});

describe('CommandRepository changes', () => {
  it('updates only the given fields, and only in the given community', async () => {
    const community = await communities.create({ slug: 'upd-a', name: 'A' });
    const other = await communities.create({ slug: 'upd-b', name: 'B' });
    const created = await commands.create({ communityId: community.id, name: 'motd', response: 'old', aliases: ['m'] });
    const updated = await commands.update(community.id, 'motd', { response: 'new', globalCooldownSeconds: 30 });
    expect(updated).toEqual({ ...created, response: 'new', globalCooldownSeconds: 30 });
    expect(await commands.find(community.id, 'motd')).toEqual(updated);
    expect(await commands.update(community.id, 'missing', { response: 'x' })).toBeNull();
    expect(await commands.update(other.id, 'motd', { response: 'hijack' })).toBeNull();
    expect(await commands.update('not-a-uuid', 'motd', { response: 'x' })).toBeNull();
    expect((await commands.find(community.id, 'motd'))?.response).toBe('new');
  });

  it('deletes once', async () => {
    const community = await communities.create({ slug: 'del-a', name: 'A' });
    await commands.create({ communityId: community.id, name: 'bye', response: 'x' });
    expect(await commands.delete(community.id, 'bye')).toBe(true);
    expect(await commands.delete(community.id, 'bye')).toBe(false);
    expect(await commands.find(community.id, 'bye')).toBeNull();
  });
});

describe('WebhookModuleRepository', () => {
  it('creates modules and loads them with the community configuration', async () => {
    const community = await communities.create({ slug: 'mod-a', name: 'A' });
    const channel = await channels.create({ communityId: community.id, platform: 'twitch', platformChannelId: 'mod-a-1', name: 'a' });
    const module = await modules.create({ communityId: community.id, name: 'weather', url: 'https://example.test/hook', secret: 's'.repeat(32) });
    expect(module).toEqual({ id: expect.any(String), communityId: community.id, name: 'weather', url: 'https://example.test/hook', secret: 's'.repeat(32), timeoutMs: 2000 });
    const served = await commands.create({ communityId: community.id, name: 'weather', response: 'x', moduleId: module.id, channelIds: [channel.id] });
    const config = await commands.loadCommunityConfig(community.id);
    expect(config?.modules).toEqual([module]);
    expect(config?.commands).toEqual([served]);
    expect(served).toMatchObject({ moduleId: module.id, channelIds: [channel.id] });
  });

  it('refuses a non-http URL, a short secret and an out-of-range timeout', async () => {
    const community = await communities.create({ slug: 'mod-b', name: 'B' });
    const base = { communityId: community.id, url: 'https://example.test/hook', secret: 's'.repeat(32) };
    await expect(modules.create({ ...base, name: 'a', url: 'ftp://example.test/' })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(modules.create({ ...base, name: 'b', secret: 'short' })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(modules.create({ ...base, name: 'c', timeoutMs: 50 })).rejects.toBeInstanceOf(CheckViolationError);
    await expect(modules.create({ ...base, name: 'd', timeoutMs: 60_000 })).rejects.toBeInstanceOf(CheckViolationError);
  });

  it('leaves a command on its template when its module is deleted', async () => {
    const community = await communities.create({ slug: 'mod-c', name: 'C' });
    const module = await modules.create({ communityId: community.id, name: 'gone', url: 'https://example.test/hook', secret: 's'.repeat(32) });
    await commands.create({ communityId: community.id, name: 'served', response: 'template', moduleId: module.id });
    await database.pool.query('DELETE FROM webhook_modules WHERE id = $1', [module.id]);
    expect((await commands.find(community.id, 'served'))?.moduleId).toBeNull();
  });
});

describe('the schema', () => {
  it('deletes a community’s channels and commands with it', async () => {
    const community = await communities.create({ slug: 'cascade', name: 'Cascade' });
    await channels.create({ communityId: community.id, platform: 'twitch', platformChannelId: 'cascade-1', name: 'c' });
    await commands.create({ communityId: community.id, name: 'gone', response: 'x' });
    await database.pool.query('DELETE FROM communities WHERE id = $1', [community.id]);
    expect(await channels.findByPlatformChannel('twitch', 'cascade-1')).toBeNull();
    expect(await commands.listForCommunity(community.id)).toEqual([]);
  });

  it('moves updated_at on every update', async () => {
    const community = await communities.create({ slug: 'touched', name: 'Before' });
    // Compared in SQL: a JS Date keeps milliseconds only, and both writes may share one.
    const timestamps = () =>
      database.pool
        .query<{ same: boolean; moved: boolean }>(
          'SELECT updated_at = created_at AS same, updated_at > created_at AS moved FROM communities WHERE id = $1',
          [community.id],
        )
        .then(({ rows }) => rows[0]!);
    expect(await timestamps()).toEqual({ same: true, moved: false });
    await database.pool.query(`UPDATE communities SET name = 'After' WHERE id = $1`, [community.id]);
    expect(await timestamps()).toEqual({ same: false, moved: true });
  });
});
