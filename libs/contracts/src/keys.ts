import type { Platform } from './platform.js';

/**
 * Every Redis key and stream name Parley uses is built here (or, for a lib's own keys, by
 * a builder that takes its layout from here). `prefix` (default `parley`) lets several
 * deployments or test files share one Redis.
 *
 * The layout rule, so that the same code runs on one Redis and on Redis Cluster: every
 * set of keys one Lua script or MULTI touches shares a hash tag (`{…}`: Redis Cluster
 * hashes only the tag, so they land in one slot). The bus is partitioned: partition `p`
 * is the tag `{p}`, and an event partition, the actions partitions of every platform, the
 * marks that publish into them (`handled`, `seen`), their dead-letter stream and their
 * consumers' heartbeats all carry it. A channel's events and actions stay on one
 * partition (in order); the partitions spread over the cluster's slots.
 */
export class StreamKeys {
  constructor(
    readonly prefix = 'parley',
    readonly partitions = 4,
  ) {
    if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError('partitions must be a positive integer');
  }

  /** The partition of a channel: its events and actions all go there. */
  partitionOf(platform: Platform, channelId: string): number {
    return fnv1a(`${platform}:${channelId}`) % this.partitions;
  }

  eventPartition(partition: number): string {
    return `${this.prefix}:events:${partitionTag(partition)}`;
  }

  allEventPartitions(): string[] {
    return Array.from({ length: this.partitions }, (_, p) => this.eventPartition(p));
  }

  /** Events of one channel always land on the same partition, so they stay in order. */
  eventStreamFor(platform: Platform, channelId: string): string {
    return this.eventPartition(this.partitionOf(platform, channelId));
  }

  actionPartition(platform: Platform, partition: number): string {
    return `${this.prefix}:actions:${platform}:${partitionTag(partition)}`;
  }

  /** The actions for one channel: the same partition (tag) as its events. */
  actionsFor(platform: Platform, channelId: string): string {
    return this.actionPartition(platform, this.partitionOf(platform, channelId));
  }

  /** Every actions partition of a platform: what its ingest's delivery consumer reads. */
  allActionPartitions(platform: Platform): string[] {
    return Array.from({ length: this.partitions }, (_, p) => this.actionPartition(platform, p));
  }

  /** Mark that the router published the answer to an event (same slot as the actions it publishes). */
  handled(platform: Platform, channelId: string, eventId: string): string {
    return `${this.prefix}:handled:${partitionTag(this.partitionOf(platform, channelId))}:${eventId}`;
  }

  /** Mark that an inbound event was published (same slot as its event partition). */
  seen(platform: Platform, channelId: string, eventId: string): string {
    return `${this.prefix}:seen:${partitionTag(this.partitionOf(platform, channelId))}:${eventId}`;
  }

  /**
   * The dead-letter stream of a bus stream: one per hash tag, in the stream's slot, so
   * moving an entry there and acknowledging it is one script.
   */
  deadLetterFor(stream: string): string {
    return `${this.prefix}:dead-letter:{${requireHashTag(stream)}}`;
  }

  /** Every dead-letter stream of the bus (events' and every platform's actions': they share the partitions' tags). */
  allDeadLetterStreams(): string[] {
    return Array.from({ length: this.partitions }, (_, p) => `${this.prefix}:dead-letter:${partitionTag(p)}`);
  }

  /** Where frames that never became an event are dead-lettered (written alone, any slot). */
  deadLetter(): string {
    return `${this.prefix}:dead-letter`;
  }

  /** Heartbeats of the consumers of a group reading `stream` (same slot: one script beats and claims). */
  consumers(group: string, stream: string): string {
    return `${this.prefix}:consumers:${group}:{${requireHashTag(stream)}}`;
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

  /** Any other key touched alone (never with another key in one script or MULTI), namespaced: `key('stats', community)`. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }
}

/**
 * The command ledger's keys (libs/commands). One command's cooldowns, counter and the
 * charge marks of its runs are one script's keys: they share the tag `{community:command}`.
 */
export class CommandKeys {
  constructor(readonly prefix: string) {}

  private command(communityId: string, command: string): string {
    return `${this.prefix}:cmd:{${communityId}:${command}}`;
  }

  cooldown(communityId: string, command: string): string {
    return `${this.command(communityId, command)}:cooldown`;
  }

  userCooldown(communityId: string, command: string, userId: string): string {
    return `${this.command(communityId, command)}:cooldown:${userId}`;
  }

  count(communityId: string, command: string): string {
    return `${this.command(communityId, command)}:count`;
  }

  /** The outcome of charging one event's run of the command. */
  charged(communityId: string, command: string, eventId: string): string {
    return `${this.command(communityId, command)}:charged:${eventId}`;
  }

  answers(communityId: string, authorKey: string): string {
    return `${this.prefix}:answers:${communityId}:${authorKey}`;
  }

  cooldownNotice(communityId: string, userId: string): string {
    return `${this.prefix}:cooldown-notice:${communityId}:${userId}`;
  }
}

/**
 * The sharding library's keys and notices channel (libs/sharding). A lease and its fence
 * share the tag `{lease name}`; the assignments share the shard manager's leader lease tag,
 * because publishing one checks that lease in the same script.
 */
export class ShardingKeys {
  constructor(
    readonly prefix: string,
    /** The lease whose holder may publish assignments. */
    readonly leaderLease = 'shard-manager',
  ) {}

  lease(name: string): string {
    return `${this.prefix}:lease:{${name}}`;
  }

  fence(name: string): string {
    return `${this.prefix}:lease:{${name}}:fence`;
  }

  /** Live members of a platform's ingest pool: a sorted set, member → expiry (ms, Redis clock). */
  members(platform: string): string {
    return `${this.prefix}:members:${platform}`;
  }

  /** The published assignment of a platform: a hash, member → JSON units, plus `_epoch` and friends. */
  assignment(platform: string): string {
    return `${this.prefix}:assignment:{${this.leaderLease}}:${platform}`;
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

function partitionTag(partition: number): string {
  return `{${partition}}`;
}

/**
 * The hash tag of a key as Redis Cluster reads it: the text between the first `{` and
 * the next `}`, when not empty; undefined when the whole key is hashed.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

function requireHashTag(stream: string): string {
  const tag = hashTagOf(stream);
  if (tag === undefined) throw new RangeError(`not a bus stream with a hash tag: ${stream}`);
  return tag;
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
