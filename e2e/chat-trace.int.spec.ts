import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { OtlpJsonReceiver, type ReceivedSpan } from '@parley/observability/testing';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir } from './support.js';

const CHANNEL = 'tracechannel';
const BOT = 'parleybot';
const SPAN_KIND = { CONSUMER: 5, PRODUCER: 4 } as const;

describe('one chat message is one trace, from ingest through the router to delivery', () => {
  const prefix = uniquePrefix('e2e-trace');
  const fake = new TwitchTmiFake();
  const collector = new OtlpJsonReceiver();
  const redis = new Redis(redisUrl());
  const apps: AppProcess[] = [];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const { ircUrl } = await fake.start();
    const collectorUrl = await collector.start();
    const community = await new CommunityRepository(database.pool).create({ slug: 'trace', name: 'Trace' });
    await new ChannelRepository(database.pool).create({ communityId: community.id, platform: 'twitch', platformChannelId: fake.channelId(CHANNEL), name: CHANNEL });
    const env = {
      REDIS_URL: redisUrl(),
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      PARLEY_EVENT_PARTITIONS: '2',
      TWITCH_IRC_URL: ircUrl,
      TWITCH_BOT_LOGIN: BOT,
      TWITCH_OAUTH_TOKEN: 'trace-token',
      TWITCH_CHANNELS: CHANNEL,
      LOG_LEVEL: 'warn',
      // As a deployment with a collector: OTLP/HTTP, the SDK's default sampler (always on).
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    apps.push(await launchApp('ingest-twitch', { distRoot, logDir, env }));
    apps.push(await launchApp('router', { distRoot, logDir, env }));
    await waitUntilReady(apps);
  });

  afterAll(async () => {
    await stopApps(apps);
    await fake.stop();
    await collector.stop();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  it('the ingest, router and delivery spans of one !ping share its trace id, parent to child', async () => {
    const id = fake.viewerSay(CHANNEL, { login: 'alice', text: '!ping' });
    await eventually(() => (fake.sentMessages(CHANNEL).some((line) => line.replyParentMsgId === id && line.delivered) ? true : undefined), 10_000, 'the answer');

    const chain = await eventually(() => {
      const spans = collector.spans();
      const ingest = spans.find((span) => span.service === 'ingest-twitch' && span.name === 'twitch message' && span.kind === SPAN_KIND.PRODUCER);
      if (!ingest) return undefined;
      const trace = spans.filter((span) => span.traceId === ingest.traceId);
      const routed = trace.find((span) => span.service === 'router' && span.name === `process ${prefix}:events:{${partitionOf(span)}}` && span.kind === SPAN_KIND.CONSUMER);
      const delivered = trace.find((span) => span.service === 'ingest-twitch' && span.name.startsWith(`process ${prefix}:actions:twitch:{`) && span.kind === SPAN_KIND.CONSUMER);
      return routed && delivered ? { ingest, routed, delivered, trace } : undefined;
    }, 15_000, 'ingest, router and delivery spans of one trace');

    expect(chain.routed.traceId).toBe(chain.ingest.traceId);
    expect(chain.delivered.traceId).toBe(chain.ingest.traceId);
    // Each hop descends from the one before it: the bus carried the context.
    expect(descendsFrom(chain.routed, chain.ingest, chain.trace)).toBe(true);
    expect(descendsFrom(chain.delivered, chain.routed, chain.trace)).toBe(true);
    // Only the one message was traced: no other trace has a router span.
    const routerTraces = new Set(collector.spans().filter((span) => span.service === 'router' && span.kind === SPAN_KIND.CONSUMER).map((span) => span.traceId));
    expect([...routerTraces]).toEqual([chain.ingest.traceId]);
  });
});

/** The partition in a `process <prefix>:events:{p}` span name. */
function partitionOf(span: ReceivedSpan): string {
  return /:events:\{(\d+)\}$/.exec(span.name)?.[1] ?? '';
}

/** True when `ancestor` is on `span`'s parent chain within the trace. */
function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, trace: ReceivedSpan[]): boolean {
  const byId = new Map(trace.map((each) => [each.spanId, each]));
  for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined) {
    if (parent.spanId === ancestor.spanId) return true;
  }
  return false;
}
