import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { createLogger } from '@parley/observability';
import { describe, expect, it } from 'vitest';
import { REDIS_RECONNECT_DEFAULTS, createRedisConnection, logConnectionOutages } from './redis-connection.js';

function capture() {
  const lines: Array<{ level: string; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', level: 'debug', destination }) };
}

describe('logConnectionOutages', () => {
  it('logs a lost connection once however many attempts fail, and its return once', () => {
    const { lines, logger } = capture();
    const client = new EventEmitter();
    logConnectionOutages(client, logger, 'redis');
    client.emit('ready');
    for (let attempt = 0; attempt < 20; attempt++) client.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    client.emit('ready');
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.msg)).toEqual(['redis connection lost (connect ECONNREFUSED 127.0.0.1:6379): reconnecting']);
    expect(lines.filter((line) => line.level === 'info').map((line) => line.msg)).toEqual(['redis connection is back']);
    expect(lines.filter((line) => line.level === 'debug')).toHaveLength(19);
  });

  it('keeps attempts before the first connection at debug: the start-up reports that outage', () => {
    const { lines, logger } = capture();
    const client = new EventEmitter();
    logConnectionOutages(client, logger, 'redis');
    for (let attempt = 0; attempt < 5; attempt++) client.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    client.emit('ready');
    expect(lines.map((line) => line.level)).toEqual(['debug', 'debug', 'debug', 'debug', 'debug']);
  });
});

describe('createRedisConnection', () => {
  it('reconnects after a jittered delay under the cap, which its duplicates inherit', () => {
    const { logger } = capture();
    const redis = createRedisConnection('redis://127.0.0.1:1', logger, { lazyConnect: true });
    const duplicate = redis.duplicate();
    try {
      for (const client of [redis, duplicate]) {
        const delays = Array.from({ length: 200 }, () => client.options.retryStrategy!(30) as number);
        expect(Math.max(...delays)).toBeLessThan(REDIS_RECONNECT_DEFAULTS.maxMs);
        expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
        expect(new Set(delays).size).toBeGreaterThan(100);
      }
    } finally {
      duplicate.disconnect();
      redis.disconnect();
    }
  });
});
