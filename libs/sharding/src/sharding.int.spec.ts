import { setTimeout as sleep } from 'node:timers/promises';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { AssignmentStore } from './assignment-store.js';
import { MembershipRegistry } from './membership.js';
import { StickyBoundedLoadPlacement, type AssignableUnit } from './placement.js';
import { ShardManager, type ShardManagerOptions, type UnitSource } from './shard-manager.js';
import { ShardMember, type UnitHandler } from './shard-member.js';

const PLATFORM = 'twitch';
const redis = new Redis(redisUrl());
const connections: Redis[] = [];
const stoppers: Array<() => Promise<void>> = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => undefined);
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  for (const connection of connections) connection.disconnect();
  redis.disconnect();
});

function connection(): Redis {
  const created = new Redis(redisUrl());
  connections.push(created);
  return created;
}

/** Who runs each unit now, every moment two members ran the same one, and every moment nobody did. */
class Chat {
  readonly runningOn = new Map<string, Set<string>>();
  readonly doubleOwnership: string[] = [];
  readonly unattended: string[] = [];

  /** How long a unit takes to start (a Discord shard waits for its identify window and READY). */
  constructor(private readonly startMs = 0) {}

  handler(member: string): UnitHandler {
    return {
      start: async (unit) => {
        const runners = this.runningOn.get(unit.id) ?? new Set<string>();
        if (runners.size > 0) this.doubleOwnership.push(`${unit.id}: ${[...runners].join(', ')} and ${member}`);
        runners.add(member);
        this.runningOn.set(unit.id, runners);
        if (this.startMs > 0) await sleep(this.startMs);
      },
      stop: async (unit) => {
        const runners = this.runningOn.get(unit.id);
        runners?.delete(member);
        if (runners?.size === 0) {
          this.runningOn.delete(unit.id);
          this.unattended.push(unit.id);
        }
      },
    };
  }
}

function setup(unitCount: number, handover: 'break-before-make' | 'make-before-break' = 'break-before-make', startMs = 0) {
  const prefix = uniquePrefix('sharding');
  prefixes.push(prefix);
  const units: AssignableUnit[] = Array.from({ length: unitCount }, (_, i) => ({ id: `room-${i}`, name: `room${i}` }));
  const reads = { units: 0 };
  const source: UnitSource = {
    units: async () => {
      reads.units++;
      return [...units];
    },
  };
  const chat = new Chat(startMs);
  const timings = { memberTtlMs: 1_000, unitLeaseTtlMs: 1_000, pollIntervalMs: 200, handover };

  const manager = async (holder: string, overrides: Partial<ShardManagerOptions> = {}) => {
    const created = new ShardManager(connection(), connection(), source, {
      keyPrefix: prefix,
      holder,
      platforms: [PLATFORM],
      placement: new StickyBoundedLoadPlacement(),
      leaderLeaseTtlMs: 1_000,
      memberTtlMs: timings.memberTtlMs,
      pollIntervalMs: 200,
      rebalanceDebounceMs: 50,
      ...overrides,
    });
    await created.start();
    stoppers.push(() => created.stop());
    return created;
  };
  const member = async (id: string) => {
    const created = new ShardMember(connection(), connection(), chat.handler(id), { keyPrefix: prefix, platform: PLATFORM, member: id, ...timings });
    await created.start();
    stoppers.push(() => created.drain());
    return created;
  };
  return { prefix, units, chat, reads, manager, member, store: new AssignmentStore(redis, prefix) };
}

const owners = (members: ShardMember[]) => members.flatMap((member) => member.owned().map((unit) => unit.id)).sort();
const allIds = (units: AssignableUnit[]) => units.map((unit) => unit.id).sort();

/**
 * Waits until every unit runs and the members hold equal shares. Pods arrive one by one,
 * so every unit is owned already while the placement is still over the first ones.
 */
