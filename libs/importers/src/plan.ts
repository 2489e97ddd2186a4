import { createHash } from 'node:crypto';
import { KIND_ORDER, itemKey, type AnyCandidate, type ItemKind, type PortableByKind } from './candidates.js';
import { canonicalJson, normalizeContent, type CommunityContent, type ChannelRef } from './document.js';
import type { SourceName } from './model.js';

/**
 * The dry run: what an import would create, change, leave unchanged or skip, with the
 * reason for each. It is a pure function of the candidates and the community's current
 * content, so the apply can compute it again inside its transaction and refuse to go on
 * when it differs from the plan the user saw (the fingerprint).
 */
export type PlanAction = 'create' | 'update' | 'unchanged' | 'skip';

export interface PlanItem {
  kind: ItemKind;
  key: string;
  ref: string;
  action: PlanAction;
  /** Why it is skipped, or what an update changes. */
  reason: string | null;
  /** Non-empty: imported disabled, for these reasons. */
  inert: string[];
  notes: string[];
  /** The row written by a create or update (portable form). */
  fields: PortableByKind[ItemKind] | null;
  /** The row as it is now, for an update (the audit log's "before"). */
  before: PortableByKind[ItemKind] | null;
  original: unknown;
}

export interface PlanSummary {
  create: number;
  update: number;
  unchanged: number;
  skip: number;
  inert: number;
}

export interface ImportPlan {
  source: SourceName;
  items: PlanItem[];
  summary: PlanSummary;
  /** sha256 over what the apply would write; equal fingerprints = the same changes. */
  fingerprint: string;
}

/** The community as the planner sees it. */
export interface CommunitySnapshot {
  content: CommunityContent;
  /** `kind:key` → the source that last imported the row, and the row as it wrote it. */
  provenance: ReadonlyMap<string, { source: SourceName; written: unknown }>;
  /** `platform:id` of channels that belong to other communities. */
  foreignChannels: ReadonlySet<string>;
}

const LABEL: Record<ItemKind, string> = {
  settings: 'community settings',
  channel: 'channel',
  'webhook-module': 'webhook module',
  'module-setting': 'module setting',
  command: 'command',
  timer: 'timer',
  counter: 'counter',
  quote: 'quote',
};

function existingByKind(content: CommunityContent): Map<ItemKind, Map<string, PortableByKind[ItemKind]>> {
  const index = <K extends ItemKind>(kind: K, rows: ReadonlyArray<PortableByKind[K]>) => new Map(rows.map((row) => [itemKey(kind, row), row] as const));
  return new Map<ItemKind, Map<string, PortableByKind[ItemKind]>>([
    ['settings', index('settings', [content.settings])],
    ['channel', index('channel', content.channels)],
    ['webhook-module', index('webhook-module', content.webhookModules)],
    ['module-setting', index('module-setting', content.moduleSettings)],
    ['command', index('command', content.commands)],
    ['timer', index('timer', content.timers)],
    ['counter', index('counter', content.counters)],
    ['quote', index('quote', content.quotes)],
  ]);
}

/** A row in the one form both sides are compared in (lists sorted). */
function comparable(kind: ItemKind, row: PortableByKind[ItemKind]): string {
  const empty = normalizeContent({ settings: { commandPrefix: '!', cooldownNotice: false }, channels: [], webhookModules: [], moduleSettings: [], commands: [], timers: [], quotes: [], counters: [] });
  if (kind === 'command') return canonicalJson(normalizeContent({ ...empty, commands: [row as PortableByKind['command']] }).commands[0]);
  if (kind === 'timer') return canonicalJson(normalizeContent({ ...empty, timers: [row as PortableByKind['timer']] }).timers[0]);
  return canonicalJson(row);
}

function changedFields(before: object, after: object): string {
  const names = Object.keys(after).filter((name) => canonicalJson((before as Record<string, unknown>)[name]) !== canonicalJson((after as Record<string, unknown>)[name]));
  return `changes ${names.join(', ')}`;
}

