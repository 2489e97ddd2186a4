import { CommunityStats } from '@parley/commands';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEvent } from './support.js';
import { startHub, type HubHarness } from './hub-support.js';

let hub: HubHarness;
let community: { id: string; key: string };
let channelId: string;
beforeAll(async () => {
  hub = await startHub();
  community = await hub.community('resources', ['write']);
  const channel = await hub.request('POST', `/v1/communities/${community.id}/channels`, {
    token: community.key,
    body: { platform: 'twitch', platformChannelId: 'room-77', name: 'streamer' },
  });
  channelId = channel.body.id;
});
afterAll(() => hub?.close());

const base = () => `/v1/communities/${community.id}`;
const call = (method: string, path: string, body?: unknown) => hub.request(method, `${base()}${path}`, { token: community.key, body });

interface Case {
  segment: string;
  create: (i: number) => Record<string, unknown>;
  keyOf: (entity: Record<string, any>) => string;
  patch: Record<string, unknown>;
  expectAfterPatch: Record<string, unknown>;
}

const cases: Case[] = [
  {
    segment: 'channels',
    create: (i) => ({ platform: 'discord', platformChannelId: `d-${i}`, name: `room ${i}`, botLogin: 'parleybot' }),
    keyOf: (entity) => entity.id,
    patch: { enabled: false, botLogin: null },
    expectAfterPatch: { enabled: false, botLogin: null, platform: 'discord' },
  },
  {
    segment: 'quotes',
    create: (i) => ({ text: `quote ${i}`, attributedTo: 'streamer' }),
    keyOf: (entity) => entity.id,
    patch: { text: 'edited' },
    expectAfterPatch: { text: 'edited', attributedTo: 'streamer' },
  },
  {
    segment: 'counters',
    create: (i) => ({ name: `deaths-${i}`, value: i }),
    keyOf: (entity) => entity.name,
    patch: { value: 42 },
    expectAfterPatch: { value: 42 },
  },
  {
    segment: 'timers',
    create: (i) => ({ name: `timer-${i}`, message: 'Follow!', intervalSeconds: 600 }),
    keyOf: (entity) => entity.name,
    patch: { enabled: false, minChatLines: 5 },
    expectAfterPatch: { enabled: false, minChatLines: 5, intervalSeconds: 600, channelIds: null },
  },
  {
    segment: 'reminders',
    create: (i) => ({ name: `reminder-${i}`, message: 'Hydrate!', schedule: 'DTSTART;TZID=Europe/Berlin:20261201T180000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH' }),
    keyOf: (entity) => entity.name,
    patch: { enabled: false, schedule: 'DTSTART:20261224T170000Z\nRRULE:FREQ=DAILY;COUNT=1' },
    expectAfterPatch: { enabled: false, schedule: 'DTSTART:20261224T170000Z\nRRULE:FREQ=DAILY;COUNT=1', channelIds: null },
  },
  {
    segment: 'module-settings',
    create: (i) => ({ module: `giveaway-${i}`, settings: { keyword: '!join', max: i } }),
    keyOf: (entity) => entity.module,
    patch: { settings: { keyword: '!enter' } },
    expectAfterPatch: { settings: { keyword: '!enter' } },
  },
  {
    segment: 'webhook-modules',
    create: (i) => ({ name: `mod-${i}`, url: `https://93.184.215.14/hook/${i}`, secret: 's'.repeat(32), timeoutMs: 1500 }),
    keyOf: (entity) => entity.id,
    patch: { timeoutMs: 3000 },
    expectAfterPatch: { timeoutMs: 3000, commands: [] },
  },
];

