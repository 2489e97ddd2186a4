import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeConfigChange } from '@parley/contracts';
import { HubServer } from '../apps/hub/src/hub.server.js';
import { endedWithin, openTail, startHub, type HubHarness, type OpenTail } from './hub-support.js';

/**
 * What a hostile review of the hub found (issue 18): revoked keys kept their live tails,
 * one community could take every tail slot, crafted cursors gave 500, console sign-in was
 * not rate-limited, a `__proto__` body was called invalid JSON, and a second revocation
 * wrote a second audit entry.
 */

const newKey = async (hub: HubHarness, communityId: string, scopes = ['read']) => {
  const created = await hub.request('POST', `/v1/communities/${communityId}/api-keys`, { body: { name: 'k', scopes } });
  return { id: created.body.id as string, key: created.body.key as string };
};

describe('revocation ends live tails', () => {
  let hub: HubHarness;
  let url: string;
  beforeAll(async () => {
    hub = await startHub();
    url = await hub.listen();
  });
  afterAll(() => hub?.close());

  it("ends a revoked key's open tail within one second", async () => {
    const community = await hub.community('revoked-tail');
    const reader = await newKey(hub, community.id);
    const tail = await openTail(url, community.id, reader.key);
    expect(tail.status).toBe(200);
    const revoked = await hub.request('DELETE', `/v1/communities/${community.id}/api-keys/${reader.id}`, { token: community.key });
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    expect((await endedWithin(tail, 3_000)) - revokedAt).toBeLessThan(1_000);
    expect((await openTail(url, community.id, reader.key)).status).toBe(401);
  });

  it("ends every tail of a deleted community within one second, the platform admin's too", async () => {
    const community = await hub.community('deleted-tail');
    const tails = [await openTail(url, community.id, community.key), await openTail(url, community.id, (await newKey(hub, community.id)).key)];
    const admin = await openTail(url, community.id, 'admin-token-for-tests-0123456789abcdef');
    expect([...tails, admin].map((tail) => tail.status)).toEqual([200, 200, 200]);
    expect((await hub.request('DELETE', `/v1/communities/${community.id}`)).status).toBe(204);
    const deletedAt = Date.now();
    for (const tail of [...tails, admin]) expect((await endedWithin(tail, 3_000)) - deletedAt).toBeLessThan(1_000);
  });

  it('keeps the tails of other keys open', async () => {
    const community = await hub.community('other-tails');
    const kept = await openTail(url, community.id, community.key);
    const reader = await newKey(hub, community.id);
    const ending = await openTail(url, community.id, reader.key);
    await hub.request('DELETE', `/v1/communities/${community.id}/api-keys/${reader.id}`, { token: community.key });
    expect(await endedWithin(ending, 3_000)).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(await endedWithin(kept, 1_500)).toBe(Number.POSITIVE_INFINITY);
    kept.close();
  });
});

describe('the key and read caches while change notices are cut off', () => {
  let hub: HubHarness;
  beforeAll(async () => {
    // TTLs far beyond the test, so only a notice or the lost subscription can explain a change seen.
    hub = await startHub({ HUB_KEY_CACHE_TTL_MS: '600000', HUB_READ_CACHE_TTL_MS: '600000' });
  });
  afterAll(() => hub?.close());

  it('serves no cached key once its subscription drops: a revocation it never heard of holds at once', async () => {
    const community = await hub.community('cut-off');
    const reader = await newKey(hub, community.id);
    const read = () => hub.request('GET', `/v1/communities/${community.id}/commands`, { token: reader.key });
    for (let i = 0; i < 3; i++) expect((await read()).status).toBe(200);
    // Cut this hub's subscriber connection (found by its name: Redis is shared), then
    // revoke the key behind the hub's back, so no notice can tell it.
    const clients = String(await hub.redis.client('LIST'));
    const subscriber = clients.split('\n').find((line) => line.includes(` name=${hub.keys.prefix}-hub `) && / sub=[1-9]/.test(line));
    expect(subscriber).toBeDefined();
    await hub.redis.client('KILL', 'ID', /id=(\d+)/.exec(subscriber!)![1]!);
    await hub.database.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [reader.id]);
    const cutAt = Date.now();
    let status = (await read()).status;
    while (status !== 401 && Date.now() - cutAt < 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await read()).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - cutAt).toBeLessThan(1_000);
  });
});

