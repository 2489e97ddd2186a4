/**
 * `npm run bench:sharding`: a simulation, no servers. Three parts:
 *  1. 100,000 channels on 50 pods: max/mean load and the share of channels that move when
 *     one pod joins or leaves, per strategy (issue 6 targets: max/mean ≤ 1.10, moves ≤ 1.2 × 1/N).
 *  2. Small N (issue 22): pods join one by one from 1 to 50, then leave one by one (the
 *     middle one each time) back to 1, each placement fed the one before. Moves against the
 *     minimum: on a leave the leaver's units, on a join ceil(units / N). Targets: moves ≤
 *     1.1 × minimum and max/mean ≤ 1.10 at every N from 2 to 50.
 *  3. 1,000,000 channels on 500 pods: placement time (target < 2 s), against a bare
 *     baseline measured in the same run: hashing every id and filling a Map of them, the
 *     least any placement must do.
 * The machine is shared: the load average is printed beside each part, and times are
 * given as wall and CPU time of this process.
 */
import { loadavg } from 'node:os';
import {
  BoundedLoadPlacement,
  ConsistentHashPlacement,
  StickyBoundedLoadPlacement,
  loadsOf,
  movedUnits,
  ringPosition,
  type PlacementView,
  type PlacementStrategy,
} from '@parley/sharding';
import { table } from './support.js';

const UNITS = Number(process.env.BENCH_UNITS ?? 100_000);
const PODS = Number(process.env.BENCH_PODS ?? 50);
const SMALL_N_UNITS = Number(process.env.BENCH_SMALL_N_UNITS ?? 10_000);
const SMALL_N_MAX = 50;
const LARGE_UNITS = Number(process.env.BENCH_LARGE_UNITS ?? 1_000_000);
const LARGE_PODS = Number(process.env.BENCH_LARGE_PODS ?? 500);
const MAX_MEAN_TARGET = 1.1;
const MOVE_TARGET_FACTOR = 1.2;
const MINIMAL_MOVE_TARGET = 1.1;
const LARGE_TARGET_MS = 2_000;

const channels = (count: number) => Array.from({ length: count }, (_, i) => `channel-${i}`);
const podName = (i: number) => `ingest-twitch-${i}`;
const pods = (count: number) => Array.from({ length: count }, (_, i) => podName(i));
const load = () => `load average ${loadavg().map((value) => value.toFixed(2)).join(', ')} (uptime)`;
const maxOverMean = (placement: PlacementView, members: readonly string[], unitCount: number) =>
  Math.max(...loadsOf(placement, members).values()) / (unitCount / members.length);

