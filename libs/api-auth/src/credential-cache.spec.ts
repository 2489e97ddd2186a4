import type { ApiKeyCredential } from '@parley/db';
import { describe, expect, it } from 'vitest';
import { CredentialCache } from './credential-cache.js';

function credential(prefix: string, communityId = 'c1', revokedAt: string | null = null): ApiKeyCredential {
  return { id: `id-${prefix}`, communityId, prefix, name: 'k', scopes: ['read'], createdAt: '', lastUsedAt: null, revokedAt, secretHash: Buffer.alloc(32) };
}

/** A source whose rows can change and whose lookups are counted (and can be held open). */
function source(rows: Map<string, ApiKeyCredential>) {
  const state = { lookups: 0, hold: null as Promise<void> | null };
  return {
    state,
    async findCredential(prefix: string) {
      state.lookups++;
      const row = rows.get(prefix) ?? null;
      if (state.hold) await state.hold;
      return row;
    },
  };
}

describe('CredentialCache', () => {
  it('serves nothing until trusted, then serves known keys from memory until they expire', async () => {
    let now = 0;
    const rows = new Map([['aaa', credential('aaa')]]);
    const lookup = source(rows);
    const cache = new CredentialCache(lookup, { ttlMs: 1_000, now: () => now });
    await cache.findCredential('aaa');
    expect(cache.peekCredential('aaa')).toBeUndefined();
    cache.trust();
    await cache.findCredential('aaa');
    expect(cache.peekCredential('aaa')?.id).toBe('id-aaa');
    await cache.findCredential('aaa');
    expect(lookup.state.lookups).toBe(2);
    now = 1_000;
    expect(cache.peekCredential('aaa')).toBeUndefined();
    expect(await cache.findCredential('nope')).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('forgets a key, a community, and everything when distrusted', async () => {
    const rows = new Map([
      ['aaa', credential('aaa', 'c1')],
      ['bbb', credential('bbb', 'c1')],
      ['ccc', credential('ccc', 'c2')],
    ]);
    const cache = new CredentialCache(source(rows));
    cache.trust();
    for (const prefix of rows.keys()) await cache.findCredential(prefix);
    cache.forgetKey('id-aaa');
    expect(cache.peekCredential('aaa')).toBeUndefined();
    expect(cache.peekCredential('bbb')).toBeDefined();
    cache.forgetCommunity('c1');
    expect(cache.peekCredential('bbb')).toBeUndefined();
    expect(cache.peekCredential('ccc')).toBeDefined();
    cache.distrust();
    expect(cache.peekCredential('ccc')).toBeUndefined();
    await cache.findCredential('ccc');
    expect(cache.size).toBe(0);
  });

  it('does not store a lookup that raced a revocation', async () => {
    const rows = new Map([['aaa', credential('aaa')]]);
    const lookup = source(rows);
    const cache = new CredentialCache(lookup);
    cache.trust();
    let release!: () => void;
    lookup.state.hold = new Promise((resolve) => (release = resolve));
    const inFlight = cache.findCredential('aaa');
    // The revocation commits and its notice arrives while the old row is on its way.
    await Promise.resolve();
    rows.set('aaa', credential('aaa', 'c1', '2026-01-01T00:00:00.000Z'));
    cache.forgetKey('id-aaa');
    release();
    expect((await inFlight)?.revokedAt).toBeNull();
    expect(cache.peekCredential('aaa')).toBeUndefined();
    lookup.state.hold = null;
    expect((await cache.findCredential('aaa'))?.revokedAt).not.toBeNull();
  });

  it('shares one lookup among concurrent requests for a prefix, but not with a request that came after a change', async () => {
    const rows = new Map([['aaa', credential('aaa')]]);
    const lookup = source(rows);
    const cache = new CredentialCache(lookup);
    cache.trust();
    let release!: () => void;
    lookup.state.hold = new Promise((resolve) => (release = resolve));
    const before = [cache.findCredential('aaa'), cache.findCredential('aaa'), cache.findCredential('aaa')];
    expect(lookup.state.lookups).toBe(1);
    // Revoked while that lookup is on its way: the next request asks again and sees it.
    rows.set('aaa', credential('aaa', 'c1', '2026-01-01T00:00:00.000Z'));
    cache.forgetKey('id-aaa');
    const after = cache.findCredential('aaa');
    expect(lookup.state.lookups).toBe(2);
    release();
    expect((await Promise.all(before)).map((found) => found?.revokedAt)).toEqual([null, null, null]);
    expect((await after)?.revokedAt).not.toBeNull();
    expect(cache.peekCredential('aaa')?.revokedAt).not.toBeNull();
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const rows = new Map(['a', 'b', 'c'].map((prefix) => [prefix, credential(prefix)]));
    const cache = new CredentialCache(source(rows), { maxEntries: 2 });
    cache.trust();
    for (const prefix of ['a', 'b', 'c']) await cache.findCredential(prefix);
    expect(cache.size).toBe(2);
    expect(cache.peekCredential('a')).toBeUndefined();
    expect(cache.peekCredential('c')).toBeDefined();
  });
});
