import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { AssignmentStore } from './assignment-store.js';
import { Notice } from './keys.js';
import { LeaseManager, type Lease } from './lease-manager.js';
import { MembershipRegistry } from './membership.js';
import type { AssignableUnit } from './placement.js';

/** What a pod does with a unit it owns: for Twitch IRC, join and part the channel. */
export interface UnitHandler {
  start(unit: AssignableUnit): Promise<void>;
  stop(unit: AssignableUnit): Promise<void>;
}

export interface RequiredShardMemberOptions {
  keyPrefix: string;
  platform: string;
  /** This pod's member id (pod name + pid): also the holder of its unit leases. */
  member: string;
}

export interface OptionalShardMemberOptions {
  /** Heartbeat TTL: the manager drops this pod this long after its last heartbeat. */
  memberTtlMs: number;
  /** Per-unit lease TTL: a dead pod's units can be taken over this long after it died. */
  unitLeaseTtlMs: number;
  /** Re-read the assignment and retry waiting units this often, notices or not. */
  pollIntervalMs: number;
  /**
   * On drain, how long to wait for the manager to move this pod's units elsewhere before
   * handing them back anyway. Waiting means the successors are already queued for each
   * lease, so a unit is without an owner for milliseconds, not for a rebalance.
   */
  drainReassignTimeoutMs: number;
  /**
   * `make-before-break` (the default): the successor starts the unit as soon as it is
   * assigned and the old owner stops only once the successor runs it, so nothing is
   * missed; for that moment both run it and the consumer must drop duplicates (ingest
   * does, by event id). `break-before-make`: a unit is started only with its lease held, so
   * two pods never run it at once, at the price of a gap of milliseconds in which nobody
   * does (Twitch IRC has no replay: messages in that gap are lost).
   */
  handover: 'break-before-make' | 'make-before-break';
  /** make-before-break: how long the old owner waits for its successor to run a unit. */
  handoverTimeoutMs: number;
}

export type ShardMemberOptions = RequiredShardMemberOptions & Partial<OptionalShardMemberOptions>;

export const DefaultShardMemberOptions: OptionalShardMemberOptions = {
  memberTtlMs: 10_000,
  unitLeaseTtlMs: 10_000,
  pollIntervalMs: 1_000,
  drainReassignTimeoutMs: 5_000,
  handover: 'make-before-break',
  handoverTimeoutMs: 5_000,
};

interface ShardMemberEvents {
  /** A unit is ours: its lease is held and its handler started. */
  owned: [AssignableUnit];
  /** A unit was handed back: its handler stopped, then its lease released. */
  released: [AssignableUnit];
  /** A unit's lease could not be renewed: its handler was stopped at once. */
  lost: [AssignableUnit];
  /** make-before-break: a unit was started ahead of its lease, for the hand-over. */
  warming: [AssignableUnit];
  error: [Error];
}

interface Held {
  unit: AssignableUnit;
  lease: Lease;
}

const CLEAR_SUCCESSOR = 'parleyClearSuccessor';
const clearSuccessorScript = readFileSync(new URL('./clearSuccessor-1.lua', import.meta.url), 'utf8');
type ScriptedRedis = Redis & { [CLEAR_SUCCESSOR](successor: string, member: string): Promise<number> };

/**
 * An ingest pod's side of sharding: heartbeats its membership, follows its share of the
 * published assignment, and owns a unit only while it holds the unit's lease. A unit is
 * started after its lease is acquired, so during a hand-over the new owner starts only
 * once the old owner released the lease (after stopping) or the lease expired.
 */
