import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { meetsRole, sanitizeForPlatform, type ChannelConfig } from '@parley/commands';
import { chatActionId, type ChatAction, type ChatEvent, type Platform, type Role } from '@parley/contracts';
import type { Redis } from 'ioredis';
import type { ChatModuleKeys } from '../keys.js';
import { FilterSettings, type FilterName, type LadderStep } from '../settings.js';
import { bannedWordMatcher, charCounts, isAllowedHost, linkHosts, tooLong, tooManyCaps, tooManyEmotes, tooManySymbols, type CharCounts } from './checks.js';
import { PatternMatcher } from './pattern-matcher.js';
import { lineFingerprint, RepeatCounter, type RepeatGenerations } from './repeat-counter.js';

/** Moderation action kinds a platform's ingest can deliver. */
export type ModerationKind = 'delete' | 'timeout';
export type ModerationCapabilities = Readonly<Record<Platform, readonly ModerationKind[]>>;

/**
 * What each ingest delivers: Discord's deletes and member timeouts over REST (ingest-discord).
 * Twitch retired them from IRC and needs the Helix API (the EventSub/Helix issue); Slack bots
 * cannot time members out or delete others' messages. A platform without them runs its
 * filters in dry run until its ingest can act.
 */
export const DefaultModerationCapabilities: ModerationCapabilities = { twitch: [], youtube: [], discord: ['delete', 'timeout'], slack: [] };

export interface SpamFiltersOptions {
  capabilities: ModerationCapabilities;
  patterns: PatternMatcher;
}

/** A line that broke a filter, and what the ladder did (or would have done) about it. */
export interface FilterHit {
  communityId: string;
  platform: Platform;
  filter: FilterName;
  reason: string;
  /** The viewer's strikes with this one (after decay). */
  strikes: number;
  step: LadderStep;
  /** Nothing was done: the filter is in dry run, or the platform cannot deliver the step (`unsupported`). */
  dryRun: false | 'settings' | 'unsupported';
  /** What goes out (empty in dry run). */
  actions: ChatAction[];
}

interface SpamFiltersEvents {
  hit: [FilterHit];
  /** A community's patterns broke their time budget and are skipped for a while (once per suspension). */
  patternsSuspended: [{ communityId: string }];
}

const RECORD_STRIKE = 'parleyRecordStrike';
const lua = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

type ScriptedRedis = Redis & {
  [RECORD_STRIKE](key: string, now: number, decayMs: number, eventId: string): Promise<number>;
};

interface Prepared {
  settings: FilterSettings;
  bannedWords: RegExp | null;
}

const STEP_NEEDS: Record<LadderStep['action'], readonly ModerationKind[]> = { delete: ['delete'], warn: ['delete'], timeout: ['timeout'], ban: ['timeout'] };

/**
 * The spam filters of a community (settings: module `filters`). Each filter has its own
 * role exemption and dry-run switch; a line that breaks one earns the viewer a strike,
 * and the strike count (kept in Redis, decaying) picks the rung of the escalation ladder:
 * delete → warn → timeouts of growing length → ban. `!permit` (see ChatModules) lets a
 * viewer post links for a while. In dry run the ladder is climbed on a separate count
 * and nothing is sent: the hit says what would have happened.
 */
export class SpamFilters extends EventEmitter<SpamFiltersEvents> {
  private readonly redis: ScriptedRedis;
  private readonly options: SpamFiltersOptions;
  private readonly prepared = new WeakMap<object, Prepared | null>();
  private readonly repeats: RepeatCounter;
  private readonly repeatKeys = new Map<string, RepeatGenerations & { generation: number; windowMs: number }>();

  constructor(
    redis: Redis,
    private readonly keys: ChatModuleKeys,
    options: Partial<SpamFiltersOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    super();
    redis.defineCommand(RECORD_STRIKE, { numberOfKeys: 1, lua: lua('recordStrike-1.lua') });
    this.redis = redis as ScriptedRedis;
    this.repeats = new RepeatCounter(redis);
    this.options = { capabilities: DefaultModerationCapabilities, patterns: options.patterns ?? new PatternMatcher(), ...options };
  }

