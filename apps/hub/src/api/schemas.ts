import { PLATFORMS, ROLES } from '@parley/contracts';
import { SCOPES } from '@parley/api-auth';
import { z } from 'zod';

/**
 * The hub's wire schemas: request bodies are strict (an unknown field is an error, not
 * silently dropped) and every string and list is bounded, so a hostile 10 kB name is a
 * 400 naming the field, never a database error. Rules mirror the migrations' CHECKs.
 */

const text = (max: number) => z.string().max(max).refine((value) => value.trim() !== '', 'must not be blank');
const slugLike = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "_" or "-", starting with a letter or digit (at most 63)');
const COMMAND_NAME = /^[a-z0-9_][a-z0-9_-]{0,63}$/;
/** "!hi" is the chat line, "hi" the name: a name given with a prefix character says so. */
const commandName = z.string().regex(COMMAND_NAME, {
  error: (issue) => {
    const value = String(issue.input ?? '');
    return /^[^a-zA-Z0-9_]/.test(value) && COMMAND_NAME.test(value.slice(1))
      ? `give the name without the command prefix: "${value.slice(1)}", not "${value}"`
      : 'lowercase letters, digits, "_" or "-" (at most 64)';
  },
});
const uuid = z.uuid();
const timestamps = { createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() };
const uniqueList = <T extends z.ZodType>(item: T, max: number) =>
  z.array(item).max(max).refine((list) => new Set(list as unknown[]).size === list.length, 'must not repeat an item');

export const Platform = z.enum(PLATFORMS);
export const Role = z.enum(ROLES);

export const CommunityIdParams = z.strictObject({ communityId: z.string().max(64).describe("The community's id, or its slug (e.g. demo)") });

// --- communities ---------------------------------------------------------------------
export const Community = z.object({
  id: uuid,
  slug: z.string(),
  name: z.string(),
  commandPrefix: z.string(),
  cooldownNotice: z.boolean(),
  ...timestamps,
});
export const NewCommunity = z.strictObject({
  slug: slugLike,
  name: text(100),
  commandPrefix: z.string().regex(/^\S{1,8}$/, '1 to 8 characters, no spaces').optional(),
});
export const CommunityPatch = z.strictObject({
  name: text(100).optional(),
  commandPrefix: z.string().regex(/^\S{1,8}$/, '1 to 8 characters, no spaces').optional(),
  cooldownNotice: z.boolean().optional(),
});

