/**
 * `npm run bench:router`: router throughput (events on the stream → actions written and
 * acked) as a ratio of the bare Redis work the same events need (bench/bare-router.ts, one
 * ioredis client, no framework), measured in the same run with the same harness; with
 * tracing off, with trace ids only (the default without an exporter), and as SREs run it
 * (spans exported over OTLP/HTTP to a receiver in this process, parent-based 1 % sampling,
 * ioredis/pg spans for sampled traces); three routers; and event→action latency at a
 * steady 2,000 events/s after a warm-up, with the router's event-loop delay and GC pauses
 * over the same window. All against the real Redis and PostgreSQL. Stops by itself.
 *
 * Throughput is given twice: events/s on the wall clock (what the machine delivered, shared
 * with whatever else runs on it) and events per CPU second of the consumer processes (their
 * own cost per event, which a busy machine barely moves); each as a ratio of the bare work's.
 *
 * Then the spam filters' cost (bench/router-filters.ts): one router with the chat modules off,
 * on without filters, and with every filter on, in turns, and the ratio of the last two.
 *
 * Environment: BENCH_EVENTS (100000 per throughput run), BENCH_STEADY_RATE (2000 events/s),
 * BENCH_STEADY_SECONDS (10), BENCH_FILTER_EVENTS (30000 per filter run), BENCH_FILTER_ROUNDS
 * (3), BENCH_ONLY_FILTERS=1 (only the filters' comparison: for repeated runs on a busy machine),
 * BENCH_ONLY_LATENCY=1 (only the steady-rate latency, trace ids only: for repeated runs).
 *
 * `npm run bench:router -- --cluster`: instead, throughput of 1 and 3 routers against the
 * shared single Redis and against a local Redis Cluster of 3 masters + 3 replicas started
 * for the run (`startRedisCluster`), side by side (BENCH_EVENTS defaults to 30000 there).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { deleteKeysWithPrefix, redisUrl, startRedisCluster, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatAction, type ChatEvent } from '@parley/contracts';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, stopProcess, waitUntilReady, type AppProcess } from '@parley/launcher';
import { createLogger } from '@parley/observability';
import { createRedisConnection } from '@parley/runtime';
import { Redis } from 'ioredis';
import { FILTER_BENCH_TEXT, compareFilters, filterCpuCost } from './router-filters.js';
import { percentile, redisBenchmark, table } from './support.js';

const CLUSTER = process.argv.includes('--cluster');
const THROUGHPUT_EVENTS = Number(process.env.BENCH_EVENTS ?? (CLUSTER ? 30_000 : 100_000));
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 2_000);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10);
/** The steady run starts a fresh router: its first seconds (JIT, connections, cold cache) are not the steady state. */
const WARMUP_SECONDS = 3;
const TICK_MS = 10;
const STALL_TIMEOUT_MS = 60_000;
/** Start-up takes seconds on a quiet machine and far longer on a busy one. */
const READY_TIMEOUT_MS = 180_000;
const PARTITIONS = 4;
/** What an ingest at a 1 % sampling ratio writes: one event in a hundred carries a sampled trace context. */
const SAMPLED_EVERY = 100;
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const FILTER_EVENTS = Number(process.env.BENCH_FILTER_EVENTS ?? 30_000);
const ONLY_FILTERS = process.env.BENCH_ONLY_FILTERS === '1';
const ONLY_LATENCY = process.env.BENCH_ONLY_LATENCY === '1';

// Compiled to dist/bench/: the apps are beside it in dist/apps.
const distRoot = fileURLToPath(new URL('..', import.meta.url));
const logDir = fileURLToPath(new URL('../../.parley/bench-logs', import.meta.url));
/** The Redis the routers and this process use: the shared one, or (--cluster, for a part of the run) a local cluster. */
let targetUrl = redisUrl();
let redis: Redis = new Redis(targetUrl, { enableAutoPipelining: true });
const channels = Array.from({ length: 8 }, (_, i) => ({ id: `bench-room-${i}`, name: `bench${i}` }));
const prefixes: string[] = [];
const database = await createTestDatabase();

