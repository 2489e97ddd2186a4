import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { guardedLookup, type Resolver } from './guarded-lookup.js';
import { UnsafeUrlError } from './url-guard.js';

/** A DNS that answers from a table, and can change its answer (rebinding). */
function dns(table: Record<string, LookupAddress[]>): Resolver {
  return (hostname, callback) => callback(null, table[hostname] ?? []);
}

function lookupOnce(lookup: ReturnType<typeof guardedLookup>, host: string, all = false) {
  return new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) =>
    lookup(host, { all }, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('guardedLookup', () => {
  it('lets a connection use a public address', async () => {
    const result = await lookupOnce(guardedLookup([], dns({ 'hooks.example': [{ address: '93.184.216.34', family: 4 }] })), 'hooks.example');
    expect(result).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('refuses at connect time a name that now resolves to the metadata service (rebinding)', async () => {
    const table: Record<string, LookupAddress[]> = { 'rebind.example': [{ address: '93.184.216.34', family: 4 }] };
    const lookup = guardedLookup([], dns(table));
    expect((await lookupOnce(lookup, 'rebind.example')).error).toBeNull();
    table['rebind.example'] = [{ address: '169.254.169.254', family: 4 }];
    const { error } = await lookupOnce(lookup, 'rebind.example');
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect(error?.message).toContain('169.254.169.254');
  });

  it('refuses when any address of the name is not public, in all mode too', async () => {
    const lookup = guardedLookup([], dns({ 'mixed.example': [{ address: '93.184.216.34', family: 4 }, { address: '::1', family: 6 }] }));
    expect((await lookupOnce(lookup, 'mixed.example', true)).error).toBeInstanceOf(UnsafeUrlError);
  });

  it('lets the operator allow-list a host or an address', async () => {
    const table = { 'internal.example': [{ address: '10.1.2.3', family: 4 }], 'other.example': [{ address: '10.9.9.9', family: 4 }] };
    expect((await lookupOnce(guardedLookup(['internal.example'], dns(table)), 'internal.example')).error).toBeNull();
    expect((await lookupOnce(guardedLookup(['10.9.0.0/16'], dns(table)), 'other.example', true)).address).toEqual([{ address: '10.9.9.9', family: 4 }]);
    expect((await lookupOnce(guardedLookup(['10.9.0.0/16'], dns(table)), 'internal.example')).error).toBeInstanceOf(UnsafeUrlError);
  });
});
