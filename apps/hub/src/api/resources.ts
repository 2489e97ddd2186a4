import { InvalidPatternError, InvalidRecurrenceError, MODULE_SETTINGS, Recurrence, compilePattern } from '@parley/chat-modules';
import { ChannelAuthorizationRepository, CommandRepository, hubTable as table, type HubCommand, type HubWebhookModule, type Queryable } from '@parley/db';
import { HttpProblem, type RouteRegistry } from '@parley/http-api';
import { UnsafeUrlError, type WebhookUrlGuard } from '@parley/ssrf-guard';
import { actorOf, type Access, type RequestContext } from './access.js';
import type { ChangeWriter } from './change-writer.js';
import type { CommunityReadCache } from './read-cache.js';
import { addScopedResource } from './scoped-resource.js';
import * as S from './schemas.js';

export interface ResourceDeps {
  writer: ChangeWriter;
  db: Queryable;
  /** Answers of resources marked `cachedReads` (commands). */
  reads?: CommunityReadCache;
  urlGuard: WebhookUrlGuard;
}

type Fields = Record<string, unknown>;

/** 422 unless every id names one of the community's own channels (never another community's). */
async function assertOwnChannels(tx: Queryable, communityId: string, ids: unknown): Promise<void> {
  if (!Array.isArray(ids)) return;
  const channels = table(tx, 'channels');
  for (const id of ids as string[]) {
    if (!(await channels.find(communityId, id))) throw new HttpProblem(422, `channelIds: there is no channel ${id} in this community.`);
  }
}

/**
 * A name or alias must find one command: the engine answers with the first match, so a
 * clash would silently shadow a command.
 */
async function assertNoClash(tx: Queryable, communityId: string, fields: Fields, existing: HubCommand | null): Promise<void> {
  const self = existing?.name ?? (fields.name as string);
  const aliases = (fields.aliases as string[] | undefined) ?? existing?.aliases ?? [];
  const mine = new Set([self, ...aliases]);
  if (aliases.includes(self)) throw new HttpProblem(422, `aliases: "${self}" is the command's own name.`);
  for (const other of await new CommandRepository(tx).listForCommunity(communityId)) {
    if (other.name === self) continue;
    const clash = [other.name, ...other.aliases].find((name) => mine.has(name));
    if (clash) throw new HttpProblem(409, `"${clash}" already names the command ${other.name}.`);
  }
}

async function prepareCommand(tx: Queryable, communityId: string, fields: Fields, existing: HubCommand | null): Promise<Fields> {
  await assertOwnChannels(tx, communityId, fields.channelIds);
  if (typeof fields.moduleId === 'string' && !(await table(tx, 'webhookModules').find(communityId, fields.moduleId))) {
    throw new HttpProblem(422, `moduleId: there is no webhook module ${fields.moduleId} in this community.`);
  }
  await assertNoClash(tx, communityId, fields, existing);
  return fields;
}

/** 422 unless a built-in module's settings are valid for it (the router would otherwise ignore them). */
function assertModuleSettings(module: string, settings: unknown): void {
  if (settings === undefined || !Object.hasOwn(MODULE_SETTINGS, module)) return;
  const parsed = MODULE_SETTINGS[module as keyof typeof MODULE_SETTINGS].safeParse(settings);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ location: 'body', field: ['settings', ...issue.path].join('.'), message: issue.message }));
    throw new HttpProblem(422, `settings: not valid for the ${module} module (${errors[0]!.field}: ${errors[0]!.message}).`, { extensions: { errors } });
  }
  for (const pattern of 'patterns' in parsed.data ? parsed.data.patterns.patterns : []) {
    try {
      compilePattern(pattern);
    } catch (error) {
      if (error instanceof InvalidPatternError) throw new HttpProblem(422, `settings.patterns: ${error.message} (RE2 syntax: no backreferences or lookaround).`);
      throw error;
    }
  }
}

