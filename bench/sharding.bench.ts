/**
 * `npm run bench:sharding`: a simulation, no servers. 100,000 channels on 50 pods: the
 * max/mean load and the share of channels that move when one pod joins or leaves, for
 * plain consistent hashing at several virtual-node counts and for bounded loads.
 * Targets (issue 6): max/mean ≤ 1.10, moves ≤ 1.2 × (1/N).
 */
import { BoundedLoadPlacement, ConsistentHashPlacement, loadsOf, movedUnits, type PlacementStrategy } from '@parley/sharding';
import { table } from './support.js';

const UNITS = Number(process.env.BENCH_UNITS ?? 100_000);
const PODS = Number(process.env.BENCH_PODS ?? 50);
const MAX_MEAN_TARGET = 1.1;
const MOVE_TARGET_FACTOR = 1.2;

const units = Array.from({ length: UNITS }, (_, i) => `channel-${i}`);
const pods = Array.from({ length: PODS }, (_, i) => `ingest-twitch-${i}`);
const grown = [...pods, `ingest-twitch-${PODS}`];
// Removing one from the middle, not the last one added, so the test is not the reverse of the join.
const shrunk = pods.filter((_, i) => i !== Math.floor(PODS / 2));

const strategies: PlacementStrategy[] = [
  ...[16, 64, 128, 256, 512].map((virtualNodes) => new ConsistentHashPlacement({ virtualNodes })),
  ...[64, 256, 512].flatMap((virtualNodes) => [1.1, 1.05].map((loadFactor) => new BoundedLoadPlacement({ virtualNodes, loadFactor }))),
];

const rows = strategies.map((strategy) => {
  const started = performance.now();
  const base = strategy.place(units, pods);
  const placeMs = performance.now() - started;
  const loads = [...loadsOf(base, pods).values()];
  const maxOverMean = Math.max(...loads) / (UNITS / PODS);
  const added = movedUnits(base, strategy.place(units, grown)) / UNITS;
  // Units of the removed pod must move; the figure counts every unit that moved.
  const removed = movedUnits(base, strategy.place(units, shrunk)) / UNITS;
  const moveTarget = MOVE_TARGET_FACTOR / (PODS + 1);
  const moveTargetRemove = MOVE_TARGET_FACTOR / PODS;
  const options = (strategy as unknown as { options: Record<string, number> }).options;
  return {
    placement: strategy.name,
    vnodes: options.virtualNodes!,
    'load cap': options.loadFactor ? `${options.loadFactor}×mean` : '-',
    'max/mean': maxOverMean.toFixed(3),
    'moved, pod added': `${(added * 100).toFixed(2)}% (${(added * (PODS + 1)).toFixed(2)}×1/N)`,
    'moved, pod removed': `${(removed * 100).toFixed(2)}% (${(removed * PODS).toFixed(2)}×1/N)`,
    'place ms': placeMs.toFixed(0),
    'meets targets': maxOverMean <= MAX_MEAN_TARGET && added <= moveTarget && removed <= moveTargetRemove ? 'yes' : 'no',
  };
});

console.log(`sharding simulation: ${UNITS} channels on ${PODS} pods (targets: max/mean ≤ ${MAX_MEAN_TARGET}, moves ≤ ${MOVE_TARGET_FACTOR} × 1/N)\n`);
console.log(table(rows));
