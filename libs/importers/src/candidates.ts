import { randomBytes } from 'node:crypto';
import type {
  CommunityContent,
  PortableChannel,
  PortableCommand,
  PortableCounter,
  PortableModuleSetting,
  PortableQuote,
  PortableSettings,
  PortableTimer,
  PortableWebhookModule,
} from './document.js';
import type { SourceBundle, SourceCommand, SourceName, SourceTimer } from './model.js';

/**
 * What an import would like to exist in Parley, one candidate per source item, before it
 * is compared with the community: either Parley's row (in the export document's portable
 * form) or the reason the item cannot be imported at all.
 */
export type ItemKind = 'settings' | 'channel' | 'webhook-module' | 'module-setting' | 'command' | 'timer' | 'counter' | 'quote';

export interface PortableByKind {
  settings: PortableSettings;
  channel: PortableChannel;
  'webhook-module': PortableWebhookModule;
  'module-setting': PortableModuleSetting;
  command: PortableCommand;
  timer: PortableTimer;
  counter: PortableCounter;
  quote: PortableQuote;
}

export interface Candidate<K extends ItemKind = ItemKind> {
  kind: K;
  /** What identifies the row within the community (a name, a quote number, platform:id). */
  key: string;
  /** The item as the source calls it, for the report. */
  ref: string;
  /** The Parley row, or null when the item cannot be imported (`reason` says why). */
  fields: PortableByKind[K] | null;
  reason: string | null;
  /** Why the item is imported disabled; empty when it is not inert. */
  inert: string[];
  notes: string[];
  /** The source's own text(s), kept beside the translation. */
  original: unknown;
}

export type AnyCandidate = { [K in ItemKind]: Candidate<K> }[ItemKind];

/** The order items are written in: what others refer to first. */
export const KIND_ORDER: readonly ItemKind[] = ['settings', 'channel', 'webhook-module', 'module-setting', 'command', 'timer', 'counter', 'quote'];

export function itemKey(kind: ItemKind, fields: PortableByKind[ItemKind]): string {
  switch (kind) {
    case 'settings':
      return 'community';
    case 'channel': {
      const channel = fields as PortableChannel;
      return `${channel.platform}:${channel.platformChannelId}`;
    }
    case 'module-setting':
      return (fields as PortableModuleSetting).module;
    case 'quote': {
      const quote = fields as PortableQuote;
      return quote.number === null ? `text:${quote.text}` : String(quote.number);
    }
    default:
      return (fields as { name: string }).name;
  }
}

const MAX_TEXT = 500;
/** `quotes.number` is a PostgreSQL integer. */
const MAX_QUOTE_NUMBER = 2 ** 31 - 1;
const MAX_COOLDOWN = 86_400;
const COMMAND_NAME = /^[a-z0-9_][a-z0-9_-]{0,63}$/u;

/** A Parley slug (`timers`, `counters`): lowercase, runs of anything else become "-". */
export function slug(name: string): string | null {
  const value = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/gu, '-')
    .replace(/^[-_]+|-+$/gu, '')
    .slice(0, 64);
  return /^[a-z0-9][a-z0-9_-]{0,63}$/u.test(value) ? value : null;
}

function rejected<K extends ItemKind>(kind: K, key: string, ref: string, reason: string, original: unknown): Candidate<K> {
  return { kind, key, ref, fields: null, reason, inert: [], notes: [], original };
}

function seconds(value: number, what: string, notes: string[]): number {
  const whole = Math.ceil(value);
  if (whole !== value) notes.push(`${what} of ${value} s rounded up to ${whole} s`);
  if (whole > MAX_COOLDOWN) {
    notes.push(`${what} of ${whole} s capped at ${MAX_COOLDOWN} s`);
    return MAX_COOLDOWN;
  }
  return whole;
}

function commandName(trigger: string, hasPrefix: boolean, prefix: string): { name: string } | { reason: string } {
  let name = trigger.trim();
  if (hasPrefix) {
    if (!name.startsWith(prefix)) return { reason: `trigger "${trigger.slice(0, 64)}" lacks the community's prefix "${prefix}"; Parley matches only "${prefix}name"` };
    name = name.slice(prefix.length);
  }
  name = name.toLowerCase();
  return COMMAND_NAME.test(name) ? { name } : { reason: `"${trigger.slice(0, 64)}" is not a usable Parley command name (letters, digits, "_" and "-", at most 64)` };
}