/** Wall and CPU milliseconds of `run` (CPU: this process, so other work on the machine shows only in wall time). */
function timed<T>(run: () => T): { result: T; wallMs: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { result, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

type Timed = { result: PlacementView; wallMs: number; cpuMs: number };

function optionsOf(strategy: PlacementStrategy): { virtualNodes: number; loadFactor?: number } {
  return (strategy as unknown as { options: { virtualNodes: number; loadFactor?: number } }).options;
}

function describeStrategy(strategy: PlacementStrategy): string {
  const options = optionsOf(strategy);
  return `${strategy.name} (${options.virtualNodes} vnodes${options.loadFactor ? `, cap ${options.loadFactor}×mean` : ''})`;
}

function fixedSize(): void {
  const units = channels(UNITS);
  const members = pods(PODS);
  const grown = [...members, podName(PODS)];
  // Removing one from the middle, not the last one added, so the test is not the reverse of the join.
  const shrunk = members.filter((_, i) => i !== Math.floor(PODS / 2));
  const strategies: PlacementStrategy[] = [
    ...[16, 64, 128, 256, 512].map((virtualNodes) => new ConsistentHashPlacement({ virtualNodes })),
    ...[64, 256, 512].flatMap((virtualNodes) => [1.1, 1.05].map((loadFactor) => new BoundedLoadPlacement({ virtualNodes, loadFactor }))),
    new StickyBoundedLoadPlacement(),
  ];
  const rows = strategies.map((strategy) => {
    const { result: base, wallMs } = timed(() => strategy.place(units, members));
    const ratio = maxOverMean(base, members, UNITS);
    const added = movedUnits(base, strategy.place(units, grown, base)) / UNITS;
    // Units of the removed pod must move; the figure counts every unit that moved.
    const removed = movedUnits(base, strategy.place(units, shrunk, base)) / UNITS;
    const options = optionsOf(strategy);
    return {
      placement: strategy.name,
      vnodes: options.virtualNodes,
      'load cap': options.loadFactor ? `${options.loadFactor}×mean` : strategy instanceof StickyBoundedLoadPlacement ? 'ceil(mean)' : '-',
      'max/mean': ratio.toFixed(3),
      'moved, pod added': `${(added * 100).toFixed(2)}% (${(added * (PODS + 1)).toFixed(2)}×1/N)`,
      'moved, pod removed': `${(removed * 100).toFixed(2)}% (${(removed * PODS).toFixed(2)}×1/N)`,
      'place ms': wallMs.toFixed(0),
      'meets targets':
        ratio <= MAX_MEAN_TARGET && added <= MOVE_TARGET_FACTOR / (PODS + 1) && removed <= MOVE_TARGET_FACTOR / PODS ? 'yes' : 'no',
    };
  });
  console.log(`1. ${UNITS} channels on ${PODS} pods (targets: max/mean ≤ ${MAX_MEAN_TARGET}, moves ≤ ${MOVE_TARGET_FACTOR} × 1/N); ${load()}\n`);
  console.log(table(rows));
}

interface Step {
  moved: number;
  minimum: number;
  maxOverMean: number;
}

/** Joins from 1 to SMALL_N_MAX pods, then leaves back to 1, each placement fed the previous one. Keyed by N after the step. */
function walk(strategy: PlacementStrategy, units: readonly string[]): { joins: Map<number, Step>; leaves: Map<number, Step> } {
  const joins = new Map<number, Step>();
  const leaves = new Map<number, Step>();
  let members = [podName(0)];
  let current = strategy.place(units, members);
  for (let count = 2; count <= SMALL_N_MAX; count++) {
    members = [...members, podName(count - 1)];
    const next = strategy.place(units, members, current);
    joins.set(count, { moved: movedUnits(current, next), minimum: Math.ceil(units.length / count), maxOverMean: maxOverMean(next, members, units.length) });
    current = next;
  }
  for (let count = SMALL_N_MAX; count >= 2; count--) {
    const leaver = members[Math.floor(members.length / 2)]!;
    const minimum = [...current.values()].filter((member) => member === leaver).length;
    members = members.filter((member) => member !== leaver);
    const next = strategy.place(units, members, current);
    // Keyed by N before the leave: "a pod leaves N pods".
    leaves.set(count, { moved: movedUnits(current, next), minimum, maxOverMean: count > 2 ? maxOverMean(next, members, units.length) : 1 });
    current = next;
  }
  return { joins, leaves };
}

function smallN(): void {
  const units = channels(SMALL_N_UNITS);
  const strategies: PlacementStrategy[] = [new StickyBoundedLoadPlacement(), new BoundedLoadPlacement(), new ConsistentHashPlacement()];
  const walks = strategies.map((strategy) => ({ strategy, ...walk(strategy, units) }));
  const ratio = (step: Step) => step.moved / Math.max(1, step.minimum);
  const rows = Array.from({ length: SMALL_N_MAX - 1 }, (_, i) => i + 2).map((count) => {
    const row: Record<string, string | number> = { N: count };
    for (const { strategy, joins, leaves } of walks) {
      const join = joins.get(count)!;
      const leave = leaves.get(count)!;
      const short = strategy.name.replace('sticky-bounded-load', 'sticky').replace('consistent-hash', 'plain ring');
      row[`${short}: join moved (×min)`] = `${join.moved} (${ratio(join).toFixed(2)})`;
      row[`${short}: leave moved (×min)`] = `${leave.moved} (${ratio(leave).toFixed(2)})`;
      row[`${short}: max/mean`] = Math.max(join.maxOverMean, leave.maxOverMean).toFixed(3);
    }
    return row;
  });
  console.log(
    `\n2. small N: ${SMALL_N_UNITS} channels, pods joining 1 → ${SMALL_N_MAX} then leaving ${SMALL_N_MAX} → 1, each placement fed the last; ` +
      `N = pods after a join / before a leave; minimum = ceil(units/N) on a join, the leaver's units on a leave ` +
      `(targets: ≤ ${MINIMAL_MOVE_TARGET} × minimum, max/mean ≤ ${MAX_MEAN_TARGET}; max/mean is the larger of the two steps at N); ${load()}\n`,
  );
  console.log(table(rows));
  console.log('');
  for (const { strategy, joins, leaves } of walks) {
    const worst = (steps: Map<number, Step>) => Math.max(...[...steps.values()].map(ratio));
    const worstBalance = Math.max(...[...joins.values(), ...leaves.values()].map((step) => step.maxOverMean));
    const meets = worst(joins) <= MINIMAL_MOVE_TARGET && worst(leaves) <= MINIMAL_MOVE_TARGET && worstBalance <= MAX_MEAN_TARGET;
    console.log(
      `${describeStrategy(strategy)}: worst join ${worst(joins).toFixed(3)} × min, worst leave ${worst(leaves).toFixed(3)} × min, ` +
        `worst max/mean ${worstBalance.toFixed(3)} → ${meets ? `meets the targets at every N from 2 to ${SMALL_N_MAX}` : 'misses the targets'}`,
    );
  }
}

function large(): void {
  const units = channels(LARGE_UNITS);
  const members = pods(LARGE_PODS);
  const sticky = new StickyBoundedLoadPlacement();
  console.log(`\n3. ${LARGE_UNITS} channels on ${LARGE_PODS} pods, ${describeStrategy(sticky)} (target: placement < ${LARGE_TARGET_MS} ms); ${load()}\n`);
  const bare: Timed = timed(() => {
    const placed = new Map<string, string>();
    for (const id of units) placed.set(id, members[ringPosition(id) % LARGE_PODS]!);
    return placed;
  });
  const scratch: Timed = timed(() => sticky.place(units, members));
  const grown = [...members, podName(LARGE_PODS)];
  const shrunk = members.filter((_, i) => i !== Math.floor(LARGE_PODS / 2));
  const leaverUnits = [...scratch.result.values()].filter((member) => member === members[Math.floor(LARGE_PODS / 2)]).length;
  const steps: Array<{ step: string; run: Timed; members: string[]; minimum?: number }> = [
    { step: 'bare baseline: hash every id, fill a Map', run: bare, members },
    { step: 'first placement (no previous)', run: scratch, members },
    { step: 'same pods, fed the last (a standby taking over)', run: timed(() => sticky.place(units, members, scratch.result)), members, minimum: 0 },
    { step: 'a pod joins', run: timed(() => sticky.place(units, grown, scratch.result)), members: grown, minimum: Math.ceil(LARGE_UNITS / (LARGE_PODS + 1)) },
    { step: 'a pod leaves', run: timed(() => sticky.place(units, shrunk, scratch.result)), members: shrunk, minimum: leaverUnits },
  ];
  const rows = steps.map(({ step, run, members: after, minimum }) => {
    const moved = minimum === undefined ? undefined : movedUnits(scratch.result, run.result);
    return {
      step,
      'wall ms': run.wallMs.toFixed(0),
      'cpu ms': run.cpuMs.toFixed(0),
      '× bare (cpu)': (run.cpuMs / bare.cpuMs).toFixed(2),
      'max/mean': run === bare ? '-' : maxOverMean(run.result, after, LARGE_UNITS).toFixed(3),
      'moved (minimum)': moved === undefined ? '-' : `${moved} (${minimum})`,
      'within target': run === bare ? '-' : run.wallMs < LARGE_TARGET_MS ? 'yes' : 'no',
    };
  });
  console.log(table(rows));
  console.log(`\n${load()}`);
}

fixedSize();
smallN();
large();