export class ShardMember extends EventEmitter<ShardMemberEvents> {
  readonly options: RequiredShardMemberOptions & OptionalShardMemberOptions;
  private readonly membership: MembershipRegistry;
  private readonly leases: LeaseManager;
  private readonly store: AssignmentStore;
  private readonly held = new Map<string, Held>();
  /**
   * Units whose lease is held while their handler starts: renewed like `held`, because a
   * start may outlast a lease (a Discord shard waits for its identify window, then READY).
   * A unit whose renewal failed meanwhile is taken out, and stopped once its start ends.
   */
  private readonly starting = new Map<string, Held>();
  /** make-before-break: units started while their previous owner still holds the lease. */
  private readonly warm = new Map<string, AssignableUnit>();
  private desired = new Map<string, AssignableUnit>();
  private assignmentEpoch = 0;
  private running = false;
  private timers: NodeJS.Timeout[] = [];
  /** Reconciliations (and the drain) run one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private reconcileQueued = false;
  /**
   * Renewals run on their own, never behind a reconciliation: a hand-over may wait up to
   * `handoverTimeoutMs` for a successor, longer than a lease lives.
   */
  private renewing = false;
  private readonly scripted: ScriptedRedis;
  /** `released:unit:<platform>:`: what a release notice of one of this platform's units starts with. */
  private readonly releasedPrefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly handler: UnitHandler,
    options: ShardMemberOptions,
  ) {
    super();
    this.options = { ...DefaultShardMemberOptions, ...options };
    this.membership = new MembershipRegistry(redis, { keyPrefix: options.keyPrefix, ttlMs: this.options.memberTtlMs });
    this.leases = new LeaseManager(redis, { keyPrefix: options.keyPrefix, holder: options.member, ttlMs: this.options.unitLeaseTtlMs });
    this.store = new AssignmentStore(redis, options.keyPrefix);
    this.releasedPrefix = Notice.released(this.leaseName({ id: '', name: '' }));
    redis.defineCommand(CLEAR_SUCCESSOR, { numberOfKeys: 1, lua: clearSuccessorScript });
    this.scripted = redis as ScriptedRedis;
  }

  /** The units this pod owns now. */
  owned(): AssignableUnit[] {
    return [...this.held.values()].map((held) => held.unit);
  }

  /** The epoch of the assignment last read. */
  get epoch(): number {
    return this.assignmentEpoch;
  }

  async start(): Promise<void> {
    this.running = true;
    this.subscriber.on('message', this.onNotice);
    await this.subscriber.subscribe(this.leases.keys.notices());
    await this.membership.heartbeat(this.options.platform, this.options.member);
    const every = (ms: number, task: () => Promise<void>) =>
      this.timers.push(setInterval(() => void task().catch((error: unknown) => this.emitError(error)), ms));
    every(Math.floor(this.options.memberTtlMs / 3), async () => void (await this.membership.heartbeat(this.options.platform, this.options.member)));
    every(Math.floor(this.options.unitLeaseTtlMs / 3), () => this.renewAll());
    every(this.options.pollIntervalMs, async () => this.requestReconcile());
    this.requestReconcile();
    await this.queue;
  }

  /**
   * Leaves the pool and hands every unit back: leave the membership, wait until the
   * manager has published an assignment without this pod (the successors now wait for
   * each lease), then per unit stop the handler and release the lease, so the next owner
   * starts milliseconds after this one stopped.
   */
  async drain(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.membership.leave(this.options.platform, this.options.member).catch((error: unknown) => this.emitError(error));
    if (this.held.size > 0) await this.awaitReassignment().catch((error: unknown) => this.emitError(error));
    await this.serially(async () => {
      const owners = await this.assignedElsewhere();
      await Promise.all([...this.held.values()].map((held) => this.handBack(held, owners.has(held.unit.id))));
      await Promise.all([...this.warm.values()].map((unit) => this.cool(unit)));
    });
    this.subscriber.off('message', this.onNotice);
  }

  private async awaitReassignment(): Promise<void> {
    const deadline = performance.now() + this.options.drainReassignTimeoutMs;
    while (performance.now() < deadline) {
      const assignment = await this.store.readMember(this.options.platform, this.options.member);
      if (assignment.epoch > this.assignmentEpoch && assignment.units.length === 0) return;
      await sleep(Math.min(50, this.options.pollIntervalMs));
    }
  }

  private readonly onNotice = (_channel: string, message: string): void => {
    if (!this.running) return;
    if (message === Notice.assignment(this.options.platform)) return this.requestReconcile();
    // A unit we wait for was released by its previous owner: take it now, not at the next poll.
    const releasedUnit = message.startsWith(this.releasedPrefix) ? message.slice(this.releasedPrefix.length) : undefined;
    if (releasedUnit !== undefined && this.desired.has(releasedUnit) && !this.held.has(releasedUnit)) this.requestReconcile();
  };


  private requestReconcile(): void {
    if (this.reconcileQueued || !this.running) return;
    this.reconcileQueued = true;
    void this.serially(async () => {
      this.reconcileQueued = false;
      await this.reconcile();
    });
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch((error: unknown) => this.emitError(error));
    this.queue = next;
    return next;
  }

  private async reconcile(): Promise<void> {
    if (!this.running) return;
    const assignment = await this.store.readMember(this.options.platform, this.options.member);
    this.assignmentEpoch = assignment.epoch;
    this.desired = new Map(assignment.units.map((unit) => [unit.id, unit]));
    const leaving = [...this.held.values()].filter((held) => !this.desired.has(held.unit.id));
    const cooled = [...this.warm.values()].filter((unit) => !this.desired.has(unit.id));
    const arriving = [...this.desired.values()].filter((unit) => !this.held.has(unit.id));
    const owners = leaving.length > 0 ? await this.assignedElsewhere() : new Set<string>();
    // Disjoint sets of units: a hand-over waiting for its successor does not hold up arrivals.
    await Promise.all([
      ...leaving.map((held) => this.handBack(held, owners.has(held.unit.id))),
      ...cooled.map((unit) => this.cool(unit)),
      ...arriving.map((unit) => this.take(unit)),
    ]);
  }

  private async take(unit: AssignableUnit): Promise<void> {
    const result = await this.leases.acquire(this.leaseName(unit));
    // Still held by the previous owner: its release notice (or the next poll) brings us back.
    if (!result.acquired) {
      if (this.options.handover === 'make-before-break') await this.warmUp(unit);
      return;
    }
    const taking: Held = { unit, lease: result.lease };
    // A warm unit runs already; it only gains its lease.
    if (!this.warm.delete(unit.id)) {
      this.starting.set(unit.id, taking);
      try {
        await this.handler.start(unit);
      } catch (error) {
        if (this.starting.delete(unit.id)) await this.leases.release(taking.lease).catch(() => undefined);
        throw error;
      }
      // Its lease could not be renewed while it started: somebody else may run it by now.
      if (!this.starting.delete(unit.id)) {
        this.emit('lost', unit);
        await this.handler.stop(unit);
        return;
      }
    }
    this.held.set(unit.id, taking);
    this.emit('owned', unit);
  }

  /** Starts a unit ahead of its lease and tells the owner, who stops once it sees this. */
  private async warmUp(unit: AssignableUnit): Promise<void> {
    if (!this.warm.has(unit.id)) {
      await this.handler.start(unit);
      this.warm.set(unit.id, unit);
      this.emit('warming', unit);
    }
    await this.redis.set(this.leases.keys.successor(this.leaseName(unit)), this.options.member, 'PX', this.options.unitLeaseTtlMs);
  }

  /** Stops a unit started ahead of its lease that is no longer ours to take. */
  private async cool(unit: AssignableUnit): Promise<void> {
    this.warm.delete(unit.id);
    await this.scripted[CLEAR_SUCCESSOR](this.leases.keys.successor(this.leaseName(unit)), this.options.member);
    await this.handler.stop(unit);
  }

  /**
   * make-before-break: waits (bounded) until another member runs the unit. Whoever runs it
   * is the right successor: the mark is set only by a member the unit is assigned to, and
   * withdrawn when it stops running it (an assignment that moved on meanwhile).
   */
  private async awaitSuccessor(unit: AssignableUnit): Promise<void> {
    const key = this.leases.keys.successor(this.leaseName(unit));
    const deadline = performance.now() + this.options.handoverTimeoutMs;
    for (;;) {
      const successor = await this.redis.get(key);
      if ((successor !== null && successor !== this.options.member) || performance.now() >= deadline) return;
      await sleep(20);
    }
  }

  /** make-before-break: the units another member is assigned now (whole assignment read once). */
  private async assignedElsewhere(): Promise<Set<string>> {
    const units = new Set<string>();
    if (this.options.handover !== 'make-before-break') return units;
    const assignment = await this.store.read(this.options.platform);
    for (const [member, assigned] of assignment?.members ?? []) if (member !== this.options.member) for (const unit of assigned) units.add(unit.id);
    return units;
  }

  /** Stops a unit and releases its lease; with a successor assigned, only once it runs the unit. */
  private async handBack(held: Held, successorAssigned = false): Promise<void> {
    this.held.delete(held.unit.id);
    if (successorAssigned) await this.awaitSuccessor(held.unit).catch((error: unknown) => this.emitError(error));
    try {
      await this.handler.stop(held.unit);
    } finally {
      await this.leases.release(held.lease);
      this.emit('released', held.unit);
    }
  }

  private async renewAll(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await Promise.all([
        ...[...this.starting.values()].map(async (taking) => {
          const renewed = await this.leases.renew(taking.lease);
          if (renewed) return void (taking.lease = renewed);
          // `take` stops it once its start ends (stopping a unit mid-start is not a handler's contract).
          if (this.starting.get(taking.unit.id) === taking) this.starting.delete(taking.unit.id);
        }),
        ...[...this.held.values()].map(async (held) => {
          const renewed = await this.leases.renew(held.lease);
          if (renewed) return void (held.lease = renewed);
          // Handed back meanwhile: the hand-over stops it.
          if (this.held.get(held.unit.id) !== held) return;
          // Someone else may own it by now: stop at once, do not wait for the assignment.
          this.held.delete(held.unit.id);
          this.emit('lost', held.unit);
          await this.handler.stop(held.unit);
        }),
      ]);
    } finally {
      this.renewing = false;
    }
  }

  private leaseName(unit: AssignableUnit): string {
    return `unit:${this.options.platform}:${unit.id}`;
  }

  private emitError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)));
  }
}
