import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { AllowList, refusedRange } from './address-policy.js';
import { UnsafeUrlError } from './url-guard.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `dns.lookup`'s shape, as `net.connect` and undici's `connect.lookup` call it. */
export type ConnectLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/** Resolves every address of a host (injectable for tests). */
export type Resolver = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true, verbatim: true }, callback);

/**
 * A lookup for the socket itself: the addresses a connection is about to use are checked
 * as it opens, so a name that resolved to a public address when the URL was saved, and
 * to 169.254.169.254 now (DNS rebinding), is refused at connect time. Every address must
 * be public unless the host or the address is on the operator's allow-list.
 */
export function guardedLookup(allowList: readonly string[] = [], resolve: Resolver = systemResolver): ConnectLookup {
  const allowed = new AllowList(allowList);
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, '');
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      const usable = family ? addresses.filter((entry) => entry.family === family) : addresses;
      if (usable.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      if (!allowed.hasHost(hostname)) {
        for (const { address } of usable) {
          const range = refusedRange(address, allowed);
          if (range) return callback(new UnsafeUrlError(`${hostname} resolves to a ${range} address (${address})`, 'forbidden-address'), '');
        }
      }
      if (options.all) return callback(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}
