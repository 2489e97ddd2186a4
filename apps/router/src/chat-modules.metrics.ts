import type { CommunityReminderScheduler, ReminderScheduler, SpamFilters, TimerScheduler } from '@parley/chat-modules';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

interface Sources {
  timers: TimerScheduler;
  filters: SpamFilters;
  reminders: ReminderScheduler;
  communityReminders: CommunityReminderScheduler;
}

/** The chat modules' events as Prometheus series and log lines. No per-channel or per-user labels. */
export class ChatModuleMetrics {
  constructor(registry: Registry, { timers, filters, reminders, communityReminders }: Sources, logger: Logger) {
    const timerPosts = new Counter({
      name: 'parley_router_timer_posts_total',
      help: 'Timer firings by this router (outcome: posted, or duplicate when a taken-over firing had been posted already).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    const timerSkips = new Counter({
      name: 'parley_router_timer_skips_total',
      help: 'Timers due but not posted, by reason (offline, lines, spacing).',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    const filterHits = new Counter({
      name: 'parley_router_filter_hits_total',
      help: 'Lines that broke a spam filter, by filter, ladder action and mode (enforced, dry-run, unsupported: the platform cannot act yet).',
      labelNames: ['filter', 'action', 'mode'] as const,
      registers: [registry],
    });
    const suspended = new Counter({
      name: 'parley_router_filter_patterns_suspended_total',
      help: "Times a community's banned patterns broke their time budget and were suspended.",
      registers: [registry],
    });
    const reminderPosts = new Counter({
      name: 'parley_router_reminder_posts_total',
      help: 'Reminders delivered by this router (outcome: posted, or duplicate when a taken-over delivery had been posted already).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    const communityReminderPosts = new Counter({
      name: 'parley_router_community_reminder_posts_total',
      help: "Occurrences of communities' reminders by this router (outcome: posted; duplicate: a taken-over occurrence posted already; late: skipped, found too late).",
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    communityReminders.on('posted', ({ duplicate }) => communityReminderPosts.inc({ outcome: duplicate ? 'duplicate' : 'posted' }));
    communityReminders.on('late', () => communityReminderPosts.inc({ outcome: 'late' }));
    communityReminders.on('invalid', ({ reminderId, reason }) => logger.warn({ reminderId, reason }, 'community reminder schedule not valid: left off'));
    communityReminders.on('failed', (error) => logger.warn({ err: error.message }, 'community reminder step failed'));
    reminders.on('delivered', ({ duplicate }) => reminderPosts.inc({ outcome: duplicate ? 'duplicate' : 'posted' }));
    reminders.on('failed', (error) => logger.warn({ err: error.message }, 'reminder step failed'));
    timers.on('fired', ({ duplicate }) => timerPosts.inc({ outcome: duplicate ? 'duplicate' : 'posted' }));
    timers.on('skipped', ({ reason }) => timerSkips.inc({ reason }));
    timers.on('failed', (error) => logger.warn({ err: error.message }, 'timer schedule step failed'));
    filters.on('hit', (hit) => {
      filterHits.inc({ filter: hit.filter, action: hit.step.action, mode: hit.dryRun === false ? 'enforced' : hit.dryRun === 'settings' ? 'dry-run' : 'unsupported' });
      if (hit.dryRun) logger.info({ communityId: hit.communityId, filter: hit.filter, wouldHave: hit.step, strikes: hit.strikes, mode: hit.dryRun }, 'filter would have acted');
    });
    filters.on('patternsSuspended', ({ communityId }) => {
      suspended.inc();
      logger.warn({ communityId }, 'banned patterns over their time budget: suspended');
    });
  }
}
