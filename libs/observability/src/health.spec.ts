import { describe, expect, it } from 'vitest';
import { HEALTH_DEFAULTS, HealthChecks, postgresCheck, redisCheck } from './health.js';

describe('HealthChecks', () => {
  it('is live whatever the checks say, and ready with no checks', async () => {
    const health = new HealthChecks().register('down', async () => {
      throw new Error('down');
    });
    expect(health.liveness()).toEqual({ status: 'ok' });
    expect(await new HealthChecks().readiness()).toEqual({ ready: true, checks: {} });
  });

  it('is ready only when every check passes, and names what failed', async () => {
    const health = new HealthChecks()
      .register('redis', async () => undefined)
      .register('postgres', async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      });
    expect(await health.readiness()).toEqual({
      ready: false,
      checks: { redis: 'ok', postgres: 'connect ECONNREFUSED 127.0.0.1:5432' },
    });
  });

  it('fails a check that does not answer in time, without waiting for it', async () => {
    const health = new HealthChecks({ checkTimeoutMs: 50 }).register('slow', () => new Promise(() => undefined));
    const started = Date.now();
    expect(await health.readiness()).toEqual({ ready: false, checks: { slow: 'timed out after 50 ms' } });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(HEALTH_DEFAULTS.checkTimeoutMs).toBe(1_000);
  });

  it('runs the checks in parallel', async () => {
    const health = new HealthChecks({ checkTimeoutMs: 500 });
    for (const name of ['a', 'b', 'c', 'd']) health.register(name, () => new Promise((resolve) => setTimeout(resolve, 200)));
    const started = Date.now();
    expect((await health.readiness()).ready).toBe(true);
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('never reports URL credentials and cuts long texts', async () => {
    const health = new HealthChecks({ maxErrorLength: 40 })
      .register('secret', async () => {
        throw new Error('cannot reach redis://:hunter2@cache:6379');
      })
      .register('long', async () => {
        throw new Error('x'.repeat(500));
      })
      .register('sync', () => {
        throw 'thrown synchronously';
      });
    const { checks } = await health.readiness();
    expect(checks.secret).toBe('cannot reach redis://***@cache:6379');
    expect(checks.long).toHaveLength(40);
    expect(checks.sync).toBe('thrown synchronously');
  });

  it('runs only the named checks when asked, and fails a name it does not know', async () => {
    let postgresRuns = 0;
    const health = new HealthChecks()
      .register('redis', async () => undefined)
      .register('postgres', async () => void (postgresRuns += 1));
    expect(await health.readiness(['redis'])).toEqual({ ready: true, checks: { redis: 'ok' } });
    expect(postgresRuns).toBe(0);
    expect(await health.readiness(['redis', 'kafka'])).toEqual({ ready: false, checks: { redis: 'ok', kafka: 'no health check named "kafka"' } });
  });

  it('refuses two checks of the same name', () => {
    const health = new HealthChecks().register('redis', async () => undefined);
    expect(() => health.register('redis', async () => undefined)).toThrow(/already registered/);
  });
});

describe('check helpers', () => {
  it('redisCheck fails at once while the client is not connected, else PINGs', async () => {
    let pings = 0;
    const client = { status: 'reconnecting', ping: async () => void (pings += 1) };
    await expect(redisCheck(client)()).rejects.toThrow('redis connection is reconnecting');
    expect(pings).toBe(0);
    client.status = 'ready';
    await redisCheck(client)();
    expect(pings).toBe(1);
  });

  it('redisCheck names the server and the last connection error of a client that has them', async () => {
    const listeners: Array<(error: Error) => void> = [];
    const client = {
      status: 'reconnecting',
      options: { host: '10.0.0.5', port: 6390 },
      ping: async () => undefined,
      on: (_event: 'error', listener: (error: Error) => void) => listeners.push(listener),
    };
    const check = redisCheck(client);
    await expect(check()).rejects.toThrow(/^redis connection to 10\.0\.0\.5:6390 is reconnecting$/);
    for (const listener of listeners) listener(new Error('connect ECONNREFUSED 10.0.0.5:6390'));
    await expect(check()).rejects.toThrow('redis connection to 10.0.0.5:6390 is reconnecting: connect ECONNREFUSED 10.0.0.5:6390');
  });

  it('postgresCheck runs SELECT 1', async () => {
    const queries: string[] = [];
    await postgresCheck({ query: async (text) => void queries.push(text) })();
    expect(queries).toEqual(['SELECT 1']);
  });
});
