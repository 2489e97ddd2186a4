import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubServer } from '../apps/hub/src/hub.server.js';
import { startHub, type HubHarness } from './hub-support.js';
import { REDIS_KINDS, useRedis, type TestRedis } from './support.js';

let hub: HubHarness;
let victim: { id: string; key: string };
let attacker: { id: string; key: string };
/** A real resource of the victim for every path parameter, so a 404 is never "no such thing". */
const victimParams: Record<string, string> = {};

beforeAll(async () => {
  hub = await startHub();
  victim = await hub.community('victim');
  attacker = await hub.community('attacker');
  const as = (method: string, path: string, body?: unknown) => hub.request(method, `/v1/communities/${victim.id}${path}`, { token: victim.key, body });
  victimParams.channelId = (await as('POST', '/channels', { platform: 'twitch', platformChannelId: 'v-1', name: 'v' })).body.id;
  victimParams.name = (await as('POST', '/commands', { name: 'secret', response: 'victim data', aliases: ['sec'] })).body.name;
  victimParams.alias = 'sec';
  victimParams.moduleId = (await as('POST', '/webhook-modules', { name: 'mod', url: 'https://93.184.215.14/', secret: 's'.repeat(20) })).body.id;
  victimParams.module = (await as('POST', '/module-settings', { module: 'giveaway', settings: { a: 1 } })).body.module;
  victimParams.quoteId = (await as('POST', '/quotes', { text: 'victim quote' })).body.id;
  await as('POST', '/counters', { name: 'secret', value: 1 });
  await as('POST', '/timers', { name: 'secret', message: 'm', intervalSeconds: 60 });
  victimParams.keyId = (await as('GET', '/api-keys')).body.items[0].id;
  victimParams.communityId = victim.id;
});
afterAll(() => hub?.close());

function routes() {
  return hub.app.get(HubServer).routes.routes();
}

const notFound = (given: string) =>
  `There is no community ${given}. A community is named by its id or its slug; the platform admin lists them with GET /v1/communities.`;

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(params[name] ?? 'x'));
}

describe('community isolation', () => {
  it("answers 404 — never 403 — to another community's key on every community route, and changes nothing", async () => {
    const scoped = routes().filter((route) => route.path.includes('{communityId}'));
    expect(scoped.length).toBeGreaterThan(40);
    const before = await hub.database.pool.query('SELECT count(*) FROM audit_log');
    for (const route of scoped) {
      const url = fill(route.path, victimParams);
      const response = await hub.request(route.method, url, { token: attacker.key, body: route.body ? {} : undefined });
      expect(response.status, `${route.method} ${url}`).toBe(404);
      expect(response.body.detail, `${route.method} ${url}`).toBe(notFound(victim.id));
      // By slug too: the same answer, never the id behind it.
      const bySlug = await hub.request(route.method, fill(route.path, { ...victimParams, communityId: 'victim' }), { token: attacker.key, body: route.body ? {} : undefined });
      expect(bySlug.status, `${route.method} by slug`).toBe(404);
      expect(bySlug.body.detail).toBe(notFound('victim'));
      expect(response.text).not.toContain('victim data');
    }
    const after = await hub.database.pool.query('SELECT count(*) FROM audit_log');
    expect(after.rows[0].count).toBe(before.rows[0].count);
    expect((await hub.request('GET', `/v1/communities/${victim.id}/commands/secret`, { token: victim.key })).body.response).toBe('victim data');
  });

  it('gives the same 404 for a community that does not exist', async () => {
    const missing = await hub.request('GET', '/v1/communities/00000000-0000-4000-8000-000000000000', { token: attacker.key });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe(notFound('00000000-0000-4000-8000-000000000000'));
  });
});

