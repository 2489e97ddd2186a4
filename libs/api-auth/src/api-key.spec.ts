import { describe, expect, it } from 'vitest';
import { bearerToken, hashSecret, mintApiKey, parseApiKey, scopeAllows, secretMatches } from './api-key.js';
import { Authenticator, authorize } from './authenticator.js';

describe('API keys', () => {
  it('mints prly_<prefix>_<secret> keys that parse back and match their stored hash', () => {
    const minted = mintApiKey();
    expect(minted.key).toMatch(/^prly_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseApiKey(minted.key)!;
    expect(parsed.prefix).toBe(minted.prefix);
    expect(secretMatches(parsed.secret, minted.secretHash)).toBe(true);
    expect(secretMatches(`${parsed.secret.slice(0, -1)}x`, minted.secretHash)).toBe(parsed.secret.endsWith('x'));
    expect(minted.secretHash.equals(hashSecret(parsed.secret))).toBe(true);
    expect(mintApiKey().prefix).not.toBe(minted.prefix);
  });

  it('refuses anything not shaped like a key', () => {
    for (const value of ['', 'prly_', 'prly_abc_def', 'sk_live_x', `prly_ABCDEF123456_${'a'.repeat(43)}`, `prly_abcdef123456_${'a'.repeat(44)}`, `prly_abcdef123456_${'a'.repeat(42)}'`]) {
      expect(parseApiKey(value)).toBeNull();
    }
  });

  it('reads bearer tokens only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('compares secrets of any length in constant time', () => {
    expect(secretMatches('a'.repeat(40), hashSecret('a'.repeat(40)))).toBe(true);
    expect(secretMatches('a', hashSecret('a'.repeat(40)))).toBe(false);
  });

  it('orders scopes read < write < admin', () => {
    expect(scopeAllows(['admin'], 'read')).toBe(true);
    expect(scopeAllows(['write'], 'write')).toBe(true);
    expect(scopeAllows(['read'], 'write')).toBe(false);
    expect(scopeAllows(['write'], 'admin')).toBe(false);
  });
});

describe('Authenticator', () => {
  const adminKey = 'x'.repeat(40);
  const minted = mintApiKey();
  const credential = {
    id: 'k1',
    communityId: 'c1',
    prefix: minted.prefix,
    name: 'ci',
    scopes: ['write' as const],
    createdAt: '',
    lastUsedAt: null,
    revokedAt: null as string | null,
    secretHash: minted.secretHash,
  };
  const auth = new Authenticator({ adminKey, keys: { findCredential: async (prefix) => (prefix === credential.prefix ? credential : null) } });

  it('knows the platform admin, community keys, and says nothing about which part was wrong', async () => {
    expect(await auth.authenticate(`Bearer ${adminKey}`)).toEqual({ ok: true, principal: { kind: 'platform-admin', actor: 'platform-admin' } });
    expect(await auth.authenticate(`Bearer ${minted.key}`)).toMatchObject({ ok: true, principal: { communityId: 'c1', actor: minted.prefix } });
    expect(await auth.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(await auth.authenticate('Bearer nonsense')).toEqual({ ok: false, reason: 'invalid' });
    expect(await auth.authenticate(`Bearer ${minted.key.slice(0, -2)}AA`)).toEqual({ ok: false, reason: 'invalid' });
    expect(await auth.authenticate(`Bearer prly_ffffffffffff_${'a'.repeat(43)}`)).toEqual({ ok: false, reason: 'invalid' });
    const principal = { kind: 'community' as const, actor: minted.prefix, keyId: 'k1', communityId: 'c1', scopes: ['write' as const] };
    expect(await auth.isCurrent(principal)).toBe(true);
    credential.revokedAt = '2026-01-01T00:00:00.000Z';
    expect(await auth.authenticate(`Bearer ${minted.key}`)).toEqual({ ok: false, reason: 'revoked' });
    expect(await auth.isCurrent(principal)).toBe(false);
  });

  it('knows an admin token shaped like an API key too', async () => {
    const keyShaped = mintApiKey().key;
    const admin = new Authenticator({ adminKey: keyShaped, keys: { findCredential: async () => null } });
    expect(await admin.authenticate(`Bearer ${keyShaped}`)).toEqual({ ok: true, principal: { kind: 'platform-admin', actor: 'platform-admin' } });
    expect(await admin.authenticate(`Bearer ${minted.key}`)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('answers another community’s resources with not-found, a missing scope with forbidden', () => {
    const principal = { kind: 'community' as const, actor: 'p', keyId: 'k', communityId: 'c1', scopes: ['write' as const] };
    expect(authorize(principal, 'read', 'c2')).toBe('not-found');
    expect(authorize(principal, 'admin', 'c2')).toBe('not-found');
    expect(authorize(principal, 'admin', 'c1')).toBe('forbidden');
    expect(authorize(principal, 'write', 'c1')).toBe('ok');
    expect(authorize(principal, 'platform-admin', undefined)).toBe('forbidden');
    expect(authorize(principal, 'platform-admin', 'c1')).toBe('forbidden');
    expect(authorize(principal, 'platform-admin', 'c2')).toBe('not-found');
    expect(authorize({ kind: 'platform-admin', actor: 'platform-admin' }, 'platform-admin', undefined)).toBe('ok');
  });
});