/** Adds every community-owned resource served as plain CRUD, and the aliases of commands. */
export function addResources(registry: RouteRegistry<Access, RequestContext>, deps: ResourceDeps): void {
  const { db } = deps;
  const common = { writer: deps.writer, db, reads: deps.reads };

  addScopedResource(registry, {
    segment: 'channels',
    resource: 'channel',
    table: table(db, 'channels'),
    key: { param: 'channelId', schema: S.Channel.shape.id, of: (channel) => channel.id },
    entity: S.Channel,
    create: S.NewChannel,
    patch: S.ChannelPatch,
    affectsRouter: true,
    // Written by the ingest, not the hub: one query per page.
    present: async (tx, _communityId, channels) => {
      const known = await new ChannelAuthorizationRepository(tx).forChannels(channels.map((channel) => channel.id));
      return channels.map((channel) => ({ ...channel, authorization: known.get(channel.id) ?? null }));
    },
  }, common);

  addScopedResource(registry, {
    segment: 'commands',
    resource: 'command',
    table: table(db, 'commands'),
    key: { param: 'name', schema: S.CommandName, of: (command) => command.name },
    entity: S.Command,
    create: S.NewCommand,
    patch: S.CommandPatch,
    affectsRouter: true,
    cachedReads: true,
    prepare: prepareCommand,
  }, common);

  addScopedResource<HubWebhookModule>(registry, {
    segment: 'webhook-modules',
    resource: 'webhook-module',
    table: table(db, 'webhookModules'),
    key: { param: 'moduleId', schema: S.WebhookModule.shape.id, of: (module) => module.id },
    entity: S.WebhookModule,
    create: S.NewWebhookModule,
    patch: S.WebhookModulePatch,
    affectsRouter: true,
    writeOnly: ['secret'],
    prepare: async (_tx, _communityId, fields) => {
      if (typeof fields.url === 'string') {
        try {
          await deps.urlGuard.check(fields.url);
        } catch (error) {
          if (error instanceof UnsafeUrlError) {
            throw new HttpProblem(422, `url ${error.message}.`, { extensions: { errors: [{ location: 'body', field: 'url', message: error.message }] } });
          }
          throw error;
        }
      }
      return fields;
    },
    afterWrite: async (tx, communityId, module, fields) => {
      if (!Array.isArray(fields.commands)) return;
      const names = fields.commands as string[];
      const found = await new CommandRepository(tx).assignModule(communityId, module.id, names);
      const missing = names.filter((name) => !found.includes(name));
      if (missing.length) throw new HttpProblem(422, `commands: there is no command ${missing.join(', ')} in this community.`);
    },
    present: async (tx, communityId, modules) => {
      const served = await new CommandRepository(tx).namesByModule(communityId, modules.map((module) => module.id));
      return modules.map((module) => ({ ...module, commands: served.get(module.id) ?? [] }));
    },
  }, common);

  addScopedResource(registry, {
    segment: 'module-settings',
    resource: 'module-setting',
    table: table(db, 'moduleSettings'),
    key: { param: 'module', schema: S.NewModuleSetting.shape.module, of: (setting) => setting.module },
    entity: S.ModuleSetting,
    create: S.NewModuleSetting,
    patch: S.ModuleSettingPatch,
    affectsRouter: true,
    prepare: async (_tx, _communityId, fields, existing) => {
      assertModuleSettings((fields.module as string | undefined) ?? existing!.module, fields.settings);
      return fields;
    },
  }, common);

  addScopedResource(registry, {
    segment: 'quotes',
    resource: 'quote',
    table: table(db, 'quotes'),
    key: { param: 'quoteId', schema: S.Quote.shape.id, of: (quote) => quote.id },
    entity: S.Quote,
    create: S.NewQuote,
    patch: S.QuotePatch,
    affectsRouter: false,
  }, common);

  addScopedResource(registry, {
    segment: 'counters',
    resource: 'counter',
    table: table(db, 'counters'),
    key: { param: 'name', schema: S.NewCounter.shape.name, of: (counter) => counter.name },
    entity: S.Counter,
    create: S.NewCounter,
    patch: S.CounterPatch,
    affectsRouter: false,
  }, common);

  addScopedResource(registry, {
    segment: 'timers',
    resource: 'timer',
    table: table(db, 'timers'),
    key: { param: 'name', schema: S.NewTimer.shape.name, of: (timer) => timer.name },
    entity: S.Timer,
    create: S.NewTimer,
    patch: S.TimerPatch,
    // Routers reload their timer schedule on the notice.
    affectsRouter: true,
    prepare: async (tx, communityId, fields) => {
      await assertOwnChannels(tx, communityId, fields.channelIds);
      return fields;
    },
  }, common);

  addScopedResource(registry, {
    segment: 'reminders',
    resource: 'reminder',
    table: table(db, 'reminders'),
    key: { param: 'name', schema: S.NewReminder.shape.name, of: (reminder) => reminder.name },
    entity: S.Reminder,
    create: S.NewReminder,
    patch: S.ReminderPatch,
    // Routers reload their reminder schedule on the notice.
    affectsRouter: true,
    prepare: async (tx, communityId, fields) => {
      await assertOwnChannels(tx, communityId, fields.channelIds);
      assertSchedule(fields.schedule);
      return fields;
    },
  }, common);
}