export function planImport(source: SourceName, candidates: readonly AnyCandidate[], snapshot: CommunitySnapshot): ImportPlan {
  const existing = existingByKind(snapshot.content);
  const ordered = [...candidates].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  const claimed = new Set<string>();
  // Every name and alias a command answers to, and the command it belongs to.
  const answersTo = new Map<string, string>();
  for (const command of snapshot.content.commands) for (const word of [command.name, ...command.aliases]) answersTo.set(word, command.name);
  const channels = new Set(snapshot.content.channels.map((channel) => `${channel.platform}:${channel.platformChannelId}`));
  const modules = new Set(snapshot.content.webhookModules.map((module) => module.name));

  const items: PlanItem[] = [];
  for (const candidate of ordered) {
    const base = { kind: candidate.kind, key: candidate.key, ref: candidate.ref, inert: candidate.inert, notes: [...candidate.notes], original: candidate.original, before: null };
    const skip = (reason: string): void => void items.push({ ...base, action: 'skip', reason, fields: candidate.fields, inert: [] });
    if (!candidate.fields) {
      skip(candidate.reason ?? 'not importable');
      continue;
    }
    const id = `${candidate.kind}:${candidate.key}`;
    if (claimed.has(id)) {
      skip(`another item of this import already is the ${LABEL[candidate.kind]} "${candidate.key.slice(0, 64)}"`);
      continue;
    }
    claimed.add(id);
    let fields = candidate.fields;

    if (candidate.kind === 'channel' && snapshot.foreignChannels.has(candidate.key)) {
      skip('this channel belongs to another community of this Parley');
      continue;
    }
    if (candidate.kind === 'command' || candidate.kind === 'timer') {
      const refs = (fields as { channels: ChannelRef[] | null }).channels ?? [];
      const missing = refs.find((ref) => !channels.has(`${ref.platform}:${ref.platformChannelId}`));
      if (missing) {
        skip(`its channel ${missing.platform}:${missing.platformChannelId} is not in this community`);
        continue;
      }
    }
    if (candidate.kind === 'command') {
      const command = fields as PortableByKind['command'];
      if (command.module && !modules.has(command.module)) {
        skip(`its webhook module "${command.module}" is not in this community`);
        continue;
      }
      const owner = answersTo.get(command.name);
      if (owner && owner !== command.name) {
        skip(`"${command.name}" already is an alias of the command ${owner}`);
        continue;
      }
      const aliases = command.aliases.filter((alias) => {
        const other = answersTo.get(alias);
        if (other && other !== command.name) base.notes.push(`alias "${alias}" dropped: it already names the command ${other}`);
        return !other || other === command.name;
      });
      fields = { ...command, aliases };
    }

    const current = existing.get(candidate.kind)!.get(candidate.key) ?? null;
    let action: PlanAction;
    let reason: string | null = null;
    if (!current) action = 'create';
    else if (comparable(candidate.kind, current) === comparable(candidate.kind, fields)) action = 'unchanged';
    else {
      const imported = snapshot.provenance.get(id);
      if (candidate.kind !== 'settings' && imported?.source !== source) {
        skip(`a ${LABEL[candidate.kind]} "${candidate.key.slice(0, 64)}" already exists and was not imported from ${source}; it is left as it is`);
        continue;
      }
      // Only the source changed it: an edit made in Parley since the last import wins.
      if (candidate.kind !== 'settings' && comparable(candidate.kind, current) !== comparable(candidate.kind, imported!.written as PortableByKind[ItemKind])) {
        skip(`the ${LABEL[candidate.kind]} "${candidate.key.slice(0, 64)}" was changed in Parley since ${source} imported it; it is left as it is`);
        continue;
      }
      action = 'update';
      reason = changedFields(current, fields);
    }
    if (candidate.kind === 'command') {
      const command = fields as PortableByKind['command'];
      for (const word of [command.name, ...command.aliases]) answersTo.set(word, command.name);
    }
    if (candidate.kind === 'channel') channels.add(candidate.key);
    if (candidate.kind === 'webhook-module') modules.add(candidate.key);
    items.push({ ...base, action, reason, fields, before: action === 'update' ? current : null, inert: action === 'unchanged' ? [] : base.inert });
  }

  const summary: PlanSummary = { create: 0, update: 0, unchanged: 0, skip: 0, inert: 0 };
  for (const item of items) {
    summary[item.action]++;
    if (item.inert.length) summary.inert++;
  }
  const writes = items.filter((item) => item.action === 'create' || item.action === 'update').map((item) => [item.kind, item.key, item.action, item.fields]);
  return { source, items, summary, fingerprint: createHash('sha256').update(canonicalJson(writes)).digest('hex') };
}
