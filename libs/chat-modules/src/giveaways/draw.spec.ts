import { describe, expect, it } from 'vitest';
import { drawWinner, seedCommitment, type GiveawayEntry } from './draw.js';

const entries: GiveawayEntry[] = Array.from({ length: 50 }, (_, i) => ({ userId: `u${i}`, name: `viewer${i}`, weight: i % 5 === 0 ? 3 : 1 }));

describe('drawWinner', () => {
  it('is reproducible from its seed, whatever order the entries arrived in', () => {
    const winner = drawWinner('seed-a', entries, 1);
    expect(drawWinner('seed-a', [...entries].reverse(), 1)).toEqual(winner);
    expect(drawWinner('seed-a', entries, 1)).toEqual(winner);
  });

  it('depends on the seed and the round', () => {
    const winners = new Set(Array.from({ length: 20 }, (_, i) => drawWinner(`seed-${i}`, entries, 1)!.userId));
    expect(winners.size).toBeGreaterThan(5);
    const rounds = new Set(Array.from({ length: 20 }, (_, i) => drawWinner('seed-a', entries, i + 1)!.userId));
    expect(rounds.size).toBeGreaterThan(5);
  });

  it('a re-draw never picks an excluded winner; an empty pool has no winner', () => {
    const first = drawWinner('seed-b', entries, 1)!;
    for (let round = 2; round < 30; round++) expect(drawWinner('seed-b', entries, round, new Set([first.userId]))!.userId).not.toBe(first.userId);
    expect(drawWinner('seed-b', [], 1)).toBeNull();
    expect(drawWinner('seed-b', entries.slice(0, 1), 2, new Set(['u0']))).toBeNull();
  });

  it('weights tickets: three tickets win about three times as often', () => {
    const pair: GiveawayEntry[] = [
      { userId: 'heavy', name: 'heavy', weight: 3 },
      { userId: 'light', name: 'light', weight: 1 },
    ];
    let heavy = 0;
    for (let i = 0; i < 4_000; i++) if (drawWinner(`s${i}`, pair, 1)!.userId === 'heavy') heavy++;
    expect(heavy / 4_000).toBeGreaterThan(0.7);
    expect(heavy / 4_000).toBeLessThan(0.8);
  });

  it('commits to the seed with its SHA-256', () => {
    expect(seedCommitment('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
