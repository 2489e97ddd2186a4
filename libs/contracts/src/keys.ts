import type { Platform } from './platform.js';

/**
 * Every Redis key and stream name Parley uses is built here. `prefix` (default `parley`)
 * lets several deployments or test files share one Redis. Event partitions use a hash
 * tag (`{p}`) so each partition maps to one Redis Cluster slot.
 */
export class StreamKeys {
  constructor(
    readonly prefix = 'parley',
    readonly partitions = 4,
  ) {
    if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError('partitions must be a positive integer');
  }

  eventPartition(partition: number): string {
    return `${this.prefix}:events:{${partition}}`;
  }

  allEventPartitions(): string[] {
    return Array.from({ length: this.partitions }, (_, p) => this.eventPartition(p));
  }

  /** Events of one channel always land on the same partition, so they stay in order. */
  eventStreamFor(platform: Platform, channelId: string): string {
    return this.eventPartition(fnv1a(`${platform}:${channelId}`) % this.partitions);
  }

  actions(platform: Platform): string {
    return `${this.prefix}:actions:${platform}`;
  }

  deadLetter(): string {
    return `${this.prefix}:dead-letter`;
  }

  /** Pub/sub channel on which the hub announces configuration changes. */
  configChanges(): string {
    return `${this.prefix}:config-changes`;
  }

  /**
   * A platform API quota of one paying project for one quota day (YouTube: a Google
   * project, days at midnight Pacific time): one hash, so one script charges it atomically.
   */
  quota(platform: Platform, project: string, day: string): string {
    return `${this.prefix}:quota:{${platform}:${project}}:${day}`;
  }

  /** Any other key, namespaced: `key('cooldown', community, command)`. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }
}

/** 32-bit FNV-1a: stable across processes and releases, unlike a language hash. */
export function fnv1a(input: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
