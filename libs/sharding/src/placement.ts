import { hash } from 'node:crypto';

/**
 * What the shard manager assigns to one ingest pod: a channel for Twitch IRC and YouTube,
 * a gateway shard for Discord or a conduit shard for Twitch EventSub. Only `id` is placed
 * (hashed); `name` travels with it for the pod (Twitch joins by login, not by id).
 */
export interface AssignableUnit {
  id: string;
  name: string;
}

/** unit id → member id. */
export type Placement = Map<string, string>;

/** How units are spread over members. Deterministic: the same inputs give the same placement. */
export interface PlacementStrategy {
  readonly name: string;
  place(unitIds: readonly string[], members: readonly string[]): Placement;
}

export interface ConsistentHashOptions {
  /** Points per member on the ring: more points, a more even spread, a slower build. */
  virtualNodes: number;
}

export interface BoundedLoadOptions extends ConsistentHashOptions {
  /** No member takes more than ceil(loadFactor × units / members) units (Mirrokni et al., 2018). */
  loadFactor: number;
}

export const DefaultConsistentHashOptions: ConsistentHashOptions = { virtualNodes: 512 };
export const DefaultBoundedLoadOptions: BoundedLoadOptions = { virtualNodes: 512, loadFactor: 1.05 };

/**
 * A position on the ring: the first 52 bits of SHA-1, exact as a JS number. SHA-1 is no
 * security choice here, only a well-mixed hash that Node ships (crypto.hash is one-shot
 * and fast enough: 100,000 units hash in about 100 ms).
 */
export function ringPosition(key: string): number {
  return Number.parseInt(hash('sha1', key, 'hex').slice(0, 13), 16);
}

/** The ring of virtual nodes of a membership: sorted positions with their members. */
class Ring {
  readonly positions: Float64Array;
  readonly owners: string[];

  constructor(members: readonly string[], virtualNodes: number) {
    // Sorted so the ring does not depend on the order members were listed in.
    const points = [...new Set(members)]
      .sort()
      .flatMap((member) => Array.from({ length: virtualNodes }, (_, v) => ({ at: ringPosition(`${member}#${v}`), member })));
    // Ties (astronomically rare) are broken by member id, so the result stays deterministic.
    points.sort((a, b) => a.at - b.at || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    this.positions = Float64Array.from(points, (point) => point.at);
    this.owners = points.map((point) => point.member);
  }

  /** Index of the first point at or after `position`, wrapping past the end. */
  firstAtOrAfter(position: number): number {
    let low = 0;
    let high = this.positions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.positions[middle]! < position) low = middle + 1;
      else high = middle;
    }
    return low === this.positions.length ? 0 : low;
  }
}

/** Classic consistent hashing: a unit goes to the member of the first virtual node clockwise of it. */
export class ConsistentHashPlacement implements PlacementStrategy {
  readonly name = 'consistent-hash';
  private readonly options: ConsistentHashOptions;

  constructor(options: Partial<ConsistentHashOptions> = {}) {
    this.options = { ...DefaultConsistentHashOptions, ...options };
    assertPositiveInteger('virtualNodes', this.options.virtualNodes);
  }

  place(unitIds: readonly string[], members: readonly string[]): Placement {
    const placement: Placement = new Map();
    if (members.length === 0) return placement;
    const ring = new Ring(members, this.options.virtualNodes);
    for (const id of unitIds) placement.set(id, ring.owners[ring.firstAtOrAfter(ringPosition(id))]!);
    return placement;
  }
}

/**
 * Consistent hashing with bounded loads: units are placed in the order of their ring
 * position, each on the first member clockwise that still has room under the cap. The
 * cap bounds the max/mean load however unlucky the ring; the price is that a membership
 * change moves a few more units than plain consistent hashing (see `npm run bench:sharding`).
 */
export class BoundedLoadPlacement implements PlacementStrategy {
  readonly name = 'bounded-load';
  private readonly options: BoundedLoadOptions;

  constructor(options: Partial<BoundedLoadOptions> = {}) {
    this.options = { ...DefaultBoundedLoadOptions, ...options };
    assertPositiveInteger('virtualNodes', this.options.virtualNodes);
    if (!(this.options.loadFactor >= 1)) throw new RangeError(`loadFactor must be at least 1, got ${this.options.loadFactor}`);
  }

  place(unitIds: readonly string[], members: readonly string[]): Placement {
    const placement: Placement = new Map();
    const distinct = new Set(members);
    if (distinct.size === 0) return placement;
    const ring = new Ring(members, this.options.virtualNodes);
    // The epsilon keeps 1.1 × 2000 (2200.0000000000005 in floating point) at 2200.
    const capacity = Math.max(1, Math.ceil((this.options.loadFactor * unitIds.length) / distinct.size - 1e-9));
    const load = new Map<string, number>();
    const units = unitIds.map((id) => ({ id, at: ringPosition(id) })).sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const unit of units) {
      let index = ring.firstAtOrAfter(unit.at);
      // Terminates: capacity × members ≥ units, so some member always has room.
      while ((load.get(ring.owners[index]!) ?? 0) >= capacity) index = (index + 1) % ring.owners.length;
      const owner = ring.owners[index]!;
      load.set(owner, (load.get(owner) ?? 0) + 1);
      placement.set(unit.id, owner);
    }
    return placement;
  }
}

/** Units per member, every member listed (0 for none). */
export function loadsOf(placement: Placement, members: readonly string[]): Map<string, number> {
  const loads = new Map<string, number>(members.map((member) => [member, 0]));
  for (const member of placement.values()) loads.set(member, (loads.get(member) ?? 0) + 1);
  return loads;
}

/** Units whose member differs between two placements (units new or gone in either are not counted). */
export function movedUnits(before: Placement, after: Placement): number {
  let moved = 0;
  for (const [unit, member] of after) {
    const previous = before.get(unit);
    if (previous !== undefined && previous !== member) moved++;
  }
  return moved;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}
