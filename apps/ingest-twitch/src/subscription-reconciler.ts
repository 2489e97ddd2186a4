import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamKeys } from '@parley/contracts';
import type { ChannelAuthorizationRepository, ChannelRepository } from '@parley/db';
import type { LeaseManager, Lease } from '@parley/sharding';
import { HelixError, type EventSubAdapter, type ReconcileResult } from '@parley/twitch';
import type { Redis } from 'ioredis';

/** The lease whose holder reconciles the conduit's subscriptions (one pod of the deployment). */
export const RECONCILE_LEASE = 'twitch-eventsub-subscriptions';

/** After a failed pass, the next waits this long. */
const FAILED_PASS_RETRY_MS = 5_000;

export interface SubscriptionReconcilerDeps {
  adapter: Pick<EventSubAdapter, 'reconcile' | 'forgetAuthorizations'>;
  /** Leases with the pod's holder id; its TTL is how long a dead reconciler blocks the next. */
  leases: LeaseManager;
  /** A subscriber connection (shared with other listeners): it subscribes to the hub's change notices. */
  subscriber: Redis;
  keys: StreamKeys;
  channels: Pick<ChannelRepository, 'listEnabled'>;
  authorizations: Pick<ChannelAuthorizationRepository, 'record'>;
  /** A full pass (listing the conduit's subscriptions at Twitch) at least this often. */
  intervalMs: number;
}

export interface SubscriptionReconcilerEvents {
  /** This pod took (true) or lost (false) the reconcile lease. */
  leading: [boolean];
  reconciled: [ReconcileResult & { full: boolean; ms: number }];
  failed: [Error];
}

/**
 * Keeps the conduit's chat subscriptions those of the hub's enabled Twitch channels, from
 * one pod at a time (the holder of {@link RECONCILE_LEASE}): a pass on taking the lease, on
 * every change notice the hub publishes (a channel added, enabled, disabled or removed:
 * only the difference costs Helix calls), and a full pass every `intervalMs` (it also
 * catches what another pod or Twitch changed). Each channel's authorization is written to
 * `channel_authorizations` for the hub.
 */
export class SubscriptionReconciler extends EventEmitter<SubscriptionReconcilerEvents> {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** A pass was asked for while one ran: one more follows (full if any asker wanted it). */
  private queued: { full: boolean } | undefined;
  private lastFullAt = 0;
  private retryAt = 0;
  private stopped = false;

  constructor(private readonly deps: SubscriptionReconcilerDeps) {
    super();
  }

  get leading(): boolean {
    return this.lease !== undefined;
  }

  async start(): Promise<void> {
    const { subscriber, keys, leases } = this.deps;
    subscriber.on('message', (channel) => channel === keys.configChanges() && this.request(false));
    await subscriber.subscribe(keys.configChanges());
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(leases.options.ttlMs / 3)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    if (this.lease) await this.deps.leases.release(this.lease).catch(() => undefined);
    this.lease = undefined;
  }

  /** Keeps (or takes) the lease; the holder runs a full pass when one is due. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    const { leases, adapter } = this.deps;
    try {
      if (this.lease) {
        this.lease = (await leases.renew(this.lease)) ?? undefined;
        if (!this.lease) {
          adapter.forgetAuthorizations();
          this.emit('leading', false);
        }
      }
      if (!this.lease) {
        const result = await leases.acquire(RECONCILE_LEASE);
        if (!result.acquired) return;
        this.lease = result.lease;
        this.lastFullAt = 0;
        this.emit('leading', true);
      }
      if (Date.now() - this.lastFullAt >= this.deps.intervalMs) this.request(true);
    } catch (error) {
      this.emit('failed', error as Error);
    }
  }

  private request(full: boolean): void {
    if (!this.lease || this.stopped) return;
    if (this.running) {
      this.queued = { full: full || (this.queued?.full ?? false) };
      return;
    }
    this.running = this.pass(full).finally(() => {
      this.running = undefined;
      const queued = this.queued;
      this.queued = undefined;
      if (queued) this.request(queued.full);
    });
  }

  private async pass(full: boolean): Promise<void> {
    const wait = this.retryAt - Date.now();
    if (wait > 0) await sleep(wait);
    const started = performance.now();
    // A failed full pass is tried again at the next tick.
    if (full) this.lastFullAt = Date.now();
    try {
      const channels = await this.deps.channels.listEnabled('twitch');
      const result = await this.deps.adapter.reconcile(
        channels.map((channel) => ({ broadcasterId: channel.platformChannelId, login: channel.name.toLowerCase() })),
        { refresh: full },
      );
      await this.deps.authorizations.record(
        'twitch',
        result.authorizations.flatMap(({ broadcasterId, state, reason }) => (state === 'pending' ? [] : [{ platformChannelId: broadcasterId, state, reason }])),
      );
      this.emit('reconciled', { ...result, full, ms: Math.round(performance.now() - started) });
    } catch (error) {
      if (full) this.lastFullAt = 0;
      // Twitch's rate limit: the next pass waits for its reset; anything else (Postgres, Helix down) a few seconds.
      this.retryAt = Date.now() + (error instanceof HelixError && error.status === 429 ? (error.retryAfterMs ?? 1_000) : FAILED_PASS_RETRY_MS);
      this.emit('failed', error as Error);
    }
  }
}
