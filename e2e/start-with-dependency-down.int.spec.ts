import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer, uniquePrefix, type OwnRedisServer } from '@parley/bus/testing';
import { migrate } from '@parley/db';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '@parley/db/embedded';
import { launchApp, stopApps, type AppProcess } from '@parley/launcher';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir } from './support.js';

/** The issue's promise: ready within this long after the dependency is back. */
const READY_AFTER_RETURN_MS = 5_000;
/** Generous: four apps starting at once on two busy cores. */
const LISTENING_DEADLINE_MS = 60_000;
/** After the outage line (logged once a dependency has failed for 5 s): several more looks, at most 1 s apart, that must neither log nor exit. */
const STAYS_UP_MS = 3_000;
const APPS = ['router', 'hub', 'shard-manager', 'ingest-twitch'] as const;
type AppName = (typeof APPS)[number];

interface LogLine {
  level: string;
  msg: string;
  dependency?: string;
}

/**
 * Each app starts while PostgreSQL, then Redis, is unreachable: it answers /healthz,
 * reports not-ready on /readyz, logs one line naming what is missing, keeps running, and
 * is ready within 5 s of the dependency's return. Servers of this file's own (the shared
 * ones are never stopped); the four apps start in parallel.
 */
describe('starting while a dependency is down', () => {
  const fake = new TwitchTmiFake();
  let postgres: EmbeddedPostgresServer;
  let redis: OwnRedisServer;
  let ircUrl: string;
  let apps: AppProcess[] = [];
  /** What a test stopped, so the next test finds both servers running even when this one failed. */
  const stopped = { postgres: false, redis: false };

  beforeAll(async () => {
    [postgres, redis, { ircUrl }] = await Promise.all([startEmbeddedPostgres(), startRedisServer(), fake.start()]);
    // Migrated beforehand, as after any earlier deployment: the timing below measures the start, not the schema.
    await migrate(postgres.url);
  }, 120_000);

  afterEach(async () => {
    await stopApps(apps);
    apps = [];
    if (stopped.postgres) await postgres.start();
    if (stopped.redis) await redis.start();
    stopped.postgres = stopped.redis = false;
  });

  afterAll(async () => {
    await fake.stop();
    await postgres?.destroy();
    await redis?.destroy();
  });

  async function launchAll(scenario: string): Promise<{ apps: Record<AppName, AppProcess>; dir: string }> {
    const dir = join(logDir, `start-with-${scenario}-down`);
    rmSync(dir, { recursive: true, force: true });
    const env = {
      REDIS_URL: redis.url,
      DATABASE_URL: postgres.url,
      PARLEY_KEY_PREFIX: uniquePrefix(`e2e-${scenario}-down`),
      PARLEY_EVENT_PARTITIONS: '2',
      LOG_LEVEL: 'info',
      HUB_ADMIN_TOKEN: 'e2e-admin-token-0123456789abcdef0123',
      HUB_COOKIE_SECRET: 'e2e-cookie-secret-0123456789abcdef0123',
      TWITCH_IRC_URL: ircUrl,
      TWITCH_BOT_LOGIN: 'parleybot',
      TWITCH_OAUTH_TOKEN: 'e2e-token',
      // No fixed channel list: the pod joins the ingest pool in Redis, as deployed.
      INGEST_MEMBER_ID: `ingest-${scenario}`,
    };
    const launched = await Promise.all(APPS.map((name) => launchApp(name, { distRoot, logDir: dir, env })));
    apps = launched;
    return { apps: Object.fromEntries(launched.map((app) => [app.name, app])) as Record<AppName, AppProcess>, dir };
  }

  const status = (app: AppProcess, path: '/healthz' | '/readyz') =>
    fetch(`http://127.0.0.1:${app.port}${path}`).then(
      (response) => response.status,
      () => undefined,
    );

  async function waitUntilListening(app: AppProcess): Promise<void> {
    await eventually(
      async () => {
        if (app.child.exitCode !== null) throw new Error(`${app.name} exited with code ${app.child.exitCode}; see ${app.logFile}`);
        return (await status(app, '/healthz')) === 200 ? true : undefined;
      },
      LISTENING_DEADLINE_MS,
      `${app.name} to answer /healthz`,
    );
  }

  /** Milliseconds from now until the app answers /readyz with 200. */
  async function msUntilReady(app: AppProcess, from: number): Promise<number> {
    await eventually(async () => ((await status(app, '/readyz')) === 200 ? true : undefined), LISTENING_DEADLINE_MS, `${app.name} to become ready`);
    return Date.now() - from;
  }

  function logOf(app: AppProcess): { lines: LogLine[]; text: string } {
    const text = readFileSync(app.logFile, 'utf8');
    const lines = text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    return { lines, text };
  }

  /** Every line at warn or above: while a dependency is down, only the one that says so. */
  const warnings = (app: AppProcess) => logOf(app).lines.filter((line) => ['warn', 'error', 'fatal'].includes(line.level));

  function expectOneClearLine(app: AppProcess, dependency: string, message: RegExp): void {
    const lines = warnings(app);
    expect(lines, `${app.name}: one line for the outage`).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', dependency });
    expect(lines[0]!.msg).toMatch(message);
    const { text } = logOf(app);
    expect(text, `${app.name}: no stack trace`).not.toMatch(/^\s+at |"stack"/m);
  }

  async function waitForOutageLine(app: AppProcess): Promise<void> {
    await eventually(() => (warnings(app).length > 0 ? true : undefined), LISTENING_DEADLINE_MS, `${app.name} to log the outage`);
  }

  async function expectDownButAlive(app: AppProcess, dependency: string): Promise<void> {
    const readyz = await fetch(`http://127.0.0.1:${app.port}/readyz`);
    expect(readyz.status, `${app.name} /readyz`).toBe(503);
    expect(JSON.stringify(await readyz.json()), `${app.name} /readyz names ${dependency}`).toContain(dependency);
    expect(app.child.exitCode, `${app.name} still running`).toBeNull();
  }

  it('PostgreSQL: the apps that need it wait unready, then are ready within 5 s of its return', async () => {
    await postgres.stop();
    stopped.postgres = true;
    const { apps: launched } = await launchAll('postgres');
    await Promise.all(Object.values(launched).map(waitUntilListening));
    const needPostgres = [launched.router, launched.hub, launched['shard-manager']];
    // ingest-twitch never talks to PostgreSQL: its outage must not hold it back.
    await msUntilReady(launched['ingest-twitch'], Date.now());

    await Promise.all(needPostgres.map(waitForOutageLine));
    await sleep(STAYS_UP_MS);
    for (const app of needPostgres) {
      await expectDownButAlive(app, 'postgres');
      expectOneClearLine(app, 'postgres', /^postgres is unreachable \(.*ECONNREFUSED.*\): not ready; retrying with backoff$/);
    }
    expect(warnings(launched['ingest-twitch']).filter((line) => line.msg.includes('postgres'))).toEqual([]);

    await postgres.start();
    stopped.postgres = false;
    const back = Date.now();
    const waits = await Promise.all(needPostgres.map((app) => msUntilReady(app, back)));
    console.log(`ready after PostgreSQL came back (ms): ${needPostgres.map((app, i) => `${app.name} ${waits[i]}`).join(', ')}`);
    for (const [i, app] of needPostgres.entries()) {
      expect(waits[i], `${app.name} ready within ${READY_AFTER_RETURN_MS} ms`).toBeLessThanOrEqual(READY_AFTER_RETURN_MS);
      expect(logOf(app).lines.some((line) => line.msg === 'postgres is reachable again')).toBe(true);
    }
    for (const app of Object.values(launched)) expect(app.child.exitCode).toBeNull();
  }, 300_000);

  it('Redis: every app waits unready, then is ready within 5 s of its return', async () => {
    await redis.stop();
    stopped.redis = true;
    const { apps: launched } = await launchAll('redis');
    const all = Object.values(launched);
    await Promise.all(all.map(waitUntilListening));

    await Promise.all(all.map(waitForOutageLine));
    await sleep(STAYS_UP_MS);
    for (const app of all) {
      await expectDownButAlive(app, 'redis');
      expectOneClearLine(app, 'redis', new RegExp(`^redis is unreachable \\(redis connection to 127\\.0\\.0\\.1:${redis.port} is (?:re)?connecting: connect ECONNREFUSED .*\\): not ready; retrying with backoff$`));
    }

    await redis.start();
    stopped.redis = false;
    const back = Date.now();
    const waits = await Promise.all(all.map((app) => msUntilReady(app, back)));
    console.log(`ready after Redis came back (ms): ${all.map((app, i) => `${app.name} ${waits[i]}`).join(', ')}`);
    for (const [i, app] of all.entries()) {
      expect(waits[i], `${app.name} ready within ${READY_AFTER_RETURN_MS} ms`).toBeLessThanOrEqual(READY_AFTER_RETURN_MS);
      expect(app.child.exitCode).toBeNull();
    }
  }, 300_000);
});
