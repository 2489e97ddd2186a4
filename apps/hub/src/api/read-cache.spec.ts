import { describe, expect, it } from 'vitest';
import { CommunityReadCache } from './read-cache.js';

/** A loader whose answer can change and whose calls are counted (and can be held open). */
function source(answer: string | null) {
  const state = { answer, loads: 0, hold: null as Promise<void> | null };
  return {
    state,
    load: async () => {
      state.loads++;
      const value = state.answer;
      if (state.hold) await state.hold;
      return value;
    },
  };
}

describe('CommunityReadCache', () => {
  it('serves nothing until trusted, then serves an answer from memory until it expires', async () => {
    let now = 0;
    const cache = new CommunityReadCache({ ttlMs: 1_000, now: () => now });
    const rows = source('{"a":1}');
    expect(await cache.read('c1', 'get a', rows.load)).toBe('{"a":1}');
    expect(cache.size).toBe(0);
    cache.trust();
    await cache.read('c1', 'get a', rows.load);
    rows.state.answer = '{"a":2}';
    expect(await cache.read('c1', 'get a', rows.load)).toBe('{"a":1}');
    expect(rows.state.loads).toBe(2);
    now = 1_000;
    expect(await cache.read('c1', 'get a', rows.load)).toBe('{"a":2}');
    expect(rows.state.loads).toBe(3);
  });

  it('keeps no miss, and never answers one community with another one\'s entry', async () => {
    const cache = new CommunityReadCache({ ttlMs: 10_000 });
    cache.trust();
    const missing = source(null);
    expect(await cache.read('c1', 'get a', missing.load)).toBeNull();
    expect(cache.size).toBe(0);
    await cache.read('c1', 'get a', source('"one"').load);
    expect(await cache.read('c2', 'get a', source('"two"').load)).toBe('"two"');
  });

  it("forgets a changed community's answers only, and everything when told so", async () => {
    const cache = new CommunityReadCache({ ttlMs: 10_000 });
    cache.trust();
    await cache.read('c1', 'get a', source('"old"').load);
    await cache.read('c2', 'get a', source('"other"').load);
    cache.forgetCommunity('c1');
    expect(await cache.read('c1', 'get a', source('"new"').load)).toBe('"new"');
    expect(await cache.read('c2', 'get a', source('"changed"').load)).toBe('"other"');
    cache.forgetAll();
    expect(await cache.read('c2', 'get a', source('"changed"').load)).toBe('"changed"');
  });

  it('does not keep an answer loaded while its community was changed (the read raced the change)', async () => {
    const cache = new CommunityReadCache({ ttlMs: 10_000 });
    cache.trust();
    const rows = source('"before"');
    let release!: () => void;
    rows.state.hold = new Promise((resolve) => (release = resolve));
    const racing = cache.read('c1', 'get a', rows.load);
    cache.forgetCommunity('c1');
    release();
    expect(await racing).toBe('"before"');
    rows.state.hold = null;
    rows.state.answer = '"after"';
    expect(await cache.read('c1', 'get a', rows.load)).toBe('"after"');
  });

  it('shares one load among concurrent misses, but not with a read that came after a change', async () => {
    const cache = new CommunityReadCache({ ttlMs: 10_000 });
    cache.trust();
    const rows = source('"before"');
    let release!: () => void;
    rows.state.hold = new Promise((resolve) => (release = resolve));
    const before = [cache.read('c1', 'get a', rows.load), cache.read('c1', 'get a', rows.load)];
    expect(rows.state.loads).toBe(1);
    rows.state.answer = '"after"';
    cache.forgetCommunity('c1');
    const after = cache.read('c1', 'get a', rows.load);
    expect(rows.state.loads).toBe(2);
    release();
    expect(await Promise.all(before)).toEqual(['"before"', '"before"']);
    expect(await after).toBe('"after"');
    expect(await cache.read('c1', 'get a', rows.load)).toBe('"after"');
    expect(rows.state.loads).toBe(2);
  });

  it('serves nothing and empties itself when distrusted (notices may be missed), and starts empty when trusted again', async () => {
    const cache = new CommunityReadCache({ ttlMs: 10_000 });
    cache.trust();
    await cache.read('c1', 'get a', source('"old"').load);
    cache.distrust();
    expect(cache.size).toBe(0);
    const rows = source('"new"');
    expect(await cache.read('c1', 'get a', rows.load)).toBe('"new"');
    expect(cache.size).toBe(0);
    cache.trust();
    expect(await cache.read('c1', 'get a', source('"newer"').load)).toBe('"newer"');
  });

  it('keeps at most maxBytes of answers, dropping the oldest first; a TTL of 0 keeps nothing', async () => {
    const cache = new CommunityReadCache({ ttlMs: 10_000, maxBytes: 12 });
    cache.trust();
    await cache.read('c1', 'one', source('"1234"').load);
    await cache.read('c1', 'two', source('"5678"').load);
    await cache.read('c1', 'three', source('"9012"').load);
    expect(cache.size).toBe(2);
    expect(await cache.read('c1', 'three', source('"x"').load)).toBe('"9012"');
    expect(await cache.read('c1', 'one', source('"reloaded"').load)).toBe('"reloaded"');
    const off = new CommunityReadCache({ ttlMs: 0 });
    off.trust();
    await off.read('c1', 'one', source('"1"').load);
    expect(off.size).toBe(0);
  });
});
