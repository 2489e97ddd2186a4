import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { AssignmentStore, type Assignment } from './assignment-store.js';
import { Notice } from './keys.js';
import { LeaseManager, isValid, type Lease } from './lease-manager.js';
import { MembershipRegistry } from './membership.js';
import { loadsOf, type AssignableUnit, type PlacementStrategy } from './placement.js';

/** Where the units to place come from (for channels: the enabled channels in Postgres). */
export interface UnitSource {
  units(platform: string): Promise<AssignableUnit[]>;
}

export interface RequiredShardManagerOptions {
  keyPrefix: string;
  /** This instance's id (pod name + pid): the leader lease's holder. */
  holder: string;
  platforms: readonly string[];
  placement: PlacementStrategy;
}

export interface OptionalShardManagerOptions {
  /** The leader lease: a standby takes over at most this long after the leader died. */
  leaderLeaseTtlMs: number;
  /** The ingest pods' heartbeat TTL: a pod silent this long is gone. */
  memberTtlMs: number;
  /** Notices arriving within this window are handled by one rebalance. */
  rebalanceDebounceMs: number;
  /** Check membership this often anyway: catches expired members and missed notices. */
  pollIntervalMs: number;
  /**
   * Re-read the units (Postgres) and re-place them this often even without a notice. Between
   * these, a poll that finds the same members and the epoch it last saw does nothing more.
   */
  unitsPollIntervalMs: number;
}

export type ShardManagerOptions = RequiredShardManagerOptions & Partial<OptionalShardManagerOptions>;

export const DefaultShardManagerOptions: OptionalShardManagerOptions = {
  leaderLeaseTtlMs: 10_000,
  memberTtlMs: 10_000,
  rebalanceDebounceMs: 200,
  pollIntervalMs: 1_000,
  unitsPollIntervalMs: 30_000,
};

export interface Rebalanced {
  platform: string;
  epoch: number;
  moved: number;
  units: number;
  members: number;
  /** Largest member load over the mean load (1 is perfect). */
  maxOverMean: number;
}

interface ShardManagerEvents {
  leadership: [leading: boolean];
  rebalanced: [Rebalanced];
  error: [Error];
}

export const LEADER_LEASE = 'shard-manager';

/**
 * The shard manager's logic, one active instance at a time: whoever holds the leader lease
 * places every platform's units on its live members and publishes the result, fenced by
 * the lease token, whenever membership or units change. Placement is deterministic from
 * the units, the members and the published assignment, so a standby that takes over
 * computes what is already published and moves nothing.
 */
export class ShardManager extends EventEmitter<ShardManagerEvents> {
  readonly options: RequiredShardManagerOptions & OptionalShardManagerOptions;
  private readonly leases: LeaseManager;
  private readonly membership: MembershipRegistry;
  private readonly store: AssignmentStore;
  private lease: Lease | null = null;
  private running = false;
  private leaderTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  /** One rebalance at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  /** Platforms whose pending rebalance must re-read the units. */
  private readonly unitsWanted = new Set<string>();
  /** Per platform: the members, epoch and time of the last placement this leader checked or published. */
  private readonly settled = new Map<string, { members: string; epoch: number; at: number }>();

  constructor(
    redis: Redis,
    private readonly subscriber: Redis,
    private readonly source: UnitSource,
    options: ShardManagerOptions,
  ) {
    super();
    this.options = { ...DefaultShardManagerOptions, ...options };
    this.leases = new LeaseManager(redis, { keyPrefix: options.keyPrefix, holder: options.holder, ttlMs: this.options.leaderLeaseTtlMs });
    this.membership = new MembershipRegistry(redis, { keyPrefix: options.keyPrefix, ttlMs: this.options.memberTtlMs });
    this.store = new AssignmentStore(redis, options.keyPrefix);
  }

  get leading(): boolean {
    return this.lease !== null && isValid(this.lease);
  }

  async start(): Promise<void> {
    this.running = true;
    this.subscriber.on('message', this.onNotice);
    await this.subscriber.subscribe(this.leases.keys.notices());
    await this.tickLeadership();
    this.pollTimer = setInterval(() => {
      if (this.leading) for (const platform of this.options.platforms) this.requestRebalance(platform, 0, false);
    }, this.options.pollIntervalMs);
  }

