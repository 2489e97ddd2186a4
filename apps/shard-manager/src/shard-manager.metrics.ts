import type { ShardManager } from '@parley/sharding';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The manager's state as Prometheus series. Labels are platforms only: no pod or channel values. */
export class ShardManagerMetrics {
  constructor(registry: Registry, manager: ShardManager, logger: Logger) {
    const leader = new Gauge({ name: 'parley_shard_manager_leader', help: '1 while this instance holds the leader lease.', registers: [registry] });
    const epoch = new Gauge({ name: 'parley_shard_assignment_epoch', help: 'Epoch of the last assignment this instance published.', labelNames: ['platform'] as const, registers: [registry] });
    const units = new Gauge({ name: 'parley_shard_units', help: 'Units (channels, gateway shards) placed.', labelNames: ['platform'] as const, registers: [registry] });
    const members = new Gauge({ name: 'parley_shard_members', help: 'Live ingest pods units were placed on.', labelNames: ['platform'] as const, registers: [registry] });
    const balance = new Gauge({ name: 'parley_shard_max_over_mean_load', help: 'Largest pod load over the mean load (1 is perfect).', labelNames: ['platform'] as const, registers: [registry] });
    const lastRebalance = new Gauge({ name: 'parley_shard_last_rebalance_timestamp_seconds', help: 'When this instance last published an assignment.', labelNames: ['platform'] as const, registers: [registry] });
    const rebalances = new Counter({ name: 'parley_shard_rebalances_total', help: 'Assignments published.', labelNames: ['platform'] as const, registers: [registry] });
    const moved = new Counter({ name: 'parley_shard_moved_units_total', help: 'Units that changed pod.', labelNames: ['platform'] as const, registers: [registry] });
    const errors = new Counter({ name: 'parley_shard_manager_errors_total', help: 'Failed leadership ticks or rebalances (Redis or Postgres unavailable).', registers: [registry] });

    manager.on('leadership', (leading) => {
      leader.set(leading ? 1 : 0);
      logger.info({ leading }, leading ? 'leading: placing units' : 'standing by');
    });
    manager.on('rebalanced', (r) => {
      epoch.set({ platform: r.platform }, r.epoch);
      units.set({ platform: r.platform }, r.units);
      members.set({ platform: r.platform }, r.members);
      balance.set({ platform: r.platform }, r.maxOverMean);
      lastRebalance.set({ platform: r.platform }, Date.now() / 1_000);
      rebalances.inc({ platform: r.platform });
      moved.inc({ platform: r.platform }, r.moved);
      logger.info(r, 'assignment published');
    });
    manager.on('error', (error) => {
      errors.inc();
      logger.warn({ err: error.message }, 'shard manager error');
    });
    leader.set(0);
  }
}
