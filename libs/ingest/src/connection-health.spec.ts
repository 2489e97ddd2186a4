import { describe, expect, it } from 'vitest';
import { ConnectionHealth } from './connection-health.js';

describe('ConnectionHealth', () => {
  it('is as old as its most silent connection, so one dead connection among several shows', () => {
    let now = 1_000;
    const health = new ConnectionHealth(() => now);
    expect(health.oldestAgeMs()).toBeUndefined();
    health.seen(0);
    health.seen(1);
    health.seen(2);
    now += 60_000;
    health.seen(0);
    health.seen(2);
    now += 1_000;
    expect(Object.fromEntries(health.ages())).toEqual({ 0: 1_000, 1: 61_000, 2: 1_000 });
    expect(health.oldestAgeMs()).toBe(61_000);
    expect(() => health.assertFresh(90_000)).not.toThrow();
    expect(() => health.assertFresh(30_000)).toThrow('connection 1 silent for 61 s');
    health.forget(1);
    expect(health.oldestAgeMs()).toBe(1_000);
  });
});