  /** Stops and, when leading, hands the lease back so a standby takes over at once. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.leaderTimer);
    clearInterval(this.pollTimer);
    for (const timer of this.debounce.values()) clearTimeout(timer);
    this.subscriber.off('message', this.onNotice);
    await this.queue;
    if (this.lease) await this.leases.release(this.lease).catch((error: unknown) => this.emitError(error));
    this.setLease(null);
  }

  /**
   * Asks for a rebalance of one platform (or all) after the debounce window. `rereadUnits`
   * false (the poll, membership notices) skips the units when the members did not change.
   */
  requestRebalance(platform?: string, delayMs = this.options.rebalanceDebounceMs, rereadUnits = true): void {
    for (const target of platform ? [platform] : this.options.platforms) {
      if (rereadUnits) this.unitsWanted.add(target);
      if (!this.running || this.debounce.has(target)) continue;
      this.debounce.set(
        target,
        setTimeout(() => {
          this.debounce.delete(target);
          this.queue = this.queue.then(() => this.rebalance(target)).catch((error: unknown) => this.emitError(error));
        }, delayMs),
      );
    }
  }

  /** What is published now, per platform. */
  async assignments(): Promise<Map<string, Assignment | null>> {
    return new Map(await Promise.all(this.options.platforms.map(async (platform) => [platform, await this.store.read(platform)] as const)));
  }

  private readonly onNotice = (_channel: string, message: string): void => {
    const platform = this.options.platforms.find((candidate) => message === Notice.members(candidate));
    if (platform && this.leading) this.requestRebalance(platform, undefined, false);
  };

  private async tickLeadership(): Promise<void> {
    if (!this.running) return;
    try {
      if (this.lease && isValid(this.lease)) {
        this.setLease(await this.leases.renew(this.lease));
      } else {
        const result = await this.leases.acquire(LEADER_LEASE);
        this.setLease(result.acquired ? result.lease : null);
      }
    } catch (error) {
      this.emitError(error);
      // Without Redis nobody can confirm the lease: stop acting as leader once it runs out.
      if (this.lease && !isValid(this.lease)) this.setLease(null);
    }
    if (this.running) this.leaderTimer = setTimeout(() => void this.tickLeadership(), Math.max(50, Math.floor(this.options.leaderLeaseTtlMs / 3)));
  }

  private setLease(lease: Lease | null): void {
    const was = this.lease !== null;
    this.lease = lease;
    if (was !== (lease !== null)) {
      this.settled.clear();
      this.emit('leadership', lease !== null);
      if (lease) this.requestRebalance(undefined, 0);
    }
  }

  private async rebalance(platform: string): Promise<void> {
    const lease = this.lease;
    if (!lease || !isValid(lease) || !this.running) return;
    const rereadUnits = this.unitsWanted.delete(platform);
    const members = await this.membership.live(platform);
    const membersKey = members.join('\n');
    const last = this.settled.get(platform);
    // Nothing changed since this leader last placed: no Postgres read, no placement.
    if (!rereadUnits && last && last.members === membersKey && performance.now() - last.at < this.options.unitsPollIntervalMs) {
      if ((await this.store.epoch(platform)) === last.epoch) return;
    }
    const [units, current] = await Promise.all([this.source.units(platform), this.store.read(platform)]);
    const settle = (epoch: number) => this.settled.set(platform, { members: membersKey, epoch, at: performance.now() });
    const byId = new Map(units.map((unit) => [unit.id, unit]));
    // The published assignment is the placement's previous one: a sticky strategy keeps
    // units where they are, and a standby that takes over reads the same one, so it
    // computes the same placement.
    const before = new Map<string, string>();
    for (const [member, list] of current?.members ?? []) for (const unit of list) before.set(unit.id, member);
    const placement = this.options.placement.place([...byId.keys()], members, before);
    const next = new Map<string, AssignableUnit[]>(members.map((member) => [member, []]));
    for (const [unitId, member] of placement) next.get(member)!.push(byId.get(unitId)!);
    for (const list of next.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (current && sameAssignment(current.members, next)) return void settle(current.epoch);

    let moved = 0;
    for (const [unitId, member] of placement) if (before.has(unitId) && before.get(unitId) !== member) moved++;

    const epoch = await this.store.publish(platform, next, moved, lease);
    if (epoch === null) {
      // Deposed: someone else holds the lease now. Their assignment stands.
      if (this.lease === lease) this.setLease(null);
      return;
    }
    settle(epoch);
    const loads = [...loadsOf(placement, members).values()];
    const mean = units.length / Math.max(1, members.length);
    this.emit('rebalanced', {
      platform,
      epoch,
      moved,
      units: units.length,
      members: members.length,
      maxOverMean: units.length === 0 ? 1 : Math.max(...loads) / mean,
    });
  }

  private emitError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)));
  }
}

function sameAssignment(a: Map<string, AssignableUnit[]>, b: Map<string, AssignableUnit[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [member, units] of b) {
    const other = a.get(member);
    if (!other || other.length !== units.length) return false;
    for (let i = 0; i < units.length; i++) if (other[i]!.id !== units[i]!.id || other[i]!.name !== units[i]!.name) return false;
  }
  return true;
}
