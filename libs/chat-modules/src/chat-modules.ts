import { randomUUID } from 'node:crypto';
import { meetsRole, parseInvocation, sanitizeForPlatform, type ChannelConfig, type ChatModuleHook } from '@parley/commands';
import { chatActionId, type ChatAction, type ChatEvent } from '@parley/contracts';
import type { ChatQuote } from '@parley/db';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { SpamFilters } from './filters/spam-filters.js';
import type { ChatModuleKeys } from './keys.js';
import type { Giveaways } from './giveaways/giveaways.js';
import { parseDuration, type ReminderScheduler } from './reminders/reminders.js';
import { CounterSettings, GiveawaySettings, QuoteSettings, ReminderSettings } from './settings.js';
import type { ChatLines } from './timers/chat-lines.js';

type Verdict = Awaited<ReturnType<ChatModuleHook['inspect']>>;

/** The quotes and counters as chat uses them (`ChatModuleRepository`). */
export interface ModuleStore {
  randomQuote(communityId: string): Promise<ChatQuote | null>;
  quoteByNumber(communityId: string, number: number): Promise<ChatQuote | null>;
  searchQuotes(communityId: string, words: string): Promise<{ best: ChatQuote | null; matches: number }>;
  addQuote(communityId: string, text: string, addedBy: string): Promise<number>;
  deleteQuote(communityId: string, number: number): Promise<boolean>;
  changeCounter(communityId: string, name: string, change: { delta: number } | { value: number }): Promise<number | null>;
  readCounters(communityId: string, names: readonly string[]): Promise<Map<string, number>>;
}


export interface ChatModulesDeps {
  redis: Redis;
  keys: ChatModuleKeys;
  lines: ChatLines;
  filters: SpamFilters;
  giveaways: Giveaways;
  reminders: ReminderScheduler;
  store: ModuleStore;
  /** How long a change's "applied" mark is kept: longer than any redelivery of its event. */
  appliedTtlSeconds: number;
  /**
   * The command engine's per-author answer budget (`CommandEngineServices.answerBudget`):
   * a module command spends it like any command, so a bot echoing `!quote` is throttled too.
   */
  answerBudget?: (event: ChatEvent, communityId: string) => Promise<boolean>;
}

/** The commands the modules answer (a community's own command of the same name wins). */
const MODULE_COMMANDS = new Set(['permit', 'quote', 'counter', 'giveaway', 'remindme']);

/** One object for "no settings", so their parse is cached like any other. */
const NO_SETTINGS = Object.freeze({});
const COUNTER_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/u;
const COUNTER_CHANGE = /^([+-=])(\d{1,15})?$/u;

/**
 * The router's hook for the built-in modules, run on every event of an owned channel
 * before the command engine: counts the line for timers, runs the spam filters (an
 * enforced hit replaces the engine's answer with the ladder's actions; a dry-run hit lets
 * the line through), then answers the modules' own commands (`!permit`, `!quote`,
 * `!counter`). A community's own command of the same name wins over a module's. A change
 * made from chat (a quote added, a counter moved) is applied once per event, so a
 * redelivered event changes nothing twice.
 */
export class ChatModules implements ChatModuleHook {
  /** Parsed settings per schema and settings document (documents are replaced, never changed, on reload). */
  private readonly parsed = new WeakMap<z.ZodType, WeakMap<object, unknown>>();

  constructor(private readonly deps: ChatModulesDeps) {}

  async inspect(event: ChatEvent, config: ChannelConfig): Promise<Verdict> {
    if (event.kind !== 'message' || event.author.isBot) return null;
    const counted = this.deps.lines.count(event);
    try {
      const hit = await this.deps.filters.check(event, config);
      if (hit && hit.dryRun === false) return { outcome: 'filtered', command: hit.filter, actions: hit.actions };
      return await this.command(event, config);
    } finally {
      await counted;
    }
  }

  private async command(event: ChatEvent, config: ChannelConfig): Promise<Verdict> {
    const giveaway = this.settings(config, 'giveaways', GiveawaySettings);
    if (giveaway?.enabled && event.text.trim().toLowerCase() === giveaway.keyword.toLowerCase()) {
      // Entries are silent (no answer per viewer); without an open window the keyword is an ordinary line.
      if ((await this.deps.giveaways.enter(config.communityId, event, giveaway)) >= 0) return { outcome: 'answered', command: 'giveaway', actions: [] };
    }
    const invocation = parseInvocation(event.text, config.commandPrefix);
    if (!invocation || config.commands.some((command) => command.name === invocation.name || command.aliases.includes(invocation.name))) return null;
    if (!MODULE_COMMANDS.has(invocation.name)) return null;
    if (this.deps.answerBudget && !(await this.deps.answerBudget(event, config.communityId))) return { outcome: 'throttled', command: invocation.name, actions: [] };
    const respond = (text: string) => answer(event, invocation.name, text);
    try {
      switch (invocation.name) {
        case 'permit':
          return await this.permit(event, config, invocation.args, respond);
        case 'quote':
          return await this.quote(event, config, invocation.args, respond);
        case 'counter':
          return await this.counter(event, config, invocation.args, respond);
        case 'giveaway':
          return await this.giveaway(event, config, invocation.args, respond);
        case 'remindme':
          return await this.remindme(event, config, invocation.args, respond);
        default:
          return null;
      }
    } catch {
      // Postgres down: say so rather than stay silent; the engine's commands are served from the cache.
      return respond(`${config.commandPrefix}${invocation.name} is unavailable right now; try again later.`);
    }
  }

