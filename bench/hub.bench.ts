/**
 * `npm run bench:hub`: authenticated read throughput of the hub started from dist, against
 * the real Redis and PostgreSQL, seeded with one community, one read key and 100 commands.
 * Rate limiting stays ON — every request runs the per-IP and per-key Redis scripts — but
 * the limits are set far above what the benchmark can send, so it measures throughput,
 * not 429s. Stops by itself.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady } from '@parley/launcher';
import { Redis } from 'ioredis';
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
const LIMIT = '100000000';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefghij';

const distRoot = fileURLToPath(new URL('..', import.meta.url));
const logDir = fileURLToPath(new URL('../../.parley/bench-logs', import.meta.url));
const redis = new Redis(redisUrl());
const prefix = uniquePrefix('bench-hub');
const database = await createTestDatabase();
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
  },
});

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
    { name: 'list commands (limit=50)', path: `/v1/communities/${community.id}/commands?limit=50` },
    { name: 'get one command', path: `/v1/communities/${community.id}/commands/cmd42` },
  ];
  const rows = [];
  for (const scenario of scenarios) {
    // A short warm-up so JIT and connection pools are settled before measuring.
    await autocannon({ url: `${base}${scenario.path}`, connections: 10, duration: 2, headers: { authorization: `Bearer ${key}` } });
    const result = await autocannon({ url: `${base}${scenario.path}`, connections: CONNECTIONS, duration: DURATION_S, headers: { authorization: `Bearer ${key}` } });
    rows.push({
      scenario: scenario.name,
      'req/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      'non-2xx': result.non2xx,
      errors: result.errors,
    });
  }
  console.log(`hub bench: ${COMMANDS} commands, 1 read key, ${CONNECTIONS} connections, ${DURATION_S} s per scenario, one hub process`);
  console.log(`rate limits ON (per-IP and per-key Redis checks on every request) with limits of ${LIMIT}/min, so nothing is refused`);
  console.log(table(rows));
} finally {
  await stopApps([hub]);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await database.drop();
}
