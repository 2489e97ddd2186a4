import { randomUUID } from 'node:crypto';
import type { SpamFilters } from '@parley/chat-modules';
import { CommandEngine, type ChannelConfig, type CommunityStats } from '@parley/commands';
import type { ChatEvent } from '@parley/contracts';
import type { Authenticator } from '@parley/api-auth';
import { ChatModuleRepository, CommandRepository, hubTable, type CommunityAdminRepository, type Queryable } from '@parley/db';
import { HttpProblem, type RouteRegistry } from '@parley/http-api';
import { z } from 'zod';
import { communityNotFound, type Access, type RequestContext } from './access.js';
import { TailRefusedError, type LiveTails, type TailOwner, type TailSlot } from './live-tail.js';
import { CommunityIdParams, Platform, Role } from './schemas.js';

export interface LiveRoutesDeps {
  db: Queryable;
  stats: CommunityStats;
  tails: LiveTails;
  authenticator: Pick<Authenticator, 'isCurrent'>;
  communities: Pick<CommunityAdminRepository, 'find'>;
  /** Only its stateless preview is used: the dry run records no strike. */
  filters: SpamFilters;
}

const SHARE = { key: 'this API key', community: 'this community' } as const;

/** A tail slot for `owner`, or the 429 naming whose share is used up. */
function reserveTail(tails: LiveTails, owner: TailOwner, stillAllowed: () => Promise<boolean>): TailSlot {
  try {
    return tails.reserve(owner, stillAllowed);
  } catch (error) {
    if (!(error instanceof TailRefusedError)) throw error;
    const detail =
      error.share === 'server'
        ? `Every live-tail slot of this server is taken (${error.limit}); retry later.`
        : `Live tails of ${SHARE[error.share]} are at their limit on this server (${error.limit}); close one or retry later.`;
    throw new HttpProblem(429, detail, { headers: { 'retry-after': '10' } });
  }
}

const DryRunRequest = z.strictObject({
  text: z.string().min(1).max(500).describe('The chat line, e.g. "!so @friend"'),
  role: Role.default('everyone').describe("The viewer's highest role"),
  platform: Platform.default('twitch'),
  channelId: z.uuid().optional().describe("One of the community's channels (for per-channel commands); default none"),
  user: z.string().min(1).max(64).default('viewer').describe("The viewer's display name"),
});
const DryRunResult = z.object({
  outcome: z
    .string()
    .describe('answered, not-a-command, unknown-command, denied, disabled, module (a webhook module would answer), manage (would change commands), filtered (a spam filter acts instead)'),
  command: z.string().nullable(),
  answers: z.array(z.string()),
  module: z.string().nullable().describe('The webhook module that would be called'),
  filter: z
    .object({
      name: z.string().describe('The spam filter the line breaks'),
      reason: z.string(),
      firstStrike: z.string().describe("The ladder's first rung: delete, warn, timeout, ban"),
      mode: z.enum(['enforced', 'dry-run', 'unsupported']).describe('dry-run: the filter only counts; unsupported: the platform cannot act yet, so it only counts'),
    })
    .nullable()
    .describe('The spam filter the line breaks (permits and repeats, which need history, are not judged), or null'),
});
const Stats = z.object({
  commandsRun: z.number().int(),
  answers: z.number().int(),
  errors: z.number().int(),
  lastSeen: z.record(z.string(), z.iso.datetime()).describe('Channel id → when the router last saw an event from it'),
});

const MANAGE = new Set(['addcom', 'editcom', 'delcom']);