  private async permit(event: ChatEvent, config: ChannelConfig, args: string[], respond: (text: string) => Verdict): Promise<Verdict> {
    const settings = this.deps.filters.settingsOf(config);
    if (!settings || !meetsRole(event.author.roles, 'moderator')) return null;
    const [target] = args;
    if (!target) return respond(`Usage: ${config.commandPrefix}permit <user>`);
    await this.deps.filters.permit(config.communityId, event.platform, target, settings.permitSeconds);
    return respond(`${target.replace(/^@/u, '')} may post links for ${settings.permitSeconds} s.`);
  }

  private async quote(event: ChatEvent, config: ChannelConfig, args: string[], respond: (text: string) => Verdict): Promise<Verdict> {
    const settings = this.settings(config, 'quotes', QuoteSettings);
    if (!settings?.enabled) return null;
    const { store } = this.deps;
    const communityId = config.communityId;
    const [first = '', ...rest] = args;
    const sub = first.toLowerCase();
    if (!first) {
      const quote = await store.randomQuote(communityId);
      return respond(quote ? showQuote(quote) : 'There are no quotes yet.');
    }
    if (/^#?\d{1,9}$/u.test(first)) {
      const number = Number(first.replace('#', ''));
      const quote = await store.quoteByNumber(communityId, number);
      return respond(quote ? showQuote(quote) : `There is no quote #${number}.`);
    }
    if (sub === 'search' && rest.length) {
      const { best, matches } = await store.searchQuotes(communityId, rest.join(' '));
      return respond(best ? `${showQuote(best)}${matches > 1 ? ` (1 of ${matches} matches)` : ''}` : 'No quote matches that.');
    }
    if (sub === 'add' && rest.length && meetsRole(event.author.roles, settings.addRole)) {
      const text = rest.join(' ').slice(0, 500);
      const number = await this.once(event, () => store.addQuote(communityId, text, event.author.displayName || event.author.name));
      return respond(number === null ? 'That quote was already added.' : `Added quote #${number}.`);
    }
    if (sub === 'delete' && /^#?\d{1,9}$/u.test(rest[0] ?? '') && meetsRole(event.author.roles, settings.deleteRole)) {
      const number = Number(rest[0]!.replace('#', ''));
      const deleted = await this.once(event, () => store.deleteQuote(communityId, number));
      return respond(deleted === false ? `There is no quote #${number}.` : `Deleted quote #${number}.`);
    }
    return respond(`Usage: ${config.commandPrefix}quote [number | search <words>]`);
  }

  private async counter(event: ChatEvent, config: ChannelConfig, args: string[], respond: (text: string) => Verdict): Promise<Verdict> {
    const settings = this.settings(config, 'counters', CounterSettings);
    if (!settings?.enabled) return null;
    const [rawName = '', rawChange] = args;
    const name = rawName.toLowerCase();
    if (!COUNTER_NAME.test(name)) return respond(`Usage: ${config.commandPrefix}counter <name> [+N | -N | =N]`);
    const change = rawChange === undefined ? null : COUNTER_CHANGE.exec(rawChange);
    if (!change || !meetsRole(event.author.roles, settings.editRole)) {
      const value = (await this.deps.store.readCounters(config.communityId, [name])).get(name);
      return respond(value === undefined ? `There is no counter ${name}.` : `${name}: ${value}`);
    }
    const amount = Number(change[2] ?? 1);
    const how = change[1] === '=' ? { value: amount } : { delta: change[1] === '-' ? -amount : amount };
    const applied = await this.once(event, () => this.deps.store.changeCounter(config.communityId, name, how));
    const value = applied ?? (await this.deps.store.readCounters(config.communityId, [name])).get(name);
    return respond(value == null ? `There is no counter ${name}.` : `${name}: ${value}`);
  }

