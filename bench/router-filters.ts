/**
 * The spam-filter mode of `npm run bench:router` (`BENCH_FILTERS=1`): router throughput
 * with the chat modules off (the bare baseline), on with no filters configured, and with
 * every filter of the community on, measured back to back in one run.
 */
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

export async function compareFilters(
  pool: pg.Pool,
  communityId: string,
  throughput: (routers: number, env?: Record<string, string>) => Promise<number>,
): Promise<Array<{ measure: string; value: string }>> {
  const setFilters = async (settings: object | null) => {
    await pool.query('DELETE FROM module_settings WHERE community_id = $1', [communityId]);
    if (settings) await pool.query(`INSERT INTO module_settings (community_id, module, settings) VALUES ($1, 'filters', $2)`, [communityId, settings]);
  };
  const env = { OTEL_SDK_DISABLED: 'true' };
  const runs: Record<'bare' | 'modulesOn' | 'filtersOn', number[]> = { bare: [], modulesOn: [], filtersOn: [] };
  // A shared machine is noisy: the three setups take turns, several rounds, and medians are compared.
  for (let round = 0; round < ROUNDS; round++) {
    await setFilters(null);
    runs.bare.push(await throughput(1, { ...env, ROUTER_CHAT_MODULES: 'false' }));
    runs.modulesOn.push(await throughput(1, env));
    await setFilters(EVERY_FILTER_ON);
    runs.filtersOn.push(await throughput(1, env));
    console.log(`filters round ${round + 1}: off ${runs.bare.at(-1)!.toFixed(0)}, modules on ${runs.modulesOn.at(-1)!.toFixed(0)}, every filter on ${runs.filtersOn.at(-1)!.toFixed(0)} events/s`);
  }
  await setFilters(null);
  const bare = median(runs.bare);
  const shown = (figures: number[]) => `${median(figures).toFixed(0)} events/s, ${(median(figures) / bare).toFixed(2)}× the baseline`;
  return [
    { measure: `filters: 1 router, chat modules off (baseline, median of ${ROUNDS})`, value: `${bare.toFixed(0)} events/s` },
    { measure: 'filters: 1 router, chat modules on, no filters', value: shown(runs.modulesOn) },
    { measure: 'filters: 1 router, every filter on', value: shown(runs.filtersOn) },
  ];
}
