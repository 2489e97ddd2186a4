import { hashTagOf, type Platform } from '@parley/contracts';

/**
 * Every Redis key the chat modules use, built in one place. The timer schedule's keys share
 * the hash tag `{timers}` because one script touches them together (Redis Cluster needs one
 * slot per script); the per-channel and per-user keys are each touched alone.
 */
export class ChatModuleKeys {
  constructor(readonly prefix: string) {}

  /** ZSET: timer member → when the schedule next looks at it (ms since the epoch). */
  timerDue(): string {
    return `${this.prefix}:{timers}:due`;
  }

  /** HASH: per timer member its line baseline, in-flight slot; per channel when a timer last fired there. */
  timerState(): string {
    return `${this.prefix}:{timers}:state`;
  }

  /** Mark that one firing of a timer was published (the firing's idempotency key), in the slot of the actions stream it guards. */
  timerFired(member: string, slot: string, actionsStream: string): string {
    return `${this.prefix}:timer-fired:${sameSlotAs(actionsStream)}:${member}:${slot}`;
  }

  /** HASH of one platform channel: `lines` (monotonic count of viewers' chat lines), `lastAt` (ms). */
  chatLines(platform: Platform, platformChannelId: string): string {
    return `${this.prefix}:chat-lines:${platform}:${platformChannelId}`;
  }

  /** HASH of one viewer's strikes: `count`, `lastAt`. Dry runs keep their own ladder. */
  strikes(communityId: string, platform: Platform, userId: string, dryRun: boolean): string {
    return `${this.prefix}:strikes${dryRun ? ':dry' : ''}:${communityId}:${platform}:${userId}`;
  }

  /** A viewer's `!permit`: present while they may post a link. */
  permit(communityId: string, platform: Platform, userName: string): string {
    return `${this.prefix}:permit:${communityId}:${platform}:${userName.toLowerCase()}`;
  }

  /** Mark that a chat event's change (a quote added, a counter changed) was applied: redelivery applies nothing. */
  applied(eventId: string): string {
    return `${this.prefix}:module-applied:${eventId}`;
  }

  /** HASH of a community's giveaway: id, status, openUntil, seed, commitment, round, winners. Shares its tag with the entries. */
  giveawayState(communityId: string): string {
    return `${this.prefix}:giveaway:{${communityId}}:state`;
  }

  /** HASH of the giveaway's entries: user id → entry JSON. */
  giveawayEntries(communityId: string): string {
    return `${this.prefix}:giveaway:{${communityId}}:entries`;
  }

  /** ZSET: reminder id → when it is due (ms). Reminder keys share the tag `{reminders}`. */
  reminderDue(): string {
    return `${this.prefix}:{reminders}:due`;
  }

  /** ZSET: community reminder member (`<reminder id>/<channel id>/<schedule hash>`) → its next occurrence (ms). Tag `{community-reminders}`. */
  communityReminderDue(): string {
    return `${this.prefix}:{community-reminders}:due`;
  }

  /** HASH: per community reminder member the occurrence in flight (`slot:<member>`). */
  communityReminderState(): string {
    return `${this.prefix}:{community-reminders}:state`;
  }

  /** Mark that one occurrence of a community reminder was posted (the occurrence's idempotency key), in the slot of the actions stream it guards. */
  communityReminderSent(member: string, occurrence: string, actionsStream: string): string {
    return `${this.prefix}:community-reminder-sent:${sameSlotAs(actionsStream)}:${member}:${occurrence}`;
  }

  /** HASH: reminder id → reminder JSON. */
  reminderItems(): string {
    return `${this.prefix}:{reminders}:items`;
  }

  /** SET: a viewer's pending reminder ids (their limit). */
  viewerReminders(communityId: string, platform: Platform, userId: string): string {
    return `${this.prefix}:{reminders}:viewer:${communityId}:${platform}:${userId}`;
  }

  /** Mark that a reminder was posted, in the slot of the actions stream it guards. */
  reminderSent(id: string, actionsStream: string): string {
    return `${this.prefix}:reminder-sent:${sameSlotAs(actionsStream)}:${id}`;
  }

  /**
   * HASH of one channel's repeats in one generation (`windowMs` long, numbered from the
   * epoch): viewer id → their last line's state. A generation and the one before share the
   * channel's hash tag, so one script reads both (Redis Cluster).
   */
  repeats(communityId: string, platform: Platform, channelId: string, windowMs: number, generation: number): string {
    return `${this.prefix}:repeats:{${communityId}:${platform}:${channelId}}:${windowMs}:${generation}`;
  }
}

/** The hash tag of a bus stream, so a mark published together with it (publish-once) lands in its slot. */
function sameSlotAs(stream: string): string {
  const tag = hashTagOf(stream);
  if (tag === undefined) throw new RangeError(`not a bus stream with a hash tag: ${stream}`);
  return `{${tag}}`;
}
