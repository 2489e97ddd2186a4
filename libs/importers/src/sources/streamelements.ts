import { z } from 'zod';
import { ImportError } from '../errors.js';
import { emptyBundle, type SourceBundle } from '../model.js';
import { streamElementsRole } from '../roles.js';
import { translateTemplate } from '../template/translate.js';
import { DefaultSourceHttpOptions, firstIssue, getJson, type SourceHttpOptions } from './http.js';

/** StreamElements' API (kappa/v2): bot commands, timers, quotes and counters. */
export const STREAMELEMENTS_DEFAULT_URL = 'https://api.streamelements.com/kappa/v2';

const Command = z.object({
  _id: z.string().max(64),
  command: z.string().min(1).max(200),
  reply: z.string().max(2_000).default(''),
  aliases: z.array(z.string().max(200)).max(100).default([]),
  keywords: z.array(z.string().max(200)).max(100).default([]),
  regex: z.string().max(500).nullish(),
  cooldown: z.object({ user: z.number().min(0).max(1e6).default(0), global: z.number().min(0).max(1e6).default(0) }).default({ user: 0, global: 0 }),
  enabled: z.boolean().default(true),
  enabledOnline: z.boolean().default(true),
  enabledOffline: z.boolean().default(true),
  hidden: z.boolean().default(false),
  cost: z.number().min(0).default(0),
  type: z.string().max(32).default('say'),
  accessLevel: z.number().default(100),
});
const Timer = z.object({
  _id: z.string().max(64),
  name: z.string().min(1).max(200),
  enabled: z.boolean().default(true),
  chatLines: z.number().int().min(0).max(1e6).default(0),
  messages: z.array(z.string().max(2_000)).min(1).max(100),
  online: z.object({ enabled: z.boolean(), interval: z.number().min(0).max(1e6) }).optional(),
  offline: z.object({ enabled: z.boolean(), interval: z.number().min(0).max(1e6) }).optional(),
  games: z.array(z.string().max(100)).max(100).default([]),
  titleKeywords: z.array(z.string().max(100)).max(100).default([]),
});
const Quote = z.object({ id: z.number().int().min(0), text: z.string().max(2_000), createdAt: z.string().max(64).optional() });
const Counter = z.object({ id: z.string().min(1).max(200), count: z.number().int() });

const REPLY_MODES = { say: 'say', reply: 'reply', whisper: 'whisper', mention: 'mention' } as const;

export interface StreamElementsBodies {
  commands: unknown;
  timers: unknown;
  /** The `quotes` arrays of every page of `GET /bot/quotes/{channel}`, concatenated. */
  quotes: unknown[];
  counters: unknown;
}

