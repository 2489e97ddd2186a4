import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { launchApp, stopProcess, waitUntilReady, type AppProcess } from '@parley/launcher';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, logDir } from './support.js';

const ADMIN = 'smoke-admin-token-0123456789abcdefghijkl';
let database: TestDatabase;
let hub: AppProcess;
const prefix = uniquePrefix('hub-smoke');
const redis = new Redis(redisUrl());

beforeAll(async () => {
  // An empty database: the hub applies the migrations itself at start.
  database = await createTestDatabase(undefined, { migrate: false });
  hub = await launchApp('hub', {
    distRoot,
    logDir,
    env: {
      REDIS_URL: redisUrl(),
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      HUB_ADMIN_TOKEN: ADMIN,
      HUB_COOKIE_SECRET: 'smoke-cookie-secret-0123456789abcdefghijkl',
      OTEL_SDK_DISABLED: 'true',
    },
  });
  await waitUntilReady([hub]);
});
afterAll(async () => {
  if (hub) await stopProcess(hub.child);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await database?.drop();
});

describe('the hub from dist', () => {
  it('migrates, serves the API over HTTP, and stops cleanly on SIGTERM with a live tail open', async () => {
    const base = `http://127.0.0.1:${hub.port}`;
    const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/v1/communities`, { method: 'POST', headers: auth, body: JSON.stringify({ slug: 'smoke', name: 'Smoke' }) });
    expect(created.status).toBe(201);
    const community = (await created.json()) as { id: string };
    const openapi = await fetch(`${base}/openapi.json`);
    expect(openapi.status).toBe(200);
    const tail = await fetch(`${base}/v1/communities/${community.id}/tail`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(tail.status).toBe(200);
    const started = Date.now();
    await stopProcess(hub.child, 10_000);
    expect(hub.child.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('refuses to start with a short admin token, naming it and not echoing it', () => {
    const result = spawnSync(process.execPath, [join(distRoot, 'apps', 'hub', 'src', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', OTEL_SDK_DISABLED: 'true', HUB_ADMIN_TOKEN: 'short-secret', HUB_COOKIE_SECRET: 'x'.repeat(40) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/HUB_ADMIN_TOKEN must be a secret of at least 32 characters/);
    expect(result.stderr).not.toContain('short-secret');
  });
});
