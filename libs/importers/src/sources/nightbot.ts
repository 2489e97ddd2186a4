import { z } from 'zod';
import { ImportError } from '../errors.js';
import { emptyBundle, type SourceBundle } from '../model.js';
import { nightbotRole } from '../roles.js';
import { translateTemplate } from '../template/translate.js';
import { DefaultSourceHttpOptions, firstIssue, getJson, type SourceHttpOptions } from './http.js';

/** Nightbot's REST API v1 (api-docs.nightbot.tv): commands and timers. */
export const NIGHTBOT_DEFAULT_URL = 'https://api.nightbot.tv';
/** What the import reads: `commands` and `timers` (regulars are not read). */
export const NIGHTBOT_SCOPES = ['commands', 'timers'] as const;

const Command = z.object({
  _id: z.string().max(64),
  name: z.string().min(1).max(200),
  message: z.string().max(2_000).default(''),
  coolDown: z.number().min(0).max(1e6).default(0),
  count: z.number().int().min(0).optional(),
  userLevel: z.string().max(64).default('everyone'),
  // Not in the API docs; seen in the control panel and third-party importers (IMPORTERS.md §1a).
  alias: z.string().max(200).optional(),
});
const Timer = z.object({
  _id: z.string().max(64),
  name: z.string().min(1).max(200),
  message: z.string().max(2_000),
  interval: z.string().max(100),
  lines: z.number().int().min(0).max(1e6).default(0),
  enabled: z.boolean().default(true),
});
const Envelope = <K extends string>(key: K) => z.object({ [key]: z.array(z.unknown()) } as Record<K, z.ZodArray<z.ZodUnknown>>);

/** A cron firing every N minutes (step N in the minute field) → N; at a fixed minute of every hour (or of every Nth hour) → 60 (× N); any other cron has no fixed interval: null. */
export function cronEveryMinutes(cron: string): number | null {
  const fields = cron.trim().split(/\s+/u);
  if (fields.length !== 5 || fields.slice(2).some((field) => field !== '*')) return null;
  const [minute, hour] = fields as [string, string];
  const step = /^\*\/(\d{1,2})$/u.exec(minute);
  if (step && hour === '*' && 60 % Number(step[1]) === 0) return Number(step[1]);
  if (/^\d{1,2}$/u.test(minute) && Number(minute) < 60) {
    if (hour === '*') return 60;
    const hours = /^\*\/(\d{1,2})$/u.exec(hour);
    if (hours && 24 % Number(hours[1]) === 0) return 60 * Number(hours[1]);
  }
  return null;
}

/** Reads the bodies of `GET /1/commands` and `GET /1/timers` into the intermediate model. */
export function nightbotBundle(commandsBody: unknown, timersBody: unknown): SourceBundle {
  const bundle = emptyBundle('nightbot');
  const commands = Envelope('commands').safeParse(commandsBody);
  if (!commands.success) throw new ImportError('malformed', `Nightbot commands: ${firstIssue(commands.error.issues)}`);
  const timers = Envelope('timers').safeParse(timersBody);
  if (!timers.success) throw new ImportError('malformed', `Nightbot timers: ${firstIssue(timers.error.issues)}`);

  commands.data.commands.forEach((raw, index) => {
    const parsed = Command.safeParse(raw);
    if (!parsed.success) {
      bundle.unreadable.push({ kind: 'command', ref: `commands[${index}]`, reason: firstIssue(parsed.error.issues) });
      return;
    }
    const record = parsed.data;
    const role = nightbotRole(record.userLevel);
    bundle.commands.push({
      sourceId: record._id,
      trigger: record.name,
      triggerHasPrefix: true,
      otherTriggers: [],
      aliases: [],
      invokes: record.alias ? { target: record.alias, input: record.message } : null,
      template: translateTemplate('nightbot', record.message),
      minRole: role.role,
      roleNote: role.note,
      requirements: [],
      cooldownGlobalSeconds: record.coolDown,
      cooldownUserSeconds: 0,
      enabled: true,
      whenLive: true,
      whenOffline: true,
      hidden: false,
      replyMode: 'say',
      platforms: null,
      costPoints: 0,
      uses: record.count ?? null,
      notes: [],
    });
  });

  timers.data.timers.forEach((raw, index) => {
    const parsed = Timer.safeParse(raw);
    if (!parsed.success) {
      bundle.unreadable.push({ kind: 'timer', ref: `timers[${index}]`, reason: firstIssue(parsed.error.issues) });
      return;
    }
    const record = parsed.data;
    const every = cronEveryMinutes(record.interval);
    bundle.timers.push({
      sourceId: record._id,
      name: record.name,
      messages: [translateTemplate('nightbot', record.message)],
      rotation: 'single',
      schedule: every === null ? { cron: record.interval } : { everyMinutes: every },
      minLines: record.lines,
      linesWindowMinutes: 5,
      enabled: record.enabled,
      whenLive: true,
      whenOffline: true,
      conditions: { games: [], titleKeywords: [] },
      notes: [],
    });
  });
  return bundle;
}

