import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { chatActionId, type ChatAction } from '@parley/contracts';
import type { ReminderPlacement } from '@parley/db';
import type { Redis } from 'ioredis';
import type { ChatModuleKeys } from '../keys.js';
import { SyncedScheduleStepper, renderScheduledMessage, unscheduleGone, type CounterReader } from '../redis-schedule.js';
import type { TimerPublisher } from '../timers/timer-scheduler.js';
import { InvalidRecurrenceError, Recurrence } from './recurrence.js';

/** Where the schedule learns which community reminders exist and reads the counters they show (Postgres, through `ChatModuleRepository`). */
export interface ReminderSource extends CounterReader {
  listReminderPlacements(): Promise<ReminderPlacement[]>;
}

export interface CommunityReminderSchedulerOptions {
  tickMs: number;
  /** How often the reminder list is reloaded from the source. */
  syncMs: number;
  /** How long a claimed occurrence is held before another router may take it over. */
  leaseMs: number;
  /** An occurrence found later than this (every router was down) is skipped, not posted late. */
  maxLatenessMs: number;
  batchSize: number;
  actionsStream(platform: ReminderPlacement['platform'], channelId: string): string;
}

export const DefaultCommunityReminderSchedulerOptions: Omit<CommunityReminderSchedulerOptions, 'actionsStream'> = {
  tickMs: 1_000,
  syncMs: 10_000,
  leaseMs: 30_000,
  maxLatenessMs: 10 * 60_000,
  batchSize: 50,
};

interface CommunityReminderEvents {
  /** This router posted an occurrence (`duplicate`: a taken-over occurrence that had been posted already). */
  posted: [{ reminderId: string; channelId: string; occurrence: string; duplicate: boolean }];
  /** An occurrence more than `maxLatenessMs` late was dropped. */
  late: [{ reminderId: string; channelId: string; occurrence: string }];
  /** A stored schedule that no longer parses (written before a validation existed); the reminder is left off. */
  invalid: [{ reminderId: string; reason: string }];
  failed: [Error];
}

const CLAIM = 'parleyClaimOccurrence';
const COMPLETE = 'parleyCompleteOccurrence';
const lua = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
type ScriptedRedis = Redis & {
  [CLAIM](due: string, state: string, member: string, now: number, leaseMs: number): Promise<string | null>;
  [COMPLETE](due: string, state: string, member: string, occurrence: string, next: number | ''): Promise<number>;
};

/**
 * `<reminder id>/<channel id>/<schedule hash>`: an edited schedule is a new member (the old
 * one leaves at the next sync), so no router ever posts from an outdated rule.
 */
export function reminderMember(placement: Pick<ReminderPlacement, 'reminderId' | 'channelId' | 'schedule'>): string {
  const version = createHash('sha1').update(placement.schedule).digest('hex').slice(0, 12);
  return `${placement.reminderId}/${placement.channelId}/${version}`;
}

interface Scheduled {
  placement: ReminderPlacement;
  recurrence: Recurrence;
}

/**
 * Posts the hub's community reminders (one-off or recurring, RFC 5545 RRULE) from a
 * schedule held in Redis, once per occurrence whatever the number of routers: the timers'
 * pattern (claim with a lease, a publish mark per occurrence, complete to the next
 * occurrence). Unlike timers, a reminder does not wait for chat lines or a live stream:
 * it is a date.
 */
export class CommunityReminderScheduler extends EventEmitter<CommunityReminderEvents> {
  private readonly redis: ScriptedRedis;
  private readonly options: CommunityReminderSchedulerOptions;
  private readonly stepper: SyncedScheduleStepper;
  private scheduled = new Map<string, Scheduled>();

  constructor(
    redis: Redis,
    private readonly keys: ChatModuleKeys,
    private readonly source: ReminderSource,
    private readonly publisher: TimerPublisher,
    options: Partial<CommunityReminderSchedulerOptions> & Pick<CommunityReminderSchedulerOptions, 'actionsStream'>,
    private readonly now: () => number = Date.now,
  ) {
    super();
    redis.defineCommand(CLAIM, { numberOfKeys: 2, lua: lua('claimOccurrence-2.lua') });
    redis.defineCommand(COMPLETE, { numberOfKeys: 2, lua: lua('completeOccurrence-2.lua') });
    this.redis = redis as ScriptedRedis;
    this.options = { ...DefaultCommunityReminderSchedulerOptions, ...options };
    this.stepper = new SyncedScheduleStepper({ sync: () => this.sync(), tick: () => this.tick(), failed: (error) => void this.emit('failed', error) }, this.options, now);
  }

