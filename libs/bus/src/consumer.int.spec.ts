import { randomUUID } from 'node:crypto';
import { ContractError } from '@parley/contracts';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { StreamConsumer, type BusEntry, type StreamConsumerOptions } from './consumer.js';
import { PermanentError, ShutdownTimeoutError } from './errors.js';
import { StreamProducer } from './producer.js';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from './testing.js';

const prefix = uniquePrefix('bus-consumer');
const redis = new Redis(redisUrl());
const producer = new StreamProducer(redis);
const GROUP = 'router';
const running: StreamConsumer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

function names(test: string) {
  return { stream: `${prefix}:${test}:events`, dlq: `${prefix}:${test}:dead-letter` };
}

/** A consumer with test-sized timings, stopped after each test. */
function consumer(options: Partial<StreamConsumerOptions> & Pick<StreamConsumerOptions, 'streams' | 'deadLetterStream' | 'handler'>): StreamConsumer {
  const created = new StreamConsumer(redis, {
    group: GROUP,
    consumer: `c-${randomUUID()}`,
    blockMs: 100,
    claimIdleMs: 60_000,
    reclaimIntervalMs: 50,
    ...options,
  });
  running.push(created);
  return created;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function pending(stream: string): Promise<number> {
  const [count] = (await redis.xpending(stream, GROUP)) as [number, ...unknown[]];
  return Number(count);
}

async function deadLetters(stream: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([, flat]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('StreamConsumer', () => {
  it('consumes what was published before and after start, and acknowledges it', async () => {
    const { stream, dlq } = names('basic');
    const seen: BusEntry[] = [];
    const handled: string[] = [];
    const before = await producer.publish(stream, { n: 1 });
    const c = consumer({ streams: [stream], deadLetterStream: () => dlq, handler: async (entry) => void seen.push(entry) });
    c.on('handled', ({ id }) => handled.push(id));
    const started = Date.now();
    await c.start();
    const after = await producer.publish(stream, { n: 2 });

    await vi.waitFor(() => expect(handled).toEqual([before, after]));
    expect(seen.map(({ stream, id, payload, deliveryCount }) => ({ stream, id, payload, deliveryCount }))).toEqual([
      { stream, id: before, payload: { n: 1 }, deliveryCount: 1 },
      { stream, id: after, payload: { n: 2 }, deliveryCount: 1 },
    ]);
    expect(seen[1]!.enqueuedAt).toBeGreaterThanOrEqual(started);
    await vi.waitFor(async () => expect(await pending(stream)).toBe(0));
    expect(await c.stats()).toEqual([{ stream, pending: 0, lag: 0 }]);
    expect(await redis.exists(dlq)).toBe(0);
  });

  it('reads several streams and handles a batch concurrently up to `concurrency`', async () => {
    const { stream: a, dlq } = names('multi-a');
    const { stream: b } = names('multi-b');
    let active = 0;
    let peak = 0;
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) await producer.publish(i % 2 ? b : a, { i });
    const c = consumer({
      streams: [a, b],
      deadLetterStream: () => dlq,
      batchSize: 10,
      concurrency: 2,
      handler: async (entry) => {
        peak = Math.max(peak, ++active);
        await sleep(30);
        active--;
        seen.push(`${entry.stream === a ? 'a' : 'b'}${(entry.payload as { i: number }).i}`);
      },
    });
    await c.start();
    await vi.waitFor(() => expect(seen.sort()).toEqual(['a0', 'a2', 'a4', 'b1', 'b3', 'b5']));
    expect(peak).toBe(2);
    await vi.waitFor(async () => expect([await pending(a), await pending(b)]).toEqual([0, 0]));
  });


  it('reads ahead up to `batchesInFlight` batches while an earlier one is still being handled', async () => {
    const { stream, dlq } = names('read-ahead');
    const gate = deferred();
    const started: number[] = [];
    const c = consumer({
      streams: [stream],
      deadLetterStream: () => dlq,
      batchSize: 1,
      batchesInFlight: 2,
      handler: async (entry) => {
        const n = (entry.payload as { n: number }).n;
        started.push(n);
        if (n < 3) await gate.promise;
      },
    });
    await c.start();
    for (let n = 1; n <= 3; n++) await producer.publish(stream, { n });
    // Batch 1 hangs; batch 2 is read and handled beside it (and hangs too); batch 3 waits for a free slot.
    try {
      await vi.waitFor(() => expect(started).toEqual([1, 2]));
      await sleep(200);
      expect(started).toEqual([1, 2]);
    } finally {
      gate.resolve();
    }
    await vi.waitFor(() => expect(started).toEqual([1, 2, 3]));
    await vi.waitFor(async () => expect(await pending(stream)).toBe(0));
  });
  it('takes over the entries of a consumer that died, once each, with their delivery count', async () => {
    const { stream, dlq } = names('crash');
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    const ids = [await producer.publish(stream, { n: 1 }), await producer.publish(stream, { n: 2 }), await producer.publish(stream, { n: 3 })];
    // Consumer "dead" reads the entries and crashes before acknowledging them.
    await redis.xreadgroup('GROUP', GROUP, 'dead', 'COUNT', 10, 'STREAMS', stream, '>');
    expect(await pending(stream)).toBe(3);

    const seen: BusEntry[] = [];
    let reclaimed = 0;
    const b = consumer({ streams: [stream], deadLetterStream: () => dlq, claimIdleMs: 300, handler: async (entry) => void seen.push(entry) });
    b.on('reclaimed', ({ count }) => (reclaimed += count));
    await b.start();

    await vi.waitFor(() => expect(seen).toHaveLength(3), { timeout: 5_000 });
    // Long enough for any second takeover to have happened.
    await sleep(800);
    expect(seen.map((entry) => [entry.id, entry.deliveryCount])).toEqual(ids.map((id) => [id, 2]));
    expect(reclaimed).toBe(3);
    expect(await pending(stream)).toBe(0);
  });

  it('takes over at once what a consumer left pending when its heartbeat stopped, never what a live one holds', async () => {
    const { stream, dlq } = names('liveness');
    const livenessKey = `${prefix}:liveness:consumers`;
    const liveness = { key: () => livenessKey, ttlMs: 600 };
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    const ids = [await producer.publish(stream, { n: 1 }), await producer.publish(stream, { n: 2 })];
    // "dead" heartbeat once, read both entries and died; "alive" keeps holding one entry of its own.
    await redis.zadd(livenessKey, Date.now(), 'dead');
    await redis.xreadgroup('GROUP', GROUP, 'dead', 'COUNT', 2, 'STREAMS', stream, '>');
    const held = await producer.publish(stream, { n: 3 });
    await redis.xreadgroup('GROUP', GROUP, 'alive', 'COUNT', 1, 'STREAMS', stream, '>');
    const beat = setInterval(() => void redis.zadd(livenessKey, Date.now(), 'alive'), 100);
    try {
      const seen: BusEntry[] = [];
      const from: string[] = [];
      // claimIdleMs far above the test: only the heartbeat can explain a takeover.
      const b = consumer({ streams: [stream], deadLetterStream: () => dlq, claimIdleMs: 600_000, liveness, handler: async (entry) => void seen.push(entry) });
      b.on('reclaimed', (info) => from.push(info.from));
      const started = Date.now();
      await b.start();
      await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 5_000 });
      const tookMs = Date.now() - started;
      await sleep(800);
      expect(seen.map((entry) => [entry.id, entry.deliveryCount])).toEqual(ids.map((id) => [id, 2]));
      expect(from).toEqual(['deadConsumer']);
      expect(tookMs).toBeLessThan(3_000);
      // The live consumer's entry stays its own; the dead consumer is gone from the group.
      const left = (await redis.xpending(stream, GROUP, '-', '+', 10)) as [string, string][];
      expect(left.map(([id, owner]) => [id, owner])).toEqual([[held, 'alive']]);
      await vi.waitFor(async () => {
        const consumers = (await redis.xinfo('CONSUMERS', stream, GROUP)) as string[][];
        expect(consumers.map((info) => info[1]).sort()).not.toContain('dead');
      }, { timeout: 3_000 });
      expect(await redis.zscore(livenessKey, (b as unknown as { options: { consumer: string } }).options.consumer)).not.toBeNull();
    } finally {
      clearInterval(beat);
    }
  });

  it('takes over from a consumer whose handler hangs; that consumer stop() gives up after shutdownTimeoutMs', async () => {
    const { stream, dlq } = names('hung');
    const gate = deferred();
    const hungSeen: string[] = [];
    const a = consumer({
      streams: [stream],
      deadLetterStream: () => dlq,
      shutdownTimeoutMs: 200,
      handler: async (entry) => {
        hungSeen.push(entry.id);
        await gate.promise;
      },
    });
    const aErrors: Error[] = [];
    a.on('error', (error) => aErrors.push(error));
    await a.start();
    const ids = [await producer.publish(stream, { n: 1 }), await producer.publish(stream, { n: 2 })];
    await vi.waitFor(() => expect(hungSeen).toEqual(ids));

    const stopStarted = Date.now();
    await a.stop();
    expect(Date.now() - stopStarted).toBeLessThan(2_000);
    expect(aErrors.some((error) => error instanceof ShutdownTimeoutError)).toBe(true);

    const seen: BusEntry[] = [];
    const b = consumer({ streams: [stream], deadLetterStream: () => dlq, claimIdleMs: 300, handler: async (entry) => void seen.push(entry) });
    await b.start();
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 5_000 });
    await sleep(800);
    expect(seen.map((entry) => [entry.id, entry.deliveryCount])).toEqual(ids.map((id) => [id, 2]));
    expect(await pending(stream)).toBe(0);
    gate.resolve(); // the hung handlers finish late; their acknowledgement changes nothing
    expect(hungSeen).toHaveLength(2);
  });

  it('drops pending entries that were trimmed away and handles the rest', async () => {
    const { stream, dlq } = names('trimmed');
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    const ids = [await producer.publish(stream, { n: 1 }), await producer.publish(stream, { n: 2 }), await producer.publish(stream, { n: 3 })];
    await redis.xreadgroup('GROUP', GROUP, 'dead', 'COUNT', 10, 'STREAMS', stream, '>');
    await redis.xdel(stream, ids[0]!, ids[2]!);

    const seen: string[] = [];
    const events: { count: number; trimmed: number }[] = [];
    const errors: Error[] = [];
    const b = consumer({ streams: [stream], deadLetterStream: () => dlq, claimIdleMs: 200, handler: async (entry) => void seen.push(entry.id) });
    b.on('reclaimed', ({ count, trimmed }) => events.push({ count, trimmed }));
    b.on('error', (error) => errors.push(error));
    await b.start();

    await vi.waitFor(() => expect(seen).toEqual([ids[1]]), { timeout: 5_000 });
    await vi.waitFor(async () => expect(await pending(stream)).toBe(0));
    expect(events).toEqual([{ count: 1, trimmed: 2 }]);
    expect(errors).toEqual([]);
    expect(await redis.exists(dlq)).toBe(0);
  });

  it('dead-letters malformed entries with the reason and goes on with the next good one', async () => {
    const { stream, dlq } = names('malformed');
    const seen: unknown[] = [];
    const deadLettered: { id: string; reason: string }[] = [];
    const c = consumer({ streams: [stream], deadLetterStream: () => dlq, handler: async (entry) => void seen.push(entry.payload) });
    c.on('deadLettered', ({ id, reason }) => deadLettered.push({ id, reason }));
    await c.start();

    await producer.publish(stream, { n: 1 });
    const notJson = await redis.xadd(stream, '*', 'payload', '{not json', 'ts', '1');
    const noPayload = await redis.xadd(stream, '*', 'body', 'hello');
    await producer.publish(stream, { n: 2 });

    await vi.waitFor(() => expect(seen).toEqual([{ n: 1 }, { n: 2 }]));
    await vi.waitFor(async () => expect(await pending(stream)).toBe(0));
    expect(deadLettered.map(({ id }) => id)).toEqual([notJson, noPayload]);
    const letters = await deadLetters(dlq);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({ stream, id: notJson, group: GROUP, deliveryCount: '1', payload: '{not json' });
    expect(letters[0]!.reason).toMatch(/^malformed entry: payload is not valid JSON/);
    expect(letters[1]).toMatchObject({ stream, id: noPayload, group: GROUP, deliveryCount: '1', reason: 'malformed entry: missing payload field' });
    expect(letters[1]).not.toHaveProperty('payload');
    expect(Number(letters[1]!.ts)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('dead-letters at once on PermanentError or ContractError, never retrying', async () => {
    const { stream, dlq } = names('permanent');
    const calls: unknown[] = [];
    const c = consumer({
      streams: [stream],
      deadLetterStream: () => dlq,
      claimIdleMs: 100,
      handler: async (entry) => {
        calls.push(entry.payload);
        const { kind } = entry.payload as { kind: string };
        if (kind === 'permanent') throw new PermanentError('unknown channel');
        if (kind === 'contract') throw new ContractError('ChatEvent: unsupported version 9 (known: 1)');
      },
    });
    await c.start();
    await producer.publish(stream, { kind: 'permanent' });
    await producer.publish(stream, { kind: 'contract' });
    await producer.publish(stream, { kind: 'fine' });

    await vi.waitFor(async () => expect(await redis.xlen(dlq)).toBe(2));
    await vi.waitFor(async () => expect(await pending(stream)).toBe(0));
    await sleep(400); // several claimIdleMs: nothing comes back
    expect(calls).toEqual([{ kind: 'permanent' }, { kind: 'contract' }, { kind: 'fine' }]);
    const letters = await deadLetters(dlq);
    expect(letters.map(({ reason, deliveryCount, payload }) => ({ reason, deliveryCount, payload }))).toEqual([
      { reason: 'unknown channel', deliveryCount: '1', payload: '{"kind":"permanent"}' },
      { reason: 'ChatEvent: unsupported version 9 (known: 1)', deliveryCount: '1', payload: '{"kind":"contract"}' },
    ]);
  });

  it('retries a failing entry and dead-letters it after maxDeliveries', async () => {
    const { stream, dlq } = names('exhausted');
    const deliveries: number[] = [];
    const handlerErrors: number[] = [];
    const c = consumer({
      streams: [stream],
      deadLetterStream: () => dlq,
      claimIdleMs: 150,
      maxDeliveries: 3,
      handler: async (entry) => {
        deliveries.push(entry.deliveryCount);
        throw new Error('platform API down');
      },
    });
    c.on('handlerError', ({ deliveryCount }) => handlerErrors.push(deliveryCount));
    await c.start();
    const id = await producer.publish(stream, { n: 1 });

    await vi.waitFor(async () => expect(await redis.xlen(dlq)).toBe(1), { timeout: 5_000 });
    await vi.waitFor(async () => expect(await pending(stream)).toBe(0));
    expect(deliveries).toEqual([1, 2, 3]);
    expect(handlerErrors).toEqual([1, 2, 3]);
    const [letter] = await deadLetters(dlq);
    expect(letter).toMatchObject({ stream, id, group: GROUP, reason: 'exceeded 3 deliveries', deliveryCount: '3', payload: '{"n":1}' });
  });

  it('stop() waits for a handler in flight and acknowledges its entry', async () => {
    const { stream, dlq } = names('stop');
    const gate = deferred();
    let started = false;
    let finished = false;
    const connectionName = `c-${randomUUID()}`;
    const c = consumer({
      streams: [stream],
      deadLetterStream: () => dlq,
      consumer: connectionName,
      blockMs: 5_000,
      handler: async () => {
        started = true;
        await gate.promise;
        finished = true;
      },
    });
    await c.start();
    await producer.publish(stream, { n: 1 });
    await vi.waitFor(() => expect(started).toBe(true));

    let stopped = false;
    const stopping = c.stop().then(() => (stopped = true));
    await sleep(150);
    expect(stopped).toBe(false);
    gate.resolve();
    const stopAt = Date.now();
    await stopping;
    // The blocked read was woken up, not waited out (blockMs is 5 s).
    expect(Date.now() - stopAt).toBeLessThan(2_000);
    expect(finished).toBe(true);
    expect(await pending(stream)).toBe(0);
    // The read connection is closed.
    await vi.waitFor(async () => expect(await redis.client('LIST')).not.toContain(`name=parley-bus:${GROUP}:${connectionName}`));
  });

  it('reports pending entries while handlers run', async () => {
    const { stream, dlq } = names('stats');
    const gate = deferred();
    let calls = 0;
    const c = consumer({
      streams: [stream],
      deadLetterStream: () => dlq,
      handler: async () => {
        calls++;
        await gate.promise;
      },
    });
    expect(await c.stats()).toEqual([{ stream, pending: 0, lag: null }]);
    await c.start();
    for (let i = 0; i < 3; i++) await producer.publish(stream, { i });
    await vi.waitFor(() => expect(calls).toBe(3));
    expect(await c.stats()).toEqual([{ stream, pending: 3, lag: 0 }]);
    gate.resolve();
    await vi.waitFor(async () => expect(await c.stats()).toEqual([{ stream, pending: 0, lag: 0 }]));
  });

  it('keeps reading after its connection is killed', async () => {
    const { stream, dlq } = names('killed');
    const name = `c-${randomUUID()}`;
    const seen: unknown[] = [];
    const c = consumer({ streams: [stream], deadLetterStream: () => dlq, consumer: name, handler: async (entry) => void seen.push(entry.payload) });
    c.on('error', () => undefined);
    await c.start();
    await producer.publish(stream, { n: 1 });
    await vi.waitFor(() => expect(seen).toEqual([{ n: 1 }]));

    const clients = String(await redis.client('LIST'));
    const line = clients.split('\n').find((l) => l.includes(` name=parley-bus:${GROUP}:${name} `));
    expect(line).toBeDefined();
    const id = /^id=(\d+)/.exec(line!)![1]!;
    await redis.client('KILL', 'ID', id);

    await producer.publish(stream, { n: 2 });
    await vi.waitFor(() => expect(seen).toEqual([{ n: 1 }, { n: 2 }]), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await pending(stream)).toBe(0));
  });

  it('recreates its group when the stream is deleted under it', async () => {
    const { stream, dlq } = names('deleted');
    const seen: unknown[] = [];
    const c = consumer({ streams: [stream], deadLetterStream: () => dlq, handler: async (entry) => void seen.push(entry.payload) });
    c.on('error', () => undefined);
    await c.start();
    await producer.publish(stream, { n: 1 });
    await vi.waitFor(() => expect(seen).toEqual([{ n: 1 }]));

    await redis.del(stream);
    await sleep(300);
    await producer.publish(stream, { n: 2 });
    await vi.waitFor(() => expect(seen).toEqual([{ n: 1 }, { n: 2 }]), { timeout: 10_000 });
  });

  it('rejects options that cannot work', () => {
    const base = { streams: ['s'], group: 'g', consumer: 'c', deadLetterStream: () => 'dlq', handler: async () => undefined };
    expect(() => new StreamConsumer(redis, { ...base, batchSize: 0 })).toThrow(RangeError);
    expect(() => new StreamConsumer(redis, { ...base, streams: [] })).toThrow(RangeError);
    expect(() => new StreamConsumer(redis, { ...base, deadLetterStream: () => 's' })).toThrow(RangeError);
    expect(() => new StreamConsumer(redis, { ...base, blockMs: undefined })).not.toThrow();
  });
});