describe('authentication and scopes', () => {
  it('answers 401 with WWW-Authenticate on every non-public route without a key, or with a wrong or revoked one', async () => {
    const reader = await hub.request('POST', `/v1/communities/${victim.id}/api-keys`, { body: { name: 'r', scopes: ['read'] } });
    await hub.request('DELETE', `/v1/communities/${victim.id}/api-keys/${reader.body.id}`);
    const wrong = `${victim.key.slice(0, -4)}AAAA`;
    for (const route of routes().filter((candidate) => candidate.access !== 'public')) {
      const url = fill(route.path, victimParams);
      for (const token of [null, wrong, reader.body.key, 'Basic abc']) {
        const response = await hub.request(route.method, url, { token, body: route.body ? {} : undefined });
        expect(response.status, `${route.method} ${url} with ${token?.slice(0, 8)}`).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="parley"');
      }
    }
  });

  it('answers 403 to a key without the scope a route needs, and to community keys on platform routes', async () => {
    const make = async (scopes: string[]) => (await hub.request('POST', `/v1/communities/${victim.id}/api-keys`, { body: { name: 's', scopes } })).body.key;
    const tokens = { read: await make(['read']), write: await make(['write']) };
    const rank = { read: 0, write: 1, admin: 2 } as const;
    let checked = 0;
    for (const route of routes()) {
      const url = fill(route.path, victimParams);
      if (route.access === 'platform-admin') {
        const response = await hub.request(route.method, url, { token: victim.key, body: route.body ? {} : undefined });
        expect(response.status, `${route.method} ${url}`).toBe(403);
        checked++;
        continue;
      }
      if (route.access === 'public') continue;
      for (const [scope, token] of Object.entries(tokens) as Array<[keyof typeof rank, string]>) {
        if (rank[scope] >= rank[route.access]) continue;
        const response = await hub.request(route.method, url, { token, body: route.body ? {} : undefined });
        expect(response.status, `${route.method} ${url} with ${scope}`).toBe(403);
        expect(response.body.detail).toBe(`This API key lacks the "${route.access}" scope.`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe('hostile input', () => {
  const call = (method: string, path: string, body?: unknown) => hub.request(method, `/v1/communities/${victim.id}${path}`, { token: victim.key, body });

  it('stores SQL, HTML and template syntax literally', async () => {
    const hostile = `'); DROP TABLE commands; -- <img src=x onerror=alert(1)> {{7*7}} \${process.env} $(user) \u0000`.replace('\u0000', '');
    const quote = await call('POST', '/quotes', { text: hostile, attributedTo: '<b>x</b>' });
    expect(quote.status).toBe(201);
    expect((await call('GET', `/quotes/${quote.body.id}`)).body).toMatchObject({ text: hostile, attributedTo: '<b>x</b>' });
    const command = await call('POST', '/commands', { name: 'hostile', response: hostile });
    expect(command.body.response).toBe(hostile);
    expect((await call('GET', '/commands?limit=200')).status).toBe(200);
  });

  it('refuses 10 kB names and unknown fields with 400 naming the field', async () => {
    const long = 'a'.repeat(10_240);
    for (const [path, body, field] of [
      ['/commands', { name: long, response: 'x' }, 'name'],
      ['/counters', { name: long }, 'name'],
      ['/channels', { platform: 'twitch', platformChannelId: long, name: 'x' }, 'platformChannelId'],
      ['/quotes', { text: long }, 'text'],
      ['/commands', { name: 'ok', response: 'x', isAdmin: true }, ''],
    ] as const) {
      const response = await call('POST', path, body);
      expect(response.status, `${path} ${field}`).toBe(400);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
      expect(response.text.length).toBeLessThan(2_000);
    }
    expect((await hub.request('POST', '/v1/communities', { body: { slug: 'x', name: long } })).status).toBe(400);
  });

  it('answers 413 past the body limit', async () => {
    const response = await call('POST', '/commands', { name: 'big', response: 'x'.repeat(100_000) });
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('refuses webhook URLs pointing at 127.0.0.1 or the metadata service', async () => {
    for (const url of ['http://127.0.0.1:6379/', 'http://169.254.169.254/latest/meta-data/']) {
      const response = await call('POST', '/webhook-modules', { name: 'ssrf', url, secret: 's'.repeat(20) });
      expect(response.status).toBe(422);
      expect(response.body.detail).toMatch(/only public addresses/);
    }
  });

  it('answers a server failure with a 500 that reveals nothing', async () => {
    const broken = await startHub();
    try {
      const own = await broken.community('broken', ['write']);
      await broken.database.pool.query('DROP TABLE quotes');
      const response = await broken.request('GET', `/v1/communities/${own.id}/quotes`, { token: own.key });
      expect(response.status).toBe(500);
      expect(response.body.detail).toBe('The server failed to handle this request; the error has been logged.');
      expect(response.text).not.toMatch(/quotes|relation|pg|stack|\.ts/);
    } finally {
      await broken.close();
    }
  });
});

describe('headers', () => {
  it('sets helmet headers on every response, errors and unknown routes included', async () => {
    for (const url of ['/v1/communities', '/v1/nope', '/healthz', '/openapi.json', '/console']) {
      const response = await hub.request('GET', url);
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['strict-transport-security'], url).toBeDefined();
      expect(response.headers['content-security-policy'], url).toBeDefined();
      expect(response.headers['x-frame-options'], url).toBe('SAMEORIGIN');
    }
  });
});

describe.each(REDIS_KINDS)('rate limits (%s Redis)', (kind) => {
  let target: TestRedis;
  beforeAll(async () => {
    target = await useRedis(kind);
  }, 120_000);
  afterAll(() => target?.close([]));

  it('answers 429 with Retry-After past the per-key limit, with RateLimit headers on every answer', async () => {
    // The admin token is a key like any other: 4 requests set up two communities.
    const limited = await startHub({ REDIS_URL: target.url, HUB_RATE_LIMIT_PER_KEY: '4', HUB_RATE_LIMIT_PER_IP: '1000' });
    try {
      const own = await limited.community('limited', ['read']);
      const other = await limited.community('limited-2', ['read']);
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push(await limited.request('GET', `/v1/communities/${own.id}`, { token: own.key }));
      expect(statuses.map((response) => response.status)).toEqual([200, 200, 200, 200, 429]);
      expect(statuses[0]!.headers['ratelimit-limit']).toBe('4');
      expect(statuses[0]!.headers['ratelimit-remaining']).toBe('3');
      const refused = statuses[4]!;
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await limited.request('GET', '/v1/communities')).status).toBe(429);
      // Another key has its own budget.
      expect((await limited.request('GET', `/v1/communities/${other.id}`, { token: other.key })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('limits each client IP too, before authentication', async () => {
    const limited = await startHub({ REDIS_URL: target.url, HUB_RATE_LIMIT_PER_IP: '2' });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.request('GET', '/v1/communities', { token: 'prly_guess' })).status);
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe.each(REDIS_KINDS)('Idempotency-Key (%s Redis)', (kind) => {
  let target: TestRedis;
  let hub: HubHarness;
  beforeAll(async () => {
    target = await useRedis(kind);
    hub = await startHub({ REDIS_URL: target.url });
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await target?.close([]);
  });

  it('replays the stored response for the same key and body, refuses another body, and is scoped per API key', async () => {
    const own = await hub.community('idempotent', ['write']);
    const send = (body: unknown, token = own.key) =>
      hub.request('POST', `/v1/communities/${own.id}/quotes`, { token, body, headers: { 'idempotency-key': 'retry-1' } });
    const first = await send({ text: 'once' });
    const again = await send({ text: 'once' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const rows = await hub.database.pool.query('SELECT count(*) FROM quotes WHERE community_id = $1', [own.id]);
    expect(rows.rows[0].count).toBe('1');
    const other = await send({ text: 'different' });
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    const secondKey = (await hub.request('POST', `/v1/communities/${own.id}/api-keys`, { body: { name: 'k2', scopes: ['write'] } })).body.key;
    const separate = await send({ text: 'once' }, secondKey);
    expect(separate.body.id).not.toBe(first.body.id);
  });
});
