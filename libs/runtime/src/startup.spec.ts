import { Writable } from 'node:stream';
import { createLogger } from '@parley/observability';
import { describe, expect, it } from 'vitest';
import { ServiceStartup, StartupError, isConnectionError } from './startup.js';

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

function capture() {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', level: 'debug', destination }) };
}

/** A dependency that is down until `up()`; counts how often it was looked at. */
function switchable(reason = 'connect ECONNREFUSED 127.0.0.1:5432') {
  const dependency = {
    reachable: false,
    looks: 0,
    check: async () => {
      dependency.looks += 1;
      if (!dependency.reachable) throw new Error(reason);
    },
  };
  return dependency;
}

const fast = { retry: { baseMs: 2, maxMs: 10 }, reportAfterMs: 20 };
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
};

describe('ServiceStartup', () => {
  it('runs a step only once its dependency answers, unready until then, with one line for the outage and one for its end', async () => {
    const { lines, logger } = capture();
    const postgres = switchable();
    const ran: string[] = [];
    const startup = new ServiceStartup(logger, fast).dependsOn('postgres', postgres.check).step('migrations', ['postgres'], async () => {
      ran.push('migrations');
      return ['0001_init'];
    });

    const running = startup.run();
    await until(() => lines.some((line) => line.level === 'warn'));
    expect(postgres.looks).toBeGreaterThan(1);
    expect(ran).toEqual([]);
    await expect(startup.check()).rejects.toThrow('starting: waiting for postgres');

    postgres.reachable = true;
    await running;
    expect(ran).toEqual(['migrations']);
    expect(startup.started).toBe(true);
    await startup.check();

    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ dependency: 'postgres', msg: 'postgres is unreachable (connect ECONNREFUSED 127.0.0.1:5432): not ready; retrying with backoff' });
    expect(warnings[0]).not.toHaveProperty('stack');
    expect(lines.filter((line) => line.msg === 'postgres is reachable again')).toHaveLength(1);
    expect(lines.find((line) => line.msg === 'start-up step done')).toMatchObject({ step: 'migrations', result: ['0001_init'] });
  });

  it('says nothing about a dependency that answers soon enough (its connection was still opening)', async () => {
    const { lines, logger } = capture();
    let looks = 0;
    const startup = new ServiceStartup(logger, { ...fast, reportAfterMs: 10_000 }).dependsOn('redis', async () => {
      if (++looks < 5) throw new Error('redis connection is connecting');
    });
    await startup.run();
    expect(startup.started).toBe(true);
    expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('waits for each step only for what it needs, and counts as started once every dependency answered', async () => {
    const { logger } = capture();
    const redis = switchable('redis connection is reconnecting');
    const postgres = switchable();
    postgres.reachable = true;
    const ran: string[] = [];
    const startup = new ServiceStartup(logger, fast)
      .dependsOn('postgres', postgres.check)
      .dependsOn('redis', redis.check)
      .step('migrations', ['postgres'], async () => void ran.push('migrations'));
    const running = startup.run();
    await until(() => ran.length === 1 && redis.looks >= 5);
    expect(startup.started).toBe(false);
    await expect(startup.check()).rejects.toThrow('starting: waiting for redis');
    redis.reachable = true;
    await running;
    expect(startup.started).toBe(true);
  });

  it('runs a step again when it failed because its dependency went away', async () => {
    const { lines, logger } = capture();
    let attempts = 0;
    const startup = new ServiceStartup(logger, fast).dependsOn('redis', async () => undefined).step('consume', ['redis'], async () => {
      attempts += 1;
      if (attempts < 3) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    });
    await startup.run();
    expect(attempts).toBe(3);
    expect(startup.started).toBe(true);
    expect(lines.filter((line) => line.msg === 'start-up step "consume" lost its connection; retrying')).toHaveLength(2);
  });

  it('rejects with a StartupError when a step fails while its dependencies answer', async () => {
    const { logger } = capture();
    const startup = new ServiceStartup(logger, fast)
      .dependsOn('postgres', async () => undefined)
      .step('migrations', ['postgres'], async () => {
        throw Object.assign(new Error('syntax error at or near "CREAT"'), { code: '42601' });
      });
    const failure = await startup.run().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as StartupError).message).toBe('start-up step "migrations" failed: syntax error at or near "CREAT"');
    expect(startup.started).toBe(false);
  });

  it('stops waiting at stop(), without running the step', async () => {
    const { logger } = capture();
    const postgres = switchable();
    let ran = false;
    const startup = new ServiceStartup(logger, { retry: { baseMs: 60_000, maxMs: 60_000 } })
      .dependsOn('postgres', postgres.check)
      .step('migrations', ['postgres'], async () => void (ran = true));
    const running = startup.run();
    await until(() => postgres.looks >= 1);
    const stopped = Date.now();
    await startup.stop();
    await running;
    expect(Date.now() - stopped).toBeLessThan(1_000);
    expect(ran).toBe(false);
    expect(startup.started).toBe(false);
  });

  it('looks again after jittered pauses that stay under the cap', async () => {
    const { logger } = capture();
    const times: number[] = [];
    const startup = new ServiceStartup(logger, { retry: { baseMs: 5, maxMs: 40 } }).dependsOn('postgres', async () => {
      times.push(Date.now());
      throw new Error('down');
    });
    void startup.run();
    await until(() => times.length >= 30);
    await startup.stop();
    const gaps = times.slice(1).map((time, i) => time - times[i]!);
    // Generous slack over the 40 ms cap for timers that run late on a busy machine; without the cap 2^29 × 5 ms.
    expect(Math.max(...gaps)).toBeLessThan(40 + 500);
    expect(new Set(gaps).size).toBeGreaterThan(5);
  });
});

describe('isConnectionError', () => {
  it('knows socket errors, PostgreSQL connection and start-up codes, and ioredis giving up, also as a cause', () => {
    const withCode = (code: string) => Object.assign(new Error(code), { code });
    expect(isConnectionError(withCode('ECONNREFUSED'))).toBe(true);
    expect(isConnectionError(withCode('57P03'))).toBe(true); // the database system is starting up
    expect(isConnectionError(withCode('08006'))).toBe(true);
    expect(isConnectionError(new Error('migration failed', { cause: withCode('ECONNRESET') }))).toBe(true);
    expect(isConnectionError(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('does not take a faulty statement or a plain bug for an outage', () => {
    expect(isConnectionError(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isConnectionError(new TypeError('x is not a function'))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });
});
