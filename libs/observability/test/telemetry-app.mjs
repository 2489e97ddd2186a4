// An app's main.ts in miniature, run by telemetry.int.spec.ts in its own process:
// telemetry starts first, then everything it instruments is imported.
import { createRequire } from 'node:module';
import { startTelemetry } from '../src/telemetry.ts';

const telemetry = startTelemetry({ serviceName: 'telemetry-fixture' });

const { trace, context, propagation } = await import('@opentelemetry/api');
const { Redis } = await import('ioredis');
const { default: pg } = await import('pg');
// HTTP frameworks (fastify) are CommonJS and require('http'); do the same.
const http = createRequire(import.meta.url)('node:http');

const server = http.createServer((_request, response) => response.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const get = (path) =>
  new Promise((resolve, reject) => http.get(`${base}${path}`, (response) => response.resume().on('end', resolve)).on('error', reject));

const redis = new Redis(process.env.REDIS_URL);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });

const result = await trace.getTracer('fixture').startActiveSpan('handle-chat-message', async (span) => {
  await redis.ping();
  await pool.query('SELECT 1');
  await get('/work');
  await get('/healthz');
  const carrier = {};
  propagation.inject(context.active(), carrier);
  span.end();
  return { traceId: span.spanContext().traceId, carrier, enabled: telemetry.enabled, exportUrl: telemetry.exportUrl, instrumented: telemetry.instrumented };
});

redis.disconnect();
await pool.end();
await new Promise((resolve) => server.close(resolve));
await telemetry.shutdown();
process.stdout.write(`${JSON.stringify(result)}\n`);
