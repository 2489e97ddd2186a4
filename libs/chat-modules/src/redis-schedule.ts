import { countersIn, renderTemplate } from '@parley/commands';
import type { Platform } from '@parley/contracts';
import type { Redis } from 'ioredis';
import { PeriodicStep } from './periodic-step.js';

export interface SyncedScheduleSteps {
  /** Reloads what the schedule holds (from PostgreSQL); a failure keeps the last list. */
  sync(): Promise<void>;
  /** Claims and posts what is due. */
  tick(): Promise<void>;
  /** Reports a failed sync or tick (the next step tries again). */
  failed(error: Error): void;
}

/**
 * The step of a Redis-held schedule (timers, community reminders): every `tickMs` one tick,
 * preceded by a sync when `syncMs` has passed or `refresh()` asked for one. Steps never
 * overlap and never throw.
 */
export class SyncedScheduleStepper {
  private readonly stepper: PeriodicStep;
  private nextSyncAt = 0;

  constructor(
    private readonly steps: SyncedScheduleSteps,
    private readonly options: { tickMs: number; syncMs: number },
    private readonly now: () => number,
  ) {
    this.stepper = new PeriodicStep(() => this.syncAndTick(), options.tickMs);
  }

  start(): Promise<void> {
    return this.stepper.start();
  }

  stop(): Promise<void> {
    return this.stepper.stop();
  }

  /** Syncs at the next step (a configuration change). */
  refresh(): void {
    this.nextSyncAt = 0;
  }

  /** One sync when due, then one tick; never overlapping another step. */
  run(): Promise<void> {
    return this.stepper.run();
  }

  private async syncAndTick(): Promise<void> {
    try {
      if (this.now() >= this.nextSyncAt) {
        this.nextSyncAt = this.now() + this.options.syncMs;
        // A failed reload (Postgres down) keeps the last list: the schedule goes on.
        await this.steps.sync().catch((error: Error) => this.steps.failed(error));
      }
      await this.steps.tick();
    } catch (error) {
      this.steps.failed(error as Error);
    }
  }
}

/**
 * Takes off a Redis-held schedule (a ZSET of members and a HASH of their state fields)
 * every member not in `keep`: deleted or disabled since the last sync.
 */
export async function unscheduleGone(redis: Redis, due: string, state: string, keep: ReadonlySet<string> | ReadonlyMap<string, unknown>, stateFields: (member: string) => string[]): Promise<void> {
  const gone = (await redis.zrange(due, '0', '-1')).filter((member) => !keep.has(member));
  if (gone.length) await redis.multi().zrem(due, ...gone).hdel(state, ...gone.flatMap(stateFields)).exec();
}

/** Where a scheduled post reads the counters its message shows (`ChatModuleRepository`). */
export interface CounterReader {
  readCounters(communityId: string, names: readonly string[]): Promise<Map<string, number>>;
}

/**
 * A timer's or reminder's message rendered like a command response (`$(counter deaths)`,
 * `$(channel)`, `$(random 1-6)`, `$(pick a|b)`; `$(user)` is the channel, as no viewer
 * asked). Counters that cannot be read (PostgreSQL down) show as unavailable; the post
 * still goes out.
 */
export async function renderScheduledMessage(
  counters: CounterReader,
  placement: { communityId: string; message: string; platform: Platform; channelName: string },
): Promise<string> {
  const names = countersIn(placement.message);
  const values = names.length ? await counters.readCounters(placement.communityId, names).catch(() => new Map<string, number>()) : undefined;
  return renderTemplate(placement.message, { platform: placement.platform, user: placement.channelName, channel: placement.channelName, args: [], counters: values });
}
