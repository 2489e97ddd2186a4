import { StreamProducer } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys } from '@parley/contracts';
import { ChannelRepository, CommandRepository, CommunityRepository, createPool, migrate } from '@parley/db';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '@parley/db/embedded';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEvent, distRoot, eventually, logDir, readActions } from './support.js';

describe('the router while PostgreSQL is down', () => {
  const prefix = uniquePrefix('e2e-pg-down');
  const keys = new StreamKeys(prefix, 2);
  const redis = new Redis(redisUrl());
  const channel = { id: 'room-pg', name: 'pgdown' };
  let postgres: EmbeddedPostgresServer;
  let router: AppProcess;

  beforeAll(async () => {
    // A cluster of this test's own: stopping it cannot disturb anything else.
    postgres = await startEmbeddedPostgres();
    await migrate(postgres.url);
    const pool = createPool(postgres.url);
    const community = await new CommunityRepository(pool).create({ slug: 'pgdown', name: 'PG down' });
    await new ChannelRepository(pool).create({ communityId: community.id, platform: 'twitch', platformChannelId: channel.id, name: channel.name });
    await new CommandRepository(pool).create({ communityId: community.id, name: 'hello', response: 'Hello $(user)!' });
    await pool.end();
    router = await launchApp('router', {
      distRoot,
      logDir,
      env: {
        REDIS_URL: redisUrl(),
        DATABASE_URL: postgres.url,
        PARLEY_KEY_PREFIX: prefix,
        PARLEY_EVENT_PARTITIONS: '2',
        // Reload configuration almost every event, so the outage is noticed at once.
        ROUTER_CONFIG_TTL_MS: '100',
        LOG_LEVEL: 'warn',
      },
    });
    await waitUntilReady([router]);
  }, 120_000);

  afterAll(async () => {
    await stopApps(router ? [router] : []);
    await postgres?.destroy();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  async function ask(viewer: string): Promise<string | undefined> {
    const event = chatEvent(channel, viewer, '!hello');
    await new StreamProducer(redis).publish(keys.eventStreamFor('twitch', channel.id), event);
    const action = await eventually(
      async () => (await readActions(redis, keys)).find((candidate) => candidate.causedBy === event.id),
      10_000,
      `the answer to ${viewer}`,
    );
    return action.text;
  }

  async function metric(name: string): Promise<string | undefined> {
    const body = await (await fetch(`http://127.0.0.1:${router.port}/metrics`)).text();
    return body.split('\n').find((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))?.split(' ').at(-1);
  }

  it('keeps answering from its cache, stays ready, and reports degraded', async () => {
    expect(await ask('before')).toBe('Hello before!');
    expect(await metric('parley_router_config_degraded')).toBe('0');

    await postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ask('during')).toBe('Hello during!');
    expect(await metric('parley_router_config_degraded')).toBe('1');
    expect((await fetch(`http://127.0.0.1:${router.port}/readyz`)).status).toBe(200);

    await postgres.start();
    await eventually(async () => ((await ask(`after-${Date.now()}`)) && (await metric('parley_router_config_degraded')) === '0' ? true : undefined), 15_000, 'recovery');
  }, 60_000);
});
