import { decodeConfigChange } from '@parley/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubHarness } from './hub-support.js';

let hub: HubHarness;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub?.close());

/** The secret part of `prly_<prefix>_<secret>`: base64url, so it may itself contain "_". */
const secretOf = (key: string) => key.split('_').slice(2).join('_');

describe('communities and API keys', () => {
  it('the platform admin creates, lists (paged), changes and deletes communities', async () => {
    const created = [];
    for (const slug of ['alpha', 'bravo', 'charlie']) {
      const response = await hub.request('POST', '/v1/communities', { body: { slug, name: slug.toUpperCase() } });
      expect(response.status).toBe(201);
      expect(response.headers.location).toBe(`/v1/communities/${response.body.id}`);
      expect(response.body).toMatchObject({ slug, name: slug.toUpperCase(), commandPrefix: '!', cooldownNotice: false });
      created.push(response.body.id);
    }
    const first = await hub.request('GET', '/v1/communities?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(typeof first.body.next).toBe('string');
    const second = await hub.request('GET', `/v1/communities?limit=2&cursor=${first.body.next}`);
    const seen = [...first.body.items, ...second.body.items].map((community: { id: string }) => community.id);
    expect(seen).toEqual(expect.arrayContaining(created));
    expect(new Set(seen).size).toBe(seen.length);

    const patched = await hub.request('PATCH', `/v1/communities/${created[0]}`, { body: { commandPrefix: '?', name: 'Alpha!' } });
    expect(patched.body).toMatchObject({ commandPrefix: '?', name: 'Alpha!' });
    expect((await hub.request('GET', `/v1/communities/${created[0]}`)).body.commandPrefix).toBe('?');

    expect((await hub.request('DELETE', `/v1/communities/${created[2]}`)).status).toBe(204);
    expect((await hub.request('GET', `/v1/communities/${created[2]}`)).status).toBe(404);
    expect((await hub.request('DELETE', `/v1/communities/${created[2]}`)).status).toBe(404);
  });

  it('shows a key once, stores only its hash, and a revoked key stops working at once', async () => {
    const { id, key } = await hub.community('keys');
    expect(key).toMatch(/^prly_[0-9a-f]{12}_/);
    const stored = await hub.database.pool.query('SELECT prefix, secret_hash FROM api_keys WHERE community_id = $1', [id]);
    expect(stored.rows[0].secret_hash).toHaveLength(32);
    expect(JSON.stringify(stored.rows)).not.toContain(secretOf(key));

    expect((await hub.request('GET', `/v1/communities/${id}`, { token: key })).status).toBe(200);
    const listed = await hub.request('GET', `/v1/communities/${id}/api-keys`, { token: key });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.text).not.toContain(key);
    expect(listed.body.items[0]).not.toHaveProperty('key');

    const reader = await hub.request('POST', `/v1/communities/${id}/api-keys`, { token: key, body: { name: 'reader', scopes: ['read'] } });
    expect(reader.status).toBe(201);
    expect(reader.headers['cache-control']).toBe('no-store');
    const revoked = await hub.request('DELETE', `/v1/communities/${id}/api-keys/${reader.body.id}`, { token: key });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await hub.request('GET', `/v1/communities/${id}`, { token: reader.body.key });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toBe('The API key has been revoked.');
  });
});

