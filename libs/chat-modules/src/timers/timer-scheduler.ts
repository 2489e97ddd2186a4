import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { chatActionId, type ChatAction } from '@parley/contracts';
import type { TimerPlacement } from '@parley/db';
import type { Redis } from 'ioredis';
import type { ChatModuleKeys } from '../keys.js';
import { SyncedScheduleStepper, renderScheduledMessage, unscheduleGone, type CounterReader } from '../redis-schedule.js';
import type { ChatLines } from './chat-lines.js';

/** Where the schedule learns which timers exist and reads the counters they show (Postgres, through `ChatModuleRepository`). */
export interface TimerSource extends CounterReader {
  listTimerPlacements(): Promise<TimerPlacement[]>;
}

/** Writes a firing's action at most once: the bus's `StreamProducer.publishOnce`. */
export interface TimerPublisher {
  publishOnce(markKey: string, markTtlSeconds: number, messages: Array<{ stream: string; payload: object }>): Promise<boolean>;
}

export interface TimerSchedulerOptions {
  /** How often the schedule is looked at. */
  tickMs: number;
  /** How often the list of timers is reloaded from the source. */
  syncMs: number;
  /** How long a claimed firing is held before another router may take it over. */
  leaseMs: number;
  /** How soon a timer that may not fire yet (offline, too few lines) is looked at again. */
  recheckMs: number;
  /** The least time between two timers firing in one channel. */
  spacingMs: number;
  /**
   * A channel counts as live while a viewer line was seen within this window: no platform
   * publishes a live signal to the router yet, and a timer in an empty chat talks to nobody.
   */
  liveWindowMs: number;
  /** Due timers claimed per tick. */
  batchSize: number;
  /** Actions stream of a platform (`StreamKeys.actions`). */
  actionsStream(platform: TimerPlacement['platform'], channelId: string): string;
}

export const DefaultTimerSchedulerOptions: Omit<TimerSchedulerOptions, 'actionsStream'> = {
  tickMs: 1_000,
  syncMs: 10_000,
  leaseMs: 30_000,
  recheckMs: 15_000,
  spacingMs: 30_000,
  liveWindowMs: 10 * 60_000,
  batchSize: 50,
};

export type TimerSkipReason = 'offline' | 'lines' | 'spacing';

interface TimerSchedulerEvents {
  /** This router posted a timer (`duplicate`: a taken-over firing that had already been posted). */
  fired: [{ timerId: string; channelId: string; slot: string; duplicate: boolean }];
  skipped: [{ timerId: string; channelId: string; reason: TimerSkipReason }];
  /** A tick or sync failed; the next step tries again. */
  failed: [Error];
}

const SCHEDULE = 'parleyScheduleTimer';
const CLAIM = 'parleyClaimTimer';
const COMPLETE = 'parleyCompleteTimer';
const lua = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

type ScriptedRedis = Redis & {
  [SCHEDULE](due: string, state: string, member: string, firstDue: number, lines: number): Promise<number>;
  [CLAIM](due: string, state: string, ...args: (string | number)[]): Promise<[string, string?]>;
  [COMPLETE](due: string, state: string, member: string, slot: string, nextDue: number): Promise<number>;
};

/** `<timer id>/<channel id>`: a timer that posts to two channels is two members with their own counts. */
export function timerMember(placement: Pick<TimerPlacement, 'timerId' | 'channelId'>): string {
  return `${placement.timerId}/${placement.channelId}`;
}

/**
 * Fires the hub's timers from a schedule held in Redis, so any number of routers post each
 * timer exactly once per firing. Every router syncs the schedule with the timer list
 * (adding new timers, dropping deleted ones) and, each tick, claims due timers atomically
 * (claimTimer-2.lua): a claim is a lease, and the post carries a mark per firing, so a
 * router that dies mid-firing neither loses the post (the lease runs out and another
 * router fires the same slot) nor doubles it (the mark). A restart of every router keeps
 * the schedule; a timer that came due while they were down fires once, not once per
 * missed interval.
 */
export class TimerScheduler extends EventEmitter<TimerSchedulerEvents> {
  private readonly redis: ScriptedRedis;
  private readonly options: TimerSchedulerOptions;
  private placements = new Map<string, TimerPlacement>();
  private readonly stepper: SyncedScheduleStepper;

