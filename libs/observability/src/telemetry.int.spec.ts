import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OtlpJsonReceiver } from './testing.js';

const FIXTURE = fileURLToPath(new URL('../test/telemetry-app.mjs', import.meta.url));
const PIPELINED_FIXTURE = fileURLToPath(new URL('../test/telemetry-pipelined.mjs', import.meta.url));
const run = promisify(execFile);

interface FixtureResult {
  traceId: string;
  carrier: Record<string, string>;
  enabled: boolean;
  exportUrl: string | null;
  instrumented: string[];
}
/** An OTLP/HTTP collector in miniature: keeps what is POSTed to /v1/traces. */
const collector = new OtlpJsonReceiver();
const received = collector.requests;
let collectorUrl: string;

beforeAll(async () => {
  collectorUrl = await collector.start();
});
afterAll(() => collector.stop());
beforeEach(() => collector.clear());

async function runApp(env: Record<string, string>, fixture = FIXTURE): Promise<FixtureResult> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const { stdout } = await run(process.execPath, ['--disable-warning=ExperimentalWarning', fixture], {
    env: {
      ...inherited,
      REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
      DATABASE_URL: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
      ...env,
    },
    timeout: 20_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as FixtureResult;
}

describe('startTelemetry in an ESM app', () => {
  it('traces ioredis, pg and incoming HTTP under one trace and exports it over OTLP/HTTP', async () => {
    const result = await runApp({ OTEL_EXPORTER_OTLP_ENDPOINT: `${collectorUrl}/` });
    expect(result.instrumented).toEqual(['http', 'ioredis', 'pg']);
    expect(result.enabled).toBe(true);
    expect(result.exportUrl).toBe(`${collectorUrl}/v1/traces`);
    expect(received.length).toBeGreaterThan(0);
    expect(received.every(({ path, contentType }) => path === '/v1/traces' && contentType === 'application/json')).toBe(true);

    const resourceAttributes = received[0]!.body.resourceSpans[0]!.resource.attributes;
    expect(resourceAttributes).toContainEqual({ key: 'service.name', value: { stringValue: 'telemetry-fixture' } });

    const spans = collector.spans().filter((span) => span.traceId === result.traceId);
    const names = spans.map((span) => span.name);
    expect(names).toContain('handle-chat-message');
    expect(names).toContain('ping'); // ioredis, imported from ESM: needs the loader hook
    expect(names.some((name) => name.startsWith('pg.query'))).toBe(true);
    // The incoming request continues the caller's trace (W3C traceparent on the outgoing call).
    const serverSpans = spans.filter((span) => span.kind === 2 /* SERVER */);
    const targets = serverSpans.map((span) => span.attributes.find((attribute) => attribute.key === 'url.path' || attribute.key === 'http.target')?.value.stringValue);
    expect(targets).toContain('/work');
    expect(targets).not.toContain('/healthz'); // probes are not traced
  });

  it("files an auto-pipelined command's span under the trace that sent it, not the one that opened the batch", async () => {
    const result = (await runApp({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, KEY_PREFIX: `test:telemetry:${randomUUID()}` }, PIPELINED_FIXTURE)) as unknown as { unsampled: string; sampled: string };
    const spans = collector.spans();
    // The unsampled event opened the batch; its trace exports nothing.
    expect(spans.filter((span) => span.traceId === result.unsampled)).toEqual([]);
    const sampled = spans.filter((span) => span.traceId === result.sampled);
    const handler = sampled.find((span) => span.name.startsWith('handle '));
    expect(handler).toBeDefined();
    const commands = sampled.filter((span) => span.name === 'set' || span.name === 'get');
    expect(commands.map((span) => span.name).sort()).toEqual(['get', 'set']);
    expect(commands.every((span) => span.parentSpanId === handler!.spanId)).toBe(true);
  });

  it('installs the W3C trace-context propagator (unsampled when nothing exports: spans are not recorded)', async () => {
    const result = await runApp({});
    expect(result.carrier.traceparent).toMatch(new RegExp(`^00-${result.traceId}-[0-9a-f]{16}-00$`));
    const sampled = await runApp({ OTEL_TRACES_SAMPLER: 'always_on' });
    expect(sampled.carrier.traceparent).toMatch(new RegExp(`^00-${sampled.traceId}-[0-9a-f]{16}-01$`));
  });

  it('creates spans but exports nothing when no OTLP endpoint is set', async () => {
    const result = await runApp({});
    expect(result.enabled).toBe(true);
    expect(result.exportUrl).toBeNull();
    // Per-command spans nobody reads are not made at all.
    expect(result.instrumented).toEqual(['http']);
    expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.traceId).not.toBe('0'.repeat(32));
    expect(received).toEqual([]);
  });

  it('does nothing at all with OTEL_SDK_DISABLED=true', async () => {
    const result = await runApp({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl });
    expect(result.enabled).toBe(false);
    expect(result.instrumented).toEqual([]);
    expect(result.traceId).toBe('0'.repeat(32));
    expect(result.carrier).toEqual({});
    expect(received).toEqual([]);
  });
});