/** An OTLP/HTTP receiver in miniature: counts the spans and traces POSTed to it. */
const received = { spans: 0, traces: new Set<string>() };
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
      resourceSpans?: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: string }> }> }>;
    };
    for (const resource of body.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans) {
        for (const span of scope.spans) {
          received.spans++;
          received.traces.add(span.traceId);
        }
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;

const TRACING = {
  off: { OTEL_SDK_DISABLED: 'true' },
  idsOnly: {},
  sampledExport: {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(1 / SAMPLED_EVERY),
  },
} as const;

function load(): string {
  return loadavg().map((value) => value.toFixed(2)).join(' ');
}

function event(index: number, text = '!ping'): ChatEvent {
  const now = new Date().toISOString();
  return {
    v: 1,
    id: `twitch:bench-${index}-${Math.random().toString(36).slice(2)}`,
    platform: 'twitch',
    channel: channels[index % channels.length]!,
    // A viewer per event: the per-author answer budget never applies.
    author: { id: `u${index}`, name: `viewer${index}`, displayName: `Viewer${index}`, roles: ['everyone'], isBot: false },
    text,
    kind: 'message',
    sentAt: now,
    receivedAt: now,
  };
}

let published = 0;

async function publish(keys: StreamKeys, events: ChatEvent[]): Promise<void> {
  // On Redis Cluster a pipeline goes to one node: one pipeline per partition there.
  const pipelines = new Map<string, ReturnType<Redis['pipeline']>>();
  for (const e of events) {
    // The trace context an ingest writes: a trace per chat message, sampled 1 in SAMPLED_EVERY.
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${published++ % SAMPLED_EVERY === 0 ? '01' : '00'}`;
    const stream = keys.eventStreamFor('twitch', e.channel.id);
    const batch = redis.isCluster ? stream : '';
    if (!pipelines.has(batch)) pipelines.set(batch, redis.pipeline());
    pipelines.get(batch)!.xadd(stream, '*', 'payload', JSON.stringify(e), 'traceparent', traceparent, 'ts', Date.now());
  }
  await Promise.all([...pipelines.values()].map((pipeline) => pipeline.exec()));
}

async function actionCount(keys: StreamKeys): Promise<number> {
  return (await Promise.all(keys.allActionPartitions('twitch').map((stream) => redis.xlen(stream)))).reduce((sum, n) => sum + n, 0);
}

/** Waits until the group has nothing pending or undelivered and the actions are written; fails only when progress stops. */
async function drained(keys: StreamKeys, expectedActions: number): Promise<void> {
  let progressAt = Date.now();
  let lastActions = -1;
  for (;;) {
    let busy = false;
    for (const stream of keys.allEventPartitions()) {
      const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as Array<Array<string | number>>;
      const router = groups.map((flat) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])))).find((g) => g.name === 'router');
      if (!router || Number(router.pending) > 0 || Number(router.lag ?? 0) > 0) busy = true;
    }
    const actions = await actionCount(keys);
    if (!busy && actions >= expectedActions) return;
    // A machine shared with other work may be slow; only a stall is an error.
    if (actions !== lastActions) {
      lastActions = actions;
      progressAt = Date.now();
    } else if (Date.now() - progressAt > STALL_TIMEOUT_MS) {
      throw new Error(`consumers made no progress for ${STALL_TIMEOUT_MS} ms (${actions} of ${expectedActions} actions)`);
    }
    await sleep(20);
  }
}

interface Consumers {
  keys: StreamKeys;
  apps: AppProcess[];
  pids: number[];
  stop(): Promise<void>;
}

/** CPU seconds (user + system) the processes have used so far, from /proc (Linux). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

function newKeys(): StreamKeys {
  const prefix = uniquePrefix('bench-router');
  prefixes.push(prefix);
  return new StreamKeys(prefix, PARTITIONS);
}

async function startRouters(count: number, env: Record<string, string> = {}): Promise<Consumers> {
  const keys = newKeys();
  const apps: AppProcess[] = [];
  for (let i = 0; i < count; i++) {
    apps.push(
      await launchApp('router', {
        distRoot,
        logDir,
        env: {
          REDIS_URL: targetUrl,
          DATABASE_URL: database.url,
          PARLEY_KEY_PREFIX: keys.prefix,
          PARLEY_EVENT_PARTITIONS: String(PARTITIONS),
          ROUTER_CONSUMER_NAME: `bench-${i}`,
          LOG_LEVEL: 'warn',
          ...env,
        },
      }),
    );
  }
  await waitUntilReady(apps, READY_TIMEOUT_MS);
  return { keys, apps, pids: apps.map((app) => app.child.pid!), stop: () => stopApps(apps) };
}

/**
 * bench/bare-router.ts as a process of its own, like a router. Auto-pipelined for throughput
 * (the bare work at its fastest); for the latency floor, not, like the router's connection
 * (auto-pipelining's per-tick Pipeline objects lengthen the GC tail: apps/router/README.md).
 */
async function startBare(autoPipelining = true): Promise<Consumers> {
  const keys = newKeys();
  const child = spawn(process.execPath, [fileURLToPath(new URL('./bare-router.js', import.meta.url))], {
    env: { ...process.env, REDIS_URL: redisUrl(), PARLEY_KEY_PREFIX: keys.prefix, PARLEY_EVENT_PARTITIONS: String(PARTITIONS), BARE_AUTO_PIPELINING: autoPipelining ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bare-router exited with code ${code}`)));
  });
  return { keys, apps: [], pids: [child.pid!], stop: () => stopProcess(child) };
}

