import type { Platform, Role } from '@parley/contracts';

/**
 * The intermediate model every source is read into before anything is planned. It keeps
 * what the source meant (trigger kind, role ladder result, live gating, rotation…) so the
 * report can say what Parley cannot express; the planner maps it onto Parley's tables.
 */

export type SourceName = 'nightbot' | 'streamelements' | 'streamlabs-chatbot' | 'parley';

/** The dialect a template was written in; the same `$(user)` means different things in each. */
export type Dialect = 'nightbot' | 'streamelements' | 'streamlabs-chatbot' | 'parley';

export interface TemplateTranslation {
  dialect: Dialect;
  /** The text exactly as the source had it. */
  original: string;
  /**
   * The Parley template. Every untranslatable variable is replaced by a visible
   * `[not imported: name]` marker, never left as source syntax.
   */
  parley: string;
  /** One entry per variable that was not translated and why: a non-empty list makes the item inert. */
  inert: string[];
  /** What changed in meaning although the template was translated. */
  notes: string[];
}

export type TriggerMatch = 'exact' | 'keyword' | 'regex';

export interface SourceCommand {
  /** The source's own id, when it has one (reported, kept in provenance). */
  sourceId: string | null;
  /** The trigger as the source wrote it (prefix included when the source keeps it). */
  trigger: string;
  /** Whether the source's trigger carries its prefix (Nightbot, SLCB) or not (StreamElements). */
  triggerHasPrefix: boolean;
  /** Extra ways to trigger: keywords and regexes cannot be expressed in Parley. */
  otherTriggers: Array<{ match: TriggerMatch; value: string }>;
  /** True synonyms of the trigger (StreamElements). */
  aliases: string[];
  /** Nightbot's alias: run `target` with `input` as its query; not a synonym. */
  invokes: { target: string; input: string } | null;
  template: TemplateTranslation;
  minRole: Role;
  /** Why the role was mapped as it was, when the source's level has no exact Parley twin. */
  roleNote: string | null;
  /** Requirements no role expresses (SLCB user/rank/points/hours): the command becomes inert. */
  requirements: string[];
  cooldownGlobalSeconds: number;
  cooldownUserSeconds: number;
  enabled: boolean;
  whenLive: boolean;
  whenOffline: boolean;
  hidden: boolean;
  replyMode: 'say' | 'mention' | 'reply' | 'whisper';
  /** Platforms the source limited the command to; null = wherever the bot is. */
  platforms: Platform[] | null;
  /** Loyalty points the command costs; Parley has no points, so a cost makes it inert. */
  costPoints: number;
  /** How often it ran (Nightbot `count`, SLCB `Count`). */
  uses: number | null;
  /** Further losses found while reading the record (sound files, game groups…). */
  notes: string[];
}

export type TimerSchedule = { everyMinutes: number } | { cron: string };

export interface SourceTimer {
  sourceId: string | null;
  name: string;
  messages: TemplateTranslation[];
  rotation: 'sequential' | 'single';
  schedule: TimerSchedule;
  /** Chat lines needed before it fires, counted over `linesWindowMinutes` (null: since the last run). */
  minLines: number;
  linesWindowMinutes: number | null;
  enabled: boolean;
  whenLive: boolean;
  whenOffline: boolean;
  conditions: { games: string[]; titleKeywords: string[] };
  notes: string[];
}

export interface SourceQuote {
  /** The number viewers know it by (`!quote 42`), as the source numbers it. */
  number: number;
  text: string;
  author: string | null;
  game: string | null;
  createdAt: string | null;
}

export interface SourceCounter {
  name: string;
  value: number;
}

/** A record the reader could not take in at all, with why (bad shape, wrong type…). */
export interface UnreadableRecord {
  kind: 'command' | 'timer' | 'quote' | 'counter';
  ref: string;
  reason: string;
}

/** Everything read from one source, before planning. */
export interface SourceBundle {
  source: SourceName;
  commands: SourceCommand[];
  timers: SourceTimer[];
  quotes: SourceQuote[];
  counters: SourceCounter[];
  unreadable: UnreadableRecord[];
}

export function emptyBundle(source: SourceName): SourceBundle {
  return { source, commands: [], timers: [], quotes: [], counters: [], unreadable: [] };
}
