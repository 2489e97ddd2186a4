/**
 * `npm run bench:router`: end-to-end router throughput (events on the stream → actions
 * written and acked) with one and three router processes, event→action latency at a
 * steady 2,000 events/s, and redis-benchmark figures for the Redis operations one
 * event costs, all against the real Redis and PostgreSQL. Stops by itself.
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatAction, type ChatEvent } from '@parley/contracts';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { Redis } from 'ioredis';
import { FILTER_BENCH_TEXT, compareFilters, filterCpuCost } from './router-filters.js';
import { percentile, redisBenchmark, table } from './support.js';

const THROUGHPUT_EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const STEADY_RATE = 2_000;
const STEADY_SECONDS = 10;
const DRAIN_TIMEOUT_MS = 180_000;
const PARTITIONS = 4;
/** `BENCH_FILTERS=1`: also compare throughput with the spam filters off and on (bench/router-filters.ts). */
const FILTERS = process.env.BENCH_FILTERS === '1';

// Compiled to dist/bench/: the apps are beside it in dist/apps.
const distRoot = fileURLToPath(new URL('..', import.meta.url));
const logDir = fileURLToPath(new URL('../../.parley/bench-logs', import.meta.url));
const redis = new Redis(redisUrl(), { enableAutoPipelining: true });
const channels = Array.from({ length: 8 }, (_, i) => ({ id: `bench-room-${i}`, name: `bench${i}` }));
const prefixes: string[] = [];
const database = await createTestDatabase();

function event(index: number): ChatEvent {
  const now = new Date().toISOString();
  return {
    v: 1,
    id: `twitch:bench-${index}-${Math.random().toString(36).slice(2)}`,
    platform: 'twitch',
    channel: channels[index % channels.length]!,
    // A viewer per event: the per-author answer budget never applies.
    author: { id: `u${index}`, name: `viewer${index}`, displayName: `Viewer${index}`, roles: ['everyone'], isBot: false },
    text: FILTERS ? FILTER_BENCH_TEXT : '!ping',
    kind: 'message',
    sentAt: now,
    receivedAt: now,
  };
}

async function publish(keys: StreamKeys, events: ChatEvent[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const e of events) pipeline.xadd(keys.eventStreamFor('twitch', e.channel.id), '*', 'payload', JSON.stringify(e), 'ts', Date.now());
  await pipeline.exec();
}

async function drained(keys: StreamKeys, expectedActions: number): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    let busy = false;
    for (const stream of keys.allEventPartitions()) {
      const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as Array<Array<string | number>>;
      const router = groups.map((flat) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])))).find((g) => g.name === 'router');
      if (!router || Number(router.pending) > 0 || Number(router.lag ?? 0) > 0) busy = true;
    }
    if (!busy && (await redis.xlen(keys.actions('twitch'))) >= expectedActions) return;
    if (Date.now() > deadline) throw new Error('routers did not drain in time');
    await sleep(20);
  }
}

async function startRouters(count: number, env: Record<string, string> = {}): Promise<{ keys: StreamKeys; apps: AppProcess[] }> {
  const prefix = uniquePrefix('bench-router');
  prefixes.push(prefix);
  const apps: AppProcess[] = [];
  for (let i = 0; i < count; i++) {
    apps.push(
      await launchApp('router', {
        distRoot,
        logDir,
        env: {
          REDIS_URL: redisUrl(),
          DATABASE_URL: database.url,
          PARLEY_KEY_PREFIX: prefix,
          PARLEY_EVENT_PARTITIONS: String(PARTITIONS),
          ROUTER_CONSUMER_NAME: `bench-${i}`,
          LOG_LEVEL: 'warn',
          ...env,
        },
      }),
    );
  }
  await waitUntilReady(apps);
  return { keys: new StreamKeys(prefix, PARTITIONS), apps };
}

async function throughput(routers: number, env: Record<string, string> = {}): Promise<number> {
  const { keys, apps } = await startRouters(routers, env);
  try {
    // Warm the configuration caches so the figure is the steady state.
    await publish(keys, channels.map((_, i) => event(i)));
    await drained(keys, channels.length);
    await redis.del(keys.actions('twitch'));

    const events = Array.from({ length: THROUGHPUT_EVENTS }, (_, i) => event(i));
    const started = performance.now();
    for (let i = 0; i < events.length; i += 5_000) await publish(keys, events.slice(i, i + 5_000));
    await drained(keys, THROUGHPUT_EVENTS);
    return THROUGHPUT_EVENTS / ((performance.now() - started) / 1_000);
  } finally {
    await stopApps(apps);
  }
}