  async start(): Promise<void> {
    await this.stepper.start();
  }

  async stop(): Promise<void> {
    await this.stepper.stop();
  }

  /** Reloads the reminder list at the next step (a configuration change). */
  refresh(): void {
    this.stepper.refresh();
  }

  /** One sync when due, then one tick; never overlapping another step. */
  async step(): Promise<void> {
    await this.stepper.run();
  }

  /** Makes the schedule hold exactly the source's reminders, each at its next occurrence. */
  async sync(): Promise<void> {
    const placements = await this.source.listReminderPlacements();
    const next = new Map<string, Scheduled>();
    const now = this.now();
    for (const placement of placements) {
      const member = reminderMember(placement);
      const known = this.scheduled.get(member);
      if (known) {
        next.set(member, known);
        continue;
      }
      let recurrence: Recurrence;
      try {
        recurrence = Recurrence.parse(placement.schedule);
      } catch (error) {
        if (!(error instanceof InvalidRecurrenceError)) throw error;
        this.emit('invalid', { reminderId: placement.reminderId, reason: error.reason });
        continue;
      }
      next.set(member, { placement, recurrence });
      const first = recurrence.nextAfter(now);
      // NX: a member another router scheduled (or holds in flight) keeps its place.
      if (first !== null) await this.redis.zadd(this.keys.communityReminderDue(), 'NX', first, member);
    }
    this.scheduled = next;
    await unscheduleGone(this.redis, this.keys.communityReminderDue(), this.keys.communityReminderState(), next, (member) => [`slot:${member}`]);
  }

  /** Claims and posts what is due now. */
  async tick(): Promise<void> {
    const now = this.now();
    const due = await this.redis.zrangebyscore(this.keys.communityReminderDue(), '-inf', now, 'LIMIT', 0, this.options.batchSize);
    for (const member of due) {
      const scheduled = this.scheduled.get(member);
      // Not in this router's list yet (just created) or any more (just deleted): the next sync decides.
      if (scheduled) await this.post(member, scheduled, now);
    }
  }

  private async post(member: string, { placement, recurrence }: Scheduled, now: number): Promise<void> {
    const { options } = this;
    const occurrence = await this.redis[CLAIM](this.keys.communityReminderDue(), this.keys.communityReminderState(), member, now, options.leaseMs);
    if (occurrence === null) return;
    const which = { reminderId: placement.reminderId, channelId: placement.channelId, occurrence };
    // Missed occurrences (every router down) are not posted one by one: the next is the first after now.
    const following = recurrence.nextAfter(Math.max(Number(occurrence), now));
    if (now - Number(occurrence) > options.maxLatenessMs) {
      await this.redis[COMPLETE](this.keys.communityReminderDue(), this.keys.communityReminderState(), member, occurrence, following ?? '');
      return void this.emit('late', which);
    }
    const cause = `reminder:${member}:${occurrence}`;
    const action: ChatAction = {
      v: 1,
      id: chatActionId(cause, 0),
      platform: placement.platform,
      channel: { id: placement.platformChannelId, name: placement.channelName },
      kind: 'say',
      text: await renderScheduledMessage(this.source, placement),
      causedBy: cause.slice(0, 200),
    };
    // The mark outlives any takeover of the lease and any lateness by far.
    const markTtlSeconds = Math.ceil((options.leaseMs + options.maxLatenessMs) / 1_000) * 2;
    const stream = options.actionsStream(placement.platform, placement.platformChannelId);
    const written = await this.publisher.publishOnce(this.keys.communityReminderSent(member, occurrence, stream), markTtlSeconds, [
      { stream, payload: action },
    ]);
    await this.redis[COMPLETE](this.keys.communityReminderDue(), this.keys.communityReminderState(), member, occurrence, following ?? '');
    this.emit('posted', { ...which, duplicate: !written });
  }
}