// --- API keys ------------------------------------------------------------------------
export const Scope = z.enum(SCOPES);
export const ApiKey = z.object({
  id: uuid,
  communityId: uuid,
  prefix: z.string().describe('The public part of the key, shown in logs and the audit log'),
  name: z.string(),
  scopes: z.array(Scope),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export const NewApiKey = z.strictObject({ name: text(100), scopes: uniqueList(Scope, 3).min(1) });
export const CreatedApiKey = ApiKey.extend({ key: z.string().describe('The whole key. Shown once, never again: store it now.') });

// --- channels ------------------------------------------------------------------------
export const Channel = z.object({
  id: uuid,
  communityId: uuid,
  platform: Platform,
  platformChannelId: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  botLogin: z.string().nullable(),
  authorization: z
    .object({
      state: z.enum(['granted', 'refused']).describe('granted: the platform lets the bot read this chat (Twitch: the broadcaster granted channel:bot); refused: it refused or revoked it'),
      reason: z.string().nullable().describe('Why refused: the platform’s answer (helix_403) or the revocation status (authorization_revoked, user_removed)'),
      changedAt: z.iso.datetime().describe('When the state last changed'),
    })
    .nullable()
    .describe('Whether the platform lets the bot in, as the ingest last learned it (Twitch EventSub); null until it has tried. Read-only.'),
  ...timestamps,
});
const channelFields = {
  platformChannelId: z.string().regex(/^\S{1,128}$/, '1 to 128 characters, no spaces').describe("The platform's stable id of the channel"),
  name: text(128),
  enabled: z.boolean(),
  botLogin: z.string().regex(/^\S{1,64}$/, '1 to 64 characters, no spaces').nullable().describe('The bot account speaking here; null for the default bot'),
};
export const NewChannel = z.strictObject({
  platform: Platform,
  platformChannelId: channelFields.platformChannelId,
  name: channelFields.name,
  enabled: channelFields.enabled.optional(),
  botLogin: channelFields.botLogin.optional(),
});
export const ChannelPatch = z.strictObject({ name: channelFields.name.optional(), enabled: z.boolean().optional(), botLogin: channelFields.botLogin.optional() });

// --- commands ------------------------------------------------------------------------
export const Command = z.object({
  id: uuid,
  communityId: uuid,
  name: z.string(),
  aliases: z.array(z.string()),
  response: z.string(),
  minRole: Role,
  globalCooldownSeconds: z.number().int(),
  userCooldownSeconds: z.number().int(),
  moderatorsBypassCooldown: z.boolean(),
  enabled: z.boolean(),
  platforms: z.array(Platform).nullable(),
  channelIds: z.array(uuid).nullable(),
  moduleId: uuid.nullable(),
  ...timestamps,
});
const commandFields = {
  aliases: uniqueList(commandName, 20),
  response: text(500).describe('The answer template: $(user), $(touser), $(1)…$(9), $(query), $(count), $(random a-b), $(pick a|b)'),
  minRole: Role,
  globalCooldownSeconds: z.number().int().min(0).max(86_400),
  userCooldownSeconds: z.number().int().min(0).max(86_400),
  moderatorsBypassCooldown: z.boolean(),
  enabled: z.boolean(),
  platforms: uniqueList(Platform, PLATFORMS.length).min(1).nullable().describe('null: every platform'),
  channelIds: uniqueList(uuid, 50).min(1).nullable().describe("null: every channel of the community; else some of the community's channel ids"),
  moduleId: uuid.nullable().describe('The webhook module that answers instead of the template'),
};
export const NewCommand = z.strictObject({
  name: commandName,
  response: commandFields.response,
  aliases: commandFields.aliases.optional(),
  minRole: commandFields.minRole.optional(),
  globalCooldownSeconds: commandFields.globalCooldownSeconds.optional(),
  userCooldownSeconds: commandFields.userCooldownSeconds.optional(),
  moderatorsBypassCooldown: commandFields.moderatorsBypassCooldown.optional(),
  enabled: commandFields.enabled.optional(),
  platforms: commandFields.platforms.optional(),
  channelIds: commandFields.channelIds.optional(),
  moduleId: commandFields.moduleId.optional(),
});
export const CommandPatch = NewCommand.omit({ name: true }).partial();
export const CommandName = commandName;

export const Aliases = z.object({ command: z.string(), aliases: z.array(z.string()) });

// --- webhook modules -----------------------------------------------------------------
export const WebhookModule = z.object({
  id: uuid,
  communityId: uuid,
  name: z.string(),
  url: z.string(),
  timeoutMs: z.number().int(),
  commands: z.array(z.string()).describe('Names of the commands this module answers'),
  ...timestamps,
});
const moduleFields = {
  url: z.url({ protocol: /^https?$/ }).max(2048).describe('http(s) URL on the public internet (private addresses need the operator allow-list)'),
  secret: z.string().min(16).max(256).describe('Signs each call (HMAC); write-only, never returned'),
  timeoutMs: z.number().int().min(100).max(10_000),
  commands: uniqueList(commandName, 100).describe('The commands this module answers (replaces the list)'),
};
export const NewWebhookModule = z.strictObject({
  name: slugLike,
  url: moduleFields.url,
  secret: moduleFields.secret,
  timeoutMs: moduleFields.timeoutMs.optional(),
  commands: moduleFields.commands.optional(),
});
export const WebhookModulePatch = NewWebhookModule.omit({ name: true }).partial();

// --- module settings, quotes, counters, timers ---------------------------------------
const jsonValue = z.json();
export const ModuleSetting = z.object({ id: uuid, communityId: uuid, module: z.string(), settings: z.record(z.string(), jsonValue), ...timestamps });
const settings = z
  .record(z.string().max(64), jsonValue)
  .refine((value) => Object.keys(value).length <= 50, 'at most 50 settings')
  .refine((value) => JSON.stringify(value).length <= 16_384, 'at most 16 kB of settings');
export const NewModuleSetting = z.strictObject({ module: slugLike, settings });
export const ModuleSettingPatch = z.strictObject({ settings: settings.optional() });

export const Quote = z.object({
  id: uuid,
  communityId: uuid,
  number: z.number().int().describe('Per community, never reused after a deletion (`!quote 42`)'),
  text: z.string(),
  attributedTo: z.string().nullable(),
  addedBy: z.string().nullable().describe('The viewer who added it from chat; null when added through the hub'),
  ...timestamps,
});
export const NewQuote = z.strictObject({ text: text(500), attributedTo: text(100).nullable().optional() });
export const QuotePatch = NewQuote.partial();

export const Counter = z.object({ id: uuid, communityId: uuid, name: z.string(), value: z.number().int(), ...timestamps });
const counterValue = z.number().int().min(-(2 ** 53 - 1)).max(2 ** 53 - 1);
export const NewCounter = z.strictObject({ name: slugLike, value: counterValue.optional() });
export const CounterPatch = z.strictObject({ value: counterValue.optional() });

export const Timer = z.object({
  id: uuid,
  communityId: uuid,
  name: z.string(),
  message: z.string(),
  intervalSeconds: z.number().int(),
  minChatLines: z.number().int(),
  enabled: z.boolean(),
  channelIds: z.array(uuid).nullable(),
  ...timestamps,
});
export const NewTimer = z.strictObject({
  name: slugLike,
  message: text(500),
  intervalSeconds: z.number().int().min(60).max(86_400),
  minChatLines: z.number().int().min(0).max(10_000).optional(),
  enabled: z.boolean().optional(),
  channelIds: commandFields.channelIds.optional(),
});
export const TimerPatch = NewTimer.omit({ name: true }).partial();

const schedule = z
  .string()
  .min(1)
  .max(2_000)
  .describe(
    'RFC 5545 DTSTART and RRULE lines, e.g. "DTSTART;TZID=Europe/Berlin:20261201T180000\\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH" (recurring) or ' +
      '"DTSTART:20261224T170000Z\\nRRULE:FREQ=DAILY;COUNT=1" (one-off); occurrences at least a minute apart',
  );
export const Reminder = z.object({
  id: uuid,
  communityId: uuid,
  name: z.string(),
  message: z.string(),
  schedule: z.string(),
  enabled: z.boolean(),
  channelIds: z.array(uuid).nullable(),
  ...timestamps,
});
export const NewReminder = z.strictObject({
  name: slugLike,
  message: text(500),
  schedule,
  enabled: z.boolean().optional(),
  channelIds: commandFields.channelIds.optional(),
});
export const ReminderPatch = NewReminder.omit({ name: true }).partial();

// --- audit, stats, dry run -----------------------------------------------------------
export const AuditEntry = z.object({
  id: z.string(),
  communityId: uuid.nullable(),
  actor: z.string().describe("The API key's prefix, or platform-admin"),
  action: z.enum(['create', 'update', 'delete', 'revoke', 'draw']).describe('draw: a giveaway draw from chat (after: seed, entries, winner)'),
  resource: z.string(),
  resourceId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  at: z.iso.datetime(),
});
