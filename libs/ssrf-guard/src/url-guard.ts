import { lookup as dnsLookup } from 'node:dns/promises';
import { AllowList, isIpLiteral, refusedRange } from './address-policy.js';

/** Why a webhook URL is refused, in words for the API's `detail` (never the URL's credentials). */
export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
  constructor(
    message: string,
    readonly reason: 'scheme' | 'credentials' | 'unresolvable' | 'forbidden-address' | 'malformed',
  ) {
    super(message);
  }
}

export type Lookup = (host: string) => Promise<string[]>;

export interface UrlGuardOptions {
  /** What the operator allows although it is not public (HUB_WEBHOOK_ALLOWLIST). */
  allowList: readonly string[];
  /** Resolves a host to all its addresses; default `dns.lookup(host, { all: true })`. */
  lookup: Lookup;
  /** A host that has not resolved in this long is refused. */
  lookupTimeoutMs: number;
}

export const DefaultUrlGuardOptions: UrlGuardOptions = {
  allowList: [],
  lookup: async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address),
  lookupTimeoutMs: 3_000,
};

/**
 * Checks that a webhook URL points at the public internet (SSRF guard). The URL is parsed
 * the WHATWG way, as Node's fetch will, so `http://2130706433/` and `http://0177.0.0.1/`
 * are judged as the 127.0.0.1 they are; a host name is resolved and refused when ANY of
 * its addresses is not public. The check runs when a URL is saved; the caller must
 * re-check (or pin the address) when it connects, since DNS may change in between.
 */
export class WebhookUrlGuard {
  private readonly options: UrlGuardOptions;
  private readonly allowList: AllowList;

  constructor(options: Partial<UrlGuardOptions> = {}) {
    this.options = { ...DefaultUrlGuardOptions, ...options };
    this.allowList = new AllowList(this.options.allowList);
  }

  /** Resolves when the URL may be used; rejects with `UnsafeUrlError` saying why not. */
  async check(raw: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UnsafeUrlError('is not a valid URL', 'malformed');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError('must use http or https', 'scheme');
    if (url.username || url.password) throw new UnsafeUrlError('must not carry credentials; use the module secret', 'credentials');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (this.allowList.hasHost(host)) return;
    const addresses = isIpLiteral(host) ? [host] : await this.resolve(host);
    for (const address of addresses) {
      const range = refusedRange(address, this.allowList);
      if (range) {
        throw new UnsafeUrlError(
          `points to a ${range} address (${address}); only public addresses are allowed unless the operator allow-lists it`,
          'forbidden-address',
        );
      }
    }
  }

  private async resolve(host: string): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const addresses = await Promise.race([
        this.options.lookup(host),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.options.lookupTimeoutMs);
        }),
      ]);
      if (addresses.length === 0) throw new Error('no addresses');
      return addresses;
    } catch {
      throw new UnsafeUrlError(`host ${host} does not resolve`, 'unresolvable');
    } finally {
      clearTimeout(timer);
    }
  }
}
