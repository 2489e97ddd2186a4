/**
 * The spam filters' part of `npm run bench:router`: router throughput with the chat modules
 * off, on with no filters configured, and with every filter of the community on, measured
 * in turns in one run; the filters' cost is 1 − (every filter on ÷ no filters).
 */
import { deleteKeysWithPrefix } from '@parley/bus/testing';
import { ChatModuleKeys, SpamFilters } from '@parley/chat-modules';
import type { ChannelConfig } from '@parley/commands';
import type { ChatEvent } from '@parley/contracts';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** Every filter on and enforcing (on Twitch they still run in dry run: no platform can act yet). */
export const EVERY_FILTER_ON = {
  enabled: true,
  dryRun: false,
  links: { enabled: true, allow: ['twitch.tv', 'youtube.com'] },
  caps: { enabled: true },
  symbols: { enabled: true },
  emotes: { enabled: true },
  repeats: { enabled: true },
  length: { enabled: true },
  words: { enabled: true, banned: Array.from({ length: 100 }, (_, i) => `bannedword${i}`) },
  patterns: { enabled: true, patterns: Array.from({ length: 20 }, (_, i) => `fr[e3]{2}\\s*(v-?bucks|followers)${i}|(a+)+b${i}$`) },
};

const ROUNDS = Number(process.env.BENCH_FILTER_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** What a viewer's line looks like in this mode: the command and a typical sentence after it. */
export const FILTER_BENCH_TEXT = '!ping hey everyone, that last round was really close and I think we win the next one';

/** One throughput run: events/s on the wall clock and per CPU second of the router process. */
export interface FilterRun {
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
}

export async function compareFilters(
  pool: pg.Pool,
  communityId: string,
  throughput: (env: Record<string, string>) => Promise<FilterRun>,
): Promise<Array<{ measure: string; value: string }>> {
  const setFilters = async (settings: object | null) => {
    await pool.query('DELETE FROM module_settings WHERE community_id = $1', [communityId]);
    if (settings) await pool.query(`INSERT INTO module_settings (community_id, module, settings) VALUES ($1, 'filters', $2)`, [communityId, settings]);
  };
  const env = { OTEL_SDK_DISABLED: 'true' };
  const runs: Record<'bare' | 'modulesOn' | 'filtersOn', FilterRun[]> = { bare: [], modulesOn: [], filtersOn: [] };
  const cost: { wall: number[]; cpu: number[] } = { wall: [], cpu: [] };
  // A shared machine is noisy: the setups take turns, several rounds; each round's own ratio is kept, and medians are compared.
  for (let round = 0; round < ROUNDS; round++) {
    await setFilters(null);
    runs.bare.push(await throughput({ ...env, ROUTER_CHAT_MODULES: 'false' }));
    const without = await throughput(env);
    await setFilters(EVERY_FILTER_ON);
    const withFilters = await throughput(env);
    runs.modulesOn.push(without);
    runs.filtersOn.push(withFilters);
    cost.wall.push(1 - withFilters.eventsPerSecond / without.eventsPerSecond);
    cost.cpu.push(1 - withFilters.eventsPerCpuSecond / without.eventsPerCpuSecond);
    console.log(
      `filters round ${round + 1}: chat modules off ${runs.bare.at(-1)!.eventsPerSecond.toFixed(0)}, on without filters ${without.eventsPerSecond.toFixed(0)}, ` +
        `every filter on ${withFilters.eventsPerSecond.toFixed(0)} events/s; filters cost ${percent(cost.wall.at(-1)!)} (wall), ${percent(cost.cpu.at(-1)!)} (per CPU s)`,
    );
  }
  await setFilters(null);
  const shown = (figures: FilterRun[]) =>
    `${median(figures.map((run) => run.eventsPerSecond)).toFixed(0)} events/s, ${median(figures.map((run) => run.eventsPerCpuSecond)).toFixed(0)} per CPU s`;
  const spread = (values: number[]) => `median ${percent(median(values))} (rounds: ${values.map(percent).join(', ')})`;
  return [
    { measure: `filters: 1 router, chat modules off (median of ${ROUNDS})`, value: shown(runs.bare) },
    { measure: 'filters: 1 router, chat modules on, no filters', value: shown(runs.modulesOn) },
    { measure: 'filters: 1 router, every filter on', value: shown(runs.filtersOn) },
    { measure: 'filters cost (1 − every filter on ÷ no filters), wall clock', value: spread(cost.wall) },
    { measure: 'filters cost, per CPU second of the router', value: spread(cost.cpu) },
  ];
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

/**
 * CPU time one line costs in the filters, in this process, against real Redis: a figure a
 * loaded machine does not blur the way it blurs throughput (time waiting for a core is not
 * counted). Each row drops the costliest remaining filter.
 */
export async function filterCpuCost(redis: Redis, keyPrefix: string): Promise<Array<{ measure: string; value: string }>> {
  const filters = new SpamFilters(redis, new ChatModuleKeys(keyPrefix));
  const line = (i: number): ChatEvent => ({
    v: 1,
    id: `twitch:cpu-${i}`,
    platform: 'twitch',
    channel: { id: 'bench-room', name: 'bench' },
    author: { id: `u${i}`, name: `viewer${i}`, displayName: `Viewer${i}`, roles: ['everyone'], isBot: false },
    text: FILTER_BENCH_TEXT,
    kind: 'message',
    sentAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
  });
  const setups: Array<[string, object]> = [
    ['every filter', EVERY_FILTER_ON],
    ['every filter but repeats (a Redis script per batch and channel)', { ...EVERY_FILTER_ON, repeats: { enabled: false } }],
    ['every filter but repeats and patterns (RE2)', { ...EVERY_FILTER_ON, repeats: { enabled: false }, patterns: { enabled: false } }],
  ];
  const rows = [];
  for (const [name, settings] of setups) {
    const config: ChannelConfig = { communityId: '00000000-0000-4000-8000-000000000000', channelId: 'bench', commandPrefix: '!', commands: [], moduleSettings: { filters: settings as Record<string, unknown> } };
    for (let i = 0; i < 500; i++) await filters.check(line(i), config);
    const lines = 5_000;
    const before = process.cpuUsage();
    for (let i = 0; i < lines; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => filters.check(line(i + j), config)));
    const used = process.cpuUsage(before);
    rows.push({ measure: `filters CPU per line: ${name}`, value: `${((used.user + used.system) / lines).toFixed(0)} µs` });
  }
  await deleteKeysWithPrefix(redis, keyPrefix);
  return rows;
}
