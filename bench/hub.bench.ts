/**
 * `npm run bench:hub`: authenticated read throughput of the hub started from dist, against
 * the real Redis and PostgreSQL, seeded with one community, one read key and 100 commands.
 * Rate limiting stays ON — every request counts against the per-IP and per-key limits in
 * Redis — but the limits are set far above what the benchmark can send, so it measures
 * throughput, not 429s. Each scenario is also run against a bare Fastify process serving
 * the same JSON body (bare-json-server.ts), and the hub's throughput is printed as a ratio
 * of it, with the load average beside every figure (the machine may be shared).
 * `BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of the hub there. Stops by itself.
 */
import { fork } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady } from '@parley/launcher';
import { Redis } from 'ioredis';
import { monotonicUs, summarizeProfile, type ProfileCategory, type ProfileWindow } from './cpu-profile.js';
import { table } from './support.js';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: { url: string; connections: number; duration: number; headers: Record<string, string> }) => Promise<AutocannonResult>;
// autocannon ships no types; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const COMMANDS = 100;
/** USER_HZ: the unit of /proc/<pid>/stat's CPU times (100 on Linux). */
const CLOCK_TICKS = 100;
const LIMIT = '100000000';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefghij';

const distRoot = fileURLToPath(new URL('..', import.meta.url));
const logDir = fileURLToPath(new URL('../../.parley/bench-logs', import.meta.url));
const redis = new Redis(redisUrl());
const prefix = uniquePrefix('bench-hub');
const database = await createTestDatabase();
const profileDir = process.env.BENCH_CPU_PROF;
const hub = await launchApp('hub', {
  distRoot,
  logDir,
  env: {
    REDIS_URL: redisUrl(),
    DATABASE_URL: database.url,
    PARLEY_KEY_PREFIX: prefix,
    HUB_ADMIN_TOKEN: ADMIN_TOKEN,
    HUB_COOKIE_SECRET: 'bench-cookie-secret-0123456789abcdefghij',
    HUB_RATE_LIMIT_PER_KEY: LIMIT,
    HUB_RATE_LIMIT_PER_IP: LIMIT,
    LOG_LEVEL: 'warn',
    ...(process.env.HUB_DB_POOL_MAX ? { HUB_DB_POOL_MAX: process.env.HUB_DB_POOL_MAX } : {}),
    ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
  },
});
const bare = fork(fileURLToPath(new URL('./bare-json-server.js', import.meta.url)), { stdio: 'ignore' });
/** CPU time (user + system) a process has used, ms, from /proc (Linux). */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000) / CLOCK_TICKS;
};
/** Where a request's CPU goes, by what a sample's stack is doing (the first rule that matches). */
const HUB_COST_CATEGORIES: ProfileCategory[] = [
  { name: 'garbage collection', matches: ([leaf]) => leaf!.functionName === '(garbage collector)' },
  { name: 'OpenTelemetry (its own frames)', matches: ([leaf]) => leaf!.url.includes('@opentelemetry') },
  { name: 'Redis client: rate-limit scripts, their socket writes and replies', matches: (stack) => stack.some((frame) => /ioredis|redis-parser/.test(frame.url)) },
  { name: 'SHA-256 of the presented key', matches: (stack) => stack.some((frame) => frame.functionName === 'secretMatches') },
  { name: 'PostgreSQL client', matches: (stack) => stack.some((frame) => /node_modules\/pg(-pool|-protocol)?\//.test(frame.url)) },
  { name: 'metrics (prom-client)', matches: (stack) => stack.some((frame) => frame.url.includes('prom-client')) },
  { name: "the hub's own code (gate, route registry, caches)", matches: ([leaf]) => /dist\/(apps|libs)\//.test(leaf!.url) },
  { name: 'Node HTTP, Fastify, the response write, the rest', matches: () => true },
];
/** When the hub was under measured load: the part of its CPU profile that is summarised. */
const measuredWindows: Array<ProfileWindow & { scenario: string }> = [];
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

try {
  await waitUntilReady([hub]);
  const base = `http://127.0.0.1:${hub.port}`;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, any>;
  };
  const community = await call('POST', '/v1/communities', ADMIN_TOKEN, { slug: 'bench', name: 'Bench' });
  const key = (await call('POST', `/v1/communities/${community.id}/api-keys`, ADMIN_TOKEN, { name: 'bench', scopes: ['read'] })).key as string;
  for (let i = 0; i < COMMANDS; i++) {
    await call('POST', `/v1/communities/${community.id}/commands`, ADMIN_TOKEN, { name: `cmd${i}`, response: `Answer number ${i} for $(user)`, aliases: [`c${i}`] });
  }

  const scenarios = [
    { name: 'get one command', path: `/v1/communities/${community.id}/commands/cmd42` },
    { name: 'list commands (limit=50)', path: `/v1/communities/${community.id}/commands?limit=50` },
  ];
  // The bare server answers each scenario with the very body the hub answers it with.
  const bodies = await Promise.all(scenarios.map((scenario) => call('GET', scenario.path, key)));
  const barePort = await new Promise<number>((resolve) => {
    bare.once('message', (port) => resolve(port as number));
    bare.send(bodies);
  });
  const measure = async (url: string, headers: Record<string, string>, pid: number, scenario: string) => {
    // A short warm-up so JIT and connection pools are settled before measuring.
    await autocannon({ url, connections: 10, duration: 2, headers });
    const loadBefore = load();
    const cpuBefore = cpuMs(pid);
    const startUs = monotonicUs();
    const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
    if (pid === hub.child.pid) measuredWindows.push({ scenario, startUs, endUs: monotonicUs() });
    // CPU per request hardly depends on what else the machine runs; req/s does.
    const cpuPerRequest = (cpuMs(pid) - cpuBefore) / (result.requests.average * DURATION_S);
    return { result, cpuPerRequest, load: `${loadBefore} → ${load()}` };
  };
  const rows = [];
  for (const [index, scenario] of scenarios.entries()) {
    const size = JSON.stringify(bodies[index]).length;
    const baseline = await measure(`http://127.0.0.1:${barePort}/bare/${index}`, {}, bare.pid!, scenario.name);
    const measured = await measure(`${base}${scenario.path}`, { authorization: `Bearer ${key}` }, hub.child.pid!, scenario.name);
    const row = (name: string, { result, cpuPerRequest, load: during }: Awaited<ReturnType<typeof measure>>) => ({
      scenario: name,
      bytes: size,
      'req/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      'non-2xx': result.non2xx,
      errors: result.errors,
      'vs bare': (result.requests.average / baseline.result.requests.average).toFixed(3),
      'process CPU µs/req': Math.round(cpuPerRequest * 1_000),
      'load avg (1 5 15 min) before → after': during,
    });
    rows.push(row(`bare Fastify, same body (${scenario.name})`, baseline), row(`hub: ${scenario.name}`, measured));
  }
  console.log(`hub bench: ${COMMANDS} commands, 1 read key, ${CONNECTIONS} connections, ${DURATION_S} s per scenario, one hub process`);
  console.log(`rate limits ON (per-IP and per-key counters in Redis on every request) with limits of ${LIMIT}/min, so nothing is refused`);
  console.log(table(rows));
} finally {
  bare.kill('SIGTERM');
  await stopApps([hub]);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await database.drop();
}

if (profileDir) {
  // The hub writes its profile as it exits: the newest file is this run's.
  const file = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile')).sort().at(-1);
  if (file) {
    const { owners, functions, inclusive, busyPercent } = summarizeProfile(join(profileDir, file), 25, measuredWindows);
    console.log(`\nhub CPU profile ${join(profileDir, file)}, the measured hub scenarios only (busy ${busyPercent.toFixed(0)} % of the time), self time:`);
    console.log(table(owners));
    console.log(table(functions));
    console.log('\nwith what each calls (share of busy time):');
    console.log(table(inclusive));
    for (const window of measuredWindows) {
      const { categories, busyPercent: busyInScenario } = summarizeProfile(join(profileDir, file), 25, [window], HUB_COST_CATEGORIES);
      console.log(`\n${window.scenario}: busy ${busyInScenario.toFixed(0)} % of the time; busy time by what it is spent on:`);
      console.log(table(categories));
    }
  }
}
