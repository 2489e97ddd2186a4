/** Every Redis key and channel the sharding library uses, in one place. */
export class ShardingKeys {
  constructor(readonly prefix: string) {}

  lease(name: string): string {
    return `${this.prefix}:lease:${name}`;
  }

  fence(name: string): string {
    return `${this.prefix}:lease:${name}:fence`;
  }

  /** Live members of a platform's ingest pool: a sorted set, member → expiry (ms, Redis clock). */
  members(platform: string): string {
    return `${this.prefix}:members:${platform}`;
  }

  /** The published assignment of a platform: a hash, member → JSON units, plus `_epoch` and friends. */
  assignment(platform: string): string {
    return `${this.prefix}:assignment:${platform}`;
  }

  /** Make-before-break hand-over: the pod that has started a unit and waits for its lease. */
  successor(lease: string): string {
    return `${this.prefix}:successor:${lease}`;
  }

  /** Pub/sub channel of membership, assignment and lease-release notices. */
  notices(): string {
    return `${this.prefix}:sharding:notices`;
  }
}

/** What goes over the notices channel. */
export const Notice = {
  members: (platform: string) => `members:${platform}`,
  assignment: (platform: string) => `assignment:${platform}`,
  released: (lease: string) => `released:${lease}`,
} as const;
