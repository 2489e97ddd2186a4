/**
 * What the shard manager assigns to one ingest pod: a channel for Twitch IRC and YouTube,
 * a gateway shard for Discord or a conduit shard for Twitch EventSub. Only `id` is placed
 * (hashed); `name` travels with it for the pod (Twitch joins by login, not by id).
 */
export interface AssignableUnit {
  id: string;
  name: string;
}

/**
 * unit id → member id, kept as arrays: the units as given, the distinct members, and each
 * unit's member. A JavaScript Map of a million string keys costs about a second to build
 * (more than the whole placement: `npm run bench:sharding`), so a Placement builds its
 * lookup index only when `get` or `has` is first asked, and a sticky placement fed a
 * Placement over the same units reads it by position without one.
 */
export class Placement implements PlacementView {
  #index: Map<string, number> | undefined;

  constructor(
    /** The units, in the order they were given to `place`. */
    readonly units: readonly string[],
    /** The distinct members, sorted. */
    readonly members: readonly string[],
    /** Index into `members` of each unit's member, by the unit's position in `units`. */
    private readonly owners: Int32Array,
  ) {}

  get size(): number {
    return this.units.length;
  }

  /** The member index (into `members`) of the unit at `position` in `units`. */
  ownerAt(position: number): number {
    return this.owners[position]!;
  }

  get(unit: string): string | undefined {
    const position = this.positionOf(unit);
    return position === undefined ? undefined : this.members[this.owners[position]!];
  }

  has(unit: string): boolean {
    return this.positionOf(unit) !== undefined;
  }

  *values(): IterableIterator<string> {
    for (let i = 0; i < this.units.length; i++) yield this.members[this.owners[i]!]!;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.units.length; i++) yield [this.units[i]!, this.members[this.owners[i]!]!];
  }

  private positionOf(unit: string): number | undefined {
    this.#index ??= new Map(this.units.map((id, position) => [id, position]));
    return this.#index.get(unit);
  }
}

/** What reads a placement: a `Placement`, or a Map of unit id → member id (the published assignment). */
export interface PlacementView extends Iterable<[string, string]> {
  readonly size: number;
  get(unit: string): string | undefined;
  values(): Iterable<string>;
}

/**
 * How units are spread over members. Deterministic: the same inputs give the same
 * placement. `previous` is the placement published last (unit id → member): strategies
 * that keep units where they are read it, the others ignore it.
 */
export interface PlacementStrategy {
  readonly name: string;
  place(unitIds: readonly string[], members: readonly string[], previous?: PlacementView): Placement;
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
export const DefaultStickyOptions: ConsistentHashOptions = { virtualNodes: 512 };

/**
 * A position on the ring: a 53-bit hash of the key, exact as a JS number (cyrb53, public
 * domain, by bryc). Hand-written because the ring needs speed, not secrecy: SHA-1 through
 * crypto.hash pays a call into C++ per key, and 1,000,000 channel ids took 1.3 s that way
 * against 0.1–0.5 s for this loop, which the JIT inlines (same runs, busy machine). It
 * mixes well enough for the balance figures in `npm run bench:sharding`.
 */
export function ringPosition(key: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Units with their ring positions, `order` listing them by position (ties by id): the one order greedy placement may use. */
interface RingOrdered {
  ids: readonly string[];
  positions: Float64Array;
  order: Uint32Array;
}

/**
 * Sorts units by ring position without a comparator per pair: each key packs the top bits
 * of the position above the unit's index, so a native Float64Array sort does the work
 * (1,000,000 units: 0.26 s against 3.7 s for sorting objects, same run on a busy machine).
 * Units sharing those top bits (a few dozen in a million) are re-sorted by full position
 * and id, so the order never depends on how the units were listed.
 */
function ringOrder(ids: readonly string[]): RingOrdered {
  const positions = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) positions[i] = ringPosition(ids[i]!);
  const scale = 2 ** Math.max(1, Math.ceil(Math.log2(ids.length + 1)));
  const keys = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) keys[i] = Math.floor(positions[i]! / scale) * scale + i;
  keys.sort();
  const order = Uint32Array.from(keys, (key) => key % scale);
  const byPositionThenId = (a: number, b: number) => positions[a]! - positions[b]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0);
  for (let start = 0; start < order.length; ) {
    const bucket = Math.floor(keys[start]! / scale);
    let end = start + 1;
    while (end < order.length && Math.floor(keys[end]! / scale) === bucket) end++;
    if (end - start > 1) order.subarray(start, end).sort(byPositionThenId);
    start = end;
  }
  return { ids, positions, order };
}

/** The ring of virtual nodes of a membership: sorted positions with the index of their member. */
class Ring {
  /** The distinct members, sorted, so the ring does not depend on the order they were listed in. */
  readonly members: string[];
  readonly positions: Float64Array;
  /** Index into `members` of each position's member. */
  readonly owners: Int32Array;