/** Stats, the dry run and the live tail: what the bot does, rather than how it is configured. */
export function addLiveRoutes(registry: RouteRegistry<Access, RequestContext>, deps: LiveRoutesDeps): void {
  const commands = new CommandRepository(deps.db);
  const moduleRows = new ChatModuleRepository(deps.db);
  const channels = hubTable(deps.db, 'channels');
  // No ledger, modules, admin or budget: a dry run charges, calls and changes nothing.
  const engine = new CommandEngine();

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/stats',
    operationId: 'get-stats',
    summary: 'Commands run, answers and errors, and when each channel was last seen',
    tags: ['stats'],
    access: 'read',
    params: CommunityIdParams,
    responses: { 200: { description: "The community's numbers since they were first counted", schema: Stats } },
    handler: async ({ params }) => ({ status: 200, body: await deps.stats.read(params.communityId) }),
  });

  registry.add({
    method: 'POST',
    path: '/v1/communities/{communityId}/dry-run',
    operationId: 'dry-run',
    summary: 'What the bot would answer to a chat line, without side effects',
    tags: ['dry-run'],
    access: 'read',
    params: CommunityIdParams,
    body: DryRunRequest,
    responses: { 200: { description: 'The decision', schema: DryRunResult } },
    handler: async ({ params, body }) => {
      const loaded = await commands.loadCommunityConfig(params.communityId);
      if (!loaded) throw communityNotFound(params.communityId);
      const channel = body.channelId ? await channels.find(params.communityId, body.channelId) : null;
      if (body.channelId && !channel) throw new HttpProblem(422, `channelId: there is no channel ${body.channelId} in this community.`);
      const config: ChannelConfig = {
        communityId: params.communityId,
        channelId: channel?.id ?? 'dry-run',
        commandPrefix: loaded.community.commandPrefix,
        cooldownNotice: loaded.community.cooldownNotice,
        commands: loaded.commands,
        modules: loaded.modules,
        moduleSettings: await moduleRows.moduleSettings(params.communityId),
      };
      const now = new Date().toISOString();
      const event: ChatEvent = {
        v: 1,
        id: `${body.platform}:dry-run-${randomUUID()}`,
        platform: body.platform,
        channel: { id: channel?.platformChannelId ?? 'dry-run', name: channel?.name ?? 'dry-run' },
        author: { id: 'dry-run', name: body.user, displayName: body.user, roles: [body.role], isBot: false },
        text: body.text,
        kind: 'message',
        sentAt: now,
        receivedAt: now,
      };
      const hit = await deps.filters.preview(event, config);
      const filter = hit && {
        name: hit.filter,
        reason: hit.reason,
        firstStrike: hit.step.action,
        mode: hit.dryRun === false ? ('enforced' as const) : hit.dryRun === 'settings' ? ('dry-run' as const) : ('unsupported' as const),
      };
      if (filter?.mode === 'enforced') return { status: 200, body: { outcome: 'filtered', command: null, answers: [], module: null, filter } };
      const plan = engine.plan(event, config);
      if (plan.outcome === 'run' && typeof plan.command !== 'string' && plan.command.moduleId) {
        const module = loaded.modules.find((candidate) => candidate.id === (plan.command as { moduleId: string }).moduleId);
        return { status: 200, body: { outcome: 'module', command: plan.command.name, answers: [], module: module?.name ?? null, filter } };
      }
      if (plan.outcome === 'run' && typeof plan.command === 'string' && MANAGE.has(plan.command)) {
        return { status: 200, body: { outcome: 'manage', command: plan.command, answers: [], module: null, filter } };
      }
      const decision = await engine.decide(event, config);
      return {
        status: 200,
        body: { outcome: decision.outcome, command: decision.command ?? null, answers: decision.actions.map((action) => action.text), module: null, filter },
      };
    },
  });

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/tail',
    operationId: 'tail',
    summary: "Live chat events and bot actions of the community's channels (Server-Sent Events)",
    tags: ['tail'],
    access: 'read',
    params: CommunityIdParams,
    responses: {
      200: {
        description: 'An event stream: `event: chat` with a ChatEvent, `event: action` with a ChatAction, as JSON in `data`',
        contentType: 'text/event-stream',
        schema: z.string(),
      },
      429: {
        description:
          'Every tail slot this key, this community or this server may hold is taken (HUB_MAX_TAILS_PER_KEY, HUB_MAX_TAILS_PER_COMMUNITY, HUB_MAX_TAILS); the detail says which. A tail ends when its key is revoked or its community deleted.',
      },
    },
    handler: async ({ params, request, reply, context }) => {
      const principal = context.principal!;
      const { communityId } = params;
      const owner = { actor: principal.actor, keyId: principal.kind === 'community' ? principal.keyId : null, communityId };
      const slot = reserveTail(deps.tails, owner, async () => (await deps.authenticator.isCurrent(principal)) && (await deps.communities.find(communityId)) !== null);
      const listChannels = async () => {
        const owned = new Set<string>();
        let after;
        do {
          const page = await channels.list(params.communityId, { limit: 200, after });
          for (const channel of page.items) owned.add(`${channel.platform}:${channel.platformChannelId}`);
          after = page.next ?? undefined;
        } while (after);
        return owned;
      };
      let initial: Set<string>;
      try {
        initial = await listChannels();
      } catch (error) {
        slot.stop();
        throw error;
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Tells nginx-style proxies not to buffer the stream.
        'x-accel-buffering': 'no',
        // The socket closes with the stream, so a shutdown is not held up by a kept-alive connection.
        connection: 'close',
      });
      raw.write('retry: 3000\n\n');
      const abort = new AbortController();
      request.raw.on('close', () => abort.abort());
      let first = true;
      await deps.tails
        .run(
          slot,
          async () => (first ? ((first = false), initial) : listChannels()),
          {
            send: (event, data) => raw.write(`event: ${event}\ndata: ${data}\n\n`),
            comment: (text) => raw.write(`: ${text}\n\n`),
          },
          abort.signal,
        )
        .finally(() => raw.end());
      return undefined;
    },
  });
}
