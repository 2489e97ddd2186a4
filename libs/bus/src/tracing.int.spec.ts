import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, TraceFlags, context, createTraceState, trace, type SpanContext } from '@opentelemetry/api';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StreamConsumer } from './consumer.js';
import { PermanentError } from './errors.js';
import { StreamProducer } from './producer.js';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from './testing.js';

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];
type FinishedSpan = Parameters<SpanProcessor['onEnd']>[0];

/** Collects finished spans in memory. */
const finished: FinishedSpan[] = [];
const collector: SpanProcessor = {
  onStart: () => undefined,
  onEnd: (span) => void finished.push(span),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

// A real SDK: AsyncLocalStorage context manager, W3C trace-context propagator, a tracer provider.
const sdk = new NodeSDK({
  spanProcessors: [collector],
  instrumentations: [],
  resourceDetectors: [],
  autoDetectResources: false,
  metricReaders: [],
  logRecordProcessors: [],
});

const prefix = uniquePrefix('bus-tracing');
const redis = new Redis(redisUrl());
const stream = `${prefix}:events`;
const dlq = `${prefix}:dead-letter`;
const seen: { payload: unknown; active: SpanContext | undefined }[] = [];
let consumer: StreamConsumer;

beforeAll(async () => {
  sdk.start();
  consumer = new StreamConsumer(redis, {
    streams: [stream],
    group: 'router',
    consumer: `c-${randomUUID()}`,
    deadLetterStream: () => dlq,
    blockMs: 100,
    handler: async (entry) => {
      seen.push({ payload: entry.payload, active: trace.getActiveSpan()?.spanContext() });
      if ((entry.payload as { fail?: boolean }).fail) throw new PermanentError('rejected');
    },
  });
  await consumer.start();
});

afterAll(async () => {
  await consumer.stop();
  await sdk.shutdown();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

async function fieldsOf(id: string): Promise<Record<string, string>> {
  const [[, flat]] = (await redis.xrange(stream, id, id)) as [[string, string[]]];
  return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
}

describe('trace context across the bus', () => {
  it("makes the producer's active span the parent of the consumer's process span", async () => {
    const producer = new StreamProducer(redis);
    const tracer = trace.getTracer('test');
    let producerSpan!: SpanContext;
    const id = await tracer.startActiveSpan('ingest message', async (span) => {
      producerSpan = span.spanContext();
      try {
        return await producer.publish(stream, { n: 1 });
      } finally {
        span.end();
      }
    });

    const fields = await fieldsOf(id);
    expect(fields.traceparent).toBe(`00-${producerSpan.traceId}-${producerSpan.spanId}-01`);
    expect(fields).not.toHaveProperty('tracestate');

    await vi.waitFor(() => expect(finished.find((s) => s.name === `process ${stream}`)).toBeDefined());
    const processSpan = finished.find((s) => s.name === `process ${stream}`)!;
    expect(processSpan.kind).toBe(SpanKind.CONSUMER);
    expect(processSpan.spanContext().traceId).toBe(producerSpan.traceId);
    expect(processSpan.parentSpanContext?.spanId).toBe(producerSpan.spanId);
    expect(processSpan.parentSpanContext?.isRemote).toBe(true);
    expect(processSpan.attributes).toMatchObject({
      'messaging.system': 'redis',
      'messaging.destination.name': stream,
      'messaging.consumer.group.name': 'router',
      'messaging.message.id': id,
      'parley.bus.delivery_count': 1,
    });
    // The handler runs inside the process span.
    const handled = seen.find((s) => (s.payload as { n?: number }).n === 1)!;
    expect(handled.active?.spanId).toBe(processSpan.spanContext().spanId);
  });

  it('carries tracestate, through publishOnce too, and marks a failed handling on its span', async () => {
    const producer = new StreamProducer(redis);
    const remote: SpanContext = {
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('vendor=opaque'),
      isRemote: true,
    };
    await context.with(trace.setSpanContext(context.active(), remote), () =>
      producer.publishOnce(`${prefix}:mark`, 60, [{ stream, payload: { fail: true } }]),
    );
    const [[id]] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    const fields = await fieldsOf(id);
    expect(fields.traceparent).toBe(`00-${remote.traceId}-${remote.spanId}-01`);
    expect(fields.tracestate).toBe('vendor=opaque');

    await vi.waitFor(() => expect(finished.find((s) => s.attributes['messaging.message.id'] === id)).toBeDefined());
    const span = finished.find((s) => s.attributes['messaging.message.id'] === id)!;
    expect(span.spanContext().traceId).toBe(remote.traceId);
    expect(span.parentSpanContext?.spanId).toBe(remote.spanId);
    expect(span.parentSpanContext?.traceState?.get('vendor')).toBe('opaque');
    expect(span.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'rejected' });

    // The dead-letter entry keeps the trace context of the original.
    await vi.waitFor(async () => expect(await redis.xlen(dlq)).toBe(1));
    const [[, letter]] = (await redis.xrange(dlq, '-', '+')) as [[string, string[]]];
    expect(letter).toEqual(expect.arrayContaining(['traceparent', fields.traceparent, 'tracestate', 'vendor=opaque', 'reason', 'rejected']));
  });
});
