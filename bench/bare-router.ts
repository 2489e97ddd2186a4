/**
 * The bare Redis work one answered `!ping` needs, with one ioredis client and no framework:
 * `bench:router`'s baseline, run as its own process like a router, so both figures come
 * from the same harness. Per batch: XREADGROUP (COUNT, BLOCK) over every partition, then
 * per event JSON.parse of the payload, the answer-budget script, JSON.stringify of the
 * answer and the publish-once script (mark + XADD of the action), then one XACK per stream.
 * The scripts are the router's own files. Prints `ready` when it reads; stops on SIGTERM.
 *
 * Environment: REDIS_URL, PARLEY_KEY_PREFIX, PARLEY_EVENT_PARTITIONS, BARE_BATCH_SIZE (100),
 * BARE_AUTO_PIPELINING (1; 0 sends each command at once, as the router's connection does).
 */
import { readFileSync } from 'node:fs';
import { StreamKeys, chatActionId, type ChatAction, type ChatEvent } from '@parley/contracts';
import { Redis } from 'ioredis';

const keys = new StreamKeys(process.env.PARLEY_KEY_PREFIX!, Number(process.env.PARLEY_EVENT_PARTITIONS));
const batchSize = Number(process.env.BARE_BATCH_SIZE ?? 100);
const GROUP = 'router';
const MARK_TTL_SECONDS = 180;
const BUDGET_WINDOW_MS = 30_000;
const MAX_LEN = 100_000;

type ScriptedRedis = Redis & {
  spendBudget(key: string, windowMs: number): Promise<number>;
  publishOnce(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<0 | string[]>;
};

const redis = new Redis(process.env.REDIS_URL!, { enableAutoPipelining: process.env.BARE_AUTO_PIPELINING !== '0' }) as ScriptedRedis;
const reader = redis.duplicate();
redis.defineCommand('spendBudget', { numberOfKeys: 1, lua: readFileSync(new URL('../libs/commands/src/spendBudget-1.lua', import.meta.url), 'utf8') });
redis.defineCommand('publishOnce', { lua: readFileSync(new URL('../libs/bus/src/publishOnce-N.lua', import.meta.url), 'utf8') });

const streams = keys.allEventPartitions();
for (const stream of streams) {
  await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM').catch((error: Error) => {
    if (!error.message.includes('BUSYGROUP')) throw error;
  });
}

let running = true;
process.on('SIGTERM', () => (running = false));

async function answer(fields: string[]): Promise<void> {
  const event = JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatEvent;
  if ((await redis.spendBudget(keys.key('answers', 'bare', `${event.platform}:${event.author.id}`), BUDGET_WINDOW_MS)) > 10) return;
  const action: ChatAction = {
    v: 1,
    id: chatActionId(event.id, 0),
    platform: event.platform,
    channel: event.channel,
    kind: 'reply',
    text: 'Pong!',
    causedBy: event.id,
    targetMessageId: event.id.slice(event.platform.length + 1),
    eventReceivedAt: event.receivedAt,
  };
  await redis.publishOnce(2, keys.handled(event.platform, event.channel.id, event.id), keys.actionsFor(event.platform, event.channel.id), MARK_TTL_SECONDS, MAX_LEN, 1, 'ts', Date.now(), JSON.stringify(action));
}

console.log('ready');
while (running) {
  const reply = (await reader.xreadgroup('GROUP', GROUP, 'bare', 'COUNT', batchSize, 'BLOCK', 200, 'STREAMS', ...streams, ...streams.map(() => '>'))) as
    | Array<[string, Array<[string, string[]]>]>
    | null;
  if (!reply) continue;
  await Promise.all(reply.flatMap(([, entries]) => entries.map(([, fields]) => answer(fields))));
  await Promise.all(reply.map(([stream, entries]) => redis.xack(stream, GROUP, ...entries.map(([id]) => id))));
}
reader.disconnect();
redis.disconnect();
