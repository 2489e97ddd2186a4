import ipaddr from 'ipaddr.js';

/** Why an address is not a public unicast one (ipaddr.js range names: loopback, private, linkLocal, …). */
export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * An operator's allow-list: CIDRs (`10.1.0.0/16`, `fd00::/8`), single addresses, or host
 * names (matched case-insensitively against the URL's host, before resolution).
 */
export class AllowList {
  private readonly ranges: Array<[Address, number]> = [];
  private readonly hosts = new Set<string>();

  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      if (ipaddr.isValidCIDR(entry)) this.ranges.push(normaliseRange(ipaddr.parseCIDR(entry)));
      else if (ipaddr.isValid(entry)) {
        const address = ipaddr.process(entry);
        this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else this.hosts.add(entry.replace(/\.$/, ''));
    }
  }

  hasHost(host: string): boolean {
    return this.hosts.has(host.toLowerCase().replace(/\.$/, ''));
  }

  hasAddress(address: string): boolean {
    const parsed = ipaddr.process(address);
    return this.ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
  }
}

/** A CIDR over an IPv4-mapped IPv6 network (`::ffff:10.0.0.0/104`) is an IPv4 one. */
function normaliseRange([address, bits]: [Address, number]): [Address, number] {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

/**
 * Only global unicast addresses may receive webhooks. Everything else — loopback,
 * RFC 1918 and fc00::/7 private, link-local (169.254/16 with the cloud metadata service,
 * fe80::/10), unspecified, broadcast, multicast, CGNAT 100.64/10, reserved, and the IPv6
 * forms that embed an IPv4 address (NAT64, 6to4, Teredo) — is refused. IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) is judged as the IPv4 address it is.
 */
export function classifyAddress(address: string): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, range: 'invalid' };
  const range = ipaddr.process(address).range();
  return range === 'unicast' ? { allowed: true } : { allowed: false, range };
}

/** Why a connection to `address` is refused (its range), or null when it is public or allow-listed. */
export function refusedRange(address: string, allowList: AllowList): string | null {
  if (allowList.hasAddress(address)) return null;
  const verdict = classifyAddress(address);
  return verdict.allowed ? null : verdict.range;
}

/** Whether `host` (a URL hostname, brackets removed) is an IP literal. */
export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host));
}