async function evenlyPlaced(members: ShardMember[], units: AssignableUnit[]): Promise<void> {
  const share = units.length / members.length;
  await vi.waitFor(
    () => {
      expect(owners(members)).toEqual(allIds(units));
      expect(members.map((pod) => pod.owned().length)).toEqual(members.map(() => share));
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('sharding: manager and members', () => {
  it('places every unit on exactly one member, evenly, and only one manager leads', async () => {
    const { units, chat, manager, member } = setup(90);
    const managers = [await manager('manager-a'), await manager('manager-b')];
    const members = [await member('pod-a'), await member('pod-b'), await member('pod-c')];

    await evenlyPlaced(members, units);
    expect(managers.filter((m) => m.leading)).toHaveLength(1);
    expect(chat.doubleOwnership).toEqual([]);
  });

  it('hands a draining member units over with no moment of double ownership', async () => {
    const { units, chat, manager, member } = setup(60);
    await manager('manager-a');
    const members = [await member('pod-a'), await member('pod-b'), await member('pod-c')];
    await vi.waitFor(() => expect(owners(members)).toEqual(allIds(units)), { timeout: 10_000, interval: 50 });

    const drainedAt = Date.now();
    await members[0]!.drain();
    await vi.waitFor(() => expect(owners(members.slice(1))).toEqual(allIds(units)), { timeout: 10_000, interval: 20 });
    // Released leases are taken at once, not after their TTL.
    expect(Date.now() - drainedAt).toBeLessThan(1_000);
    expect(chat.doubleOwnership).toEqual([]);
  });

  it('keeps the lease of a unit whose start outlasts it: no loss, and no second owner while pods arrive', async () => {
    // Each start takes 2.5 lease TTLs, as a Discord shard's does when it waits for its identify window.
    const { units, chat, manager, member, store } = setup(6, 'break-before-make', 2_500);
    await manager('manager-a');
    const first = await member('pod-a');
    const lost: string[] = [];
    first.on('lost', (unit) => lost.push(`pod-a: ${unit.id}`));
    // pod-a is starting all six units when the others arrive and get their shares.
    await vi.waitFor(() => expect(chat.runningOn.size).toBe(units.length), { timeout: 10_000, interval: 20 });
    const members = [first];
    for (const id of ['pod-b', 'pod-c']) {
      const arriving = await member(id);
      arriving.on('lost', (unit) => lost.push(`${id}: ${unit.id}`));
      members.push(arriving);
    }
    await vi.waitFor(
      async () => {
        expect(owners(members)).toEqual(allIds(units));
        expect(members.map((pod) => pod.owned().length)).toEqual([2, 2, 2]);
        expect((await store.read(PLATFORM))?.members.size).toBe(3);
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(lost).toEqual([]);
    expect(chat.doubleOwnership).toEqual([]);
    for (const unit of units) expect(chat.runningOn.get(unit.id)?.size).toBe(1);
  }, 40_000);

  it('make-before-break: the successor runs each unit before the draining member stops it', async () => {
    const { units, chat, manager, member } = setup(60, 'make-before-break');
    await manager('manager-a');
    const members = [await member('pod-a'), await member('pod-b'), await member('pod-c')];
    await evenlyPlaced(members, units);
    const moving = members[0]!.owned().map((unit) => unit.id);
    chat.doubleOwnership.length = 0;
    chat.unattended.length = 0;

    await members[0]!.drain();
    await vi.waitFor(() => expect(owners(members.slice(1))).toEqual(allIds(units)), { timeout: 10_000, interval: 20 });
    // Never a moment without a runner; instead every moved unit ran twice for a moment,
    // and only those: the pods that stay keep their units (sticky placement).
    expect(chat.unattended).toEqual([]);
    const overlapped = new Set(chat.doubleOwnership.map((line) => line.split(':')[0]));
    expect([...overlapped].sort()).toEqual([...moving].sort());
    for (const unit of units) expect(chat.runningOn.get(unit.id)?.size).toBe(1);
  });

  it('a drain moves only the leaving member units, and a standby that takes over afterwards moves nothing', async () => {
    const { units, manager, member, store } = setup(60);
    const leader = await manager('manager-a');
    const members = [await member('pod-a'), await member('pod-b'), await member('pod-c')];
    await evenlyPlaced(members, units);
    const leaving = members[2]!.owned().length;
    const leaderMoves: number[] = [];
    leader.on('rebalanced', ({ moved }) => leaderMoves.push(moved));
    await members[2]!.drain();
    await vi.waitFor(() => expect(owners(members.slice(0, 2))).toEqual(allIds(units)), { timeout: 10_000, interval: 50 });
    expect(leaderMoves).toEqual([leaving]);

    const before = (await store.read(PLATFORM))!;

    const standby = await manager('manager-b');
    expect(standby.leading).toBe(false);
    const rebalances: number[] = [];
    standby.on('rebalanced', ({ moved }) => rebalances.push(moved));
    await leader.stop();
    await vi.waitFor(() => expect(standby.leading).toBe(true), { timeout: 5_000, interval: 50 });
    await sleep(500);
    // Same membership, same units, same published assignment: the new leader computes what is published and writes nothing.
    expect(rebalances).toEqual([]);
    expect((await store.read(PLATFORM))?.epoch).toBe(before.epoch);
  });

  it('places a unit added to the source once a rebalance is asked for', async () => {
    const { units, manager, member } = setup(10);
    const leader = await manager('manager-a');
    const members = [await member('pod-a'), await member('pod-b')];
    await vi.waitFor(() => expect(owners(members)).toEqual(allIds(units)), { timeout: 10_000, interval: 50 });
    units.push({ id: 'room-new', name: 'roomnew' });
    leader.requestRebalance('twitch');
    await vi.waitFor(() => expect(owners(members)).toContain('room-new'), { timeout: 3_000, interval: 20 });
  });

  it('polls membership cheaply: units are re-read only on a change, a request or every unitsPollIntervalMs', async () => {
    const { units, reads, manager, member } = setup(10);
    await manager('manager-a', { unitsPollIntervalMs: 1_500 });
    const members = [await member('pod-a')];
    await vi.waitFor(() => expect(owners(members)).toEqual(allIds(units)), { timeout: 5_000, interval: 50 });
    const readsBefore = reads.units;
    await sleep(1_000);
    // Five polls with nothing changed: at most the one due to the units interval.
    expect(reads.units - readsBefore).toBeLessThanOrEqual(1);
    // A unit added without any notice is still found by the slower units poll.
    units.push({ id: 'room-quiet', name: 'roomquiet' });
    await vi.waitFor(() => expect(owners(members)).toContain('room-quiet'), { timeout: 5_000, interval: 50 });
  });

  it('a deposed leader cannot publish: the fencing check refuses its token', async () => {
    const { store, manager } = setup(1);
    const leader = await manager('manager-a');
    await vi.waitFor(() => expect(leader.leading).toBe(true));
    const stale = { name: 'shard-manager', holder: 'manager-a', token: 0, validUntil: Number.POSITIVE_INFINITY };
    expect(await store.publish(PLATFORM, new Map([['pod-x', []]]), 0, stale)).toBeNull();
  });
});

describe('MembershipRegistry', () => {
  it('drops a member whose heartbeats stopped after the TTL, and announces joins and expiries', async () => {
    const prefix = uniquePrefix('sharding-members');
    prefixes.push(prefix);
    const registry = new MembershipRegistry(redis, { keyPrefix: prefix, ttlMs: 300 });
    const subscriber = connection();
    const notices: string[] = [];
    subscriber.on('message', (_channel, message: string) => notices.push(message));
    await subscriber.subscribe(registry.keys.notices());

    expect(await registry.heartbeat('twitch', 'pod-b')).toBe(true);
    expect(await registry.heartbeat('twitch', 'pod-a')).toBe(true);
    expect(await registry.heartbeat('twitch', 'pod-a')).toBe(false);
    expect(await registry.live('twitch')).toEqual(['pod-a', 'pod-b']);
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      await registry.heartbeat('twitch', 'pod-a');
    }
    expect(await registry.live('twitch')).toEqual(['pod-a']);
    await expect.poll(() => notices.length).toBe(3);
    expect(await registry.leave('twitch', 'pod-a')).toBe(true);
    expect(await registry.live('twitch')).toEqual([]);
  });
});
