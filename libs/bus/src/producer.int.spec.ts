import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamProducer } from './producer.js';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from './testing.js';

const prefix = uniquePrefix('bus-producer');
const redis = new Redis(redisUrl());

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

async function fieldsOf(stream: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([, flat]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])));
}

describe('StreamProducer.publish', () => {
  it('appends payload as JSON and the producer clock', async () => {
    const stream = `${prefix}:publish`;
    const producer = new StreamProducer(redis);
    const before = Date.now();
    const id = await producer.publish(stream, { hello: 'world', n: 1 });
    const entries = await redis.xrange(stream, '-', '+');
    expect(entries.map(([entryId]) => entryId)).toEqual([id]);
    const [fields] = await fieldsOf(stream);
    expect(Object.keys(fields!)).toEqual(['payload', 'ts']);
    expect(JSON.parse(fields!.payload!)).toEqual({ hello: 'world', n: 1 });
    expect(Number(fields!.ts)).toBeGreaterThanOrEqual(before);
    expect(Number(fields!.ts)).toBeLessThanOrEqual(Date.now());
  });

  it('trims the stream approximately to maxLenApprox', async () => {
    const stream = `${prefix}:trimmed`;
    const producer = new StreamProducer(redis, { maxLenApprox: 10 });
    for (let i = 0; i < 500; i++) await producer.publish(stream, { i });
    const length = await redis.xlen(stream);
    // `~` trims whole radix-tree nodes (100 entries by default), never below the limit.
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(500);
  });

  it('rejects a nonsensical maxLenApprox', () => {
    expect(() => new StreamProducer(redis, { maxLenApprox: 0 })).toThrow(RangeError);
  });
});

describe('StreamProducer.publishOnce', () => {
  it('writes every message once; a second call with the same mark writes nothing', async () => {
    const mark = `${prefix}:mark:once`;
    const actions = `${prefix}:once:actions`;
    const audit = `${prefix}:once:audit`;
    const producer = new StreamProducer(redis);
    const messages = [
      { stream: actions, payload: { text: 'first' } },
      { stream: audit, payload: { text: 'audit' } },
      { stream: actions, payload: { text: 'second' } },
    ];

    expect(await producer.publishOnce(mark, 60, messages)).toBe(true);
    expect((await fieldsOf(actions)).map((f) => JSON.parse(f.payload!))).toEqual([{ text: 'first' }, { text: 'second' }]);
    expect((await fieldsOf(audit)).map((f) => JSON.parse(f.payload!))).toEqual([{ text: 'audit' }]);
    expect(Object.keys((await fieldsOf(audit))[0]!)).toEqual(['payload', 'ts']);
    const ttl = await redis.ttl(mark);
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);

    expect(await producer.publishOnce(mark, 60, [{ stream: actions, payload: { text: 'again' } }])).toBe(false);
    expect(await redis.xlen(actions)).toBe(2);
    expect(await redis.xlen(audit)).toBe(1);
  });

  it('lets exactly one of many concurrent callers on separate connections write', async () => {
    const mark = `${prefix}:mark:race`;
    const stream = `${prefix}:race:actions`;
    const connections = Array.from({ length: 4 }, () => new Redis(redisUrl()));
    try {
      const producers = connections.map((connection) => new StreamProducer(connection));
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          producers[i % producers.length]!.publishOnce(mark, 60, [
            { stream, payload: { caller: i, part: 1 } },
            { stream, payload: { caller: i, part: 2 } },
          ]),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const written = (await fieldsOf(stream)).map((f) => JSON.parse(f.payload!) as { caller: number; part: number });
      expect(written).toHaveLength(2);
      expect(written[0]!.caller).toBe(written[1]!.caller);
      expect(written.map((w) => w.part)).toEqual([1, 2]);
    } finally {
      await Promise.all(connections.map((connection) => connection.quit()));
    }
  });

  it('publishes again once the mark has expired', async () => {
    const mark = `${prefix}:mark:expiring`;
    const stream = `${prefix}:expiring`;
    const producer = new StreamProducer(redis);
    expect(await producer.publishOnce(mark, 1, [{ stream, payload: { n: 1 } }])).toBe(true);
    await redis.pexpire(mark, 1); // no need to wait a whole second
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await producer.publishOnce(mark, 1, [{ stream, payload: { n: 2 } }])).toBe(true);
    expect(await redis.xlen(stream)).toBe(2);
  });

  it('rejects a TTL that is not a positive whole number of seconds', async () => {
    const producer = new StreamProducer(redis);
    await expect(producer.publishOnce(`${prefix}:mark:bad`, 0.5, [])).rejects.toThrow(RangeError);
  });
});
