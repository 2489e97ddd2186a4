import { ROLES } from '@parley/contracts';
import { z } from 'zod';

/** A role: for exemptions, that role and every higher one. */
const RoleName = z.enum(ROLES);

/** One rung of the escalation ladder. `ban` is a timeout without a duration (as in Twitch Helix). */
export const LadderStep = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('delete') }),
  z.strictObject({ action: z.literal('warn') }),
  z.strictObject({ action: z.literal('timeout'), seconds: z.number().int().min(1).max(1_209_600) }),
  z.strictObject({ action: z.literal('ban') }),
]);
export type LadderStep = z.infer<typeof LadderStep>;

/** What every filter may override of the module's defaults. */
const common = { enabled: z.boolean().default(false), dryRun: z.boolean().optional(), exemptRole: RoleName.optional() };

export const MAX_PATTERNS = 50;
export const MAX_PATTERN_LENGTH = 200;

/**
 * The `filters` module's settings document (`PUT /v1/communities/{id}/module-settings`,
 * module `filters`). Every filter starts disabled and the module starts in dry run, so a
 * community turns filters on, watches what they would have done, then enforces.
 */
export const FilterSettings = z.strictObject({
  enabled: z.boolean().default(false),
  /** Log and count what would have happened, act on nothing. Default for every filter. */
  dryRun: z.boolean().default(true),
  exemptRole: RoleName.default('vip'),
  /** How long `!permit user` lets a viewer post links. */
  permitSeconds: z.number().int().min(10).max(3_600).default(60),
  /** One strike is forgiven per this many seconds without a new one. */
  strikeDecaySeconds: z.number().int().min(10).max(604_800).default(600),
  ladder: z
    .array(LadderStep)
    .min(1)
    .max(10)
    .default([{ action: 'delete' }, { action: 'warn' }, { action: 'timeout', seconds: 60 }, { action: 'timeout', seconds: 600 }, { action: 'ban' }]),
  links: z.strictObject({ ...common, allow: z.array(z.string().min(1).max(253)).max(100).default([]) }).prefault({}),
  caps: z.strictObject({ ...common, minLength: z.number().int().min(1).max(500).default(15), maxRatio: z.number().min(0).max(1).default(0.7) }).prefault({}),
  symbols: z.strictObject({ ...common, minLength: z.number().int().min(1).max(500).default(15), maxRatio: z.number().min(0).max(1).default(0.5) }).prefault({}),
  emotes: z.strictObject({ ...common, max: z.number().int().min(1).max(500).default(15) }).prefault({}),
  repeats: z.strictObject({ ...common, max: z.number().int().min(2).max(50).default(3), windowSeconds: z.number().int().min(5).max(3_600).default(60) }).prefault({}),
  length: z.strictObject({ ...common, max: z.number().int().min(10).max(10_000).default(400) }).prefault({}),
  words: z.strictObject({ ...common, banned: z.array(z.string().min(1).max(100)).max(500).default([]) }).prefault({}),
  patterns: z.strictObject({ ...common, patterns: z.array(z.string().min(1).max(MAX_PATTERN_LENGTH)).max(MAX_PATTERNS).default([]) }).prefault({}),
});
export type FilterSettings = z.infer<typeof FilterSettings>;
export type FilterName = 'links' | 'caps' | 'symbols' | 'emotes' | 'repeats' | 'length' | 'words' | 'patterns';

/** The `quotes` module (`!quote`, `!quote 42`, `!quote search <words>`, `!quote add <text>`, `!quote delete 42`). */
export const QuoteSettings = z.strictObject({
  enabled: z.boolean().default(true),
  addRole: RoleName.default('moderator'),
  deleteRole: RoleName.default('moderator'),
});
export type QuoteSettings = z.infer<typeof QuoteSettings>;

/** The `counters` module (`!counter deaths`, `!counter deaths +1`, `-1`, `=5`; `$(counter deaths)` in responses). */
export const CounterSettings = z.strictObject({
  enabled: z.boolean().default(true),
  editRole: RoleName.default('moderator'),
});
export type CounterSettings = z.infer<typeof CounterSettings>;

/** The `giveaways` module (`!giveaway start [minutes]`, `close`, `draw`, `redraw`; viewers type the keyword). */
export const GiveawaySettings = z.strictObject({
  enabled: z.boolean().default(true),
  keyword: z.string().min(1).max(32).regex(/^\S+$/u).default('!join'),
  manageRole: RoleName.default('moderator'),
  windowMinutes: z.number().int().min(1).max(1_440).default(5),
  /** Tickets per entry by the viewer's highest role (default 1 each). */
  weights: z.partialRecord(RoleName, z.number().int().min(1).max(100)).default({}),
});
export type GiveawaySettings = z.infer<typeof GiveawaySettings>;

/** The `reminders` module (`!remindme 10m <text>`). */
export const ReminderSettings = z.strictObject({
  enabled: z.boolean().default(true),
  minRole: RoleName.default('everyone'),
  maxPerViewer: z.number().int().min(1).max(20).default(3),
  maxDelayMinutes: z.number().int().min(1).max(43_200).default(1_440),
});
export type ReminderSettings = z.infer<typeof ReminderSettings>;

/** The `shoutouts` module (`!so user`). */
export const ShoutoutSettings = z.strictObject({
  enabled: z.boolean().default(true),
  minRole: RoleName.default('moderator'),
});
export type ShoutoutSettings = z.infer<typeof ShoutoutSettings>;

/** Every built-in module's settings schema, by module name (what the hub validates). */
export const MODULE_SETTINGS = {
  filters: FilterSettings,
  quotes: QuoteSettings,
  counters: CounterSettings,
  giveaways: GiveawaySettings,
  reminders: ReminderSettings,
  shoutouts: ShoutoutSettings,
} as const;