/** Reads the bodies of the four SE endpoints into the intermediate model. */
export function streamElementsBundle(bodies: StreamElementsBodies): SourceBundle {
  const bundle = emptyBundle('streamelements');
  const list = (body: unknown, what: string): unknown[] => {
    if (!Array.isArray(body)) throw new ImportError('malformed', `StreamElements ${what}: expected a JSON array`);
    return body;
  };

  list(bodies.commands, 'commands').forEach((raw, index) => {
    const parsed = Command.safeParse(raw);
    if (!parsed.success) return void bundle.unreadable.push({ kind: 'command', ref: `commands[${index}]`, reason: firstIssue(parsed.error.issues) });
    const record = parsed.data;
    const role = streamElementsRole(record.accessLevel);
    const notes: string[] = [];
    const replyMode = REPLY_MODES[record.type as keyof typeof REPLY_MODES];
    if (!replyMode) notes.push(`response type "${record.type.slice(0, 16)}" unknown; answered in chat`);
    bundle.commands.push({
      sourceId: record._id,
      trigger: record.command,
      triggerHasPrefix: false,
      otherTriggers: [
        ...record.keywords.map((value) => ({ match: 'keyword' as const, value })),
        ...(record.regex ? [{ match: 'regex' as const, value: record.regex }] : []),
      ],
      aliases: record.aliases,
      invokes: null,
      template: translateTemplate('streamelements', record.reply),
      minRole: role.role,
      roleNote: role.note,
      requirements: [],
      cooldownGlobalSeconds: record.cooldown.global,
      cooldownUserSeconds: record.cooldown.user,
      enabled: record.enabled,
      whenLive: record.enabledOnline,
      whenOffline: record.enabledOffline,
      hidden: record.hidden,
      replyMode: replyMode ?? 'say',
      platforms: null,
      costPoints: record.cost,
      uses: null,
      notes,
    });
  });

  list(bodies.timers, 'timers').forEach((raw, index) => {
    const parsed = Timer.safeParse(raw);
    if (!parsed.success) return void bundle.unreadable.push({ kind: 'timer', ref: `timers[${index}]`, reason: firstIssue(parsed.error.issues) });
    const record = parsed.data;
    const online = record.online?.enabled ?? true;
    const offline = record.offline?.enabled ?? false;
    const interval = (online ? record.online?.interval : record.offline?.interval) ?? 5;
    const notes: string[] = [];
    if (online && offline && record.offline && record.offline.interval !== interval) notes.push(`offline interval (${record.offline.interval} min) differs; the online interval is used`);
    bundle.timers.push({
      sourceId: record._id,
      name: record.name,
      messages: record.messages.map((message) => translateTemplate('streamelements', message)),
      rotation: record.messages.length > 1 ? 'sequential' : 'single',
      schedule: { everyMinutes: interval },
      minLines: record.chatLines,
      linesWindowMinutes: null,
      enabled: record.enabled && (online || offline),
      whenLive: online,
      whenOffline: offline,
      conditions: { games: record.games, titleKeywords: record.titleKeywords },
      notes,
    });
  });

  bodies.quotes.forEach((raw, index) => {
    const parsed = Quote.safeParse(raw);
    if (!parsed.success) return void bundle.unreadable.push({ kind: 'quote', ref: `quotes[${index}]`, reason: firstIssue(parsed.error.issues) });
    bundle.quotes.push({ number: parsed.data.id, text: parsed.data.text, author: null, game: null, createdAt: parsed.data.createdAt ?? null });
  });

  list(bodies.counters, 'counters').forEach((raw, index) => {
    const parsed = Counter.safeParse(raw);
    if (!parsed.success) return void bundle.unreadable.push({ kind: 'counter', ref: `counters[${index}]`, reason: firstIssue(parsed.error.issues) });
    bundle.counters.push({ name: parsed.data.id, value: parsed.data.count });
  });
  return bundle;
}

/** A dashboard JWT (`Bearer`) or an OAuth2 token with `bot:read` (`oAuth`), per SE's securitySchemes. */
export type StreamElementsCredential = { kind: 'jwt'; token: string } | { kind: 'oauth'; token: string };

export interface StreamElementsSourceOptions extends Partial<SourceHttpOptions> {
  credential: StreamElementsCredential;
  /** Default the public API; tests point it at the fake. */
  baseUrl?: string;
  /** Quotes per page. */
  pageSize?: number;
}

const Me = z.object({ _id: z.string().regex(/^[0-9a-f]{24}$/iu, 'a 24-hex channel id') });
const QuotesPage = z.object({ quotes: z.array(z.unknown()), total: z.number().int().min(0) });
/** A source claiming more quotes than this is cut off (a report line says so). */
const MAX_QUOTES = 10_000;

/** Reads everything an import needs from StreamElements with the user's JWT or OAuth token. */
export async function readStreamElements(options: StreamElementsSourceOptions): Promise<SourceBundle> {
  const base = (options.baseUrl ?? STREAMELEMENTS_DEFAULT_URL).replace(/\/$/u, '');
  const http = { ...DefaultSourceHttpOptions, ...options };
  const authorization = options.credential.kind === 'jwt' ? `Bearer ${options.credential.token}` : `oAuth ${options.credential.token}`;
  const get = (path: string, what: string) => getJson(`${base}${path}`, authorization, http, `StreamElements ${what}`);

  const me = Me.safeParse(await get('/channels/me', 'channel'));
  if (!me.success) throw new ImportError('malformed', `StreamElements channel: ${firstIssue(me.error.issues)}`);
  const channel = encodeURIComponent(me.data._id);
  const commands = await get(`/bot/commands/${channel}`, 'commands');
  const timers = await get(`/bot/timers/${channel}`, 'timers');
  const counters = await get(`/bot/${channel}/counters`, 'counters');
  const quotes: unknown[] = [];
  const limit = options.pageSize ?? 100;
  for (let offset = 0; offset < MAX_QUOTES; offset += limit) {
    const page = QuotesPage.safeParse(await get(`/bot/quotes/${channel}?limit=${limit}&offset=${offset}`, 'quotes'));
    if (!page.success) throw new ImportError('malformed', `StreamElements quotes: ${firstIssue(page.error.issues)}`);
    quotes.push(...page.data.quotes);
    if (page.data.quotes.length < limit || quotes.length >= page.data.total) break;
  }
  return streamElementsBundle({ commands, timers, quotes, counters });
}
