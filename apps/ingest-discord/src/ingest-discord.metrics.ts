import type { StreamConsumer } from '@parley/bus';
import type { DiscordAdapter, DiscordFrame } from '@parley/discord';
import { registerIngestMetrics, type ChatIngest, type ConnectionHealth, type OutboundDelivery } from '@parley/ingest';
import type { ShardMember } from '@parley/sharding';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

interface Sources {
  adapter: DiscordAdapter;
  connectionHealth: ConnectionHealth;
  ingest: ChatIngest<DiscordFrame>;
  delivery: OutboundDelivery;
  consumer: StreamConsumer;
  shardMember: ShardMember | null;
}

/**
 * The Discord adapter's events as Prometheus series and log lines, beside the kit's shared
 * series. Labels are bounded: shard statuses and Discord's close codes.
 */
export class IngestDiscordMetrics {
  constructor(registry: Registry, sources: Sources, logger: Logger) {
    const { adapter, connectionHealth, ingest, delivery, consumer, shardMember } = sources;
    new Gauge({
      name: 'parley_discord_shards',
      help: 'Gateway shards this pod runs, by status (connecting, ready, resuming, fatal: stopped on a fatal close code).',
      labelNames: ['status'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const status of ['connecting', 'ready', 'resuming', 'fatal']) this.set({ status }, 0);
        for (const state of adapter.shardStates()) this.inc({ status: state.status });
      },
    });
    const fatal = new Counter({
      name: 'parley_discord_fatal_closes_total',
      help: 'Gateway shards stopped by a fatal close code (4004 authentication failed, 4010-4014 shard, version or intents), by code.',
      labelNames: ['code'] as const,
      registers: [registry],
    });
    adapter.on('state', (state) => {
      if (state.status === 'fatal') {
        fatal.inc({ code: String(state.code) });
        logger.error({ shard: state.shardId, code: state.code, reason: state.reason }, `discord gateway shard ${state.shardId} closed with fatal code ${state.code} (${state.reason}): stopped, not reconnecting; fix the bot's token, shard count or intents`);
      } else logger.info({ shard: state.shardId, status: state.status }, 'discord gateway shard state');
    });
    adapter.on('debug', ({ shardId, message }) => logger.debug({ shard: shardId }, message));
    registerIngestMetrics(registry, { platform: 'discord', ingest, delivery, consumer, connectionHealth, shardMember }, logger);
  }
}
