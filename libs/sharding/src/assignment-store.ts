import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { Notice, ShardingKeys } from './keys.js';
import type { Lease } from './lease-manager.js';
import type { AssignableUnit } from './placement.js';

/** A platform's published assignment. */
export interface Assignment {
  epoch: number;
  /** When it was published, ms since the epoch (Redis clock). */
  updatedAt: number;
  /** Units that changed member with this publication. */
  moved: number;
  /** member id → its units, sorted by unit id. */
  members: Map<string, AssignableUnit[]>;
}

/** One member's share of an assignment. */
export interface MemberAssignment {
  epoch: number;
  units: AssignableUnit[];
}

const PUBLISH = 'parleyPublishAssignment';
const publishLua = readFileSync(new URL('./publishAssignment-2.lua', import.meta.url), 'utf8');
type ScriptedRedis = Redis & { [PUBLISH](...keysAndArgs: (string | number)[]): Promise<number> };

/** Where the shard manager publishes assignments (publishAssignment-2.lua) and pods read theirs. */
export class AssignmentStore {
  readonly keys: ShardingKeys;
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis, keyPrefix: string) {
    this.keys = new ShardingKeys(keyPrefix);
    redis.defineCommand(PUBLISH, { numberOfKeys: 2, lua: publishLua });
    this.redis = redis as ScriptedRedis;
  }

  /** The new epoch, or null when `leaderLease` is no longer the leader's lease (nothing written). */
  async publish(platform: string, members: Map<string, AssignableUnit[]>, moved: number, leaderLease: Lease): Promise<number | null> {
    const pairs = [...members].flatMap(([member, units]) => [member, JSON.stringify(units)]);
    const epoch = await this.redis[PUBLISH](
      this.keys.lease(leaderLease.name),
      this.keys.assignment(platform),
      leaderLease.holder,
      leaderLease.token,
      moved,
      this.keys.notices(),
      Notice.assignment(platform),
      ...pairs,
    );
    return epoch < 0 ? null : epoch;
  }

  /** The epoch published last (0: none yet): a cheap way to see whether anything changed. */
  async epoch(platform: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.assignment(platform), '_epoch')) ?? 0);
  }

  async read(platform: string): Promise<Assignment | null> {
    const hash = await this.redis.hgetall(this.keys.assignment(platform));
    if (!hash._epoch) return null;
    const members = new Map<string, AssignableUnit[]>();
    for (const [field, value] of Object.entries(hash)) if (field.startsWith('m:')) members.set(field.slice(2), JSON.parse(value) as AssignableUnit[]);
    return { epoch: Number(hash._epoch), updatedAt: Number(hash._updatedAt), moved: Number(hash._moved), members };
  }

  /** This member's units; an empty list when the assignment does not name it (epoch 0: none published yet). */
  async readMember(platform: string, member: string): Promise<MemberAssignment> {
    const [epoch, units] = await this.redis.hmget(this.keys.assignment(platform), '_epoch', `m:${member}`);
    return { epoch: Number(epoch ?? 0), units: units ? (JSON.parse(units) as AssignableUnit[]) : [] };
  }
}
