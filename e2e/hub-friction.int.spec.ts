import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Browser, startHub, type HubHarness } from './hub-support.js';

/** What a new user tripped over (issue 18): slugs, prefixed names, the admin token in the console, the docs page, the console's reach. */
let hub: HubHarness;
let demo: { id: string; key: string };
let other: { id: string; key: string };
beforeAll(async () => {
  hub = await startHub();
  demo = await hub.community('demo', ['write']);
  other = await hub.community('other', ['write']);
});
afterAll(() => hub?.close());

/** A browser signed in to the console as `apiKey` (or refused). */
async function consoleSession(apiKey: string) {
  const browser = new Browser(hub);
  const login = await browser.get('/console');
  const signedIn = await browser.post('/console/login', { _csrf: browser.csrf(login.body), apiKey });
  return { browser, signedIn };
}

describe('a community by its slug', () => {
  it('is accepted wherever the id is, for its own key and the platform admin', async () => {
    const created = await hub.request('POST', '/v1/communities/demo/commands', { token: demo.key, body: { name: 'hi', response: 'hello' } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/communities/${demo.id}/commands/hi`);
    expect((await hub.request('GET', '/v1/communities/demo/commands/hi', { token: demo.key })).body.response).toBe('hello');
    expect((await hub.request('GET', '/v1/communities/demo')).body.id).toBe(demo.id);
    expect((await hub.request('GET', '/v1/communities/demo/audit-log')).status).toBe(200);
  });

  it("answers another community's slug exactly like one that does not exist, and says how to name a community", async () => {
    const theirs = await hub.request('GET', '/v1/communities/other/commands', { token: demo.key });
    const nobody = await hub.request('GET', '/v1/communities/nobody/commands', { token: demo.key });
    expect([theirs.status, nobody.status]).toEqual([404, 404]);
    expect(theirs.body.detail).toBe(nobody.body.detail.replace('nobody', 'other'));
    expect(theirs.text).not.toContain(other.id);
    expect(nobody.body.detail).toMatch(/id or its slug/);
    expect(nobody.body.detail).toMatch(/GET \/v1\/communities/);
  });
});

describe('a command name given with its prefix', () => {
  it('says to give it without the prefix', async () => {
    const response = await hub.request('POST', `/v1/communities/${demo.id}/commands`, { token: demo.key, body: { name: '!hug', response: 'hugs', aliases: ['?cuddle'] } });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { location: 'body', field: 'name', message: 'give the name without the command prefix: "hug", not "!hug"' },
      { location: 'body', field: 'aliases.0', message: 'give the name without the command prefix: "cuddle", not "?cuddle"' },
    ]);
    const bad = await hub.request('POST', `/v1/communities/${demo.id}/commands`, { token: demo.key, body: { name: 'Hug', response: 'hugs' } });
    expect(bad.body.errors[0].message).toBe('lowercase letters, digits, "_" or "-" (at most 64)');
  });
});

describe('the console', () => {
  it('tells the platform admin which key to sign in with', async () => {
    const { signedIn } = await consoleSession(ADMIN_TOKEN);
    expect(signedIn.statusCode).toBe(401);
    expect(signedIn.body).toContain('That is the platform-admin token');
    expect(signedIn.body).toContain('sign in with an API key of that community');
  });

  it('shows its community and edits every field of a command: aliases, role, cooldowns, platforms, channels, module', async () => {
    const channel = (await hub.request('POST', `/v1/communities/${demo.id}/channels`, { token: demo.key, body: { platform: 'twitch', platformChannelId: 'room-1', name: 'main room' } })).body;
    const { browser, signedIn } = await consoleSession(demo.key);
    const csrf = (page: string) => browser.csrf(page);
    expect(signedIn.statusCode).toBe(303);
    const list = await browser.get('/console/commands');
    expect(list.body).toContain('Community demo (demo)');
    const created = await browser.post('/console/commands', {
      _csrf: csrf(list.body),
      name: 'so',
      response: 'Go follow $(touser)',
      aliases: 'shoutout sh',
      minRole: 'moderator',
      globalCooldownSeconds: '30',
      userCooldownSeconds: '5',
      moderatorsBypassCooldown: '',
      enabled: ['', 'true'],
      platforms: ['', 'twitch', 'discord'],
      channelIds: ['', channel.id],
      moduleId: '',
    });
    expect(created.statusCode).toBe(303);
    const stored = (await hub.request('GET', `/v1/communities/${demo.id}/commands/so`, { token: demo.key })).body;
    expect(stored).toMatchObject({
      aliases: ['shoutout', 'sh'],
      minRole: 'moderator',
      globalCooldownSeconds: 30,
      userCooldownSeconds: 5,
      moderatorsBypassCooldown: false,
      enabled: true,
      platforms: ['twitch', 'discord'],
      channelIds: [channel.id],
      moduleId: null,
    });

    const edit = await browser.get('/console/commands/so');
    expect(edit.body).toContain('value="shoutout sh"');
    expect(edit.body).toMatch(/<option value="moderator" selected>/);
    expect(edit.body).toContain('main room (twitch)');
    const saved = await browser.post('/console/commands/so', {
      _csrf: csrf(edit.body),
      response: 'Follow $(touser)!',
      aliases: '',
      minRole: 'everyone',
      globalCooldownSeconds: '0',
      userCooldownSeconds: '60',
      moderatorsBypassCooldown: ['', 'true'],
      enabled: '',
      platforms: '',
      channelIds: '',
      moduleId: '',
    });
    expect(saved.statusCode).toBe(303);
    expect((await hub.request('GET', `/v1/communities/${demo.id}/commands/so`, { token: demo.key })).body).toMatchObject({
      response: 'Follow $(touser)!',
      aliases: [],
      minRole: 'everyone',
      userCooldownSeconds: 60,
      moderatorsBypassCooldown: true,
      enabled: false,
      platforms: null,
      channelIds: null,
    });
    const listed = await browser.get('/console/commands');
    expect(listed.body).toContain('0 s / 60 s (moderators skip)');

    const refused = await browser.post('/console/commands', { _csrf: csrf(listed.body), name: '!lurk', response: 'lurking' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('without the command prefix');
  });
});

describe('/docs', () => {
  it("carries Parley's title and logo, not the plugin's", async () => {
    const page = await hub.request('GET', '/docs/', { token: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Parley hub API</title>');
    expect(page.text).toContain('href="./static/theme/parley.svg"');
    expect((await hub.request('GET', '/docs/static/theme/parley.svg', { token: null })).status).toBe(200);
    const initializer = await hub.request('GET', '/docs/static/swagger-initializer.js', { token: null });
    expect(initializer.text).toContain('data:image/svg+xml;base64,');
    expect(Buffer.from(/data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(initializer.text)![1]!, 'base64').toString()).toContain('Parley hub');
  });
});