/** 422 unless the schedule is one the routers can follow (the same parser). */
function assertSchedule(schedule: unknown): void {
  if (typeof schedule !== 'string') return;
  try {
    Recurrence.parse(schedule);
  } catch (error) {
    if (error instanceof InvalidRecurrenceError) throw new HttpProblem(422, `schedule: ${error.reason}.`);
    throw error;
  }
}

/**
 * A command's aliases as their own resource: `PUT …/aliases/{alias}` adds one and
 * `DELETE` removes one, so two editors adding different aliases never overwrite each other.
 */
export function addAliasRoutes(registry: RouteRegistry<Access, RequestContext>, deps: ResourceDeps): void {
  const Params = S.CommunityIdParams.extend({ name: S.CommandName });
  const AliasParams = Params.extend({ alias: S.CommandName });
  const commands = table(deps.db, 'commands');
  const notFound = (name: string) => new HttpProblem(404, `There is no command ${name} in this community.`);
  const change = async (context: RequestContext, communityId: string, name: string, edit: (aliases: string[]) => string[]) => {
    const updated = await deps.writer.apply(
      { actor: actorOf(context), communityId, resource: 'command', action: 'update', affectsRouter: true },
      async (tx) => {
        const scoped = commands.on(tx);
        const existing = await scoped.find(communityId, name, { lock: true });
        if (!existing) return null;
        const aliases = edit(existing.aliases);
        await assertNoClash(tx, communityId, { aliases }, existing);
        const after = (await scoped.update(communityId, name, { aliases }))!;
        return { resourceId: after.id, before: existing, after, result: after };
      },
    );
    if (!updated) throw notFound(name);
    return { status: 200, body: { command: updated.name, aliases: updated.aliases } };
  };

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/commands/{name}/aliases',
    operationId: 'list-aliases',
    summary: "List a command's aliases",
    tags: ['commands'],
    access: 'read',
    params: Params,
    responses: { 200: { description: 'The aliases', schema: S.Aliases } },
    handler: async ({ params }) => {
      const command = await commands.find(params.communityId, params.name);
      if (!command) throw notFound(params.name);
      return { status: 200, body: { command: command.name, aliases: command.aliases } };
    },
  });
  registry.add({
    method: 'PUT',
    path: '/v1/communities/{communityId}/commands/{name}/aliases/{alias}',
    operationId: 'add-alias',
    summary: 'Add an alias to a command (no change if it has it)',
    tags: ['commands'],
    access: 'write',
    params: AliasParams,
    responses: { 200: { description: 'The aliases after the change', schema: S.Aliases } },
    handler: ({ params, context }) =>
      change(context, params.communityId, params.name, (aliases) => {
        if (aliases.includes(params.alias)) return aliases;
        if (aliases.length >= 20) throw new HttpProblem(422, 'A command has at most 20 aliases.');
        return [...aliases, params.alias];
      }),
  });
  registry.add({
    method: 'DELETE',
    path: '/v1/communities/{communityId}/commands/{name}/aliases/{alias}',
    operationId: 'remove-alias',
    summary: 'Remove an alias from a command',
    tags: ['commands'],
    access: 'write',
    params: AliasParams,
    responses: { 200: { description: 'The aliases after the change', schema: S.Aliases } },
    handler: ({ params, context }) =>
      change(context, params.communityId, params.name, (aliases) => {
        if (!aliases.includes(params.alias)) throw new HttpProblem(404, `The command ${params.name} has no alias ${params.alias}.`);
        return aliases.filter((alias) => alias !== params.alias);
      }),
  });
}
