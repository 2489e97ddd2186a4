/**
 * `npm run soak`: a long run of the built apps (router, ingest-twitch, shard-manager from
 * dist/) against the real Redis and PostgreSQL and the Twitch fake, at a steady rate with
 * channel churn, printing each process's RSS and heap once a minute (RSS and heap used
 * from its own /metrics, and heap used right after a full GC forced through its inspector)
 * and at the end whether the heap after GC stayed within ±10 % of minute 1's. Not part of
 * `npm test`.
 *
 * Traffic, per second (SOAK_RATE events in all):
 * - half is chat in owned channels, typed by viewers into the fake and read by the ingest
 *   (1 in 100 lines a `!ping`, answered through the router and sent back by the ingest,
 *   within Twitch's send limit);
 * - half is written straight to the bus for channels nobody owns, each a new channel that
 *   chats for a few seconds and leaves (what a big network's other ingest pods would bring);
 * - every SOAK_CHURN_SECONDS one owned channel is retired (disabled in PostgreSQL: the shard
 *   manager takes it away, the ingest parts) and a new one created (and joined).
 *
 * Environment: SOAK_MINUTES (30), SOAK_RATE (1000 events/s), SOAK_OWNED_CHANNELS (20),
 * SOAK_CHURN_SECONDS (10).
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatEvent } from '@parley/contracts';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { freePort, launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { table } from './support.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const RATE = Number(process.env.SOAK_RATE ?? 1_000);
const OWNED_CHANNELS = Number(process.env.SOAK_OWNED_CHANNELS ?? 20);
const CHURN_SECONDS = Number(process.env.SOAK_CHURN_SECONDS ?? 10);
const TICK_MS = 100;
const FLAT_TOLERANCE = 0.1;
const PARTITIONS = 4;

const distRoot = fileURLToPath(new URL('..', import.meta.url));
const logDir = fileURLToPath(new URL('../../.parley/soak-logs', import.meta.url));
const prefix = uniquePrefix('soak');
const keys = new StreamKeys(prefix, PARTITIONS);
const redis = new Redis(redisUrl(), { enableAutoPipelining: true });
const fake = new TwitchTmiFake();
const database = await createTestDatabase();
const apps: AppProcess[] = [];

interface Measured {
  app: AppProcess;
  /** The process's inspector (`--inspect`), through which the soak collects its garbage before reading the heap. */
  inspectorPort: number;
}

interface Sample {
  rssMb: number;
  /** Heap used as /metrics reports it: includes garbage not yet collected. */
  heapUsedMb: number;
  /** Heap used right after a full collection: what the process really keeps. */
  heapKeptMb: number;
}

