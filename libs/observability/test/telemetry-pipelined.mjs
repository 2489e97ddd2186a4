// Run by telemetry.int.spec.ts in its own process: two events handled in the same tick on
// one auto-pipelined client, the first in an unsampled trace (as 99 % of the bus is at a
// 1 % ratio), the second in a sampled one. Prints both trace ids.
import { startTelemetry } from '../src/telemetry.ts';

const telemetry = startTelemetry({ serviceName: 'telemetry-pipelined' });

const { trace, context, TraceFlags } = await import('@opentelemetry/api');
const { randomBytes } = await import('node:crypto');
const { Redis } = await import('ioredis');

const redis = new Redis(process.env.REDIS_URL, { enableAutoPipelining: true });
await redis.ping();
const tracer = trace.getTracer('fixture');

/** An event consumed from the bus under a remote parent, sampled or not. */
function handle(sampled, key) {
  const parent = trace.setSpanContext(context.active(), {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
  return tracer.startActiveSpan(`handle ${key}`, {}, parent, async (span) => {
    await redis.set(key, '1', 'EX', 60);
    await redis.get(key);
    span.end();
    return span.spanContext().traceId;
  });
}

const prefix = process.env.KEY_PREFIX;
const [unsampled, sampled] = await Promise.all([handle(false, `${prefix}:unsampled`), handle(true, `${prefix}:sampled`)]);
redis.disconnect();
await telemetry.shutdown();
process.stdout.write(`${JSON.stringify({ unsampled, sampled })}\n`);
