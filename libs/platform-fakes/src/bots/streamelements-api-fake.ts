import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpApiFake, type Answer } from './http-fake.js';

export interface StreamElementsApiFakeOptions {
  /** Signs the dashboard JWTs this fake issues (HS256). */
  jwtSecret: string;
  /** The SE channel id (24 hex), not the Twitch login. */
  channelId: string;
  host: string;
}

export const DefaultStreamElementsApiFakeOptions: StreamElementsApiFakeOptions = {
  jwtSecret: 'streamelements-fake-jwt-secret',
  channelId: '5b2e2007760aeb7729487dab',
  host: '127.0.0.1',
};

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/**
 * StreamElements' kappa/v2 API in miniature (shapes from the community OpenAPI, see
 * IMPORTERS.md §2): `GET /channels/me`, `/bot/commands/{channel}`, `/bot/timers/{channel}`,
 * `/bot/quotes/{channel}?limit&offset` (`{ quotes, total }`), `/bot/{channel}/counters`.
 * Two ways in, as SE has: the dashboard JWT as `Authorization: Bearer <jwt>` (signature
 * and expiry checked; it opens only its own channel) and an OAuth2 token as
 * `Authorization: oAuth <token>` (needs `bot:read` for the bot endpoints). Errors are
 * `{ statusCode, error, message }`.
 */
export class StreamElementsApiFake extends HttpApiFake {
  readonly options: StreamElementsApiFakeOptions;
  private channel: Record<string, unknown>;
  private commands: unknown[] = [];
  private timers: unknown[] = [];
  private quotes: unknown[] = [];
  private counters: unknown[] = [];
  private readonly oauth = new Map<string, string[]>();

  constructor(options: Partial<StreamElementsApiFakeOptions> = {}) {
    const merged = { ...DefaultStreamElementsApiFakeOptions, ...options };
    super(merged.host);
    this.options = merged;
    this.channel = { _id: merged.channelId, username: 'fakechannel', provider: 'twitch' };
  }

  setChannel(channel: Record<string, unknown>): void {
    this.channel = { ...channel, _id: this.options.channelId };
  }

  setCommands(commands: unknown[]): void {
    this.commands = commands;
  }

  setTimers(timers: unknown[]): void {
    this.timers = timers;
  }

  setQuotes(quotes: unknown[]): void {
    this.quotes = quotes;
  }

  setCounters(counters: unknown[]): void {
    this.counters = counters;
  }

  /** A dashboard JWT for a channel (default the fake's own), valid for `expiresInSeconds` (negative: already expired). */
  issueJwt(options: { channelId?: string; expiresInSeconds?: number } = {}): string {
    const now = Math.floor(Date.now() / 1_000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        citadel: randomBytes(12).toString('hex'),
        channel: options.channelId ?? this.options.channelId,
        role: 'owner',
        provider: 'twitch',
        iss: 'StreamElements',
        iat: now,
        exp: now + (options.expiresInSeconds ?? 3600),
      }),
    );
    return `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
  }

  issueOAuthToken(scopes: string[]): string {
    const token = randomBytes(20).toString('hex');
    this.oauth.set(token, scopes);
    return token;
  }

  protected handle(request: IncomingMessage, url: URL, _body: string, answer: Answer): void {
    if (request.method !== 'GET') return answer(404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    const path = url.pathname.replace(/^\/kappa\/v[23]/u, '');
    const caller = this.authenticate(request.headers.authorization);
    if (!caller) return answer(401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid or expired token' });
    if (path === '/channels/me') return answer(200, this.channel);

    const match = /^\/bot\/(?:(commands|timers|quotes)\/([^/]+)|([^/]+)\/(counters))$/u.exec(path);
    if (!match) return answer(404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    const resource = match[1] ?? match[4]!;
    const channel = decodeURIComponent(match[2] ?? match[3]!);
    if (caller.kind === 'jwt' && caller.channel !== channel) return answer(403, { statusCode: 403, error: 'Forbidden', message: 'Not your channel' });
    if (caller.kind === 'oauth' && !caller.scopes.includes('bot:read')) return answer(403, { statusCode: 403, error: 'Forbidden', message: 'Missing scope bot:read' });
    if (channel !== this.options.channelId) return answer(404, { statusCode: 404, error: 'Not Found', message: 'Channel not found' });
    if (resource === 'quotes') {
      const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 25) || 25, 1), 100);
      const offset = Math.max(Number(url.searchParams.get('offset') ?? 0) || 0, 0);
      return answer(200, { quotes: this.quotes.slice(offset, offset + limit), total: this.quotes.length });
    }
    answer(200, resource === 'commands' ? this.commands : resource === 'timers' ? this.timers : this.counters);
  }

  private authenticate(header: string | undefined): { kind: 'jwt'; channel: string } | { kind: 'oauth'; scopes: string[] } | null {
    const [scheme, token] = (header ?? '').split(/\s+/u, 2);
    if (!scheme || !token) return null;
    if (scheme.toLowerCase() === 'oauth') {
      const scopes = this.oauth.get(token);
      return scopes ? { kind: 'oauth', scopes } : null;
    }
    if (scheme.toLowerCase() !== 'bearer') return null;
    const [header64, payload64, signature] = token.split('.');
    if (!header64 || !payload64 || !signature) return null;
    const expected = Buffer.from(this.sign(`${header64}.${payload64}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const payload = JSON.parse(Buffer.from(payload64, 'base64url').toString('utf8')) as { channel?: string; exp?: number };
      if (typeof payload.exp !== 'number' || payload.exp * 1_000 <= Date.now() || typeof payload.channel !== 'string') return null;
      return { kind: 'jwt', channel: payload.channel };
    } catch {
      return null;
    }
  }

  private sign(content: string): string {
    return createHmac('sha256', this.options.jwtSecret).update(content).digest('base64url');
  }
}
