import { StreamConsumer, StreamProducer } from '@parley/bus';
import { ChannelConfigCache, CommandEngine, EventRouter } from '@parley/commands';
import { StreamKeys } from '@parley/contracts';
import { WebhookModuleClient } from '@parley/modules';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { RouterMetrics } from './router.metrics.js';

const keys = new StreamKeys('router-metrics-spec', 1);
// Never connects: the metrics only listen to the sources' events.
const redis = new Redis({ lazyConnect: true });
const cache = new ChannelConfigCache(async () => null);
const modules = new WebhookModuleClient({ fallbackText: 'unavailable', allowList: [] });
const router = new EventRouter(new CommandEngine(), cache, new StreamProducer(redis), { keys, maxEventAgeMs: 60_000 });
const consumer = new StreamConsumer(redis, { streams: keys.allEventPartitions(), group: 'router', consumer: 'spec', deadLetterStream: (stream) => keys.deadLetterFor(stream), handler: async () => undefined });

afterEach(() => {
  cache.close();
  modules.close();
});

async function counted(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((value) => [Object.values(value.labels).join(','), value.value]));
}

describe('RouterMetrics', () => {
  it('counts routed events and cache lookups per label set, adding what came in since the last scrape', async () => {
    const registry = new Registry();
    new RouterMetrics(registry, { consumer, router, cache, modules }, pino({ level: 'silent' }));
    for (let i = 0; i < 3; i++) router.emit('routed', { platform: 'twitch', outcome: 'answered', latencyMs: 2 });
    router.emit('routed', { platform: 'twitch', outcome: 'unowned', latencyMs: 1 });
    router.emit('routed', { platform: 'discord', outcome: 'answered', latencyMs: 1 });
    cache.emit('hit');
    cache.emit('hit');
    cache.emit('miss');

    expect(await counted(registry, 'parley_router_events_total')).toEqual({ 'twitch,answered': 3, 'twitch,unowned': 1, 'discord,answered': 1 });
    expect(await counted(registry, 'parley_router_config_cache_total')).toEqual({ hit: 2, miss: 1 });

    router.emit('routed', { platform: 'twitch', outcome: 'answered', latencyMs: 2 });
    cache.emit('miss');
    expect(await counted(registry, 'parley_router_events_total')).toEqual({ 'twitch,answered': 4, 'twitch,unowned': 1, 'discord,answered': 1 });
    expect(await counted(registry, 'parley_router_config_cache_total')).toEqual({ hit: 2, miss: 2 });
    const latency = await registry.getSingleMetricAsString('parley_router_event_to_action_seconds');
    expect(latency).toMatch(/^parley_router_event_to_action_seconds_count\{platform="twitch"\} 4$/m);
  });
});
