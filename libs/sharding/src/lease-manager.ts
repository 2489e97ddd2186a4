import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { Notice, ShardingKeys } from './keys.js';

/** A lease this process holds, as far as it can know without asking Redis. */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  /** Fencing token: strictly increasing across holders of this lease. */
  readonly token: number;
  /**
   * Local time (performance.now()) after which the lease must be treated as lost unless
   * renewed. Counted from before the request was sent, so it never outlives Redis's TTL.
   */
  readonly validUntil: number;
}

export type AcquireResult = { acquired: true; lease: Lease } | { acquired: false; heldBy: { token: number; ttlMs: number } };

export interface LeaseManagerOptions {
  /** Key prefix, e.g. `parley`. */
  keyPrefix: string;
  /** This process's holder id: unique per process (pod name + pid). */
  holder: string;
  ttlMs: number;
}

const ACQUIRE = 'parleyAcquireLease';
const RENEW = 'parleyRenewLease';
const RELEASE = 'parleyReleaseLease';
const lua = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
const scripts = { acquire: lua('./acquireLease-2.lua'), renew: lua('./renewLease-1.lua'), release: lua('./releaseLease-1.lua') };

type ScriptedRedis = Redis & {
  [ACQUIRE](lease: string, fence: string, holder: string, ttlMs: number): Promise<[number, number, number?]>;
  [RENEW](lease: string, holder: string, token: number, ttlMs: number): Promise<number>;
  [RELEASE](lease: string, holder: string, token: number, channel: string, message: string): Promise<number>;
};

/**
 * Leases with fencing tokens in Redis (acquireLease-2.lua, renewLease-1.lua,
 * releaseLease-1.lua). One holder at a time, decided on Redis's clock; a holder that
 * misses its renewal has lost the lease for good and must acquire again.
 */
export class LeaseManager {
  readonly keys: ShardingKeys;
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    readonly options: LeaseManagerOptions,
  ) {
    if (!Number.isInteger(options.ttlMs) || options.ttlMs < 1) throw new RangeError(`ttlMs must be a positive integer, got ${options.ttlMs}`);
    if (!options.holder) throw new RangeError('holder must not be empty');
    this.keys = new ShardingKeys(options.keyPrefix);
    redis.defineCommand(ACQUIRE, { numberOfKeys: 2, lua: scripts.acquire });
    redis.defineCommand(RENEW, { numberOfKeys: 1, lua: scripts.renew });
    redis.defineCommand(RELEASE, { numberOfKeys: 1, lua: scripts.release });
    this.redis = redis as ScriptedRedis;
  }

  async acquire(name: string): Promise<AcquireResult> {
    const sentAt = performance.now();
    const [acquired, token, ttlMs] = await this.redis[ACQUIRE](this.keys.lease(name), this.keys.fence(name), this.options.holder, this.options.ttlMs);
    if (acquired === 1) return { acquired: true, lease: this.lease(name, Number(token), sentAt) };
    return { acquired: false, heldBy: { token: Number(token), ttlMs: Number(ttlMs) } };
  }

  /** The renewed lease, or null when it was lost (expired, released or taken over). */
  async renew(lease: Lease): Promise<Lease | null> {
    const sentAt = performance.now();
    const renewed = await this.redis[RENEW](this.keys.lease(lease.name), lease.holder, lease.token, this.options.ttlMs);
    return renewed === 1 ? this.lease(lease.name, lease.token, sentAt) : null;
  }

  /** Gives the lease up and tells waiting successors; false when it was not held (any more). */
  async release(lease: Lease): Promise<boolean> {
    const released = await this.redis[RELEASE](this.keys.lease(lease.name), lease.holder, lease.token, this.keys.notices(), Notice.released(lease.name));
    return released === 1;
  }

  /**
   * Runs `work` holding the lease `name`, waiting (polling every `pollMs` at most) while
   * another holder has it; released after. For work done once across processes that would
   * otherwise race (find-or-create): it must finish within the TTL, or another may start it.
   */
  async withLease<T>(name: string, work: () => Promise<T>, pollMs = 250): Promise<T> {
    for (;;) {
      const result = await this.acquire(name);
      if (result.acquired) {
        try {
          return await work();
        } finally {
          await this.release(result.lease).catch(() => undefined);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(10, Math.min(pollMs, result.heldBy.ttlMs))));
    }
  }

  /** Whether `token` is the current token of the lease: the fencing check for a guarded write. */
  async isCurrent(name: string, token: number): Promise<boolean> {
    return (await this.redis.hget(this.keys.lease(name), 'token')) === String(token);
  }

  private lease(name: string, token: number, sentAt: number): Lease {
    return { name, holder: this.options.holder, token, validUntil: sentAt + this.options.ttlMs };
  }
}

/** Whether a lease is still valid by the local clock (a renewal is due well before). */
export function isValid(lease: Lease, now = performance.now()): boolean {
  return now < lease.validUntil;
}
