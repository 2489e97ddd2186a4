import type { Platform } from '@parley/contracts';
import { AuditLogRepository, CommandRepository, translatePgError, withTransaction, type Queryable } from '@parley/db';
import type pg from 'pg';
import { candidatesFromBundle, candidatesFromDocument, newWebhookSecret, type AnyCandidate, type ItemKind, type PortableByKind, type UrlCheck } from './candidates.js';
import { serializeDocument, type ChannelRef, type CommunityContent, type ParleyDocument } from './document.js';
import { ImportError } from './errors.js';
import type { SourceBundle, SourceName } from './model.js';
import { planImport, type CommunitySnapshot, type ImportPlan, type PlanItem } from './plan.js';

/** What to import: a bundle read from another bot, or a Parley export document. */
export type ImportInput = { source: Exclude<SourceName, 'parley'>; bundle: SourceBundle } | { source: 'parley'; document: ParleyDocument; checkUrl: UrlCheck };

async function rows<R extends pg.QueryResultRow>(db: Queryable, text: string, values: unknown[]): Promise<R[]> {
  try {
    return (await db.query<R>(text, values)).rows;
  } catch (error) {
    throw translatePgError(error);
  }
}

interface Ids {
  /** channel uuid → its portable reference, and back. */
  channelRef: Map<string, ChannelRef>;
  channelId: Map<string, string>;
  moduleName: Map<string, string>;
  moduleId: Map<string, string>;
}

