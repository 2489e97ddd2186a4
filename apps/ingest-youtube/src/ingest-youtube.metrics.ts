import type { StreamConsumer } from '@parley/bus';
import { registerIngestMetrics, type ChatIngest, type ConnectionHealth, type OutboundDelivery, type SharedTokenProvider } from '@parley/ingest';
import type { ShardMember } from '@parley/sharding';
import type { YouTubeAdapter, YouTubeFrame, YouTubeProject } from '@parley/youtube';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

interface Sources {
  adapter: YouTubeAdapter;
  projects: Map<string, YouTubeProject>;
  connectionHealth: ConnectionHealth;
  ingest: ChatIngest<YouTubeFrame>;
  delivery: OutboundDelivery;
  consumer: StreamConsumer;
  shardMember: ShardMember | null;
  refreshing: SharedTokenProvider[];
}

/**
 * The YouTube lib's events as Prometheus series and log lines, beside the kit's shared
 * series (`registerIngestMetrics`). Labels are bounded: YouTube's reasons, configured
 * project ids, states.
 */
export class IngestYouTubeMetrics {
  constructor(registry: Registry, sources: Sources, logger: Logger) {
    const { adapter, projects, connectionHealth, ingest, delivery, consumer, shardMember, refreshing } = sources;
    const quotaGauge = (name: string, help: string, read: (project: YouTubeProject) => Promise<number>) =>
      new Gauge({
        name,
        help,
        labelNames: ['project'] as const,
        registers: [registry],
        async collect() {
          for (const project of projects.values()) this.set({ project: project.id }, await read(project).catch(() => Number.NaN));
        },
      });
    quotaGauge('parley_youtube_quota_units_used', 'Units of the Google project spent this quota day (Pacific time), by every pod.', async (p) => (await p.budget.usage(p.id)).used);
    quotaGauge('parley_youtube_quota_units_left', 'Units of the Google project left this quota day (the send reserve included).', async (p) => (await p.budget.usage(p.id)).left);
    quotaGauge('parley_youtube_quota_units_projected', 'Units the day will have cost at the pace spent so far.', (p) => p.budget.projected(p.id));
    new Gauge({
      name: 'parley_youtube_quota_units_daily',
      help: 'Daily units of the Google project (10,000 by default).',
      labelNames: ['project'] as const,
      registers: [registry],
      collect() {
        for (const project of projects.values()) this.set({ project: project.id }, project.budget.options.dailyUnits);
      },
    });
    new Gauge({
      name: 'parley_youtube_channels',
      help: 'YouTube channels this pod follows, by status (checking, offline, live, degraded) and how a live chat is read.',
      labelNames: ['status', 'reading'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const state of adapter.followed()) this.inc({ status: state.status, reading: state.reading ?? '' });
      },
    });
    const apiErrors = new Counter({
      name: 'parley_youtube_api_errors_total',
      help: 'Failed YouTube calls while reading or checking, by YouTube reason (quotaExceeded, rateLimitExceeded, ...) or code.',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    adapter.on('error', (error) => {
      const reason = 'reason' in error ? String(error.reason) : 'code' in error ? String(error.code) : 'error';
      apiErrors.inc({ reason });
      logger.warn({ err: error.message }, 'youtube error');
    });
    adapter.on('state', (state) => {
      if (state.status === 'degraded') logger.warn({ channel: state.channelId, reason: state.reason, retryAt: state.retryAt }, 'youtube channel degraded');
      else logger.info({ channel: state.channelId, status: state.status, reading: state.reading, liveChatId: state.liveChatId }, 'youtube channel state');
    });

    const refreshes = new Counter({
      name: 'parley_youtube_token_refreshes_total',
      help: 'Token refreshes done by this pod (the others read the result), by outcome.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    for (const token of refreshing) {
      token.on('refreshed', () => refreshes.inc({ outcome: 'refreshed' }));
      token.on('refreshFailed', (error) => {
        refreshes.inc({ outcome: 'failed' });
        logger.warn({ err: error.message, status: error.status }, 'google token refresh failed');
      });
    }
    // The series every ingest app shares (events, delivery outcomes, connection ages, shard changes).
    registerIngestMetrics(registry, { platform: 'youtube', ingest, delivery, consumer, connectionHealth, shardMember }, logger);
  }
}
