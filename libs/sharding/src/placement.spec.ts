import { describe, expect, it } from 'vitest';
import { BoundedLoadPlacement, ConsistentHashPlacement, loadsOf, movedUnits, type PlacementStrategy } from './placement.js';

const units = Array.from({ length: 10_000 }, (_, i) => `channel-${i}`);
const pods = Array.from({ length: 20 }, (_, i) => `pod-${i}`);

const strategies: PlacementStrategy[] = [new ConsistentHashPlacement(), new BoundedLoadPlacement()];

describe.each(strategies.map((strategy) => [strategy.name, strategy] as const))('%s placement', (_, strategy) => {
  it('is deterministic: the same membership in any order gives the same placement', () => {
    const placement = strategy.place(units, pods);
    const shuffled = [...pods].reverse();
    expect(strategy.place([...units].reverse(), shuffled)).toEqual(placement);
    expect(strategy.place(units, [...pods, pods[0]!])).toEqual(placement);
  });

  it('places every unit on a member', () => {
    const placement = strategy.place(units, pods);
    expect(placement.size).toBe(units.length);
    expect(new Set(placement.values())).toEqual(new Set(pods));
  });

  it('moves about 1/N of the units when a member joins, and only to the new member', () => {
    const before = strategy.place(units, pods);
    const after = strategy.place(units, [...pods, 'pod-new']);
    const movedTo = new Set([...after].filter(([unit, member]) => before.get(unit) !== member).map(([, member]) => member));
    const share = movedUnits(before, after) / units.length;
    expect(share).toBeGreaterThan(0.5 / 21);
    expect(share).toBeLessThan(1.5 / 21);
    if (strategy instanceof ConsistentHashPlacement) expect(movedTo).toEqual(new Set(['pod-new']));
  });

  it('moves the leaving member units and few others when a member leaves', () => {
    const before = strategy.place(units, pods);
    const after = strategy.place(units, pods.slice(1));
    const ownedByLeaver = [...before.values()].filter((member) => member === pods[0]).length;
    expect([...after.values()]).not.toContain(pods[0]);
    expect(movedUnits(before, after)).toBeGreaterThanOrEqual(ownedByLeaver);
    expect(movedUnits(before, after)).toBeLessThan(ownedByLeaver * 1.5);
  });

  it('places nothing without members', () => {
    expect(strategy.place(units, []).size).toBe(0);
  });
});

describe('bounded loads', () => {
  it('caps every member at ceil(loadFactor × mean), where plain hashing with few virtual nodes does not', () => {
    const mean = units.length / pods.length;
    const plain = Math.max(...loadsOf(new ConsistentHashPlacement({ virtualNodes: 8 }).place(units, pods), pods).values());
    const bounded = Math.max(...loadsOf(new BoundedLoadPlacement({ virtualNodes: 8, loadFactor: 1.05 }).place(units, pods), pods).values());
    expect(plain / mean).toBeGreaterThan(1.2);
    expect(bounded).toBeLessThanOrEqual(Math.ceil(1.05 * mean));
  });

  it('fits exactly when the cap leaves no slack', () => {
    const placement = new BoundedLoadPlacement({ virtualNodes: 4, loadFactor: 1 }).place(units.slice(0, 100), pods.slice(0, 4));
    expect([...loadsOf(placement, pods.slice(0, 4)).values()]).toEqual([25, 25, 25, 25]);
  });

  it('refuses options that cannot work', () => {
    expect(() => new BoundedLoadPlacement({ loadFactor: 0.9 })).toThrow(RangeError);
    expect(() => new ConsistentHashPlacement({ virtualNodes: 0 })).toThrow(RangeError);
  });
});