  constructor(
    redis: Redis,
    private readonly keys: ChatModuleKeys,
    private readonly source: TimerSource,
    private readonly lines: ChatLines,
    private readonly publisher: TimerPublisher,
    options: Partial<TimerSchedulerOptions> & Pick<TimerSchedulerOptions, 'actionsStream'>,
    private readonly now: () => number = Date.now,
  ) {
    super();
    redis.defineCommand(SCHEDULE, { numberOfKeys: 2, lua: lua('scheduleTimer-2.lua') });
    redis.defineCommand(CLAIM, { numberOfKeys: 2, lua: lua('claimTimer-2.lua') });
    redis.defineCommand(COMPLETE, { numberOfKeys: 2, lua: lua('completeTimer-2.lua') });
    this.redis = redis as ScriptedRedis;
    this.options = { ...DefaultTimerSchedulerOptions, ...options };
    this.stepper = new SyncedScheduleStepper({ sync: () => this.sync(), tick: () => this.tick(), failed: (error) => void this.emit('failed', error) }, this.options, now);
  }

  /** Steps now and then every `tickMs` until `stop`. */
  async start(): Promise<void> {
    await this.stepper.start();
  }

  async stop(): Promise<void> {
    await this.stepper.stop();
  }

  /** Reloads the timer list at the next step (a configuration change). */
  refresh(): void {
    this.stepper.refresh();
  }

  /** One sync when due, then one tick; never overlapping another step. */
  async step(): Promise<void> {
    await this.stepper.run();
  }

  /** Makes the schedule hold exactly the source's timers. */
  async sync(): Promise<void> {
    const placements = await this.source.listTimerPlacements();
    const next = new Map(placements.map((placement) => [timerMember(placement), placement]));
    this.lines.watch(placements);
    const now = this.now();
    for (const [member, placement] of next) {
      if (this.placements.has(member)) continue;
      const { total } = await this.lines.read(placement.platform, placement.platformChannelId);
      await this.redis[SCHEDULE](this.keys.timerDue(), this.keys.timerState(), member, now + placement.intervalSeconds * 1_000, total);
    }
    this.placements = next;
    await unscheduleGone(this.redis, this.keys.timerDue(), this.keys.timerState(), next, (member) => [`base:${member}`, `slot:${member}`, `pending:${member}`]);
  }

  /** Claims and fires what is due now. */
  async tick(): Promise<void> {
    const now = this.now();
    const due = await this.redis.zrangebyscore(this.keys.timerDue(), '-inf', now, 'LIMIT', 0, this.options.batchSize);
    for (const member of due) {
      const placement = this.placements.get(member);
      // Not in this router's list yet (just created) or any more (just deleted): the next sync decides.
      if (placement) await this.fire(member, placement, now);
    }
  }

  private async fire(member: string, placement: TimerPlacement, now: number): Promise<void> {
    const { options } = this;
    const lines = await this.lines.read(placement.platform, placement.platformChannelId);
    const live = lines.lastAt > 0 && now - lines.lastAt <= options.liveWindowMs;
    const [verdict, slot] = await this.redis[CLAIM](
      this.keys.timerDue(),
      this.keys.timerState(),
      member,
      `${placement.platform}:${placement.platformChannelId}`,
      now,
      options.leaseMs,
      options.spacingMs,
      placement.minChatLines,
      lines.total,
      live ? '1' : '0',
      options.recheckMs,
    );
    const which = { timerId: placement.timerId, channelId: placement.channelId };
    if (verdict === 'offline' || verdict === 'lines' || verdict === 'spacing') return void this.emit('skipped', { ...which, reason: verdict });
    if (verdict !== 'fire' || slot === undefined) return;

    const cause = `timer:${member}:${slot}`;
    const action: ChatAction = {
      v: 1,
      id: chatActionId(cause, 0),
      platform: placement.platform,
      channel: { id: placement.platformChannelId, name: placement.channelName },
      kind: 'say',
      text: await renderScheduledMessage(this.source, placement),
      causedBy: cause,
    };
    // The mark outlives any takeover of the lease by far.
    const markTtlSeconds = Math.ceil((placement.intervalSeconds * 1_000 + options.leaseMs) / 1_000) * 2;
    const stream = options.actionsStream(placement.platform, placement.platformChannelId);
    const written = await this.publisher.publishOnce(this.keys.timerFired(member, slot, stream), markTtlSeconds, [
      { stream, payload: action },
    ]);
    await this.redis[COMPLETE](this.keys.timerDue(), this.keys.timerState(), member, slot, this.now() + placement.intervalSeconds * 1_000);
    this.emit('fired', { ...which, slot, duplicate: !written });
  }
}