interface Throughput {
  /** Wall clock: what the machine delivered, shared with everything else running on it. */
  eventsPerSecond: number;
  /** Per CPU second the consumer processes used: their own cost per event, whatever the machine's load. */
  eventsPerCpuSecond: number;
}

async function throughput(start: () => Promise<Consumers>, count = THROUGHPUT_EVENTS, text?: string): Promise<Throughput> {
  const { keys, pids, stop } = await start();
  try {
    // Warm the configuration caches so the figure is the steady state.
    await publish(keys, channels.map((_, i) => event(i, text)));
    await drained(keys, channels.length);
    await Promise.all(keys.allActionPartitions('twitch').map((stream) => redis.del(stream)));

    const events = Array.from({ length: count }, (_, i) => event(i, text));
    const cpuBefore = cpuSeconds(pids);
    const started = performance.now();
    for (let i = 0; i < events.length; i += 5_000) await publish(keys, events.slice(i, i + 5_000));
    await drained(keys, count);
    const seconds = (performance.now() - started) / 1_000;
    return { eventsPerSecond: count / seconds, eventsPerCpuSecond: count / (cpuSeconds(pids) - cpuBefore) };
  } finally {
    await stop();
  }
}

/** The router's own view of the window since the last scrape: prom-client's event-loop delay and GC series. */
async function runtimeStats(app: AppProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(nodejs_eventloop_lag_(?:p50|p99|max)_seconds|nodejs_gc_duration_seconds_(?:sum|count|bucket))(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = match[2] ?? '';
    const kind = /kind="(\w+)"/.exec(labels)?.[1];
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    values.set([match[1], kind, le].filter(Boolean).join(':'), Number(match[3]));
  }
  return values;
}

interface RuntimeWindow {
  loop: { p50Ms: number; p99Ms: number; maxMs: number };
  gc: Array<{ kind: string; count: number; totalMs: number; over1Ms: number; over10Ms: number }>;
}

interface SteadyResult {
  latencies: number[];
  /** The router's event-loop delay and GC over the window (the bare work has no /metrics). */
  runtime: RuntimeWindow | undefined;
}

/**
 * Event→action latency at STEADY_RATE of one consumer: a router, or the bare work, whose
 * latency is the floor this harness and machine give (the producer shares the cores).
 */
