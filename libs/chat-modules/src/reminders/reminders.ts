import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { sanitizeForPlatform } from '@parley/commands';
import { chatActionId, type ChatAction, type ChatEvent, type Platform } from '@parley/contracts';
import type { Redis } from 'ioredis';
import type { ChatModuleKeys } from '../keys.js';
import { PeriodicStep } from '../periodic-step.js';
import type { TimerPublisher } from '../timers/timer-scheduler.js';

interface Reminder {
  id: string;
  platform: Platform;
  channel: ChatEvent['channel'];
  /** The key of the viewer's pending set. */
  viewerKey: string;
  user: string;
  text: string;
}

export interface ReminderSchedulerOptions {
  tickMs: number;
  /** How long a claimed delivery is held before another router may take it over. */
  leaseMs: number;
  batchSize: number;
  actionsStream(platform: Platform, channelId: string): string;
}

export const DefaultReminderSchedulerOptions: Omit<ReminderSchedulerOptions, 'actionsStream'> = { tickMs: 1_000, leaseMs: 30_000, batchSize: 50 };

interface ReminderSchedulerEvents {
  delivered: [{ id: string; duplicate: boolean }];
  failed: [Error];
}

const ADD = 'parleyAddReminder';
const CLAIM = 'parleyClaimReminder';
const COMPLETE = 'parleyCompleteReminder';
const lua = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
type ScriptedRedis = Redis & {
  [ADD](due: string, items: string, viewer: string, id: string, dueAt: number, json: string, max: number): Promise<number>;
  [CLAIM](due: string, items: string, id: string, now: number, leaseMs: number): Promise<string | null>;
  [COMPLETE](due: string, items: string, viewer: string, id: string): Promise<number>;
};

/** `10m`, `1h30m`, `90s`, `2d` → ms; null when not a duration. */
export function parseDuration(text: string): number | null {
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  if (!/^(\d{1,4}[smhd])+$/iu.test(text)) return null;
  let total = 0;
  for (const [, amount, name] of text.toLowerCase().matchAll(/(\d{1,4})([smhd])/gu)) total += Number(amount) * unit[name as keyof typeof unit];
  return total;
}

/**
 * Viewers' one-off reminders (`!remindme 10m stretch`), held in Redis and delivered once
 * whatever the number of routers: the same claim-with-lease and publish-mark pattern as
 * the timers. Each viewer has at most a few pending (the caller's limit).
 */
export class ReminderScheduler extends EventEmitter<ReminderSchedulerEvents> {
  private readonly redis: ScriptedRedis;
  private readonly options: ReminderSchedulerOptions;
  private readonly stepper: PeriodicStep;

  constructor(
    redis: Redis,
    private readonly keys: ChatModuleKeys,
    private readonly publisher: TimerPublisher,
    options: Partial<ReminderSchedulerOptions> & Pick<ReminderSchedulerOptions, 'actionsStream'>,
    private readonly now: () => number = Date.now,
  ) {
    super();
    redis.defineCommand(ADD, { numberOfKeys: 3, lua: lua('addReminder-3.lua') });
    redis.defineCommand(CLAIM, { numberOfKeys: 2, lua: lua('claimReminder-2.lua') });
    redis.defineCommand(COMPLETE, { numberOfKeys: 3, lua: lua('completeReminder-3.lua') });
    this.redis = redis as ScriptedRedis;
    this.options = { ...DefaultReminderSchedulerOptions, ...options };
    this.stepper = new PeriodicStep(() => this.deliverDue().catch((error: Error) => void this.emit('failed', error)), this.options.tickMs);
  }

  /** Schedules a reminder for the viewer who sent `event`; false when they have `maxPending` already. */
  async add(communityId: string, event: ChatEvent, delayMs: number, text: string, maxPending: number): Promise<boolean> {
    const viewerKey = this.keys.viewerReminders(communityId, event.platform, event.author.id);
    const reminder: Reminder = { id: event.id, platform: event.platform, channel: event.channel, viewerKey, user: event.author.displayName || event.author.name, text };
    const added = await this.redis[ADD](this.keys.reminderDue(), this.keys.reminderItems(), viewerKey, event.id, this.now() + delayMs, JSON.stringify(reminder), maxPending);
    return added === 1;
  }

  async start(): Promise<void> {
    await this.stepper.start();
  }

  async stop(): Promise<void> {
    await this.stepper.stop();
  }

  /** Delivers what is due; never overlapping another step. */
  async step(): Promise<void> {
    await this.stepper.run();
  }

  private async deliverDue(): Promise<void> {
    const now = this.now();
    const due = await this.redis.zrangebyscore(this.keys.reminderDue(), '-inf', now, 'LIMIT', 0, this.options.batchSize);
    for (const id of due) {
      const json = await this.redis[CLAIM](this.keys.reminderDue(), this.keys.reminderItems(), id, now, this.options.leaseMs);
      if (!json) continue;
      const reminder = JSON.parse(json) as Reminder;
      const action: ChatAction = {
        v: 1,
        id: chatActionId(`reminder:${id}`, 0),
        platform: reminder.platform,
        channel: reminder.channel,
        kind: 'say',
        text: sanitizeForPlatform(`@${reminder.user} reminder: ${reminder.text}`, reminder.platform),
        causedBy: `reminder:${id}`.slice(0, 200),
      };
      const stream = this.options.actionsStream(reminder.platform, reminder.channel.id);
      const written = await this.publisher.publishOnce(this.keys.reminderSent(id, stream), Math.ceil((this.options.leaseMs * 4) / 1_000), [
        { stream, payload: action },
      ]);
      await this.redis[COMPLETE](this.keys.reminderDue(), this.keys.reminderItems(), reminder.viewerKey, id);
      this.emit('delivered', { id, duplicate: !written });
    }
  }
}
