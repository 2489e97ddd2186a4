import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { Notice, ShardingKeys } from './keys.js';

export interface MembershipOptions {
  keyPrefix: string;
  /** A member whose last heartbeat is older than this is gone. */
  ttlMs: number;
}

const HEARTBEAT = 'parleyHeartbeat';
const LIVE = 'parleyLiveMembers';
const LEAVE = 'parleyLeaveMembership';
const lua = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
const scripts = { heartbeat: lua('./heartbeat-1.lua'), live: lua('./liveMembers-1.lua'), leave: lua('./leaveMembership-1.lua') };

type ScriptedRedis = Redis & {
  [HEARTBEAT](key: string, member: string, ttlMs: number, channel: string, notice: string): Promise<number>;
  [LIVE](key: string, channel: string, notice: string): Promise<string[]>;
  [LEAVE](key: string, member: string, channel: string, notice: string): Promise<number>;
};

/**
 * Which ingest pods of a platform are alive: each heartbeats every ttl/3, and a member
 * whose heartbeat is older than the TTL (on Redis's clock) is gone. Joins, leaves and
 * expiries are announced on the notices channel (see ShardingKeys).
 */
export class MembershipRegistry {
  readonly keys: ShardingKeys;
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    readonly options: MembershipOptions,
  ) {
    if (!Number.isInteger(options.ttlMs) || options.ttlMs < 1) throw new RangeError(`ttlMs must be a positive integer, got ${options.ttlMs}`);
    this.keys = new ShardingKeys(options.keyPrefix);
    redis.defineCommand(HEARTBEAT, { numberOfKeys: 1, lua: scripts.heartbeat });
    redis.defineCommand(LIVE, { numberOfKeys: 1, lua: scripts.live });
    redis.defineCommand(LEAVE, { numberOfKeys: 1, lua: scripts.leave });
    this.redis = redis as ScriptedRedis;
  }

  /** True when the member joined with this heartbeat. */
  async heartbeat(platform: string, member: string): Promise<boolean> {
    return (await this.redis[HEARTBEAT](this.keys.members(platform), member, this.options.ttlMs, this.keys.notices(), Notice.members(platform))) === 1;
  }

  async leave(platform: string, member: string): Promise<boolean> {
    return (await this.redis[LEAVE](this.keys.members(platform), member, this.keys.notices(), Notice.members(platform))) === 1;
  }

  /** Live members, sorted by id. */
  async live(platform: string): Promise<string[]> {
    return this.redis[LIVE](this.keys.members(platform), this.keys.notices(), Notice.members(platform));
  }
}