async function steadyLatency(start: () => Promise<Consumers>): Promise<SteadyResult> {
  const { keys, apps, stop } = await start();
  const router = apps[0];
  try {
    const perTick = (STEADY_RATE * TICK_MS) / 1_000;
    let index = 0;
    const run = async (seconds: number): Promise<void> => {
      const started = performance.now();
      for (let tick = 0; tick < (seconds * 1_000) / TICK_MS; tick++) {
        await publish(keys, Array.from({ length: perTick }, () => event(index++)));
        await sleep(Math.max(0, started + (tick + 1) * TICK_MS - performance.now()));
      }
    };
    await run(WARMUP_SECONDS);
    await drained(keys, index);
    await Promise.all(keys.allActionPartitions('twitch').map((stream) => redis.del(stream)));
    const before = router ? await runtimeStats(router) : undefined;
    const measuredFrom = index;
    await run(STEADY_SECONDS);
    await drained(keys, index - measuredFrom);
    const after = router ? await runtimeStats(router) : undefined;

    const entries = (await Promise.all(keys.allActionPartitions('twitch').map((stream) => redis.xrange(stream, '-', '+')))).flat();
    const latencies = entries
      .map(([id, fields]) => {
        const action = JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatAction;
        return Number(id.split('-')[0]) - Date.parse(action.eventReceivedAt!);
      })
      .sort((a, b) => a - b);
    return { latencies, runtime: before && after ? runtimeWindow(before, after) : undefined };
  } finally {
    await stop();
  }
}

