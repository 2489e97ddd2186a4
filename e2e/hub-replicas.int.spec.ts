import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endedWithin, openTail } from './hub-support.js';
import { distRoot, logDir } from './support.js';

/** Two hub processes from dist on one database and one Redis: what one revokes, the other refuses within a second. */
const ADMIN = 'replicas-admin-token-0123456789abcdefghij';
const prefix = uniquePrefix('hub-replicas');
const redis = new Redis(redisUrl());
let database: TestDatabase;
let hubs: AppProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const env = {
    REDIS_URL: redisUrl(),
    DATABASE_URL: database.url,
    PARLEY_KEY_PREFIX: prefix,
    PARLEY_MIGRATE_ON_START: 'false',
    HUB_ADMIN_TOKEN: ADMIN,
    HUB_COOKIE_SECRET: 'replicas-cookie-secret-0123456789abcdefghij',
    OTEL_SDK_DISABLED: 'true',
  };
  hubs = [await launchApp('hub', { distRoot, logDir, env }), await launchApp('hub', { distRoot, logDir, env })];
  // Two processes start at once on a shared machine: a generous deadline.
  await waitUntilReady(hubs, 120_000);
}, 150_000);
afterAll(async () => {
  await stopApps(hubs);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await database?.drop();
});

const url = (hub: AppProcess, path: string) => `http://127.0.0.1:${hub.port}${path}`;
async function call(hub: AppProcess, method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(url(hub, path), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('two hub replicas', () => {
  it('refuses on one a key revoked on the other within a second, and ends its tails on both', async () => {
    const [a, b] = hubs as [AppProcess, AppProcess];
    const community = (await call(a, 'POST', '/v1/communities', ADMIN, { slug: 'replicas', name: 'Replicas' })).body;
    const reader = (await call(a, 'POST', `/v1/communities/${community.id}/api-keys`, ADMIN, { name: 'reader', scopes: ['read'] })).body;
    // Both replicas have the key verified and cached, and hold a tail of it.
    for (const hub of [a, b]) for (let i = 0; i < 3; i++) expect((await call(hub, 'GET', `/v1/communities/${community.id}/commands`, reader.key)).status).toBe(200);
    const tails = [await openTail(url(a, ''), community.id, reader.key), await openTail(url(b, ''), community.id, reader.key)];
    expect(tails.map((opened) => opened.status)).toEqual([200, 200]);

    expect((await call(a, 'DELETE', `/v1/communities/${community.id}/api-keys/${reader.id}`, ADMIN)).status).toBe(200);
    const revokedAt = Date.now();
    // Refused by the other replica within one second...
    let refusedAt = Number.POSITIVE_INFINITY;
    while (Date.now() - revokedAt < 3_000) {
      const response = await call(b, 'GET', `/v1/communities/${community.id}/commands`, reader.key);
      if (response.status === 401) {
        expect(response.body.detail).toBe('The API key has been revoked.');
        refusedAt = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(refusedAt - revokedAt).toBeLessThan(1_000);
    // ...and its tails on both replicas have ended within one second.
    for (const opened of tails) expect((await endedWithin(opened, 3_000)) - revokedAt).toBeLessThan(1_000);
  });

  it('serves a command changed on one replica changed by the other within a second (their read caches)', async () => {
    const [a, b] = hubs as [AppProcess, AppProcess];
    const community = (await call(a, 'POST', '/v1/communities', ADMIN, { slug: 'replicas-reads', name: 'Replicas reads' })).body;
    const path = `/v1/communities/${community.id}/commands`;
    expect((await call(a, 'POST', path, ADMIN, { name: 'hi', response: 'before' })).status).toBe(201);
    // Both replicas have the answer cached.
    for (const hub of [a, b]) for (let i = 0; i < 3; i++) expect((await call(hub, 'GET', `${path}/hi`, ADMIN)).body.response).toBe('before');
    expect((await call(a, 'PATCH', `${path}/hi`, ADMIN, { response: 'after' })).body.response).toBe('after');
    const changedAt = Date.now();
    expect((await call(a, 'GET', `${path}/hi`, ADMIN)).body.response).toBe('after');
    let seenAt = Number.POSITIVE_INFINITY;
    while (Date.now() - changedAt < 3_000) {
      if ((await call(b, 'GET', `${path}/hi`, ADMIN)).body.response === 'after') {
        seenAt = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seenAt - changedAt).toBeLessThan(1_000);
    expect((await call(b, 'GET', path, ADMIN)).body.items.map((command: { response: string }) => command.response)).toEqual(['after']);
  });
});
