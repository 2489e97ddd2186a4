import { StreamProducer } from '@parley/bus';
import { uniquePrefix } from '@parley/bus/testing';
import { CommandKeys, StreamKeys, encodeConfigChange, type ChatEvent } from '@parley/contracts';
import { ChannelRepository, CommandRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_KINDS, chatEvent, distRoot, logDir, readActions, useRedis, waitUntilDrained, type TestRedis } from './support.js';

/**
 * Several router processes share one consumer group. Each test gets its own key prefix,
 * so streams, cooldowns and counters start empty; the database is shared by the file.
 */
describe.each(REDIS_KINDS)('router replicas (%s Redis)', (kind) => {
  let target: TestRedis;
  let redis: Redis;
  const prefixes: string[] = [];
  let apps: AppProcess[] = [];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let communityId: string;
  const channels = [
    { id: 'room-1', name: 'alpha' },
    { id: 'room-2', name: 'beta' },
  ];

  beforeAll(async () => {
    target = await useRedis(kind);
    redis = target.redis;
    database = await createTestDatabase();
    const community = await new CommunityRepository(database.pool).create({ slug: 'replicas', name: 'Replicas' });
    communityId = community.id;
    for (const channel of channels) {
      await new ChannelRepository(database.pool).create({ communityId, platform: 'twitch', platformChannelId: channel.id, name: channel.name });
    }
    const commands = new CommandRepository(database.pool);
    await commands.create({ communityId, name: 'global', response: 'global answer', globalCooldownSeconds: 300 });
    await commands.create({ communityId, name: 'peruser', response: 'hi $(user)', userCooldownSeconds: 300 });
    await commands.create({ communityId, name: 'count', response: '$(count)' });
    await commands.create({ communityId, name: 'motd', response: 'old message', moderatorsBypassCooldown: false });
  });

  afterEach(async () => {
    await stopApps(apps);
    apps = [];
  });

  afterAll(async () => {
    await target?.close(prefixes);
    await database?.drop();
  });

  async function startRouters(count: number, extraEnv: Record<string, string> = {}): Promise<StreamKeys> {
    const prefix = uniquePrefix('e2e-replicas');
    prefixes.push(prefix);
    await launchRouters(prefix, count, 'router', extraEnv);
    return new StreamKeys(prefix, 4);
  }

  /** `count` routers on `prefix`, named `<name>-<i>`, ready; each is in `apps` from launch on, so afterEach stops it. */
  async function launchRouters(prefix: string, count: number, name: string, extraEnv: Record<string, string> = {}): Promise<void> {
    const started: AppProcess[] = [];
    for (let i = 0; i < count; i++) {
      started.push(
        await launchApp('router', {
          distRoot,
          logDir,
          env: {
            REDIS_URL: target.url,
            DATABASE_URL: database.url,
            PARLEY_KEY_PREFIX: prefix,
            PARLEY_EVENT_PARTITIONS: '4',
            ROUTER_CONSUMER_NAME: `${name}-${i}`,
            ROUTER_CLAIM_IDLE_MS: '1000',
            LOG_LEVEL: 'warn',
            ...extraEnv,
          },
        }),
      );
      apps.push(started.at(-1)!);
    }
    await waitUntilReady(started);
  }

  async function publish(keys: StreamKeys, events: ChatEvent[]): Promise<void> {
    const producer = new StreamProducer(redis);
    await Promise.all(events.map((event) => producer.publish(keys.eventStreamFor('twitch', event.channel.id), event)));
  }

  it('three routers answer a global-cooldown command exactly once for 1,000 tries by 50 viewers', async () => {
    const keys = await startRouters(3);
    const events = Array.from({ length: 1_000 }, (_, i) => chatEvent(channels[i % 2]!, `viewer${i % 50}`, '!global'));
    await publish(keys, events);
    await waitUntilDrained(redis, keys, 'router', 30_000);
    const actions = await readActions(redis, keys);
    expect(actions).toHaveLength(1);
    expect(actions[0]?.text).toBe('global answer');
  });

  it('three routers answer a per-user-cooldown command exactly once per viewer', async () => {
    const keys = await startRouters(3);
    const events = Array.from({ length: 1_000 }, (_, i) => chatEvent(channels[i % 2]!, `viewer${i % 50}`, '!peruser'));
    await publish(keys, events);
    await waitUntilDrained(redis, keys, 'router', 30_000);
    const answeredViewers = (await readActions(redis, keys)).map((action) => action.text).sort();
    expect(answeredViewers).toHaveLength(50);
    expect(new Set(answeredViewers).size).toBe(50);
  });

  it('a router killed with SIGKILL mid-batch loses nothing: every command answered once, counters exact', async () => {
    const keys = await startRouters(1, { ROUTER_BATCH_SIZE: '500' });
    const [victim] = apps;
    const events = Array.from({ length: 500 }, (_, i) => chatEvent(channels[i % 2]!, `viewer${i}`, '!count'));
    // Freeze the only router the moment its first answer is written, so it stops mid-batch:
    // a blocking XREAD wakes within a millisecond, where polling could miss the whole batch.
    const watcher = redis.duplicate();
    await watcher.ping();
    const firstAnswer = watcher.xread('COUNT', 1, 'BLOCK', 10_000, 'STREAMS', keys.actionsFor('twitch', channels[0]!.id), '$');
    await publish(keys, events);
    expect(await firstAnswer).not.toBeNull();
    victim!.child.kill('SIGSTOP');
    watcher.disconnect();
    const answeredBeforeCrash = (await readActions(redis, keys)).length;
    expect(answeredBeforeCrash).toBeLessThan(500);
    victim!.child.kill('SIGKILL');

    await launchRouters(keys.prefix, 2, 'rescuer');
    await waitUntilDrained(redis, keys, 'router', 30_000);

    const actions = await readActions(redis, keys);
    expect(actions).toHaveLength(500);
    expect(new Set(actions.map((action) => action.causedBy))).toEqual(new Set(events.map((event) => event.id)));
    // Every run counted exactly once: the answers are exactly 1..500.
    expect(actions.map((action) => Number(action.text)).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(await redis.get(new CommandKeys(keys.prefix).count(communityId, 'count'))).toBe('500');
  }, 60_000);

  it('a configuration change reaches every replica within one second', async () => {
    const keys = await startRouters(3, { ROUTER_CONFIG_TTL_MS: '600000' });
    // Warm every replica's cache with the old response.
    await publish(keys, Array.from({ length: 30 }, (_, i) => chatEvent(channels[i % 2]!, `warm${i}`, '!motd')));
    await waitUntilDrained(redis, keys, 'router', 10_000);
    expect(new Set((await readActions(redis, keys)).map((action) => action.text))).toEqual(new Set(['old message']));

    await new CommandRepository(database.pool).update(communityId, 'motd', { response: 'new message' });
    await redis.publish(keys.configChanges(), encodeConfigChange(communityId));
    const changedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() - changedAt)));

    // One DEL per stream: on Redis Cluster the partitions live in different slots.
    await Promise.all(keys.allActionPartitions('twitch').map((stream) => redis.del(stream)));
    await publish(keys, Array.from({ length: 60 }, (_, i) => chatEvent(channels[i % 2]!, `after${i}`, '!motd')));
    await waitUntilDrained(redis, keys, 'router', 10_000);
    const texts = (await readActions(redis, keys)).map((action) => action.text);
    expect(texts).toHaveLength(60);
    expect(new Set(texts)).toEqual(new Set(['new message']));
  });
});