  private async giveaway(event: ChatEvent, config: ChannelConfig, args: string[], respond: (text: string) => Verdict): Promise<Verdict> {
    const settings = this.settings(config, 'giveaways', GiveawaySettings);
    if (!settings?.enabled) return null;
    const { giveaways } = this.deps;
    const communityId = config.communityId;
    const [sub = '', minutesArg] = args;
    if (!meetsRole(event.author.roles, settings.manageRole)) {
      return respond(`${await giveaways.entries(communityId)} entered so far; type ${settings.keyword} while a giveaway is open.`);
    }
    const actor = `chat:${event.platform}:${event.author.name}`;
    switch (sub.toLowerCase()) {
      case 'start': {
        const minutes = Math.min(1_440, Math.max(1, Number(minutesArg) || settings.windowMinutes));
        const started = await this.once(event, () => giveaways.start(communityId, randomUUID(), minutes));
        if (!started) return respond('That giveaway was already started.');
        if (!started.opened) return respond(`A giveaway is already open; ${config.commandPrefix}giveaway draw ends it.`);
        return respond(`Giveaway open for ${minutes} min: type ${settings.keyword} to enter. Seed commitment (SHA-256): ${started.commitment}`);
      }
      case 'close':
        await giveaways.close(communityId);
        return respond(`Giveaway closed with ${await giveaways.entries(communityId)} entries.`);
      case 'draw':
      case 'redraw': {
        const drawn = await this.once(event, () => giveaways.draw(communityId, actor));
        if (drawn === null) return respond('There is no giveaway to draw.');
        if (!drawn.winner) return respond(`No one left to draw (${drawn.entries.length} entries).`);
        return respond(
          `${sub.toLowerCase() === 'redraw' ? 'Re-draw' : 'Winner'}: @${drawn.winner.name} (${drawn.entries.length} entries, round ${drawn.round}, seed ${drawn.seed}; recorded in the audit log)`,
        );
      }
      default:
        return respond(`Usage: ${config.commandPrefix}giveaway start [minutes] | close | draw | redraw`);
    }
  }

  private async remindme(event: ChatEvent, config: ChannelConfig, args: string[], respond: (text: string) => Verdict): Promise<Verdict> {
    const settings = this.settings(config, 'reminders', ReminderSettings);
    if (!settings?.enabled || !meetsRole(event.author.roles, settings.minRole)) return null;
    const [when = '', ...words] = args;
    const delayMs = parseDuration(when);
    const usage = `Usage: ${config.commandPrefix}remindme <10m | 1h30m | 2d> <text>, at most ${settings.maxDelayMinutes} min ahead`;
    if (delayMs === null || !words.length || delayMs < 60_000 || delayMs > settings.maxDelayMinutes * 60_000) return respond(usage);
    const added = await this.deps.reminders.add(config.communityId, event, delayMs, words.join(' ').slice(0, 300), settings.maxPerViewer);
    return respond(added ? `I will remind you in ${when}.` : `You have ${settings.maxPerViewer} reminders pending already.`);
  }

  /** Runs a change once per event; null when this event's change was applied before (a redelivery). */
  private async once<T>(event: ChatEvent, change: () => Promise<T>): Promise<T | null> {
    const claimed = await this.deps.redis.set(this.deps.keys.applied(event.id), '1', 'EX', this.deps.appliedTtlSeconds, 'NX');
    if (claimed !== 'OK') return null;
    try {
      return await change();
    } catch (error) {
      // Not applied: a redelivery may try again.
      await this.deps.redis.del(this.deps.keys.applied(event.id));
      throw error;
    }
  }

  /** A module's settings, parsed once per loaded configuration (defaults when the community set none). */
  private settings<T>(config: ChannelConfig, module: string, schema: z.ZodType<T>): T | null {
    const raw = config.moduleSettings?.[module] ?? NO_SETTINGS;
    let bySchema = this.parsed.get(schema);
    if (!bySchema) this.parsed.set(schema, (bySchema = new WeakMap()));
    if (!bySchema.has(raw)) {
      const parsed = schema.safeParse(raw);
      bySchema.set(raw, parsed.success ? parsed.data : null);
    }
    return bySchema.get(raw) as T | null;
  }
}

function showQuote(quote: ChatQuote): string {
  const by = quote.attributedTo ? ` — ${quote.attributedTo}` : '';
  const added = quote.addedBy ? `added by ${quote.addedBy}, ` : '';
  return `#${quote.number}: "${quote.text}"${by} (${added}${quote.createdAt.slice(0, 10)})`;
}

function answer(event: ChatEvent, command: string, text: string): Verdict {
  const reply: ChatAction = {
    v: 1,
    id: chatActionId(event.id, 0),
    platform: event.platform,
    channel: event.channel,
    kind: 'reply',
    text: sanitizeForPlatform(text, event.platform),
    causedBy: event.id,
    targetMessageId: event.id.slice(event.platform.length + 1),
    eventReceivedAt: event.receivedAt,
  };
  return { outcome: 'answered', command, actions: [reply] };
}