  constructor(members: readonly string[], virtualNodes: number) {
    this.members = [...new Set(members)].sort();
    const labels = this.members.flatMap((member) => Array.from({ length: virtualNodes }, (_, v) => `${member}#${v}`));
    // Ties (astronomically rare) are broken by label, so the result stays deterministic.
    const points = ringOrder(labels);
    this.positions = Float64Array.from(points.order, (label) => points.positions[label]!);
    this.owners = Int32Array.from(points.order, (label) => Math.floor(label / virtualNodes));
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

  /** The member of the first point clockwise of `position`. */
  ownerOf(position: number): number {
    return this.owners[this.firstAtOrAfter(position)]!;
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
    if (members.length === 0) return emptyPlacement();
    const ring = new Ring(members, this.options.virtualNodes);
    const owners = new Int32Array(unitIds.length);
    for (let unit = 0; unit < unitIds.length; unit++) owners[unit] = ring.ownerOf(ringPosition(unitIds[unit]!));
    return new Placement(unitIds, ring.members, owners);
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
    if (members.length === 0) return emptyPlacement();
    const ring = new Ring(members, this.options.virtualNodes);
    // The epsilon keeps 1.1 × 2000 (2200.0000000000005 in floating point) at 2200.
    const capacity = Math.max(1, Math.ceil((this.options.loadFactor * unitIds.length) / ring.members.length - 1e-9));
    const load = new Int32Array(ring.members.length);
    const owners = new Int32Array(unitIds.length);
    const units = ringOrder(unitIds);
    for (const unit of units.order) {
      let index = ring.firstAtOrAfter(units.positions[unit]!);
      // Terminates: capacity × members ≥ units, so some member always has room.
      while (load[ring.owners[index]!]! >= capacity) index = (index + 1) % ring.owners.length;
      const owner = ring.owners[index]!;
      load[owner]!++;
      owners[unit] = owner;
    }
    return new Placement(unitIds, ring.members, owners);
  }
}

/**
 * Sticky placement with bounded loads: the previous placement stands wherever it fits, and
 * only what must move, moves. Loads are exact: with U units on N members, U mod N members
 * get ceil(U / N) units and the rest floor(U / N) (max/mean ≤ ceil(U/N) / (U/N)). The
 * larger targets go to the members that already hold the most (ties: by member id), so as
 * few units as possible move. A unit stays on its previous member while that member is
 * live and within its target; a member above its target (after a join) keeps the units
 * the ring gives it first, then the lowest ring positions. Everything else (units of a
 * member that left, new units, the excess) is placed in ring order on the first member
 * clockwise that is under its target.
 *
 * So a leave moves exactly the leaver's units; a join moves the newcomer's target,
 * floor(U / N), all to the newcomer, once U ≥ N(N − 1) (below that, a few single units
 * also move between the others to keep loads within one of each other). The result
 * depends only on (units, members, previous): a standby manager fed the published
 * assignment computes that same assignment again (placing a placement changes nothing).
 */
export class StickyBoundedLoadPlacement implements PlacementStrategy {
  readonly name = 'sticky-bounded-load';
  private readonly options: ConsistentHashOptions;

  constructor(options: Partial<ConsistentHashOptions> = {}) {
    this.options = { ...DefaultStickyOptions, ...options };
    assertPositiveInteger('virtualNodes', this.options.virtualNodes);
  }