describe.each(cases)('$segment', ({ segment, create, keyOf, patch, expectAfterPatch }) => {
  it('creates, reads, updates, deletes and lists with pagination', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) {
      const response = await call('POST', `/${segment}`, create(i));
      expect(response.status, response.text).toBe(201);
      expect(response.body).toMatchObject({ communityId: community.id, createdAt: expect.any(String) });
      expect(response.headers.location).toBe(`${base()}/${segment}/${encodeURIComponent(keyOf(response.body))}`);
      created.push(response.body);
    }
    const first = await call('GET', `/${segment}?limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await call('GET', `/${segment}?limit=2&cursor=${first.body.next}`);
    const ids = [...first.body.items, ...second.body.items].map((entity: { id: string }) => entity.id);
    expect(ids).toEqual(expect.arrayContaining(created.map((entity) => entity.id)));
    expect(new Set(ids).size).toBe(ids.length);

    const key = encodeURIComponent(keyOf(created[0]));
    expect((await call('GET', `/${segment}/${key}`)).body).toEqual(created[0]);
    const patched = await call('PATCH', `/${segment}/${key}`, patch);
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject(expectAfterPatch);
    expect((await call('GET', `/${segment}/${key}`)).body).toMatchObject(expectAfterPatch);
    expect((await call('DELETE', `/${segment}/${key}`)).status).toBe(204);
    expect((await call('GET', `/${segment}/${key}`)).status).toBe(404);
    expect((await call('DELETE', `/${segment}/${key}`)).status).toBe(404);
  });
});

describe('reminders', () => {
  it('refuses a schedule the routers cannot follow, and audits a change', async () => {
    const noStart = await call('POST', '/reminders', { name: 'bad', message: 'x', schedule: 'RRULE:FREQ=DAILY' });
    expect(noStart.status).toBe(422);
    expect(noStart.body.detail).toMatch(/^schedule: /u);
    const flood = await call('POST', '/reminders', { name: 'bad', message: 'x', schedule: 'DTSTART:20261201T100000Z\nRRULE:FREQ=SECONDLY;INTERVAL=5' });
    expect(flood.status).toBe(422);
    expect(flood.body.detail).toMatch(/less than a minute/u);
    const made = await call('POST', '/reminders', { name: 'audited', message: 'Hydrate!', schedule: 'DTSTART:20261201T100000Z\nRRULE:FREQ=HOURLY', channelIds: [channelId] });
    expect(made.status, made.text).toBe(201);
    const audit = await hub.database.pool.query(`SELECT action FROM audit_log WHERE resource = 'reminder' AND resource_id = $1`, [made.body.id]);
    expect(audit.rows).toEqual([{ action: 'create' }]);
  });
});

describe('webhook modules', () => {
  it('never returns the secret, and serves the commands it is given', async () => {
    await call('POST', '/commands', { name: 'weather', response: 'fallback' });
    const module = await call('POST', '/webhook-modules', { name: 'weather', url: 'https://93.184.215.14/w', secret: 'x'.repeat(40), commands: ['weather'] });
    expect(module.status, module.text).toBe(201);
    expect(module.body.commands).toEqual(['weather']);
    expect(module.text).not.toContain('x'.repeat(40));
    expect((await call('GET', '/commands/weather')).body.moduleId).toBe(module.body.id);
    const unknown = await call('PATCH', `/webhook-modules/${module.body.id}`, { commands: ['nope'] });
    expect(unknown.status).toBe(422);
    const audit = await hub.request('GET', `${base()}/audit-log?limit=200`);
    expect(audit.text).not.toContain('x'.repeat(40));
    expect(audit.body.items.find((entry: { resource: string }) => entry.resource === 'webhook-module').after.secret).toBe('[changed]');
  });

  it.each(['http://127.0.0.1/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]/', 'http://localhost:8080/'])('refuses %s (SSRF)', async (url) => {
    const refused = await call('POST', '/webhook-modules', { name: 'evil', url, secret: 's'.repeat(20) });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].field).toBe('url');
  });

  it('accepts a private address the operator allow-listed', async () => {
    const allowing = await startHub({ HUB_WEBHOOK_ALLOWLIST: '127.0.0.1' });
    try {
      const own = await allowing.community('allowlisted', ['write']);
      const created = await allowing.request('POST', `/v1/communities/${own.id}/webhook-modules`, {
        token: own.key,
        body: { name: 'local', url: 'http://127.0.0.1:9000/hook', secret: 's'.repeat(20) },
      });
      expect(created.status).toBe(201);
    } finally {
      await allowing.close();
    }
  });
});

describe('aliases', () => {
  it('adds and removes aliases one at a time and refuses one that names another command', async () => {
    await call('POST', '/commands', { name: 'discord', response: 'join us' });
    await call('POST', '/commands', { name: 'twitter', response: 'follow us' });
    expect((await call('PUT', '/commands/discord/aliases/dc')).body).toEqual({ command: 'discord', aliases: ['dc'] });
    expect((await call('PUT', '/commands/discord/aliases/server')).body.aliases).toEqual(['dc', 'server']);
    expect((await call('PUT', '/commands/discord/aliases/dc')).body.aliases).toEqual(['dc', 'server']);
    expect((await call('GET', '/commands/discord/aliases')).body.aliases).toEqual(['dc', 'server']);
    expect((await call('PUT', '/commands/twitter/aliases/dc')).status).toBe(409);
    expect((await call('DELETE', '/commands/discord/aliases/dc')).body.aliases).toEqual(['server']);
    expect((await call('DELETE', '/commands/discord/aliases/dc')).status).toBe(404);
    expect((await call('GET', '/commands/nope/aliases')).status).toBe(404);
  });
});

describe('stats', () => {
  it('shows what the routers counted for the community', async () => {
    const stats = new CommunityStats(hub.redis, hub.keys);
    stats.record({ platform: 'twitch', outcome: 'answered', latencyMs: 1, communityId: community.id, channelId });
    stats.record({ platform: 'twitch', outcome: 'error', latencyMs: 1, communityId: community.id, channelId });
    stats.record({ platform: 'twitch', outcome: 'not-a-command', latencyMs: 1, communityId: community.id, channelId });
    // Counted in memory until the router's next flush.
    expect((await call('GET', '/stats')).body).toMatchObject({ commandsRun: 0, answers: 0, errors: 0 });
    await stats.flush();
    const response = await call('GET', '/stats');
    expect(response.body).toMatchObject({ commandsRun: 2, answers: 1, errors: 1 });
    expect(Date.parse(response.body.lastSeen[channelId])).toBeGreaterThan(Date.now() - 10_000);
  });
});

describe('dry run', () => {
  it('says what the bot would answer for a line and a role, and changes nothing', async () => {
    await call('POST', '/commands', { name: 'hug', response: '$(user) hugs $(touser) ($(count))', globalCooldownSeconds: 3600 });
    await call('POST', '/commands', { name: 'ban', response: 'banned', minRole: 'moderator' });
    const answer = await call('POST', '/dry-run', { text: '!hug @friend', user: 'Alice' });
    expect(answer.body).toMatchObject({ outcome: 'answered', command: 'hug', module: null });
    expect(answer.body.answers[0]).toContain('Alice hugs friend');
    // A second run is not on cooldown: the first one charged nothing.
    expect((await call('POST', '/dry-run', { text: '!hug' })).body.outcome).toBe('answered');
    expect((await call('POST', '/dry-run', { text: '!ban x' })).body.outcome).toBe('denied');
    expect((await call('POST', '/dry-run', { text: '!ban x', role: 'moderator' })).body.answers).toEqual(['banned']);
    expect((await call('POST', '/dry-run', { text: 'hello' })).body.outcome).toBe('not-a-command');
    expect((await call('POST', '/dry-run', { text: '!addcom x y', role: 'moderator' })).body.outcome).toBe('manage');
    expect((await call('GET', '/commands/x')).status).toBe(404);
    expect((await call('POST', '/dry-run', { text: '!weather' })).body).toMatchObject({ outcome: 'module', module: 'weather', answers: [] });
    const keys = await hub.redis.keys(`${hub.keys.prefix}:*cooldown*`);
    expect(keys).toEqual([]);
  });
});

describe('live tail', () => {
  it("streams the community's chat events and bot actions as SSE, and nothing of other channels", async () => {
    const url = await hub.listen();
    const controller = new AbortController();
    const response = await fetch(`${url}${base()}/tail`, { headers: { authorization: `Bearer ${community.key}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readUntil = async (needle: string) => {
      const deadline = Date.now() + 5_000;
      while (!received.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`no ${needle} in ${received}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        received += decoder.decode(value);
      }
    };
    await readUntil('retry:');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ours = chatEvent({ id: 'room-77', name: 'streamer' }, 'viewer', '!hug');
    const theirs = chatEvent({ id: 'someone-else', name: 'other' }, 'viewer', 'secret chat of another community');
    await hub.redis.xadd(hub.keys.eventStreamFor('twitch', 'someone-else'), '*', 'payload', JSON.stringify(theirs));
    await hub.redis.xadd(hub.keys.eventStreamFor('twitch', 'room-77'), '*', 'payload', JSON.stringify(ours));
    const action = { v: 1, id: `${ours.id}#0`, platform: 'twitch', channel: ours.channel, kind: 'reply', text: 'hugs!', causedBy: ours.id };
    await hub.redis.xadd(hub.keys.actionsFor('twitch', 'room-77'), '*', 'payload', JSON.stringify(action));
    await readUntil('event: action');
    expect(received).toContain(`event: chat\ndata: ${JSON.stringify(ours)}`);
    expect(received).toContain('"text":"hugs!"');
    expect(received).not.toContain('another community');
    const openGauge = 'parley_hub_tails_open{service="hub"} 1';
    expect((await hub.request('GET', '/metrics', { token: null })).text).toContain(openGauge);
    controller.abort();
    // The tail notices the client left and releases its Redis connection.
    const deadline = Date.now() + 8_000;
    while ((await hub.request('GET', '/metrics', { token: null })).text.includes(openGauge)) {
      if (Date.now() > deadline) throw new Error('tail still open');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