/** The community's content in the export document's form, plus the ids the apply needs. */
async function readContent(db: Queryable, communityId: string, options: { lock: boolean }): Promise<{ content: CommunityContent; ids: Ids }> {
  const [community] = await rows<{ command_prefix: string; cooldown_notice: boolean }>(
    db,
    `SELECT command_prefix, cooldown_notice FROM communities WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
    [communityId],
  );
  if (!community) throw new ImportError('no-community', `there is no community ${communityId.slice(0, 64)}`);
  const channels = await rows<{ id: string; platform: Platform; platform_channel_id: string; name: string; enabled: boolean; bot_login: string | null }>(
    db,
    'SELECT id, platform, platform_channel_id, name, enabled, bot_login FROM channels WHERE community_id = $1',
    [communityId],
  );
  const modules = await rows<{ id: string; name: string; url: string; timeout_ms: number }>(db, 'SELECT id, name, url, timeout_ms FROM webhook_modules WHERE community_id = $1', [communityId]);
  const ids: Ids = {
    channelRef: new Map(channels.map((row) => [row.id, { platform: row.platform, platformChannelId: row.platform_channel_id }])),
    channelId: new Map(channels.map((row) => [`${row.platform}:${row.platform_channel_id}`, row.id])),
    moduleName: new Map(modules.map((row) => [row.id, row.name])),
    moduleId: new Map(modules.map((row) => [row.name, row.id])),
  };
  // A channel id that no longer names one of the community's channels cannot be exported; it is dropped.
  const refs = (list: string[] | null): ChannelRef[] | null => {
    if (!list) return null;
    const found = list.flatMap((id) => (ids.channelRef.has(id) ? [ids.channelRef.get(id)!] : []));
    return found.length ? found : null;
  };
  const settings = await rows<{ module: string; settings: Record<string, unknown> }>(db, 'SELECT module, settings FROM module_settings WHERE community_id = $1', [communityId]);
  const commands = await new CommandRepository(db).listForCommunity(communityId);
  const timers = await rows<{ name: string; message: string; interval_seconds: number; min_chat_lines: number; enabled: boolean; channel_ids: string[] | null }>(
    db,
    'SELECT name, message, interval_seconds, min_chat_lines, enabled, channel_ids FROM timers WHERE community_id = $1',
    [communityId],
  );
  const quotes = await rows<{ number: number | null; text: string; attributed_to: string | null }>(db, 'SELECT number, text, attributed_to FROM quotes WHERE community_id = $1', [communityId]);
  const counters = await rows<{ name: string; value: string }>(db, 'SELECT name, value FROM counters WHERE community_id = $1', [communityId]);
  const content: CommunityContent = {
    settings: { commandPrefix: community.command_prefix, cooldownNotice: community.cooldown_notice },
    channels: channels.map((row) => ({ platform: row.platform, platformChannelId: row.platform_channel_id, name: row.name, enabled: row.enabled, botLogin: row.bot_login })),
    webhookModules: modules.map((row) => ({ name: row.name, url: row.url, timeoutMs: row.timeout_ms })),
    moduleSettings: settings.map((row) => ({ module: row.module, settings: row.settings as PortableByKind['module-setting']['settings'] })),
    commands: commands.map((command) => ({
      name: command.name,
      aliases: command.aliases,
      response: command.response,
      minRole: command.minRole,
      globalCooldownSeconds: command.globalCooldownSeconds,
      userCooldownSeconds: command.userCooldownSeconds,
      moderatorsBypassCooldown: command.moderatorsBypassCooldown,
      enabled: command.enabled,
      platforms: command.platforms,
      channels: refs(command.channelIds),
      module: command.moduleId ? (ids.moduleName.get(command.moduleId) ?? null) : null,
    })),
    timers: timers.map((row) => ({
      name: row.name,
      message: row.message,
      intervalSeconds: row.interval_seconds,
      minChatLines: row.min_chat_lines,
      enabled: row.enabled,
      channels: refs(row.channel_ids),
    })),
    quotes: quotes.map((row) => ({ number: row.number, text: row.text, attributedTo: row.attributed_to })),
    // bigint arrives as a string; counters stay within 2^53 (the hub's schema bounds them).
    counters: counters.map((row) => ({ name: row.name, value: Number(row.value) })),
  };
  return { content, ids };
}

async function readSnapshot(db: Queryable, communityId: string, channelKeys: readonly string[], lock: boolean): Promise<{ snapshot: CommunitySnapshot; ids: Ids }> {
  const { content, ids } = await readContent(db, communityId, { lock });
  const provenance = await rows<{ kind: string; key: string; source: SourceName; written: unknown }>(
    db,
    'SELECT kind, key, source, written FROM import_items WHERE community_id = $1',
    [communityId],
  );
  const foreign = channelKeys.length
    ? await rows<{ key: string }>(
        db,
        "SELECT platform || ':' || platform_channel_id AS key FROM channels WHERE community_id <> $1 AND platform || ':' || platform_channel_id = ANY($2::text[])",
        [communityId, channelKeys],
      )
    : [];
  return {
    snapshot: {
      content,
      provenance: new Map(provenance.map((row) => [`${row.kind}:${row.key}`, { source: row.source, written: row.written }])),
      foreignChannels: new Set(foreign.map((row) => row.key)),
    },
    ids,
  };
}

async function candidatesFor(input: ImportInput, prefix: string): Promise<AnyCandidate[]> {
  return input.source === 'parley' ? candidatesFromDocument(input.document, input.checkUrl) : candidatesFromBundle(input.bundle, prefix);
}

function channelKeysOf(input: ImportInput): string[] {
  return input.source === 'parley' ? input.document.channels.map((channel) => `${channel.platform}:${channel.platformChannelId}`) : [];
}

/** The dry run: reads the community, changes nothing. */
export async function planForCommunity(db: Queryable, communityId: string, input: ImportInput): Promise<ImportPlan> {
  const { snapshot } = await readSnapshot(db, communityId, channelKeysOf(input), false);
  return planImport(input.source, await candidatesFor(input, snapshot.content.settings.commandPrefix), snapshot);
}

/** The community's whole configuration as the `parley export` document (its exact bytes). */
export async function exportCommunity(db: Queryable, communityId: string): Promise<string> {
  return serializeDocument((await readContent(db, communityId, { lock: false })).content);
}

export interface ApplyOptions {
  /** Recorded in the audit log (an API key's prefix, `platform-admin`, `cli:<user>`). */
  actor: string;
  /** The dry run's fingerprint: when the plan differs now, nothing is written (`plan-changed`). */
  expectedFingerprint?: string;
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface ApplyResult {
  plan: ImportPlan;
  /** Rows created or updated (= audit entries written). */
  changes: number;
  /** Whether commands, channels, modules or settings changed (routers must reload). */
  affectsRouter: boolean;
}

const ROUTER_KINDS = new Set<ItemKind>(['settings', 'channel', 'webhook-module', 'module-setting', 'command']);
const AUDIT_RESOURCE: Record<ItemKind, string> = {
  settings: 'community',
  channel: 'channel',
  'webhook-module': 'webhook-module',
  'module-setting': 'module-setting',
  command: 'command',
  timer: 'timer',
  counter: 'counter',
  quote: 'quote',
};

/**
 * The apply: in one transaction with the community's row locked, plans again and
 * writes every create and update with one audit entry each and its provenance. A re-run
 * finds everything unchanged and writes nothing.
 */
export async function applyImport(pool: pg.Pool, communityId: string, input: ImportInput, options: ApplyOptions): Promise<ApplyResult> {
  return withTransaction(pool, async (tx) => {
    const { snapshot, ids } = await readSnapshot(tx, communityId, channelKeysOf(input), true);
    const plan = planImport(input.source, await candidatesFor(input, snapshot.content.settings.commandPrefix), snapshot);
    if (options.expectedFingerprint && options.expectedFingerprint !== plan.fingerprint) {
      throw new ImportError('plan-changed', 'the community or the source changed since the dry run; run the dry run again and review it');
    }
    const writes = plan.items.filter((item) => item.action === 'create' || item.action === 'update');
    const audit = new AuditLogRepository(tx);
    let done = 0;
    await options.onProgress?.(done, writes.length);
    for (const item of writes) {
      const resourceId = await writeItem(tx, communityId, item, ids);
      await audit.record({
        communityId,
        actor: options.actor,
        action: item.action === 'create' ? 'create' : 'update',
        resource: AUDIT_RESOURCE[item.kind],
        resourceId,
        before: item.before,
        after: { ...item.fields, importedFrom: input.source, ...(item.inert.length ? { inert: item.inert } : {}) },
      });
      await rows(
        tx,
        `INSERT INTO import_items (community_id, kind, key, source, ref, original, written, inert, notes) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)
         ON CONFLICT (community_id, kind, key) DO UPDATE SET source = EXCLUDED.source, ref = EXCLUDED.ref, original = EXCLUDED.original,
           written = EXCLUDED.written, inert = EXCLUDED.inert, notes = EXCLUDED.notes, imported_at = now()`,
        [communityId, item.kind, item.key, input.source, item.ref, item.original === null ? null : JSON.stringify(item.original), JSON.stringify(item.fields), item.inert, item.notes],
      );
      await options.onProgress?.(++done, writes.length);
    }
    return { plan, changes: writes.length, affectsRouter: writes.some((item) => ROUTER_KINDS.has(item.kind)) };
  });
}

/** Writes one planned row; resolves to its id (for the audit entry). */
async function writeItem(tx: Queryable, communityId: string, item: PlanItem, ids: Ids): Promise<string> {
  const create = item.action === 'create';
  const one = async (text: string, values: unknown[]) => (await rows<{ id: string }>(tx, text, values))[0]!.id;
  const channelIds = (refs: ChannelRef[] | null) => (refs ? refs.map((ref) => ids.channelId.get(`${ref.platform}:${ref.platformChannelId}`)!) : null);
  switch (item.kind) {
    case 'settings': {
      const settings = item.fields as PortableByKind['settings'];
      return one('UPDATE communities SET command_prefix = $2, cooldown_notice = $3 WHERE id = $1 RETURNING id', [communityId, settings.commandPrefix, settings.cooldownNotice]);
    }
    case 'channel': {
      const channel = item.fields as PortableByKind['channel'];
      const id = create
        ? await one('INSERT INTO channels (community_id, platform, platform_channel_id, name, enabled, bot_login) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [
            communityId, channel.platform, channel.platformChannelId, channel.name, channel.enabled, channel.botLogin,
          ])
        : await one('UPDATE channels SET name = $4, enabled = $5, bot_login = $6 WHERE community_id = $1 AND platform = $2 AND platform_channel_id = $3 RETURNING id', [
            communityId, channel.platform, channel.platformChannelId, channel.name, channel.enabled, channel.botLogin,
          ]);
      ids.channelId.set(item.key, id);
      return id;
    }
    case 'webhook-module': {
      const module = item.fields as PortableByKind['webhook-module'];
      const id = create
        ? await one('INSERT INTO webhook_modules (community_id, name, url, secret, timeout_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
            communityId, module.name, module.url, newWebhookSecret(), module.timeoutMs,
          ])
        : await one('UPDATE webhook_modules SET url = $3, timeout_ms = $4 WHERE community_id = $1 AND name = $2 RETURNING id', [communityId, module.name, module.url, module.timeoutMs]);
      ids.moduleId.set(module.name, id);
      return id;
    }
    case 'module-setting': {
      const setting = item.fields as PortableByKind['module-setting'];
      return one(
        `INSERT INTO module_settings (community_id, module, settings) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (community_id, module) DO UPDATE SET settings = EXCLUDED.settings RETURNING id`,
        [communityId, setting.module, JSON.stringify(setting.settings)],
      );
    }
    case 'command': {
      const command = item.fields as PortableByKind['command'];
      const values = [
        communityId, command.name, command.aliases, command.response, command.minRole, command.globalCooldownSeconds, command.userCooldownSeconds,
        command.moderatorsBypassCooldown, command.enabled, command.platforms, channelIds(command.channels), command.module ? ids.moduleId.get(command.module)! : null,
      ];
      return create
        ? one(
            `INSERT INTO commands (community_id, name, aliases, response, min_role, global_cooldown_seconds, user_cooldown_seconds,
                                   moderators_bypass_cooldown, enabled, platforms, channel_ids, module_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
            values,
          )
        : one(
            `UPDATE commands SET aliases = $3, response = $4, min_role = $5, global_cooldown_seconds = $6, user_cooldown_seconds = $7,
                    moderators_bypass_cooldown = $8, enabled = $9, platforms = $10, channel_ids = $11, module_id = $12
              WHERE community_id = $1 AND name = $2 RETURNING id`,
            values,
          );
    }
    case 'timer': {
      const timer = item.fields as PortableByKind['timer'];
      const values = [communityId, timer.name, timer.message, timer.intervalSeconds, timer.minChatLines, timer.enabled, channelIds(timer.channels)];
      return create
        ? one('INSERT INTO timers (community_id, name, message, interval_seconds, min_chat_lines, enabled, channel_ids) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id', values)
        : one('UPDATE timers SET message = $3, interval_seconds = $4, min_chat_lines = $5, enabled = $6, channel_ids = $7 WHERE community_id = $1 AND name = $2 RETURNING id', values);
    }
    case 'counter': {
      const counter = item.fields as PortableByKind['counter'];
      return create
        ? one('INSERT INTO counters (community_id, name, value) VALUES ($1, $2, $3) RETURNING id', [communityId, counter.name, counter.value])
        : one('UPDATE counters SET value = $3 WHERE community_id = $1 AND name = $2 RETURNING id', [communityId, counter.name, counter.value]);
    }
    case 'quote': {
      const quote = item.fields as PortableByKind['quote'];
      if (create) return one('INSERT INTO quotes (community_id, number, text, attributed_to) VALUES ($1, $2, $3, $4) RETURNING id', [communityId, quote.number, quote.text, quote.attributedTo]);
      return quote.number === null
        ? one('UPDATE quotes SET attributed_to = $3 WHERE community_id = $1 AND number IS NULL AND text = $2 RETURNING id', [communityId, quote.text, quote.attributedTo])
        : one('UPDATE quotes SET text = $3, attributed_to = $4 WHERE community_id = $1 AND number = $2 RETURNING id', [communityId, quote.number, quote.text, quote.attributedTo]);
    }
  }
}