  place(unitIds: readonly string[], members: readonly string[], previous?: PlacementView): Placement {
    if (members.length === 0) return emptyPlacement();
    const ring = new Ring(members, this.options.virtualNodes);
    const memberCount = ring.members.length;
    const was = previousMembers(unitIds, ring.members, previous);

    const heldCounts = new Int32Array(memberCount);
    for (let unit = 0; unit < unitIds.length; unit++) if (was[unit]! >= 0) heldCounts[was[unit]!]!++;
    const targets = exactTargets(unitIds.length, heldCounts);

    const owners = new Int32Array(unitIds.length).fill(-1);
    const load = new Int32Array(memberCount);
    const overTarget = new Map<number, number[]>();
    const homeless: number[] = [];
    for (let unit = 0; unit < unitIds.length; unit++) {
      const member = was[unit]!;
      if (member < 0) homeless.push(unit);
      else if (heldCounts[member]! <= targets[member]!) {
        owners[unit] = member;
        load[member]!++;
      } else {
        const held = overTarget.get(member);
        if (held) held.push(unit);
        else overTarget.set(member, [unit]);
      }
    }
    for (const [member, held] of overTarget) {
      // Which units a member keeps must not depend on the order they were listed in:
      // first those the ring gives it, then by ring position.
      const ranked = ringOrder(held.map((unit) => unitIds[unit]!));
      const home: number[] = [];
      const away: number[] = [];
      for (const index of ranked.order) (ring.ownerOf(ranked.positions[index]!) === member ? home : away).push(held[index]!);
      const byPreference = home.concat(away);
      const target = targets[member]!;
      for (const unit of byPreference.slice(0, target)) owners[unit] = member;
      load[member] = Math.min(target, byPreference.length);
      homeless.push(...byPreference.slice(target));
    }

    // The first placement has every unit homeless: order them all without copying the ids.
    const everyUnit = homeless.length === unitIds.length;
    const toPlace = ringOrder(everyUnit ? unitIds : homeless.map((unit) => unitIds[unit]!));
    fillInRingOrder(ring, toPlace, targets, load, (index, member) => (owners[everyUnit ? index : homeless[index]!] = member));
    return new Placement(unitIds, ring.members, owners);
  }
}

/**
 * Each member's load target: floor(U / N), plus one for the U mod N members holding the
 * most units now (capped at the larger target, ties by member index), so the targets
 * sum to U and as many units as possible stay.
 */
function exactTargets(unitCount: number, held: Int32Array): Int32Array {
  const floor = Math.floor(unitCount / held.length);
  const targets = new Int32Array(held.length).fill(floor);
  const capped = Array.from(held, (count) => Math.min(count, floor + 1));
  const byHolding = capped.map((_, member) => member).sort((a, b) => capped[b]! - capped[a]! || a - b);
  for (const member of byHolding.slice(0, unitCount % held.length)) targets[member] = floor + 1;
  return targets;
}

/**
 * Places every unit of `units` (`place` gets its index in `units.ids`), in ring order, on the first member clockwise of it whose
 * load is under its target (the targets leave room for exactly these units). Full
 * members' points are skipped by a union-find over the ring ("next point whose member has
 * room", with path compression), so a unit far from any member with room costs about as
 * much as one next to it: 1,000,000 units on 500 members stay linear.
 */
function fillInRingOrder(ring: Ring, units: RingOrdered, targets: Int32Array, load: Int32Array, place: (index: number, member: number) => void): void {
  const points = ring.owners.length;
  const pointsOf: number[][] = ring.members.map(() => []);
  for (let point = 0; point < points; point++) pointsOf[ring.owners[point]!]!.push(point);
  // nextOpen[p] === p: p's member has room; otherwise a step clockwise towards such a point.
  const nextOpen = new Int32Array(points);
  const close = (member: number) => {
    for (const point of pointsOf[member]!) nextOpen[point] = (point + 1) % points;
  };
  for (let member = 0; member < load.length; member++) {
    for (const point of pointsOf[member]!) nextOpen[point] = point;
    if (load[member]! >= targets[member]!) close(member);
  }
  for (const unit of units.order) {
    const start = ring.firstAtOrAfter(units.positions[unit]!);
    // Terminates: the targets sum to the unit count, so while a unit is left some member has room.
    let root = start;
    while (nextOpen[root] !== root) root = nextOpen[root]!;
    for (let point = start; point !== root; ) {
      const step = nextOpen[point]!;
      nextOpen[point] = root;
      point = step;
    }
    const member = ring.owners[root]!;
    place(unit, member);
    if (++load[member]! >= targets[member]!) close(member);
  }
}

/** A placement of nothing (no members to place on). */
function emptyPlacement(): Placement {
  return new Placement([], [], new Int32Array(0));
}

/**
 * Each unit's member in `previous` as an index into `members`, -1 for a unit it did not
 * place or whose member is gone. A Placement over the same units is read by position; any
 * other view (the published assignment) by lookup.
 */
function previousMembers(unitIds: readonly string[], members: readonly string[], previous: PlacementView | undefined): Int32Array {
  const was = new Int32Array(unitIds.length).fill(-1);
  if (!previous || previous.size === 0) return was;
  const memberIndex = new Map(members.map((member, index) => [member, index]));
  if (previous instanceof Placement && sameUnits(previous.units, unitIds)) {
    const translated = Int32Array.from(previous.members, (member) => memberIndex.get(member) ?? -1);
    for (let unit = 0; unit < unitIds.length; unit++) was[unit] = translated[previous.ownerAt(unit)]!;
    return was;
  }
  for (let unit = 0; unit < unitIds.length; unit++) {
    const member = previous.get(unitIds[unit]!);
    if (member !== undefined) was[unit] = memberIndex.get(member) ?? -1;
  }
  return was;
}

function sameUnits(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Units per member, every member listed (0 for none). */
export function loadsOf(placement: PlacementView, members: readonly string[]): Map<string, number> {
  const loads = new Map<string, number>(members.map((member) => [member, 0]));
  for (const member of placement.values()) loads.set(member, (loads.get(member) ?? 0) + 1);
  return loads;
}

/** Units whose member differs between two placements (units new or gone in either are not counted). */
export function movedUnits(before: PlacementView, after: PlacementView): number {
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