/** The hub's subscriber connection in CLIENT LIST (found by its name: Redis is shared), once it is subscribed. */
async function subscriberLine(hub: HubHarness, channels: number): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const clients = String(await hub.redis.client('LIST')).split('\n');
    const line = clients.find((client) => client.includes(` name=${hub.keys.prefix}-hub `) && client.includes(` sub=${channels} `));
    if (line || Date.now() > deadline) return line ?? 'none';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads until `done` holds of the answer, for at most 3 s; how long it took, ms. */
async function readUntil(read: () => Promise<{ body: any }>, done: (body: any) => boolean): Promise<number> {
  const startedAt = Date.now();
  while (!done((await read()).body)) {
    if (Date.now() - startedAt > 3_000) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - startedAt;
}

describe('the read cache of commands', () => {
  let hub: HubHarness;
  beforeAll(async () => {
    hub = await startHub({ HUB_READ_CACHE_TTL_MS: '600000' });
  });
  afterAll(() => hub?.close());

  it('answers a change made through this hub at once, and one announced by another writer (a router, the CLI) within a second', async () => {
    const community = await hub.community('read-cache');
    const path = `/v1/communities/${community.id}/commands`;
    expect((await hub.request('POST', path, { body: { name: 'hi', response: 'one' } })).status).toBe(201);
    const read = () => hub.request('GET', `${path}/hi`, { token: community.key });
    const list = () => hub.request('GET', path, { token: community.key });
    // The cache serves once the subscription (access changes and config changes) is confirmed.
    expect(await subscriberLine(hub, 2)).toContain(' sub=2 ');
    expect((await read()).body.response).toBe('one');
    expect((await list()).body.items[0].response).toBe('one');
    // Changed behind the hub's back, with no notice: the cached answer stands (the cache is in use)...
    await hub.database.pool.query("UPDATE commands SET response = 'unannounced' WHERE community_id = $1 AND name = 'hi'", [community.id]);
    expect((await read()).body.response).toBe('one');
    // ...and a change through this hub is read back at once.
    expect((await hub.request('PATCH', `${path}/hi`, { body: { response: 'two' } })).status).toBe(200);
    expect((await read()).body.response).toBe('two');
    expect((await list()).body.items.map((command: { response: string }) => command.response)).toEqual(['two']);
    // What a router's chat command does: write the row, then announce the community.
    await hub.database.pool.query("UPDATE commands SET response = 'three' WHERE community_id = $1 AND name = 'hi'", [community.id]);
    await hub.redis.publish(hub.keys.configChanges(), encodeConfigChange(community.id));
    expect(await readUntil(read, (body) => body.response === 'three')).toBeLessThan(1_000);
    expect(await readUntil(list, (body) => body.items[0].response === 'three')).toBeLessThan(1_000);
    // Another community never gets this one's answers, cached or not.
    const other = await hub.community('read-cache-other');
    expect((await hub.request('GET', `${path}/hi`, { token: other.key })).status).toBe(404);
    expect((await hub.request('GET', `/v1/communities/${other.id}/commands/hi`, { token: other.key })).status).toBe(404);
  });

  it('serves no cached answer once its subscription drops: a change it never heard of is served at once', async () => {
    const community = await hub.community('read-cut-off');
    const path = `/v1/communities/${community.id}/commands`;
    expect((await hub.request('POST', path, { body: { name: 'hi', response: 'before' } })).status).toBe(201);
    const read = () => hub.request('GET', `${path}/hi`, { token: community.key });
    expect(await subscriberLine(hub, 2)).toContain(' sub=2 ');
    for (let i = 0; i < 3; i++) expect((await read()).body.response).toBe('before');
    await hub.redis.client('KILL', 'ID', /id=(\d+)/.exec(await subscriberLine(hub, 2))![1]!);
    // Behind the hub's back: no notice.
    await hub.database.pool.query("UPDATE commands SET response = 'after' WHERE community_id = $1 AND name = 'hi'", [community.id]);
    expect(await readUntil(read, (body) => body.response === 'after')).toBeLessThan(1_000);
  });
});

describe('live-tail slots', () => {
  let hub: HubHarness;
  let url: string;
  beforeAll(async () => {
    hub = await startHub({ HUB_MAX_TAILS: '6', HUB_MAX_TAILS_PER_COMMUNITY: '4', HUB_MAX_TAILS_PER_KEY: '2' });
    url = await hub.listen();
  });
  afterAll(() => hub?.close());

  it('gives each key and each community a bounded share, and a revoked key frees its slots', async () => {
    const a = await hub.community('slots-a');
    const b = await hub.community('slots-b');
    const c = await hub.community('slots-c');
    const a1 = await newKey(hub, a.id);
    const a2 = await newKey(hub, a.id);
    const open: OpenTail[] = [];
    const tail = async (community: string, key: string) => {
      const opened = await openTail(url, community, key);
      if (opened.status === 200) open.push(opened);
      return opened;
    };

    expect([(await tail(a.id, a1.key)).status, (await tail(a.id, a1.key)).status]).toEqual([200, 200]);
    const perKey = await tail(a.id, a1.key);
    expect(perKey.status).toBe(429);
    expect(perKey.body.detail).toMatch(/this API key/);
    expect([(await tail(a.id, a2.key)).status, (await tail(a.id, a.key)).status]).toEqual([200, 200]);
    const perCommunity = await tail(a.id, a.key);
    expect(perCommunity.status).toBe(429);
    expect(perCommunity.body.detail).toMatch(/this community/);
    // Community A holds 4 of 6; B still gets its share.
    expect([(await tail(b.id, b.key)).status, (await tail(b.id, b.key)).status]).toEqual([200, 200]);
    const full = await tail(c.id, c.key);
    expect(full.status).toBe(429);
    expect(full.body.detail).toMatch(/this server/);

    // Revoking a1 ends its two tails and gives their slots back.
    await hub.request('DELETE', `/v1/communities/${a.id}/api-keys/${a1.id}`, { token: a.key });
    const deadline = Date.now() + 3_000;
    let reopened = await tail(c.id, c.key);
    while (reopened.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      reopened = await tail(c.id, c.key);
    }
    expect(reopened.status).toBe(200);
    expect((await tail(a.id, a.key)).status).toBe(200);
    for (const opened of open) opened.close();
  });
});

describe('crafted cursors', () => {
  let hub: HubHarness;
  let community: { id: string; key: string };
  beforeAll(async () => {
    hub = await startHub({ HUB_RATE_LIMIT_PER_IP: '100000', HUB_RATE_LIMIT_PER_KEY: '100000' });
    community = await hub.community('cursors');
  });
  afterAll(() => hub?.close());

  const encode = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');
  const uuid = '0b9c1c1e-4d0e-4c1a-9d7e-2f1f0b0c0d0e';
  const time = '2026-11-25T08:00:00.123456Z';
  /** Decoded values a hand-made cursor might carry: each is wrong for every list. */
  const crafted: unknown[] = [
    ['0000-01-01T00:00:00.000000Z', '1'],
    ['0000-01-01T00:00:00.000000Z', uuid],
    ['2026-13-01T00:00:00.000000Z', uuid],
    ['2026-02-30T00:00:00.000000Z', uuid],
    ['2026-11-25T24:00:00.000000Z', uuid],
    ['2026-11-25T08:00:00Z', uuid],
    ['-001234-01-01T00:00:00.000000Z', uuid],
    ['+275760-09-13T00:00:00.000000Z', uuid],
    [time, '99999999999999999999'],
    [time, '-1'],
    [time, '1e5'],
    [time, "' OR 1=1 --"],
    [time, ''],
    [time, 'x'.repeat(64)],
    [time, 1],
    [time, null],
    [time, uuid, 'more'],
    [time],
    [],
    {},
    { at: time, id: uuid },
    null,
    1,
    'cursor',
    [[time], [uuid]],
  ];
  /** A small seeded generator, so a failure names a cursor that can be tried again. */
  function* randomCursors(seed: number, count: number): Generator<string> {
    let state = seed;
    const next = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let i = 0; i < count; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(next() * 120) }, () => Math.floor(next() * 256)));
      yield bytes.toString('base64url');
      // A real-looking time with random digits in it, and an id no list has (a fraction).
      const digits = time.replace(/\d/g, () => String(Math.floor(next() * 10)));
      yield encode([digits, `${Math.floor(next() * 1e6)}.5`]);
      // Year 0000 with a random time of day and a plausible id.
      yield encode([digits.replace(/^\d{4}/, '0000'), String(1 + Math.floor(next() * 1e6))]);
    }
  }

  it('answers the documented 400 on every list route, whatever a crafted cursor decodes to', async () => {
    const lists = hub.app
      .get(HubServer)
      .routes.routes()
      .filter((route) => route.method === 'GET' && (route.query as { shape?: Record<string, unknown> } | undefined)?.shape?.cursor);
    expect(lists.map((route) => route.operationId).sort()).toEqual(
      ['list-api-keys', 'list-audit-log', 'list-channels', 'list-commands', 'list-communities', 'list-counters', 'list-module-settings', 'list-quotes', 'list-reminders', 'list-timers', 'list-webhook-modules'].sort(),
    );
    const cursors = [...crafted.map(encode), ...randomCursors(18, 15), '%%%', '==', 'a'];
    for (const route of lists) {
      const path = route.path.replace('{communityId}', community.id);
      for (const cursor of cursors) {
        const response = await hub.request('GET', `${path}?cursor=${encodeURIComponent(cursor)}`);
        const shown = `${route.operationId} cursor=${cursor} (${Buffer.from(cursor, 'base64url').toString('utf8')})`;
        expect(response.status, shown).toBe(400);
        expect(response.body.detail, shown).toBe('The cursor is not one this API handed out; start again without it.');
        expect(response.body.errors, shown).toEqual([{ location: 'query', field: 'cursor', message: 'unknown cursor' }]);
      }
    }
  });

  it('still follows the cursors it hands out', async () => {
    for (let i = 0; i < 3; i++) await hub.request('POST', `/v1/communities/${community.id}/quotes`, { body: { text: `q${i}` } });
    const first = await hub.request('GET', `/v1/communities/${community.id}/audit-log?limit=2`);
    const second = await hub.request('GET', `/v1/communities/${community.id}/audit-log?limit=2&cursor=${first.body.next}`);
    expect(second.status).toBe(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
  });
});

