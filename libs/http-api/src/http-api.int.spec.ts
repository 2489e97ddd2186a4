import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';
import { IdempotencyStore } from './idempotency.js';
import { HttpProblem, toProblem } from './problem.js';
import { RequestRateLimiter, rateLimitHeaders, tightest } from './rate-limit.js';

const redis = new Redis(redisUrl());
const prefix = uniquePrefix('http-api');
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('cursor', () => {
  it('round-trips a position and refuses anything it did not hand out', () => {
    const position = { at: '2026-11-25T08:00:00.123456Z', id: '0b9c1c1e-4d0e-4c1a-9d7e-2f1f0b0c0d0e' };
    expect(decodeCursor(encodeCursor(position), 'uuid')).toEqual(position);
    expect(decodeCursor(encodeCursor({ ...position, id: '42' }), 'bigint')).toEqual({ ...position, id: '42' });
    const crafted = [
      ['not a time', '1'],
      ['0000-01-01T00:00:00.000000Z', position.id],
      ['2026-02-30T00:00:00.000000Z', position.id],
      [position.at, '1'],
    ];
    for (const bad of ['x', Buffer.from('{}').toString('base64url'), ...crafted.map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'))]) {
      expect(() => decodeCursor(bad, 'uuid')).toThrow(HttpProblem);
    }
    for (const id of [position.id, '-1', '01', '1e3', '9'.repeat(19)]) {
      expect(() => decodeCursor(encodeCursor({ ...position, id }), 'bigint')).toThrow(HttpProblem);
    }
  });
});

describe('toProblem', () => {
  it('keeps client errors, hides server errors', () => {
    expect(toProblem(Object.assign(new Error('x'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' })).status).toBe(413);
    const internal = toProblem(new Error('password=hunter2 at db.ts:12'));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.toDocument())).not.toContain('hunter2');
  });
});

describe('RequestRateLimiter', () => {
  it('counts requests per subject in a window shared by every client, then refuses with Retry-After', async () => {
    const limiter = new RequestRateLimiter(redis, `${prefix}:rl`);
    const rule = { name: 'key', limit: 3, windowMs: 2_000 };
    const secondClient = redis.duplicate();
    const other = new RequestRateLimiter(secondClient, `${prefix}:rl`);
    const states = [await limiter.hit(rule, 'a'), await other.hit(rule, 'a'), await limiter.hit(rule, 'a'), await limiter.hit(rule, 'a')];
    expect(states.map((state) => [state.allowed, state.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0]]);
    expect(states[3]!.resetSeconds).toBeLessThanOrEqual(2);
    expect(rateLimitHeaders(states[3]!)).toEqual({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0', 'ratelimit-reset': String(states[3]!.resetSeconds), 'retry-after': String(states[3]!.resetSeconds) });
    expect((await limiter.hit(rule, 'b')).allowed).toBe(true);
    expect(tightest([states[0]!, states[3]!])).toBe(states[3]);
    secondClient.disconnect();
  });

  it('counts one request against several rules in one call, each in its own window', async () => {
    const limiter = new RequestRateLimiter(redis, `${prefix}:rl3`);
    const ip = { name: 'ip', limit: 2, windowMs: 2_000 };
    const key = { name: 'key', limit: 1, windowMs: 5_000 };
    const first = await limiter.hitAll([{ rule: ip, subject: '10.0.0.1' }, { rule: key, subject: 'k' }]);
    const second = await limiter.hitAll([{ rule: ip, subject: '10.0.0.1' }, { rule: key, subject: 'k' }]);
    expect([...first, ...second].map((state) => [state.allowed, state.remaining])).toEqual([[true, 1], [true, 0], [true, 0], [false, 0]]);
    expect(second[0]!.resetSeconds).toBeLessThanOrEqual(2);
    expect(second[1]!.resetSeconds).toBeGreaterThan(2);
    expect((await limiter.hit(ip, '10.0.0.1')).allowed).toBe(false);
  });

  it('starts a new window once the old one has passed', async () => {
    const limiter = new RequestRateLimiter(redis, `${prefix}:rl2`);
    const rule = { name: 'ip', limit: 1, windowMs: 100 };
    expect((await limiter.hit(rule, 'x')).allowed).toBe(true);
    expect((await limiter.hit(rule, 'x')).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await limiter.hit(rule, 'x')).allowed).toBe(true);
  });
});

describe('IdempotencyStore', () => {
  const store = new IdempotencyStore(redis, { keyPrefix: `${prefix}:idem`, ttlMs: 60_000, pendingTtlMs: 5_000 });
  const request = { method: 'POST', path: '/v1/things', body: { a: 1 } };

  it('runs once per key and request, replays the stored response, refuses another body with the same key', async () => {
    let runs = 0;
    const execute = async () => ({ status: 201, body: { run: ++runs } });
    expect(await store.run('owner', 'k1', request, execute)).toEqual({ status: 201, body: { run: 1 } });
    expect(await store.run('owner', 'k1', request, execute)).toEqual({ status: 201, body: { run: 1 }, headers: { 'idempotent-replayed': 'true' } });
    expect(runs).toBe(1);
    await expect(store.run('owner', 'k1', { ...request, body: { a: 2 } }, execute)).rejects.toMatchObject({ status: 422 });
    // Keys are per owner: another API key with the same Idempotency-Key is another request.
    expect(await store.run('someone-else', 'k1', request, execute)).toEqual({ status: 201, body: { run: 2 } });
  });

  it('treats the same body in another field order as the same request', async () => {
    let runs = 0;
    const execute = async () => ({ status: 201, body: { run: ++runs } });
    const body = { name: 'hug', response: 'hugs', options: { a: 1, b: [{ y: 2, x: 1 }] } };
    await store.run('owner', 'k-order', { ...request, body }, execute);
    const reordered = { options: { b: [{ x: 1, y: 2 }], a: 1 }, response: 'hugs', name: 'hug' };
    expect(await store.run('owner', 'k-order', { ...request, body: reordered }, execute)).toMatchObject({ body: { run: 1 }, headers: { 'idempotent-replayed': 'true' } });
    expect(runs).toBe(1);
  });

  it('answers 409 while the first request runs, and forgets a request that failed on the server', async () => {
    let release!: () => void;
    const slow = store.run('owner', 'k2', request, () => new Promise((resolve) => (release = () => resolve({ status: 201, body: {} }))));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(store.run('owner', 'k2', request, async () => ({ status: 201 }))).rejects.toMatchObject({ status: 409 });
    release();
    await slow;

    await expect(store.run('owner', 'k3', request, async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await store.run('owner', 'k3', request, async () => ({ status: 201, body: { ok: true } }))).toEqual({ status: 201, body: { ok: true } });
  });

  it('refuses malformed keys', async () => {
    await expect(store.run('owner', 'a b', request, async () => ({ status: 201 }))).rejects.toMatchObject({ status: 400 });
    await expect(store.run('owner', 'x'.repeat(256), request, async () => ({ status: 201 }))).rejects.toMatchObject({ status: 400 });
  });
});
