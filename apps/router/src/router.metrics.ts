import type { StreamConsumer } from '@parley/bus';
import type { ChannelConfigCache, EventRouter } from '@parley/commands';
import type { WebhookModuleClient } from '@parley/modules';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

interface Sources {
  consumer: StreamConsumer;
  router: EventRouter;
  cache: ChannelConfigCache;
  modules: WebhookModuleClient;
}

const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Turns the libs' events into Prometheus series and log lines. No per-channel or per-user labels. */
export class RouterMetrics {
  constructor(registry: Registry, { consumer, router, cache, modules }: Sources, logger: Logger) {
    // Counted in plain numbers per event and added to the counters when scraped: a labelled
    // prom-client increment hashes its labels every time, once per event on the hot path.
    const routedCounts = new Map<string, { platform: string; outcome: string; count: number }>();
    const lookupCounts = { hit: 0, miss: 0 };
    new Counter({
      name: 'parley_router_events_total',
      help: 'Chat events handled by the router, by platform and outcome.',
      labelNames: ['platform', 'outcome'] as const,
      registers: [registry],
      collect() {
        for (const tally of routedCounts.values()) {
          if (tally.count > 0) this.inc({ platform: tally.platform, outcome: tally.outcome }, tally.count);
          tally.count = 0;
        }
      },
    });
    const latency = new Histogram({
      name: 'parley_router_event_to_action_seconds',
      help: 'From ingest receiving an event to the router writing its actions.',
      labelNames: ['platform'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const deadLettered = new Counter({
      name: 'parley_bus_dead_lettered_total',
      help: 'Entries moved to the dead-letter stream.',
      registers: [registry],
    });
    const reclaimed = new Counter({
      name: 'parley_bus_reclaimed_total',
      help: 'Entries taken over from consumers that stopped acknowledging them.',
      registers: [registry],
    });
    new Counter({
      name: 'parley_router_config_cache_total',
      help: 'Configuration cache lookups by result.',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        for (const result of ['hit', 'miss'] as const) {
          if (lookupCounts[result] > 0) this.inc({ result }, lookupCounts[result]);
          lookupCounts[result] = 0;
        }
      },
    });
    new Gauge({
      name: 'parley_router_config_cache_channels',
      help: 'Channels (owned or not) whose configuration the router holds in memory.',
      registers: [registry],
      collect() {
        this.set(cache.size);
      },
    });
    const degraded = new Gauge({
      name: 'parley_router_config_degraded',
      help: '1 while configuration cannot be loaded and the router answers from its cache.',
      registers: [registry],
    });
    new Gauge({
      name: 'parley_bus_pending_entries',
      help: 'Entries delivered to the router group and not yet acknowledged, per stream.',
      labelNames: ['stream'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const stat of await consumer.stats().catch(() => [])) this.set({ stream: stat.stream }, stat.pending);
      },
    });
    new Gauge({
      name: 'parley_bus_lag_entries',
      help: 'Entries in the stream not yet delivered to the router group, per stream.',
      labelNames: ['stream'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const stat of await consumer.stats().catch(() => [])) if (stat.lag !== null) this.set({ stream: stat.stream }, stat.lag);
      },
    });

    new Gauge({
      name: 'parley_module_breaker_state',
      help: 'Circuit breaker of each webhook module: 0 closed, 1 half-open, 2 open.',
      labelNames: ['module_id'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const { name, state } of modules.breakers.states()) this.set({ module_id: name }, BREAKER_STATE_VALUE[state]);
      },
    });
    const moduleCalls = new Counter({
      name: 'parley_module_calls_total',
      help: 'Webhook module calls by outcome (reply, silent, fallback) and fallback reason.',
      labelNames: ['outcome', 'reason'] as const,
      registers: [registry],
    });
    modules.on('invoked', ({ outcome, reason }) => moduleCalls.inc({ outcome, reason: reason ?? '' }));
    modules.on('stateChanged', ({ name, state }) => logger.warn({ moduleId: name, state }, 'webhook module breaker changed state'));

    router.on('routed', ({ platform, outcome, latencyMs }) => {
      // Platforms × outcomes: a few dozen entries at most.
      const key = `${platform}:${outcome}`;
      const tally = routedCounts.get(key);
      if (tally) tally.count++;
      else routedCounts.set(key, { platform, outcome, count: 1 });
      if (outcome === 'answered') latency.observe({ platform }, latencyMs / 1_000);
    });
    consumer.on('deadLettered', ({ stream, id, reason }) => {
      deadLettered.inc();
      logger.warn({ stream, id, reason }, 'entry dead-lettered');
    });
    consumer.on('reclaimed', ({ count }) => reclaimed.inc(count));
    consumer.on('handlerError', (info: unknown) => logger.warn({ info }, 'event handling failed; it will be retried'));
    consumer.on('error', (error: Error) => logger.error({ err: error.message }, 'bus consumer error'));
    cache.on('hit', () => lookupCounts.hit++);
    cache.on('miss', () => lookupCounts.miss++);
    cache.on('degraded', (error) => {
      degraded.set(1);
      logger.warn({ err: error.message }, 'configuration unavailable; answering from cache');
    });
    cache.on('recovered', () => degraded.set(0));
  }
}
