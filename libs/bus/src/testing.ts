import { randomUUID } from 'node:crypto';
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