function commandCandidate(command: SourceCommand, prefix: string, aliasOf: Map<string, string[]>): Candidate<'command'> {
  const ref = command.trigger.slice(0, 100);
  const original = { template: command.template.original, dialect: command.template.dialect, sourceId: command.sourceId };
  const named = commandName(command.trigger, command.triggerHasPrefix, prefix);
  if ('reason' in named) return rejected('command', command.trigger.toLowerCase().slice(0, 64), ref, named.reason, original);
  const { name } = named;
  if (command.invokes) {
    const input = command.invokes.input.trim();
    const target = commandName(command.invokes.target, true, prefix);
    if ((input === '' || input === '$(query)') && 'name' in target) {
      return rejected('command', name, ref, `imported as an alias of ${prefix}${target.name} (Nightbot alias with the viewer's own input)`, original);
    }
    return rejected('command', name, ref, `Nightbot alias: runs ${command.invokes.target.slice(0, 64)} with the input "${input.slice(0, 64)}"; Parley has no command that calls another`, original);
  }
  const response = command.template.parley;
  if (response.trim() === '') return rejected('command', name, ref, 'empty response after translation', original);
  if (response.length > MAX_TEXT) return rejected('command', name, ref, `response is ${response.length} characters; Parley keeps at most ${MAX_TEXT}`, original);

  const notes = [...(command.roleNote ? [command.roleNote] : []), ...command.template.notes, ...command.notes];
  const inert = [...command.template.inert, ...command.requirements];
  if (command.costPoints > 0) inert.push(`costs ${command.costPoints} loyalty points; Parley has no points`);
  for (const other of command.otherTriggers) notes.push(`${other.match} trigger "${other.value.slice(0, 64)}" not imported: Parley matches command names only`);
  if (command.whenLive !== command.whenOffline) notes.push(`${command.whenLive ? 'ran only while live' : 'ran only while offline'} in the source; Parley answers at any time`);
  if (command.hidden) notes.push('hidden from the public command list in the source');
  if (!command.enabled) notes.push('disabled in the source; imported disabled');
  if (command.uses) notes.push(`its use count (${command.uses}) is not carried over`);
  if (command.replyMode === 'whisper' && !notes.some((note) => note.includes('whisper'))) notes.push('the source whispered the answer; Parley answers in chat');

  const aliases: string[] = [];
  for (const raw of [...command.aliases, ...(aliasOf.get(name) ?? [])]) {
    const trimmed = raw.trim().toLowerCase();
    const alias = trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) : trimmed;
    if (!COMMAND_NAME.test(alias) || alias === name) notes.push(`alias "${raw.slice(0, 64)}" dropped: not a usable Parley command name`);
    else if (aliases.length >= 20) notes.push(`alias "${raw.slice(0, 64)}" dropped: at most 20 aliases`);
    else if (!aliases.includes(alias)) aliases.push(alias);
  }
  return {
    kind: 'command',
    key: name,
    ref,
    fields: {
      name,
      aliases,
      response,
      minRole: command.minRole,
      globalCooldownSeconds: seconds(command.cooldownGlobalSeconds, 'global cooldown', notes),
      userCooldownSeconds: seconds(command.cooldownUserSeconds, 'user cooldown', notes),
      moderatorsBypassCooldown: true,
      enabled: command.enabled && (command.whenLive || command.whenOffline) && inert.length === 0,
      platforms: command.platforms,
      channels: null,
      module: null,
    },
    reason: null,
    inert,
    notes,
    original,
  };
}

function timerCandidate(timer: SourceTimer): Candidate<'timer'> {
  const ref = timer.name.slice(0, 100);
  const original = { messages: timer.messages.map((message) => message.original), dialect: timer.messages[0]?.dialect, schedule: timer.schedule, sourceId: timer.sourceId };
  const name = slug(timer.name);
  if (!name) return rejected('timer', timer.name.slice(0, 64), ref, `"${ref}" gives no usable Parley timer name`, original);
  if (!('everyMinutes' in timer.schedule)) return rejected('timer', name, ref, `schedule "${timer.schedule.cron.slice(0, 64)}" (cron) has no fixed interval; Parley timers run every N minutes`, original);
  const [first, ...rest] = timer.messages;
  if (!first || first.parley.trim() === '') return rejected('timer', name, ref, 'empty message after translation', original);
  if (first.parley.length > MAX_TEXT) return rejected('timer', name, ref, `message is ${first.parley.length} characters; Parley keeps at most ${MAX_TEXT}`, original);
  const notes = [...first.notes, ...timer.notes];
  if (name !== timer.name) notes.push(`named "${name}" (Parley timer names are lowercase slugs)`);
  if (rest.length) notes.push(`${rest.length} more message(s) of its rotation not imported: a Parley timer holds one message`);
  let intervalSeconds = Math.round(timer.schedule.everyMinutes * 60);
  if (intervalSeconds < 60) {
    notes.push(`interval raised to Parley's minimum of 1 minute`);
    intervalSeconds = 60;
  } else if (intervalSeconds > 86_400) {
    notes.push('interval capped at 24 hours');
    intervalSeconds = 86_400;
  }
  if (timer.linesWindowMinutes !== null && timer.minLines > 0) notes.push(`the source counted ${timer.minLines} lines per ${timer.linesWindowMinutes} minutes; Parley counts lines since the timer last ran`);
  if (timer.whenLive !== timer.whenOffline) notes.push(`${timer.whenLive ? 'ran only while live' : 'ran only while offline'} in the source; Parley runs it at any time`);
  if (timer.conditions.games.length || timer.conditions.titleKeywords.length) notes.push('its game / title conditions are not imported');
  const inert = [...first.inert];
  return {
    kind: 'timer',
    key: name,
    ref,
    fields: { name, message: first.parley, intervalSeconds, minChatLines: Math.min(timer.minLines, 10_000), enabled: timer.enabled && inert.length === 0, channels: null },
    reason: null,
    inert,
    notes,
    original,
  };
}