describe('console sign-in', () => {
  let hub: HubHarness;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  /** A sign-in form's CSRF cookie and token, fetched as `ip`. */
  async function form(ip: string) {
    const page = await hub.app.inject({ method: 'GET', url: '/console', remoteAddress: ip });
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    return { cookie, token: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
  }
  async function signIn(ip: string, apiKey: string, csrf: { cookie: string; token: string }) {
    return hub.app.inject({
      method: 'POST',
      url: '/console/login',
      remoteAddress: ip,
      headers: { cookie: csrf.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf.token, apiKey }).toString(),
    });
  }
  const wrongKey = (prefix: string, i: number) => `prly_${prefix}_${String(i).padStart(43, 'A')}`;

  it('limits attempts per key prefix, across addresses, with RateLimit headers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const ip = `10.1.0.${i + 1}`;
      const response = await signIn(ip, wrongKey('aaaaaaaaaaaa', i), await form(ip));
      statuses.push(response.statusCode);
      expect(response.headers['ratelimit-limit']).toBeDefined();
      expect(response.headers['ratelimit-remaining']).toBeDefined();
      if (response.statusCode === 429) expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(30).fill(429));
  });

  it('limits attempts per client address, whatever key they try', async () => {
    const csrf = await form('10.2.0.1');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await signIn('10.2.0.1', wrongKey(`b${String(i).padStart(11, '0')}`, i), csrf)).statusCode);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(20).fill(429));
  });
});

