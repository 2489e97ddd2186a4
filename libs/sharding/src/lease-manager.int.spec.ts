import { setTimeout as sleep } from 'node:timers/promises';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Notice } from './keys.js';
import { LeaseManager, isValid } from './lease-manager.js';

const prefix = uniquePrefix('sharding-lease');
const redis = new Redis(redisUrl());
const subscriber = new Redis(redisUrl());

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  subscriber.disconnect();
});

const manager = (holder: string, ttlMs = 5_000) => new LeaseManager(redis, { keyPrefix: prefix, holder, ttlMs });

describe('LeaseManager', () => {
  it('gives a lease to one holder at a time and tells the others who holds it for how long', async () => {
    const a = await manager('pod-a').acquire('one-holder');
    const b = await manager('pod-b').acquire('one-holder');
    expect(a).toMatchObject({ acquired: true, lease: { name: 'one-holder', holder: 'pod-a', token: 1 } });
    expect(b.acquired).toBe(false);
    if (b.acquired) return;
    expect(b.heldBy.token).toBe(1);
    expect(b.heldBy.ttlMs).toBeGreaterThan(4_000);
    expect(b.heldBy.ttlMs).toBeLessThanOrEqual(5_000);
  });

  it('withLease runs the work of several holders one at a time, and frees the lease after a failure', async () => {
    let running = 0;
    let most = 0;
    const work = (holder: string) =>
      manager(holder).withLease('single-flight', async () => {
        most = Math.max(most, ++running);
        await sleep(50);
        running--;
        return holder;
      }, 10);
    expect(await Promise.all(['pod-a', 'pod-b', 'pod-c'].map(work))).toEqual(['pod-a', 'pod-b', 'pod-c']);
    expect(most).toBe(1);
    await expect(manager('pod-a').withLease('single-flight', async () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    expect((await manager('pod-b').acquire('single-flight')).acquired).toBe(true);
  });

  it('hands out strictly increasing fencing tokens across holders, releases and expiries', async () => {
    const first = await manager('pod-a').acquire('tokens');
    if (!first.acquired) throw new Error('not acquired');
    expect(await manager('pod-a').release(first.lease)).toBe(true);
    const second = await manager('pod-b', 100).acquire('tokens');
    if (!second.acquired) throw new Error('not acquired');
    await sleep(150);
    const third = await manager('pod-c').acquire('tokens');
    if (!third.acquired) throw new Error('not acquired');
    expect([first.lease.token, second.lease.token, third.lease.token]).toEqual([1, 2, 3]);
  });

  it('acquiring again as the holder extends the lease and keeps its token', async () => {
    const a = manager('pod-a', 300);
    const first = await a.acquire('again');
    await sleep(200);
    const second = await a.acquire('again');
    expect(second).toMatchObject({ acquired: true, lease: { token: first.acquired ? first.lease.token : -1 } });
    await sleep(200);
    expect((await manager('pod-b').acquire('again')).acquired).toBe(false);
  });

  it('refuses a renewal that arrives after expiry, even when nobody took the lease meanwhile', async () => {
    const a = manager('pod-a', 100);
    const taken = await a.acquire('late-renew');
    if (!taken.acquired) throw new Error('not acquired');
    await sleep(150);
    expect(isValid(taken.lease)).toBe(false);
    expect(await a.renew(taken.lease)).toBeNull();
    // Acquiring again is the way back, with a new token.
    const again = await a.acquire('late-renew');
    expect(again).toMatchObject({ acquired: true, lease: { token: taken.lease.token + 1 } });
  });

  it('never has two holders when a renewal and a takeover race at the expiry boundary', async () => {
    const ttlMs = 40;
    let both = 0;
    let renewedWins = 0;
    let takeoverWins = 0;
    for (let trial = 0; trial < 60; trial++) {
      const name = `boundary-${trial}`;
      const taken = await manager('pod-a', ttlMs).acquire(name);
      if (!taken.acquired) throw new Error('not acquired');
      // Land both requests from well before to just after the moment the lease expires.
      await sleep(ttlMs - 25 + (trial % 35));
      const [renewed, takeover] = await Promise.all([manager('pod-a', ttlMs).renew(taken.lease), manager('pod-b', ttlMs).acquire(name)]);
      if (renewed && takeover.acquired) both++;
      if (renewed) renewedWins++;
      if (takeover.acquired) takeoverWins++;
    }
    expect(both).toBe(0);
    // The race was real: each side won some of the trials.
    expect(renewedWins).toBeGreaterThan(0);
    expect(takeoverWins).toBeGreaterThan(0);
  });

  it('refuses a stale fencing token: renew, release and the guarded-write check', async () => {
    const a = manager('pod-a', 100);
    const old = await a.acquire('stale');
    if (!old.acquired) throw new Error('not acquired');
    await sleep(150);
    const b = manager('pod-b');
    const current = await b.acquire('stale');
    if (!current.acquired) throw new Error('not acquired');

    expect(await a.renew(old.lease)).toBeNull();
    expect(await a.release(old.lease)).toBe(false);
    expect(await a.isCurrent('stale', old.lease.token)).toBe(false);
    expect(await b.isCurrent('stale', current.lease.token)).toBe(true);
    // The stale holder's attempts changed nothing.
    expect(await b.renew(current.lease)).not.toBeNull();
  });

  it('ignores a release by anyone but the holder, and announces a real release', async () => {
    const notices: string[] = [];
    const a = manager('pod-a');
    await subscriber.subscribe(a.keys.notices());
    subscriber.on('message', (_channel, message: string) => notices.push(message));
    const taken = await a.acquire('release');
    if (!taken.acquired) throw new Error('not acquired');

    expect(await manager('pod-b').release({ ...taken.lease, holder: 'pod-b' })).toBe(false);
    expect((await manager('pod-b').acquire('release')).acquired).toBe(false);
    expect(notices).toEqual([]);

    expect(await a.release(taken.lease)).toBe(true);
    expect((await manager('pod-b').acquire('release')).acquired).toBe(true);
    await expect.poll(() => notices).toEqual([Notice.released('release')]);
  });

  it('refuses options that cannot work', () => {
    expect(() => new LeaseManager(redis, { keyPrefix: prefix, holder: '', ttlMs: 100 })).toThrow(RangeError);
    expect(() => new LeaseManager(redis, { keyPrefix: prefix, holder: 'a', ttlMs: 0 })).toThrow(RangeError);
  });
});
