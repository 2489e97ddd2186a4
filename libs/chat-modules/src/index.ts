export { ChatModules, type ChatModulesDeps, type ModuleStore } from './chat-modules.js';
export { ChatModuleKeys } from './keys.js';
export { CounterSettings, FilterSettings, GiveawaySettings, ReminderSettings, LadderStep, MAX_PATTERNS, MAX_PATTERN_LENGTH, MODULE_SETTINGS, QuoteSettings, type FilterName } from './settings.js';
export { DefaultPatternMatcherOptions, InvalidPatternError, PatternMatcher, compilePattern, type PatternMatcherOptions, type PatternResult } from './filters/pattern-matcher.js';
export {
  DefaultModerationCapabilities,
  SpamFilters,
  type FilterHit,
  type ModerationCapabilities,
  type ModerationKind,
  type SpamFiltersOptions,
} from './filters/spam-filters.js';
export { ChatLines, DefaultChatLinesOptions, type ChannelLines, type ChatLinesOptions } from './timers/chat-lines.js';
export {
  DefaultTimerSchedulerOptions,
  TimerScheduler,
  timerMember,
  type TimerPublisher,
  type TimerSchedulerOptions,
  type TimerSkipReason,
  type TimerSource,
} from './timers/timer-scheduler.js';
export { drawWinner, seedCommitment, type GiveawayEntry } from './giveaways/draw.js';
export { Giveaways, type DrawLog, type DrawRecord } from './giveaways/giveaways.js';
export { DefaultReminderSchedulerOptions, ReminderScheduler, parseDuration, type ReminderSchedulerOptions } from './reminders/reminders.js';
export { InvalidRecurrenceError, MIN_OCCURRENCE_GAP_MS, Recurrence } from './reminders/recurrence.js';
export {
  CommunityReminderScheduler,
  DefaultCommunityReminderSchedulerOptions,
  reminderMember,
  type CommunityReminderSchedulerOptions,
  type ReminderSource,
} from './reminders/community-reminders.js';
