import 'reflect-metadata';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthChecks, postgresCheck, redisCheck } from './health.js';
import { createLogger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { createNestLogger } from './nest-logger.js';
import { ObservabilityModule } from './observability.module.js';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ObservabilityModule in a Fastify Nest app', () => {
  const registry = createMetricsRegistry('obs-test');
  const health = new HealthChecks({ checkTimeoutMs: 500 });
  const redis = new Redis(REDIS_URL);
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const logLines: Record<string, unknown>[] = [];
  let deadRedis: Redis | undefined;
  let deadPool: pg.Pool | undefined;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    health.register('redis', redisCheck(redis)).register('postgres', postgresCheck(pool));
    new Counter({ name: 'parley_obs_test_requests_total', help: 'test', registers: [registry] }).inc(3);
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });

    @Module({})
    class TestAppModule {
      static create(): DynamicModule {
        return { module: TestAppModule, imports: [ObservabilityModule.forRoot({ registry, health })] };
      }
    }
    app = await NestFactory.create<NestFastifyApplication>(TestAppModule.create(), new FastifyAdapter(), {
      logger: createNestLogger(createLogger({ service: 'obs-test', destination })),
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    await redis.ping(); // connected before the first readiness probe
  });

  afterAll(async () => {
    await app?.close();
    redis.disconnect();
    deadRedis?.disconnect();
    await pool.end();
    await deadPool?.end();
  });

  it('serves Prometheus text on GET /metrics', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('parley_obs_test_requests_total{service="obs-test"} 3');
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
  });

  it('is live on GET /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready on GET /readyz while Redis and Postgres answer', async () => {
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ready: true, checks: { redis: 'ok', postgres: 'ok' } });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('parley_ready{service="obs-test"} 1');
  });

  it('answers 503 naming the failed checks when a dependency is unreachable', async () => {
    const port = await closedPort();
    deadRedis = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 1_000, maxRetriesPerRequest: 0 });
    deadRedis.on('error', () => undefined);
    deadPool = new pg.Pool({ connectionString: `postgres://app:hunter2@127.0.0.1:${port}/parley`, max: 1, connectionTimeoutMillis: 300 });
    health.register('cache', redisCheck(deadRedis)).register('replica', postgresCheck(deadPool));

    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { ready: boolean; checks: Record<string, string> };
    expect(body.ready).toBe(false);
    expect(body.checks.redis).toBe('ok');
    expect(body.checks.postgres).toBe('ok');
    expect(body.checks.cache).toMatch(new RegExp(`^redis connection to 127\\.0\\.0\\.1:${port} is (connecting|reconnecting|close)(: connect ECONNREFUSED .*)?$`));
    expect(body.checks.replica).toContain('ECONNREFUSED');
    expect(JSON.stringify(body)).not.toContain('hunter2');
    // The same verdict as a series, for the not-ready alert.
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('parley_ready{service="obs-test"} 0');

    // Liveness does not follow readiness: restarting would not bring Redis back.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('sends Nest’s own logs through pino', () => {
    expect(logLines.some((line) => line.service === 'obs-test' && line.context === 'RoutesResolver')).toBe(true);
    expect(logLines.some((line) => line.context === 'NestApplication' && String(line.msg).includes('started'))).toBe(true);
  });
});