async function steadyLatency(): Promise<number[]> {
  const { keys, apps } = await startRouters(1);
  try {
    const perTick = STEADY_RATE / 100;
    let index = 0;
    const started = performance.now();
    for (let tick = 0; tick < STEADY_SECONDS * 100; tick++) {
      await publish(keys, Array.from({ length: perTick }, () => event(index++)));
      const next = started + (tick + 1) * 10;
      await sleep(Math.max(0, next - performance.now()));
    }
    await drained(keys, index);
    const entries = await redis.xrange(keys.actions('twitch'), '-', '+');
    return entries
      .map(([id, fields]) => {
        const action = JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatAction;
        return Number(id.split('-')[0]) - Date.parse(action.eventReceivedAt!);
      })
      .sort((a, b) => a - b);
  } finally {
    await stopApps(apps);
  }
}

try {
  const community = await new CommunityRepository(database.pool).create({ slug: 'bench', name: 'Bench' });
  for (const channel of channels) {
    await new ChannelRepository(database.pool).create({ communityId: community.id, platform: 'twitch', platformChannelId: channel.id, name: channel.name });
  }
  console.log(`router benchmark: ${cpus().length} cores, ${THROUGHPUT_EVENTS} events per throughput run, Redis ${redisUrl()}`);

  const filterRows = FILTERS ? [...(await compareFilters(database.pool, community.id, throughput)), ...(await filterCpuCost(redis, uniquePrefix('bench-filters')))] : [];
  const oneRouter = await throughput(1);
  console.log(`1 router:  ${oneRouter.toFixed(0)} events/s`);
  const oneRouterNoTracing = await throughput(1, { OTEL_SDK_DISABLED: 'true' });
  console.log(`1 router, tracing off:  ${oneRouterNoTracing.toFixed(0)} events/s`);
  const threeRouters = await throughput(3);
  console.log(`3 routers: ${threeRouters.toFixed(0)} events/s`);
  const latencies = await steadyLatency();
  console.log(`latency at ${STEADY_RATE} events/s over ${STEADY_SECONDS} s: ${latencies.length} answers`);

  const payload = JSON.stringify(event(0));
  const benchKey = `${prefixes[0]}:redis-benchmark`;
  const redisOps: Array<[string, string[]]> = [
    ['XADD (event, ~600 B)', ['XADD', benchKey, 'MAXLEN', '~', '100000', '*', 'payload', payload]],
    ['SET NX EX (marks)', ['SET', `${benchKey}:__rand_int__`, '1', 'NX', 'EX', '60']],
    ['EVAL (small script)', ['EVAL', "return redis.call('INCR', KEYS[1])", '1', `${benchKey}:counter`]],
    ['INCR (answer budget)', ['INCR', `${benchKey}:budget:__rand_int__`]],
  ];
  const redisRows = redisOps.map(([name, args]) => {
    const ops = redisBenchmark(redisUrl(), args);
    return { 'redis-benchmark (-P 16)': name, 'ops/s': ops === null ? 'redis-benchmark not found' : ops.toFixed(0) };
  });

  console.log('\n' + table([
    { measure: 'end-to-end, 1 router', value: `${oneRouter.toFixed(0)} events/s` },
    { measure: 'end-to-end, 1 router, tracing off', value: `${oneRouterNoTracing.toFixed(0)} events/s` },
    { measure: 'end-to-end, 3 routers', value: `${threeRouters.toFixed(0)} events/s` },
    { measure: `event→action p50 @ ${STEADY_RATE}/s`, value: `${percentile(latencies, 50)} ms` },
    { measure: `event→action p95 @ ${STEADY_RATE}/s`, value: `${percentile(latencies, 95)} ms` },
    { measure: `event→action p99 @ ${STEADY_RATE}/s`, value: `${percentile(latencies, 99)} ms` },
    { measure: `event→action max @ ${STEADY_RATE}/s`, value: `${latencies.at(-1)} ms` },
    ...filterRows,
  ]));
  console.log('\n' + table(redisRows));
  console.log(
    '\nPer answered `!ping` the router costs: 1/batch XREADGROUP, 1 EVALSHA (answer budget: INCR + PEXPIRE), ' +
      '1 EVALSHA (publishOnce: SET NX + XADD), 1/batch XACK; a custom command adds 1 EVALSHA (cooldown/counter charge).',
  );
} finally {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await database.drop();
}