  /** The community's filter settings, parsed once per loaded configuration; null when filters are off or invalid. */
  settingsOf(config: ChannelConfig): FilterSettings | null {
    return this.prepare(config)?.settings ?? null;
  }

  /** Runs the filters on one line; null when it breaks none (or the viewer is exempt). */
  async check(event: ChatEvent, config: ChannelConfig): Promise<FilterHit | null> {
    if (event.kind !== 'message' || event.author.isBot) return null;
    const prepared = this.prepare(config);
    if (!prepared) return null;
    const broken = await this.detect(event, config.communityId, prepared, true);
    return broken ? this.strike(event, config.communityId, prepared.settings, broken.filter, broken.reason) : null;
  }

  /**
   * What the filters make of a line without touching any state (the hub's dry run): the
   * filter it breaks and the ladder's first rung. Permits are not consulted and repeats,
   * which need the viewer's history, are not judged.
   */
  async preview(event: ChatEvent, config: ChannelConfig): Promise<{ filter: FilterName; reason: string; step: LadderStep; dryRun: FilterHit['dryRun'] } | null> {
    const prepared = this.prepare(config);
    if (!prepared || event.kind !== 'message' || event.author.isBot) return null;
    const broken = await this.detect(event, config.communityId, prepared, false);
    if (!broken) return null;
    return { ...broken, step: prepared.settings.ladder[0]!, dryRun: this.modeOf(event.platform, prepared.settings, broken.filter) };
  }

  private async detect(event: ChatEvent, communityId: string, prepared: Prepared, withState: boolean): Promise<{ filter: FilterName; reason: string } | null> {
    const { settings } = prepared;
    const exempt = (filter: { enabled: boolean; exemptRole?: Role }) => !filter.enabled || meetsRole(event.author.roles, filter.exemptRole ?? settings.exemptRole);
    const text = event.text;
    // Caps, symbols and emotes share one pass over the line, made when the first of them runs.
    let counts: CharCounts | undefined;
    const counted = () => (counts ??= charCounts(text));

    const pure: Array<[FilterName, () => string | null]> = [
      ['length', () => tooLong(text, settings.length)],
      ['caps', () => tooManyCaps(text, settings.caps, counted())],
      ['symbols', () => tooManySymbols(text, settings.symbols, counted())],
      ['emotes', () => tooManyEmotes(event, settings.emotes, counted())],
      ['words', () => (prepared.bannedWords?.test(text) ? 'a banned word' : null)],
    ];
    for (const [filter, check] of pure) {
      if (exempt(settings[filter])) continue;
      const reason = check();
      if (reason) return { filter, reason };
    }

    if (!exempt(settings.links)) {
      const hosts = linkHosts(text).filter((host) => !isAllowedHost(host, settings.links.allow));
      const permitted = async () => withState && (await this.redis.exists(this.keys.permit(communityId, event.platform, event.author.name))) === 1;
      if (hosts.length && !(await permitted())) return { filter: 'links', reason: 'links are not allowed' };
    }

    if (!exempt(settings.patterns) && settings.patterns.patterns.length) {
      const result = this.options.patterns.match(settings.patterns.patterns, text);
      if ('suspended' in result) {
        if (result.suspendedNow) this.emit('patternsSuspended', { communityId });
      } else if (result.matched) return { filter: 'patterns', reason: 'a banned pattern' };
    }

    if (withState && !exempt(settings.repeats)) {
      const windowMs = settings.repeats.windowSeconds * 1_000;
      const now = Math.floor(this.now());
      const generations = this.repeatGenerations(communityId, event, windowMs, Math.floor(now / windowMs));
      const count = await this.repeats.count(generations, now, windowMs, event.author.id, lineFingerprint(text), event.id);
      if (count > settings.repeats.max) return { filter: 'repeats', reason: 'the same message again' };
    }
    return null;
  }

