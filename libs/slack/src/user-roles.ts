import { EventEmitter } from 'node:events';
import type { Role } from '@parley/contracts';
import { slackRoles, type SlackUserFlags } from './roles.js';

export interface SlackUserRolesOptions {
  /** `users.info` for one member of one workspace: their flags; throws when Slack did not answer with them. */
  lookup: (teamId: string, userId: string) => Promise<SlackUserFlags>;
  /** How long a member's roles are reused: a promotion or demotion shows after at most this long. */
  ttlMs: number;
  /** How long a failed lookup's `everyone` stands before Slack is asked again (a failing API is not asked per message). */
  failureTtlMs: number;
  /** Members kept; the least recently used go first. */
  maxEntries: number;
  /**
   * A lookup slower than this counts as failed. The event is acknowledged only once it is
   * published, and Slack retries what is not acknowledged within 3 s.
   */
  timeoutMs: number;
  now: () => number;
}

export const DefaultSlackUserRolesOptions = {
  ttlMs: 5 * 60_000,
  failureTtlMs: 30_000,
  maxEntries: 10_000,
  timeoutMs: 1_000,
  now: () => Date.now(),
} satisfies Partial<SlackUserRolesOptions>;

/** How a member's roles were found: in the cache, from Slack, or not at all (`everyone`). */
export type SlackUserLookup = { teamId: string; userId: string } & ({ outcome: 'cached' | 'fetched' } | { outcome: 'failed'; error: string });

interface SlackUserRolesEvents {
  lookup: [SlackUserLookup];
}

interface CachedRoles {
  roles: Role[];
  expiresAt: number;
}

/**
 * Parley roles of Slack authors (`slackRoles` over `users.info`): message events carry no
 * flags, so each member is looked up once and kept for `ttlMs`, in a cache bounded to
 * `maxEntries` (least recently used out first). Concurrent messages of one member share a
 * lookup. A lookup that fails or times out never holds a message back: the author is
 * `everyone` (for `failureTtlMs`) and a `lookup` event says why.
 */
export class SlackUserRoles extends EventEmitter<SlackUserRolesEvents> {
  readonly options: SlackUserRolesOptions;
  /** `<team>/<user>` → roles; Map order is use order (a hit moves its entry to the end). */
  private readonly cache = new Map<string, CachedRoles>();
  private readonly inFlight = new Map<string, Promise<Role[]>>();

  constructor(options: Pick<SlackUserRolesOptions, 'lookup'> & Partial<SlackUserRolesOptions>) {
    super();
    this.options = { ...DefaultSlackUserRolesOptions, ...options };
  }

  /** The member's roles, highest first; never rejects. */
  async roles(teamId: string, userId: string): Promise<Role[]> {
    const key = `${teamId}/${userId}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.options.now()) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      this.emit('lookup', { teamId, userId, outcome: 'cached' });
      return [...cached.roles];
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetch(teamId, userId, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return [...(await pending)];
  }

  /** Members cached now. */
  get size(): number {
    return this.cache.size;
  }

  private async fetch(teamId: string, userId: string, key: string): Promise<Role[]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs)));
    try {
      const roles = slackRoles(await Promise.race([this.options.lookup(teamId, userId), late]));
      this.remember(key, roles, this.options.ttlMs);
      this.emit('lookup', { teamId, userId, outcome: 'fetched' });
      return roles;
    } catch (error) {
      const roles: Role[] = ['everyone'];
      this.remember(key, roles, this.options.failureTtlMs);
      this.emit('lookup', { teamId, userId, outcome: 'failed', error: error instanceof Error ? error.message : String(error) });
      return roles;
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(key: string, roles: Role[], ttlMs: number): void {
    this.cache.delete(key);
    this.cache.set(key, { roles, expiresAt: this.options.now() + ttlMs });
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.options.maxEntries) break;
      this.cache.delete(oldest);
    }
  }
}