/** The candidates of a bundle read from Nightbot, StreamElements or SLCB. */
export function candidatesFromBundle(bundle: SourceBundle, commandPrefix: string): AnyCandidate[] {
  const candidates: AnyCandidate[] = [];
  for (const record of bundle.unreadable) {
    candidates.push(rejected(record.kind as ItemKind, record.ref, record.ref, `unreadable: ${record.reason}`, null) as AnyCandidate);
  }
  // Nightbot aliases that only pass the viewer's input on are aliases of their target.
  const aliasOf = new Map<string, string[]>();
  for (const command of bundle.commands) {
    const input = command.invokes?.input.trim();
    if (!command.invokes || (input !== '' && input !== '$(query)')) continue;
    const own = commandName(command.trigger, command.triggerHasPrefix, commandPrefix);
    const target = commandName(command.invokes.target, true, commandPrefix);
    if ('name' in own && 'name' in target) aliasOf.set(target.name, [...(aliasOf.get(target.name) ?? []), own.name]);
  }
  for (const command of bundle.commands) candidates.push(commandCandidate(command, commandPrefix, aliasOf));
  for (const timer of bundle.timers) candidates.push(timerCandidate(timer));
  for (const counter of bundle.counters) {
    const name = slug(counter.name);
    if (!name) candidates.push(rejected('counter', counter.name.slice(0, 64), counter.name.slice(0, 100), 'gives no usable Parley counter name', counter));
    else if (!Number.isSafeInteger(counter.value)) candidates.push(rejected('counter', name, counter.name, 'value is not a whole number Parley can keep', counter));
    else candidates.push({ kind: 'counter', key: name, ref: counter.name.slice(0, 100), fields: { name, value: counter.value }, reason: null, inert: [], notes: name === counter.name ? [] : [`named "${name}"`], original: counter });
  }
  for (const quote of bundle.quotes) {
    const key = String(quote.number);
    const text = quote.text.trim();
    const ref = `#${quote.number}`;
    if (!Number.isSafeInteger(quote.number) || quote.number < 0 || quote.number > MAX_QUOTE_NUMBER) candidates.push(rejected('quote', key, ref, `quote number ${key.slice(0, 16)} is outside 0…${MAX_QUOTE_NUMBER}`, quote));
    else if (text === '') candidates.push(rejected('quote', key, ref, 'empty quote', quote));
    else if (text.length > MAX_TEXT) candidates.push(rejected('quote', key, ref, `quote is ${text.length} characters; Parley keeps at most ${MAX_TEXT}`, quote));
    else {
      const notes = quote.game || quote.createdAt ? ['its game and date are not kept (Parley quotes hold text and author)'] : [];
      const author = quote.author?.trim().slice(0, 100) || null;
      candidates.push({ kind: 'quote', key, ref, fields: { number: quote.number, text, attributedTo: author }, reason: null, inert: [], notes, original: quote });
    }
  }
  return candidates;
}

export type UrlCheck = (url: string) => Promise<string | null>;

/** The candidates of a Parley export document; webhook URLs are checked like the hub checks them. */
export async function candidatesFromDocument(content: CommunityContent, checkUrl: UrlCheck): Promise<AnyCandidate[]> {
  const plain = <K extends ItemKind>(kind: K, fields: PortableByKind[K], notes: string[] = []): Candidate<K> => {
    const key = itemKey(kind, fields);
    return { kind, key, ref: key, fields, reason: null, inert: [], notes, original: null };
  };
  const candidates: AnyCandidate[] = [plain('settings', content.settings)];
  for (const channel of content.channels) candidates.push(plain('channel', channel));
  for (const module of content.webhookModules) {
    const refused = await checkUrl(module.url);
    if (refused) candidates.push(rejected('webhook-module', module.name, module.name, `url ${refused}`, null));
    else candidates.push(plain('webhook-module', module, ['its signing secret is not in the export: a new one is generated; set it on the module\'s server']));
  }
  for (const setting of content.moduleSettings) candidates.push(plain('module-setting', setting));
  for (const command of content.commands) candidates.push(plain('command', command));
  for (const timer of content.timers) candidates.push(plain('timer', timer));
  for (const counter of content.counters) candidates.push(plain('counter', counter));
  for (const quote of content.quotes) candidates.push(plain('quote', quote));
  return candidates;
}

/** A new webhook signing secret (the export never holds one). */
export function newWebhookSecret(): string {
  return randomBytes(32).toString('hex');
}

export type { SourceName };
