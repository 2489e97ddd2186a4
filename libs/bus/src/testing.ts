import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@parley/launcher';
import type { Redis } from 'ioredis';

/** Test helpers for code that talks to Redis; import from `@parley/bus/testing`, never in production code. */

/** The Redis the integration tests use: `REDIS_URL`, or a local default. */
export function redisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

/** A key prefix no other test file or run shares: `test:<name>:<uuid>`. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomUUID()}`;
}

/**
 * Deletes every key starting with `prefix` (SCAN + UNLINK), never the whole database:
 * the test Redis is shared by tests running in parallel. Resolves to the number deleted.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** A redis-server of a test's own, for tests that stop Redis (never the shared one). */
export interface OwnRedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>;
}

export const OWN_REDIS_DEFAULTS = {
  /** How long a start may take to answer PING; generous for a busy machine. */
  startTimeoutMs: 30_000,
} as const;

/**
 * Runs Debian's `redis-server` on a free port with its own temp directory, nothing
 * persisted. Throws when `redis-server` is not installed.
 */
export async function startRedisServer(): Promise<OwnRedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const spawned = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = spawned;
    const failed = new Promise<never>((_, reject) => {
      spawned.once('error', reject);
      spawned.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited with code ${code}`)));
    });
    failed.catch(() => undefined);
    const deadline = Date.now() + OWN_REDIS_DEFAULTS.startTimeoutMs;
    while (!(await Promise.race([answersPing(port), failed]))) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${OWN_REDIS_DEFAULTS.startTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
export { OWN_CLUSTER_DEFAULTS, startRedisCluster, type ClusterProcess, type OwnClusterOptions, type OwnRedisCluster } from './redis-cluster.js';