describe('commands', () => {
  it('creates, reads, updates, deletes and pages commands with every field the router uses', async () => {
    const { id, key } = await hub.community('cmds', ['write']);
    const channel = await hub.request('POST', `/v1/communities/${id}/channels`, { token: key, body: { platform: 'twitch', platformChannelId: 'room-1', name: 'streamer' } });
    expect(channel.status).toBe(201);
    const full = {
      name: 'so',
      response: 'Go follow $(touser)!',
      aliases: ['shoutout'],
      minRole: 'moderator',
      globalCooldownSeconds: 10,
      userCooldownSeconds: 30,
      moderatorsBypassCooldown: false,
      enabled: true,
      platforms: ['twitch'],
      channelIds: [channel.body.id],
    };
    const created = await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: full });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...full, moduleId: null, communityId: id });
    expect(created.headers.location).toBe(`/v1/communities/${id}/commands/so`);

    for (let i = 0; i < 5; i++) {
      await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: `c${i}`, response: `answer ${i}` } });
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ name: string }>; next: string | null } } = await hub.request(
        'GET',
        `/v1/communities/${id}/commands?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: key },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      names.push(...page.body.items.map((command) => command.name));
      cursor = page.body.next;
    } while (cursor);
    expect(names).toEqual(['so', 'c0', 'c1', 'c2', 'c3', 'c4']);

    const patched = await hub.request('PATCH', `/v1/communities/${id}/commands/so`, { token: key, body: { response: 'Follow $(touser)', enabled: false } });
    expect(patched.body).toMatchObject({ response: 'Follow $(touser)', enabled: false, minRole: 'moderator' });
    expect((await hub.request('GET', `/v1/communities/${id}/commands/so`, { token: key })).body.enabled).toBe(false);
    expect((await hub.request('DELETE', `/v1/communities/${id}/commands/c0`, { token: key })).status).toBe(204);
    expect((await hub.request('GET', `/v1/communities/${id}/commands/c0`, { token: key })).status).toBe(404);
  });

  it('refuses a taken name (409), an alias that names another command (409) and a channel of another community (422)', async () => {
    const { id, key } = await hub.community('clash', ['write']);
    const other = await hub.community('clash-other', ['write']);
    const theirs = await hub.request('POST', `/v1/communities/${other.id}/channels`, { token: other.key, body: { platform: 'discord', platformChannelId: 'd-9', name: 'x' } });
    await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'hi', response: 'hello' } });
    expect((await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'hi', response: 'again' } })).status).toBe(409);
    const alias = await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'hey', response: 'x', aliases: ['hi'] } });
    expect(alias.status).toBe(409);
    expect(alias.headers['content-type']).toMatch(/^application\/problem\+json/);
    const foreign = await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'yo', response: 'x', channelIds: [theirs.body.id] } });
    expect(foreign.status).toBe(422);
  });

  it('announces every change that affects the router on the config-changes channel', async () => {
    const { id, key } = await hub.community('notices', ['write']);
    const subscriber = new Redis(hub.config.REDIS_URL);
    const notices: string[] = [];
    subscriber.on('message', (_channel, message) => notices.push(decodeConfigChange(message)?.communityId ?? 'undecodable'));
    await subscriber.subscribe(hub.keys.configChanges());
    try {
      await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'n1', response: 'x' } });
      await hub.request('PATCH', `/v1/communities/${id}/commands/n1`, { token: key, body: { response: 'y' } });
      await hub.request('PUT', `/v1/communities/${id}/commands/n1/aliases/n2`, { token: key });
      await hub.request('DELETE', `/v1/communities/${id}/commands/n1`, { token: key });
      // Quotes do not change what the router answers.
      await hub.request('POST', `/v1/communities/${id}/quotes`, { token: key, body: { text: 'q' } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(notices).toEqual([id, id, id, id]);
    } finally {
      subscriber.disconnect();
    }
  });
});

describe('audit log', () => {
  it('records who changed what, when, with before and after, and never a secret', async () => {
    const { id, key } = await hub.community('audited');
    await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'a', response: 'one' } });
    await hub.request('PATCH', `/v1/communities/${id}/commands/a`, { token: key, body: { response: 'two' } });
    await hub.request('DELETE', `/v1/communities/${id}/commands/a`, { token: key });
    const log = await hub.request('GET', `/v1/communities/${id}/audit-log?limit=200`, { token: key });
    expect(log.status).toBe(200);
    const prefix = key.split('_')[1];
    const entries = log.body.items.filter((entry: { resource: string }) => entry.resource === 'command');
    expect(entries.map((entry: { action: string }) => entry.action)).toEqual(['create', 'update', 'delete']);
    expect(entries[1]).toMatchObject({ actor: prefix, resourceId: entries[0].resourceId, before: { response: 'one' }, after: { response: 'two' } });
    expect(entries[2].after).toBeNull();
    expect(Date.parse(entries[0].at)).toBeGreaterThan(Date.now() - 60_000);
    const keyEntry = log.body.items.find((entry: { resource: string }) => entry.resource === 'api-key');
    expect(keyEntry.actor).toBe('platform-admin');
    expect(log.text).not.toContain(secretOf(key));
  });
});

describe('errors are problem documents', () => {
  it('answers unknown routes, wrong methods, bad bodies and oversized bodies with application/problem+json', async () => {
    const { id, key } = await hub.community('errors', ['write']);
    const unknown = await hub.request('GET', '/v1/nothing-here', { token: key });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404 });
    expect(unknown.body.detail).toContain('/v1/nothing-here');

    const wrongMethod = await hub.request('PUT', `/v1/communities/${id}/commands`, { token: key, body: {} });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, POST');

    const invalid = await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'UPPER', response: '', extra: 1 } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(invalid.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['', 'name', 'response']);
    expect(invalid.body.detail).toContain('body.name');

    const notJson = await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, payload: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).toBe(415);
    const broken = await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, payload: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.headers['content-type']).toMatch(/^application\/problem\+json/);

    const huge = await hub.request('POST', `/v1/communities/${id}/quotes`, { token: key, body: { text: 'x'.repeat(hub.config.HUB_BODY_LIMIT_BYTES + 10) } });
    expect(huge.status).toBe(413);
    expect(huge.body.detail).toMatch(/larger/);
  });
});
