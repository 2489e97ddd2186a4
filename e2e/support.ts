import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ChatAction, ChatEvent, Role, StreamKeys } from '@parley/contracts';
import type { Redis } from 'ioredis';

/** The repository root; end-to-end tests run the built apps under `dist/`. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const distRoot = fileURLToPath(new URL('../dist', import.meta.url));
export const logDir = fileURLToPath(new URL('../.parley/test-logs', import.meta.url));

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}


/** A v1 chat event as ingest-twitch would publish it, received now. */
export function chatEvent(channel: { id: string; name: string }, viewer: string, text: string, roles: Role[] = ['everyone']): ChatEvent {
  const now = new Date().toISOString();
  return {
    v: 1,
    id: `twitch:${randomUUID()}`,
    platform: 'twitch',
    channel,
    author: { id: `id-${viewer}`, name: viewer, displayName: viewer, roles, isBot: false },
    text,
    kind: 'message',
    sentAt: now,
    receivedAt: now,
  };
}

/** Every action on the platform's action stream, decoded. */
export async function readActions(redis: Redis, keys: StreamKeys, platform: 'twitch' = 'twitch'): Promise<ChatAction[]> {
  const entries = await redis.xrange(keys.actions(platform), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatAction);
}

/** Resolves when the group has acknowledged everything on every event partition. */
export async function waitUntilDrained(redis: Redis, keys: StreamKeys, group: string, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    for (const stream of keys.allEventPartitions()) {
      const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as Array<Array<string | number>>;
      const info = groups.map((flat) => Object.fromEntries(flat.flatMap((value, i) => (i % 2 ? [] : [[value, flat[i + 1]]])))).find((g) => g.name === group);
      if (!info || Number(info.pending) > 0 || Number(info.lag ?? 0) > 0) return undefined;
    }
    return true;
  }, timeoutMs, `group ${group} to acknowledge every event`);
}

/** A TCP server that accepts connections and never answers: a database that hangs. */
export function listenBlackhole(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(() => {});
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
