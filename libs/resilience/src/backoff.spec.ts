import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from './backoff.js';

describe('fullJitterDelay', () => {
  it('grows the ceiling exponentially up to the cap', () => {
    const opts = { baseMs: 100, maxMs: 1_000 };
    expect(fullJitterDelay(0, opts, () => 0.999)).toBe(99);
    expect(fullJitterDelay(3, opts, () => 0.999)).toBe(799);
    expect(fullJitterDelay(20, opts, () => 0.999)).toBe(999);
  });

  it('can pick any delay down to zero', () => {
    expect(fullJitterDelay(5, { baseMs: 100, maxMs: 1_000 }, () => 0)).toBe(0);
  });
});
