import type { AccessChange, AccessChanges } from '@parley/api-auth';
import { encodeConfigChange, type StreamKeys } from '@parley/contracts';
import { AuditLogRepository, withTransaction, type AuditAction, type Queryable } from '@parley/db';
import type { Redis } from 'ioredis';
import type pg from 'pg';

export interface Change {
  actor: string;
  communityId: string | null;
  resource: string;
  action: AuditAction;
  /** Whether routers must reload the community (commands, channels, modules, prefix). */
  affectsRouter: boolean;
}

/** Nothing to change (e.g. a key already revoked): answered with `result`, neither audited nor announced. */
export interface Unchanged<T> {
  unchanged: true;
  result: T;
}

export interface Applied<T> {
  resourceId: string;
  /** What the audit log keeps; never secrets. */
  before: unknown;
  after: unknown;
  result: T;
}

/**
 * Every change goes through here: the change and its audit entry commit together (or
 * neither does), then routers are told to reload the community. A lost notice is not
 * fatal — routers also expire their cache — so it is reported, not thrown.
 */
export class ChangeWriter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly redis: Redis,
    private readonly keys: StreamKeys,
    private readonly access: Pick<AccessChanges, 'announce'>,
    private readonly onNoticeFailed: (error: Error) => void,
    /** What this replica derived from the community (its read cache) is dropped before the notice goes out. */
    private readonly changedHere: (communityId: string) => void,
  ) {}

  /** Resolves to the work's result, or null when it found nothing to change (then nothing is audited). */
  async apply<T>(change: Change, work: (tx: Queryable) => Promise<Applied<T> | Unchanged<T> | null>): Promise<T | null> {
    const done = await withTransaction(this.pool, async (tx) => {
      const done = await work(tx);
      if (done && !('unchanged' in done)) {
        await new AuditLogRepository(tx).record({
          communityId: change.communityId,
          actor: change.actor,
          action: change.action,
          resource: change.resource,
          resourceId: done.resourceId,
          before: done.before,
          after: done.after,
        });
      }
      return done;
    });
    if (done && !('unchanged' in done) && change.affectsRouter && change.communityId) await this.announce(change.communityId);
    return done ? done.result : null;
  }

  /**
   * Tells every replica that access narrowed (a key revoked, a community deleted): their
   * key caches and live tails act on it at once. Call it after the change committed. A
   * lost notice is reported; replicas still catch up when their cached key expires.
   */
  async narrowAccess(change: AccessChange): Promise<void> {
    try {
      await this.access.announce(change);
    } catch (error) {
      this.onNoticeFailed(error as Error);
    }
  }

  async announce(communityId: string): Promise<void> {
    // Here first and synchronously: the client that made the change may read it next, from this replica.
    this.changedHere(communityId);
    try {
      await this.redis.publish(this.keys.configChanges(), encodeConfigChange(communityId));
    } catch (error) {
      this.onNoticeFailed(error as Error);
    }
  }
}