/** RSS and heap from the process's Prometheus endpoint (prom-client's default metrics), and the heap after a forced full GC. */
async function memoryOf({ app, inspectorPort }: Measured): Promise<Sample> {
  const text = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
  const value = (name: string): number => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)$`, 'm').exec(text);
    if (!match) throw new Error(`${app.name} /metrics has no ${name}`);
    return Number(match[1]) / 2 ** 20;
  };
  return { rssMb: value('process_resident_memory_bytes'), heapUsedMb: value('nodejs_heap_size_used_bytes'), heapKeptMb: (await heapAfterGc(inspectorPort)) / 2 ** 20 };
}

/**
 * Heap used right after a full GC, through the Chrome DevTools Protocol: heap used at an
 * arbitrary instant swings by the garbage not yet collected (±50 % minute to minute at
 * these rates), which would hide a slow leak or fake one.
 */
async function heapAfterGc(inspectorPort: number): Promise<number> {
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let nextId = 1;
  type Reply = { id?: number; result?: { result?: { value?: unknown } } };
  const call = (method: string, params: object = {}) =>
    new Promise<Reply>((resolve) => {
      const id = nextId++;
      const onMessage = (message: MessageEvent) => {
        const reply = JSON.parse(String(message.data)) as Reply;
        if (reply.id !== id) return;
        socket.removeEventListener('message', onMessage);
        resolve(reply);
      };
      socket.addEventListener('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const reply = await call('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
    return Number(reply.result?.result?.value);
  } finally {
    socket.close();
  }
}

function unownedEvent(channel: number, index: number): ChatEvent {
  const now = new Date().toISOString();
  return {
    v: 1,
    id: `twitch:soak-${index}`,
    platform: 'twitch',
    channel: { id: `soak-drive-by-${channel}`, name: `driveby${channel}` },
    author: { id: `u${index % 5_000}`, name: `viewer${index % 5_000}`, displayName: `Viewer${index % 5_000}`, roles: ['everyone'], isBot: false },
    text: index % 50 === 0 ? '!ping' : 'hello there',
    kind: 'message',
    sentAt: now,
    receivedAt: now,
  };
}

try {
  const { ircUrl } = await fake.start();
  const community = await new CommunityRepository(database.pool).create({ slug: 'soak', name: 'Soak' });
  const channelRepository = new ChannelRepository(database.pool);
  let channelSerial = 0;
  const owned: Array<{ id: string; name: string }> = [];
  const addOwned = async (): Promise<void> => {
    const name = `soakroom${channelSerial++}`;
    const channel = await channelRepository.create({ communityId: community.id, platform: 'twitch', platformChannelId: fake.channelId(name), name });
    owned.push({ id: channel.id, name });
  };
  for (let i = 0; i < OWNED_CHANNELS; i++) await addOwned();

  const env = {
    REDIS_URL: redisUrl(),
    DATABASE_URL: database.url,
    PARLEY_KEY_PREFIX: prefix,
    PARLEY_EVENT_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: 'warn',
  };
  const inspectorPorts = { router: await freePort(), ingest: await freePort() };
  const inspect = (port: number) => ({ NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:${port}`.trim() });
  const router = await launchApp('router', { distRoot, logDir, env: { ...env, ...inspect(inspectorPorts.router), ROUTER_CONSUMER_NAME: 'soak-router' } });
  apps.push(router);
  const manager = await launchApp('shard-manager', { distRoot, logDir, env: { ...env, SHARD_MANAGER_ID: 'soak-manager', SHARD_UNITS_POLL_INTERVAL_MS: '2000' } });
  apps.push(manager);
  const ingest = await launchApp('ingest-twitch', {
    distRoot,
    logDir,
    env: {
      ...env,
      TWITCH_IRC_URL: ircUrl,
      TWITCH_BOT_LOGIN: 'parleybot',
      TWITCH_OAUTH_TOKEN: 'soak-token',
      TWITCH_JOIN_LIMIT: '2000',
      INGEST_MEMBER_ID: 'soak-ingest',
      INGEST_CONSUMER_NAME: 'soak-ingest',
      INGEST_ASSIGNMENT_POLL_MS: '500',
      ...inspect(inspectorPorts.ingest),
    },
  });
  apps.push(ingest);
  await waitUntilReady(apps, 120_000);
  const measured: Measured[] = [
    { app: router, inspectorPort: inspectorPorts.router },
    { app: ingest, inspectorPort: inspectorPorts.ingest },
  ];
  console.log(
    `soak: ${MINUTES} min at ${RATE} events/s (half owned chat through the fake and the ingest, half unowned drive-by channels on the bus), ` +
      `${OWNED_CHANNELS} owned channels, one replaced every ${CHURN_SECONDS} s; logs in ${logDir}`,
  );

  const perMinute: Array<Record<string, string | number>> = [];
  const heapByMinute = new Map<string, number[]>(measured.map(({ app }) => [app.name, []]));
  const started = performance.now();
  let tick = 0;
  let eventIndex = 0;
  let driveBy = 0;
  let nextChurn = started + CHURN_SECONDS * 1_000;
  let nextSample = started + 60_000;
  let minute = 0;
  let ingestedEvents = 0;
  const perTick = (RATE * TICK_MS) / 1_000;

  // Ctrl-C (or SIGTERM) ends the run early and still stops the apps and cleans up.
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (interrupted = true));
  while (minute < MINUTES && !interrupted) {
    // Owned chat: viewers type into the fake, the ingest reads it (only where it has joined).
    for (let i = 0; i < perTick / 2; i++) {
      const channel = owned[(eventIndex + i) % owned.length]!;
      const text = (eventIndex + i) % 100 === 0 ? '!ping' : 'just chatting';
      if (fake.joinedConnections(channel.name) > 0) {
        fake.viewerSay(channel.name, { login: `viewer${(eventIndex + i) % 5_000}`, text });
        ingestedEvents++;
      }
    }
    // Unowned channels straight on the bus: a new channel every 20 events, each chatting briefly.
    const pipeline = redis.pipeline();
    for (let i = 0; i < perTick / 2; i++) {
      if (eventIndex % 20 === 0) driveBy++;
      const event = unownedEvent(driveBy, eventIndex++);
      pipeline.xadd(keys.eventStreamFor('twitch', event.channel.id), 'MAXLEN', '~', '100000', '*', 'payload', JSON.stringify(event), 'ts', Date.now());
    }
    await pipeline.exec();

    const now = performance.now();
    if (now >= nextChurn) {
      nextChurn += CHURN_SECONDS * 1_000;
      const retired = owned.shift()!;
      await database.pool.query('UPDATE channels SET enabled = false WHERE id = $1', [retired.id]);
      await addOwned();
    }
    if (now >= nextSample) {
      nextSample += 60_000;
      minute++;
      const row: Record<string, string | number> = { minute };
      for (const target of measured) {
        const sample = await memoryOf(target);
        heapByMinute.get(target.app.name)!.push(sample.heapKeptMb);
        row[`${target.app.name} RSS MB`] = sample.rssMb.toFixed(0);
        row[`${target.app.name} heap MB (used / after GC)`] = `${sample.heapUsedMb.toFixed(1)} / ${sample.heapKeptMb.toFixed(1)}`;
      }
      row['events sent'] = eventIndex + ingestedEvents;
      row['load (1/5/15)'] = loadavg().map((value) => value.toFixed(2)).join(' ');
      perMinute.push(row);
      console.log(Object.entries(row).map(([name, value]) => `${name}: ${value}`).join(', '));
    }
    tick++;
    await sleep(Math.max(0, started + tick * TICK_MS - performance.now()));
  }

  console.log('\n' + table(perMinute));
  let flat = true;
  for (const [name, heaps] of heapByMinute) {
    const [first, ...rest] = heaps;
    if (first === undefined || rest.length === 0) {
      console.log(`${name}: too short a run to judge (need at least 2 minutes)`);
      flat = false;
      continue;
    }
    const low = Math.min(...rest);
    const high = Math.max(...rest);
    const within = low >= first * (1 - FLAT_TOLERANCE) && high <= first * (1 + FLAT_TOLERANCE);
    flat &&= within;
    console.log(
      `${name}: heap after GC at minute 1 ${first.toFixed(1)} MB; minutes 2-${heaps.length} ${low.toFixed(1)}-${high.toFixed(1)} MB ` +
        `(${(((low - first) / first) * 100).toFixed(1)} % to ${(((high - first) / first) * 100).toFixed(1)} %): ${within ? 'within' : 'OUTSIDE'} ±${FLAT_TOLERANCE * 100} %`,
    );
  }
  console.log(flat ? 'heap flat: yes' : 'heap flat: NO');
  process.exitCode = flat ? 0 : 1;
} finally {
  await stopApps(apps);
  await fake.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await database.drop();
}