function runtimeWindow(before: Map<string, number>, after: Map<string, number>): RuntimeWindow {
  const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  const kinds = [...new Set([...after.keys()].filter((key) => key.startsWith('nodejs_gc_duration_seconds_count:')).map((key) => key.split(':')[1]!))];
  return {
    loop: {
      p50Ms: (after.get('nodejs_eventloop_lag_p50_seconds') ?? Number.NaN) * 1_000,
      p99Ms: (after.get('nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1_000,
      maxMs: (after.get('nodejs_eventloop_lag_max_seconds') ?? Number.NaN) * 1_000,
    },
    gc: kinds.map((kind) => {
      const count = delta(`nodejs_gc_duration_seconds_count:${kind}`);
      return {
        kind,
        count,
        totalMs: delta(`nodejs_gc_duration_seconds_sum:${kind}`) * 1_000,
        over1Ms: count - delta(`nodejs_gc_duration_seconds_bucket:${kind}:0.001`),
        over10Ms: count - delta(`nodejs_gc_duration_seconds_bucket:${kind}:0.01`),
      };
    }),
  };
}

function latencyRows(label: string, result: SteadyResult, floor?: SteadyResult): Array<Record<string, string>> {
  const { latencies, runtime } = result;
  const p99 = percentile(latencies, 99);
  const overFloor = floor ? ` = ${(p99 / Math.max(1, percentile(floor.latencies, 99))).toFixed(1)} × the bare work's p99` : '';
  const rows = [
    {
      measure: `event→action @ ${STEADY_RATE}/s, ${label}`,
      value: `p50 ${percentile(latencies, 50)} / p95 ${percentile(latencies, 95)} / p99 ${p99}${overFloor} / max ${latencies.at(-1)} ms (${latencies.length} answers)`,
    },
  ];
  if (!runtime) return rows;
  const { loop, gc } = runtime;
  return [
    ...rows,
    {
      measure: `router event-loop delay, same window`,
      value: `p50 ${loop.p50Ms.toFixed(1)} / p99 ${loop.p99Ms.toFixed(1)} / max ${loop.maxMs.toFixed(1)} ms`,
    },
    {
      measure: `router GC, same window`,
      value: gc
        .filter((g) => g.count > 0)
        .map((g) => `${g.kind} ${g.count}× ${g.totalMs.toFixed(0)} ms (>1 ms: ${g.over1Ms}, >10 ms: ${g.over10Ms})`)
        .join('; '),
    },
  ];
}

/**
 * 1 and 3 routers (trace ids only) on the shared single Redis, then on a local 3-master
 * cluster, each figure the same harness's; printed side by side with their ratios.
 */
async function clusterComparison(): Promise<void> {
  console.log(`router benchmark, single Redis vs Redis Cluster: ${cpus().length} cores, ${THROUGHPUT_EVENTS} events per run; load ${load()}`);
  const single1 = await throughput(() => startRouters(1, TRACING.idsOnly));
  console.log(`single Redis, 1 router: ${single1.eventsPerSecond.toFixed(0)} events/s (load ${load()})`);
  const single3 = await throughput(() => startRouters(3, TRACING.idsOnly));
  console.log(`single Redis, 3 routers: ${single3.eventsPerSecond.toFixed(0)} events/s (load ${load()})`);
  const cluster = await startRedisCluster();
  const shared = redis;
  try {
    targetUrl = cluster.url;
    redis = createRedisConnection(cluster.url, createLogger({ service: 'bench', level: 'silent' }));
    const cluster1 = await throughput(() => startRouters(1, TRACING.idsOnly));
    console.log(`cluster (3 masters), 1 router: ${cluster1.eventsPerSecond.toFixed(0)} events/s (load ${load()})`);
    const cluster3 = await throughput(() => startRouters(3, TRACING.idsOnly));
    console.log(`cluster (3 masters), 3 routers: ${cluster3.eventsPerSecond.toFixed(0)} events/s (load ${load()})`);
    const row = (routers: string, single: Throughput, clustered: Throughput) => ({
      routers,
      'single Redis events/s': single.eventsPerSecond.toFixed(0),
      'cluster events/s': clustered.eventsPerSecond.toFixed(0),
      'cluster / single': (clustered.eventsPerSecond / single.eventsPerSecond).toFixed(2),
      'events per CPU s (single, cluster)': `${single.eventsPerCpuSecond.toFixed(0)}, ${clustered.eventsPerCpuSecond.toFixed(0)}`,
    });
    console.log('\n' + table([row('1', single1, cluster1), row('3', single3, cluster3)]));
    console.log(`load average (1/5/15) at the end: ${load()}`);
  } finally {
    redis.disconnect();
    redis = shared;
    targetUrl = redisUrl();
    await cluster.destroy();
  }
}

try {
  const community = await new CommunityRepository(database.pool).create({ slug: 'bench', name: 'Bench' });
  for (const channel of channels) {
    await new ChannelRepository(database.pool).create({ communityId: community.id, platform: 'twitch', platformChannelId: channel.id, name: channel.name });
  }
  if (CLUSTER) await clusterComparison();
  else if (ONLY_LATENCY) await latencyFigures();
  else {
    console.log(`router benchmark: ${cpus().length} cores, ${THROUGHPUT_EVENTS} events per throughput run, Redis ${redisUrl()}; load ${load()}`);
    const filterRows = [
      ...(await compareFilters(database.pool, community.id, (env) => throughput(() => startRouters(1, env), FILTER_EVENTS, FILTER_BENCH_TEXT))),
      ...(await filterCpuCost(redis, uniquePrefix('bench-filters'))),
    ];
    if (ONLY_FILTERS) console.log('\n' + table([...filterRows, { measure: 'load average (1/5/15) at the end', value: load() }]));
    else await routerFigures(filterRows);
  }
} finally {
  // The cluster (--cluster) was the run's own and is gone; the shared Redis is cleaned by prefix.
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  receiver.close();
  await database.drop();
}

/** The steady-rate latency alone (default tracing), for repeated runs while chasing the tail. */
async function latencyFigures(): Promise<void> {
  const floor = await steadyLatency(() => startBare(false));
  const steady = await steadyLatency(() => startRouters(1, TRACING.idsOnly));
  console.log(
    '\n' + table([...latencyRows('bare Redis work', floor), ...latencyRows('trace ids only', steady, floor), { measure: 'load average (1/5/15) at the end', value: load() }]),
  );
}

/** Throughput against the bare work, tracing, three routers, latency at a steady rate; the filters' rows appended. */
async function routerFigures(filterRows: Array<{ measure: string; value: string }>): Promise<void> {
  // The bare figure is taken before and after the routers' and averaged, so drift in the
  // machine's load during the run moves both sides of the ratio alike.
  const report = (label: string, result: Throughput, extra = '') =>
    console.log(`${label}: ${result.eventsPerSecond.toFixed(0)} events/s, ${result.eventsPerCpuSecond.toFixed(0)} events per CPU second${extra} (load ${load()})`);
  const bareBefore = await throughput(startBare);
  report('bare Redis work', bareBefore);
  const routerOff = await throughput(() => startRouters(1, TRACING.off));
  report('1 router, tracing off', routerOff);
  const routerIds = await throughput(() => startRouters(1, TRACING.idsOnly));
  report('1 router, trace ids only', routerIds);
  const spansBefore = received.spans;
  const tracesBefore = received.traces.size;
  const routerSampled = await throughput(() => startRouters(1, TRACING.sampledExport));
  const exported = { spans: received.spans - spansBefore, traces: received.traces.size - tracesBefore };
  report('1 router, 1 % sampled, OTLP export', routerSampled, `, ${exported.spans} spans in ${exported.traces} traces received`);
  const bareAfter = await throughput(startBare);
  report('bare Redis work again', bareAfter);
  const threeRouters = await throughput(() => startRouters(3));
  report('3 routers', threeRouters);
  const bare: Throughput = {
    eventsPerSecond: (bareBefore.eventsPerSecond + bareAfter.eventsPerSecond) / 2,
    eventsPerCpuSecond: (bareBefore.eventsPerCpuSecond + bareAfter.eventsPerCpuSecond) / 2,
  };

  const floor = await steadyLatency(() => startBare(false));
  console.log(`bare work's latency at ${STEADY_RATE} events/s: ${floor.latencies.length} answers (load ${load()})`);
  const steady = await steadyLatency(() => startRouters(1, TRACING.idsOnly));
  console.log(`latency at ${STEADY_RATE} events/s over ${STEADY_SECONDS} s after ${WARMUP_SECONDS} s warm-up: ${steady.latencies.length} answers (load ${load()})`);
  const steadySampled = await steadyLatency(() => startRouters(1, TRACING.sampledExport));
  console.log(`latency, 1 % sampled export: ${steadySampled.latencies.length} answers (load ${load()})`);

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

  const ratio = (value: Throughput) =>
    `${value.eventsPerSecond.toFixed(0)} events/s = ${(value.eventsPerSecond / bare.eventsPerSecond).toFixed(2)} × bare; ` +
    `${value.eventsPerCpuSecond.toFixed(0)} per CPU s = ${(value.eventsPerCpuSecond / bare.eventsPerCpuSecond).toFixed(2)} × bare`;
  console.log('\n' + table([
    {
      measure: 'bare Redis work (1 client, no framework; mean of before/after)',
      value:
        `${bare.eventsPerSecond.toFixed(0)} events/s (${bareBefore.eventsPerSecond.toFixed(0)}, ${bareAfter.eventsPerSecond.toFixed(0)}); ` +
        `${bare.eventsPerCpuSecond.toFixed(0)} per CPU s (${bareBefore.eventsPerCpuSecond.toFixed(0)}, ${bareAfter.eventsPerCpuSecond.toFixed(0)})`,
    },
    { measure: '1 router, tracing off', value: ratio(routerOff) },
    { measure: '1 router, trace ids only (default, no exporter)', value: ratio(routerIds) },
    { measure: '1 router, 1 % sampled, OTLP/HTTP export', value: `${ratio(routerSampled)}; ${exported.spans} spans / ${exported.traces} traces exported` },
    { measure: '3 routers (trace ids only; per CPU s of all three)', value: ratio(threeRouters) },
    ...latencyRows('bare Redis work', floor),
    ...latencyRows('trace ids only', steady, floor),
    ...latencyRows('1 % sampled export', steadySampled, floor),
    { measure: 'load average (1/5/15) at the end', value: load() },
    ...filterRows,
  ]));
  console.log('\n' + table(redisRows));
  console.log(
    '\nPer answered `!ping` the router costs: 1/batch XREADGROUP, 1 EVALSHA (answer budget: INCR + PEXPIRE), ' +
      '1 EVALSHA (publishOnce: SET NX + XADD), 1/batch XACK; a custom command adds 1 EVALSHA (cooldown/counter charge).',
  );
}