describe('request bodies and revocation', () => {
  let hub: HubHarness;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  it('says a __proto__ or constructor.prototype key is refused, and why', async () => {
    for (const payload of ['{"slug":"p","name":"p","__proto__":{"admin":true}}', '{"slug":"p","name":"p","constructor":{"prototype":{"admin":true}}}']) {
      const response = await hub.request('POST', '/v1/communities', { payload, headers: { 'content-type': 'application/json' } });
      expect(response.status, payload).toBe(400);
      expect(response.body.detail, payload).not.toMatch(/not valid JSON/);
      expect(response.body.detail, payload).toMatch(/"__proto__" or "constructor\.prototype"/);
      expect(response.body.detail, payload).toMatch(/prototype/);
    }
  });

  it('revokes a key once: revoking it again answers 200 with the first revocation and writes no second audit entry', async () => {
    const community = await hub.community('revoke-twice');
    const reader = await newKey(hub, community.id);
    const first = await hub.request('DELETE', `/v1/communities/${community.id}/api-keys/${reader.id}`, { token: community.key });
    const second = await hub.request('DELETE', `/v1/communities/${community.id}/api-keys/${reader.id}`, { token: community.key });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.revokedAt).toBe(first.body.revokedAt);
    const log = await hub.request('GET', `/v1/communities/${community.id}/audit-log?limit=200`);
    expect(log.body.items.filter((entry: { action: string; resourceId: string }) => entry.action === 'revoke' && entry.resourceId === reader.id)).toHaveLength(1);
  });
});