  /** A channel's repeats keys for a generation, built once per channel and generation rather than per line. */
  private repeatGenerations(communityId: string, event: ChatEvent, windowMs: number, generation: number): RepeatGenerations {
    const channel = `${communityId}/${event.platform}/${event.channel.id}`;
    const known = this.repeatKeys.get(channel);
    if (known && known.generation === generation && known.windowMs === windowMs) return known;
    const keys = {
      generation,
      windowMs,
      current: this.keys.repeats(communityId, event.platform, event.channel.id, windowMs, generation),
      previous: this.keys.repeats(communityId, event.platform, event.channel.id, windowMs, generation - 1),
    };
    // Bounded by the channels a router serves; a forgotten entry is only rebuilt.
    if (!known && this.repeatKeys.size >= 10_000) this.repeatKeys.clear();
    this.repeatKeys.set(channel, keys);
    return keys;
  }

  /** Dry run by the settings, or because the platform cannot deliver the ladder's actions, or enforced. */
  private modeOf(platform: Platform, settings: FilterSettings, filter: FilterName): FilterHit['dryRun'] {
    if (settings[filter].dryRun ?? settings.dryRun) return 'settings';
    // The rung is only known after counting, so "can the platform act" is judged on the ladder as a whole.
    const capable = settings.ladder.every((step) => STEP_NEEDS[step.action].every((kind) => this.options.capabilities[platform].includes(kind)));
    return capable ? false : 'unsupported';
  }

  /** Lets a viewer post links for the configured time (`!permit user`). */
  async permit(communityId: string, platform: Platform, userName: string, seconds: number): Promise<void> {
    await this.redis.set(this.keys.permit(communityId, platform, userName.replace(/^@/u, '')), '1', 'EX', seconds);
  }

  private async strike(event: ChatEvent, communityId: string, settings: FilterSettings, filter: FilterName, reason: string): Promise<FilterHit> {
    const dryRun = this.modeOf(event.platform, settings, filter);
    const strikes = await this.redis[RECORD_STRIKE](
      this.keys.strikes(communityId, event.platform, event.author.id, dryRun !== false),
      this.now(),
      settings.strikeDecaySeconds * 1_000,
      event.id,
    );
    const step = settings.ladder[Math.min(strikes, settings.ladder.length) - 1]!;
    const hit: FilterHit = { communityId, platform: event.platform, filter, reason, strikes, step, dryRun, actions: dryRun ? [] : moderationActions(event, step, reason) };
    this.emit('hit', hit);
    return hit;
  }

  private prepare(config: ChannelConfig): Prepared | null {
    const raw = config.moduleSettings?.filters;
    if (!raw) return null;
    let prepared = this.prepared.get(raw);
    if (prepared === undefined) {
      const parsed = FilterSettings.safeParse(raw);
      prepared = parsed.success && parsed.data.enabled ? { settings: parsed.data, bannedWords: bannedWordMatcher(parsed.data.words.banned) } : null;
      this.prepared.set(raw, prepared);
    }
    return prepared;
  }
}

/** The actions of one rung. `ban` is a timeout without a duration, as Twitch Helix's ban endpoint takes it. */
function moderationActions(event: ChatEvent, step: LadderStep, reason: string): ChatAction[] {
  const base = { v: 1 as const, platform: event.platform, channel: event.channel, causedBy: event.id, eventReceivedAt: event.receivedAt };
  const messageId = event.id.slice(event.platform.length + 1);
  const name = event.author.displayName || event.author.name;
  const remove: ChatAction = { ...base, id: chatActionId(event.id, 0), kind: 'delete', text: '', targetMessageId: messageId };
  switch (step.action) {
    case 'delete':
      return [remove];
    case 'warn':
      return [remove, { ...base, id: chatActionId(event.id, 1), kind: 'say', text: sanitizeForPlatform(`@${name}, ${reason} (warning).`, event.platform) }];
    case 'timeout':
      return [{ ...base, id: chatActionId(event.id, 0), kind: 'timeout', text: reason, targetUserId: event.author.id, durationSeconds: step.seconds }];
    case 'ban':
      return [{ ...base, id: chatActionId(event.id, 0), kind: 'timeout', text: reason, targetUserId: event.author.id }];
  }
}
