import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpApiFake, type Answer } from './http-fake.js';

export interface NightbotApiFakeOptions {
  clientId: string;
  clientSecret: string;
  /** Redirect URIs registered for the app (nightbot.tv/account/applications). */
  redirectUris: string[];
  /** Access-token lifetime: 30 days at Nightbot. */
  expiresInSeconds: number;
  host: string;
}

export const DefaultNightbotApiFakeOptions: NightbotApiFakeOptions = {
  clientId: 'nightbot-fake-client',
  clientSecret: 'nightbot-fake-secret',
  redirectUris: ['http://127.0.0.1/callback'],
  expiresInSeconds: 30 * 24 * 3600,
  host: '127.0.0.1',
};

interface Grant {
  scopes: string[];
  expiresAt: number;
}

/**
 * Nightbot's API v1 and OAuth2 (api-docs.nightbot.tv) in miniature: the authorization-code
 * flow (the authorize step consents at once, as if the user clicked "Allow"), Bearer
 * tokens with scopes, and `GET /1/commands` / `GET /1/timers` in their `{ _total, status,
 * … }` envelopes. Errors are `{ status, message }` as Nightbot's are. Records are served as
 * given, so tests can hand it fixtures of the real shapes, including odd ones.
 */
export class NightbotApiFake extends HttpApiFake {
  readonly options: NightbotApiFakeOptions;
  private commands: unknown[] = [];
  private timers: unknown[] = [];
  private readonly codes = new Map<string, { scopes: string[]; redirectUri: string }>();
  private readonly grants = new Map<string, Grant>();

  constructor(options: Partial<NightbotApiFakeOptions> = {}) {
    const merged = { ...DefaultNightbotApiFakeOptions, ...options };
    super(merged.host);
    this.options = merged;
  }

  setCommands(commands: unknown[]): void {
    this.commands = commands;
  }

  setTimers(timers: unknown[]): void {
    this.timers = timers;
  }

  /** A token as if the user had authorised these scopes. */
  issueToken(scopes: string[]): string {
    const token = randomBytes(20).toString('hex');
    this.grants.set(token, { scopes, expiresAt: Date.now() + this.options.expiresInSeconds * 1_000 });
    return token;
  }

  revoke(token: string): void {
    this.grants.delete(token);
  }

  protected handle(request: IncomingMessage, url: URL, body: string, answer: Answer): void {
    const route = `${request.method} ${url.pathname}`;
    if (route === 'GET /oauth2/authorize') return this.authorize(url, answer);
    if (route === 'POST /oauth2/token') return this.token(new URLSearchParams(body), answer);
    if (route === 'GET /1/commands') return this.list(request, url, 'commands', answer);
    if (route === 'GET /1/timers') return this.list(request, url, 'timers', answer);
    answer(404, { status: 404, message: 'Not Found' });
  }

  private authorize(url: URL, answer: Answer): void {
    const params = url.searchParams;
    const redirectUri = params.get('redirect_uri') ?? '';
    if (params.get('client_id') !== this.options.clientId) return answer(400, { status: 400, message: 'invalid client_id' });
    if (!this.options.redirectUris.includes(redirectUri)) return answer(400, { status: 400, message: 'redirect_uri mismatch' });
    if (params.get('response_type') !== 'code') return answer(400, { status: 400, message: 'unsupported response_type' });
    const code = randomBytes(12).toString('hex');
    this.codes.set(code, { scopes: (params.get('scope') ?? '').split(/\s+/u).filter(Boolean), redirectUri });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (params.has('state')) target.searchParams.set('state', params.get('state')!);
    answer(302, '', { location: target.toString() });
  }

  private token(form: URLSearchParams, answer: Answer): void {
    if (form.get('client_id') !== this.options.clientId || form.get('client_secret') !== this.options.clientSecret) {
      return answer(401, { status: 401, message: 'invalid client credentials' });
    }
    if (form.get('grant_type') !== 'authorization_code') return answer(400, { status: 400, message: 'unsupported grant_type' });
    const code = this.codes.get(form.get('code') ?? '');
    if (!code || code.redirectUri !== form.get('redirect_uri')) return answer(400, { status: 400, message: 'invalid code' });
    this.codes.delete(form.get('code')!);
    const accessToken = this.issueToken(code.scopes);
    answer(200, {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: this.options.expiresInSeconds,
      refresh_token: randomBytes(20).toString('hex'),
      scope: code.scopes.join(' '),
    });
  }

  private list(request: IncomingMessage, url: URL, scope: 'commands' | 'timers', answer: Answer): void {
    const token = /^Bearer (\S+)$/iu.exec(request.headers.authorization ?? '')?.[1] ?? url.searchParams.get('access_token');
    const grant = token ? this.grants.get(token) : undefined;
    if (!grant || grant.expiresAt <= Date.now()) return answer(401, { status: 401, message: 'Authentication required' });
    if (!grant.scopes.includes(scope)) return answer(403, { status: 403, message: `Insufficient scope: ${scope} required` });
    const records = scope === 'commands' ? this.commands : this.timers;
    answer(200, { _total: records.length, status: 200, [scope]: records });
  }
}
