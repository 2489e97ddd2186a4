import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { startTelemetry } from './telemetry.js';

function capture(level?: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'router', level, destination }) };
}

describe('createLogger', () => {
  it('writes JSON lines with service, level name, ISO time and message', () => {
    const { lines, logger } = capture();
    logger.info({ channel: 'demo' }, 'joined');
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'router', msg: 'joined', channel: 'demo' });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
    expect(lines[0]).not.toHaveProperty('trace_id');
  });

  it('honours the level', () => {
    const { lines, logger } = capture('debug');
    logger.debug('shown');
    expect(lines).toHaveLength(1);
  });

  it('carries the trace and span id of the active span', async () => {
    const telemetry = startTelemetry({ serviceName: 'router', env: {} });
    try {
      const { lines, logger } = capture();
      const ids = trace.getTracer('test').startActiveSpan('handle', (span) => {
        logger.info('inside');
        span.end();
        return span.spanContext();
      });
      logger.info('outside');
      expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(ids.traceId).not.toBe('0'.repeat(32));
      expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
      expect(lines[1]).not.toHaveProperty('trace_id');
    } finally {
      await telemetry.shutdown();
    }
  });

  it('adds no trace ids when telemetry is disabled', async () => {
    const telemetry = startTelemetry({ serviceName: 'router', env: { OTEL_SDK_DISABLED: 'true' } });
    expect(telemetry.enabled).toBe(false);
    const { lines, logger } = capture();
    trace.getTracer('test').startActiveSpan('handle', (span) => {
      logger.info('inside');
      span.end();
    });
    expect(lines[0]).not.toHaveProperty('trace_id');
    await telemetry.shutdown();
  });

  it('redacts secret fields, at the top level and one level down', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        token: 'oauth:abc123',
        twitch: { token: 'oauth:def456', login: 'parleybot' },
        user: { password: 'hunter2', name: 'ann' },
        webhook: { secret: 's3cr3t', apiKey: 'key-789' },
        authorization: 'Bearer xyz',
        req: { headers: { authorization: 'Bearer nested', host: 'hub' } },
      },
      'secrets everywhere',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ['abc123', 'def456', 'hunter2', 's3cr3t', 'key-789', 'Bearer xyz', 'Bearer nested']) expect(line).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      token: '[REDACTED]',
      twitch: { token: '[REDACTED]', login: 'parleybot' },
      user: { password: '[REDACTED]', name: 'ann' },
      req: { headers: { authorization: '[REDACTED]', host: 'hub' } },
    });
  });

  it('keeps URLs readable but hides their credentials', () => {
    const { lines, logger } = capture();
    logger.info(
      { redisUrl: 'redis://:hunter2@cache:6379', config: { DATABASE_URL: 'postgres://app:pw123@db:5432/parley', PORT: 3000 } },
      'config loaded',
    );
    expect(lines[0]).toMatchObject({
      redisUrl: 'redis://***@cache:6379',
      config: { DATABASE_URL: 'postgres://app:***@db:5432/parley', PORT: 3000 },
    });
  });
});