export interface NightbotSourceOptions extends Partial<SourceHttpOptions> {
  /** An OAuth access token with the `commands` and `timers` scopes; used for these reads only. */
  token: string;
  /** Default `https://api.nightbot.tv`; tests point it at the fake. */
  baseUrl?: string;
}

/** Reads a channel's commands and timers from Nightbot's API. */
export async function readNightbot(options: NightbotSourceOptions): Promise<SourceBundle> {
  const base = (options.baseUrl ?? NIGHTBOT_DEFAULT_URL).replace(/\/$/u, '');
  const http = { ...DefaultSourceHttpOptions, ...options };
  const authorization = `Bearer ${options.token}`;
  const commands = await getJson(`${base}/1/commands`, authorization, http, 'Nightbot commands');
  const timers = await getJson(`${base}/1/timers`, authorization, http, 'Nightbot timers');
  return nightbotBundle(commands, timers);
}

export interface NightbotOAuthApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  baseUrl?: string;
}

/** Where to send the user to authorise the import (authorization-code flow). */
export function nightbotAuthorizeUrl(app: Omit<NightbotOAuthApp, 'clientSecret'>, state: string): string {
  const url = new URL('/oauth2/authorize', app.baseUrl ?? NIGHTBOT_DEFAULT_URL);
  url.search = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: app.redirectUri, scope: NIGHTBOT_SCOPES.join(' '), state }).toString();
  return url.toString();
}

const TokenResponse = z.object({ access_token: z.string().min(1), token_type: z.string().optional(), expires_in: z.number().optional(), scope: z.string().optional() });

/** Exchanges the code the user came back with for an access token (held in memory by the caller only). */
export async function exchangeNightbotCode(app: NightbotOAuthApp, code: string, options: Partial<SourceHttpOptions> = {}): Promise<{ accessToken: string; scopes: string[] }> {
  const http = { ...DefaultSourceHttpOptions, ...options };
  let response: Response;
  try {
    response = await fetch(new URL('/oauth2/token', app.baseUrl ?? NIGHTBOT_DEFAULT_URL), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'authorization_code', redirect_uri: app.redirectUri, code }),
      redirect: 'error',
      signal: AbortSignal.timeout(http.timeoutMs),
    });
  } catch (error) {
    throw new ImportError('source-unavailable', `Nightbot OAuth: could not be reached (${(error as Error).name})`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ImportError('source-auth', `Nightbot OAuth: the code was refused (HTTP ${response.status})`);
  }
  const parsed = TokenResponse.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new ImportError('malformed', 'Nightbot OAuth: the token response is not the expected JSON');
  return { accessToken: parsed.data.access_token, scopes: parsed.data.scope?.split(/\s+/u).filter(Boolean) ?? [] };
}
