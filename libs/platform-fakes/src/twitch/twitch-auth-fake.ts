import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TwitchAuthFakeOptions {
  clientId: string;
  clientSecret: string;
  /** Lifetime of issued access tokens, seconds (Twitch: about 4 hours for user tokens). */
  expiresInSeconds: number;
  host: string;
}

export const DefaultTwitchAuthFakeOptions: TwitchAuthFakeOptions = {
  clientId: 'fake-client-id',
  clientSecret: 'fake-client-secret',
  expiresInSeconds: 14_400,
  host: '127.0.0.1',
};

interface Grant {
  accessToken: string;
  expiresAt: number;
}

/**
 * Twitch's OAuth token endpoint (`POST https://id.twitch.tv/oauth2/token`,
 * `grant_type=refresh_token`, and `client_credentials` for app access tokens) in miniature: form-encoded requests, JSON answers shaped
 * like Twitch's, refresh tokens that rotate, and errors as `{ status, message }`.
 * `refreshCount` tells how many refreshes happened; `isValid(token)` lets the TMI fake
 * accept only live access tokens.
 */
export class TwitchAuthFake {
  readonly options: TwitchAuthFakeOptions;
  private server: Server | undefined;
  private readonly refreshTokens = new Set<string>();
  private readonly grants = new Map<string, Grant>();
  private failuresToServe = 0;
  refreshCount = 0;
  validateCount = 0;
  /** App access tokens issued (client credentials grant). */
  appTokenCount = 0;

  constructor(options: Partial<TwitchAuthFakeOptions> = {}) {
    this.options = { ...DefaultTwitchAuthFakeOptions, ...options };
  }

  /** A refresh token the bot account was given when it authorized the app. */
  issueRefreshToken(): string {
    const token = randomBytes(20).toString('hex');
    this.refreshTokens.add(token);
    return token;
  }

  isValid(accessToken: string): boolean {
    const grant = this.grants.get(accessToken.replace(/^oauth:/, ''));
    return grant !== undefined && grant.expiresAt > Date.now();
  }

  /** The account revoked the token (password change, disconnected app): it stops working at once. */
  revoke(accessToken: string): void {
    this.grants.delete(accessToken.replace(/^oauth:/, ''));
  }

  /** The next `count` token requests get a 503, as when Twitch's auth service has an outage. */
  failNext(count: number): void {
    this.failuresToServe = count;
  }

  /** Listens on an ephemeral port; returns the token URL. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.listen(0, this.options.host);
    await once(this.server, 'listening');
    return `http://${this.options.host}:${(this.server.address() as AddressInfo).port}/oauth2/token`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = undefined;
  }

  /** `GET /oauth2/validate` with `Authorization: OAuth <token>`, as Twitch asks apps to call hourly. */
  private validate(authorization: string | undefined, answer: (status: number, body: object) => void): void {
    this.validateCount++;
    const token = /^OAuth (\S+)$/i.exec(authorization ?? '')?.[1];
    const grant = token ? this.grants.get(token) : undefined;
    if (!grant || grant.expiresAt <= Date.now()) return answer(401, { status: 401, message: 'invalid access token' });
    answer(200, {
      client_id: this.options.clientId,
      login: 'parleybot',
      scopes: ['chat:read', 'chat:edit'],
      user_id: '100000001',
      expires_in: Math.floor((grant.expiresAt - Date.now()) / 1_000),
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const answer = (status: number, body: object): void => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = request.url?.split('?')[0];
    if (request.method === 'GET' && path === '/oauth2/validate') return this.validate(request.headers.authorization, answer);
    if (request.method !== 'POST' || path !== '/oauth2/token') return answer(404, { status: 404, message: 'Not Found' });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    if (this.failuresToServe > 0) {
      this.failuresToServe--;
      return answer(503, { status: 503, message: 'Service Unavailable' });
    }
    const grantType = form.get('grant_type');
    if (grantType !== 'refresh_token' && grantType !== 'client_credentials') return answer(400, { status: 400, message: 'unsupported grant type' });
    if (form.get('client_id') !== this.options.clientId || form.get('client_secret') !== this.options.clientSecret) {
      return answer(403, { status: 403, message: 'invalid client secret' });
    }
    if (grantType === 'client_credentials') {
      // An app access token: no refresh token, no user; asked for again when it expires.
      this.appTokenCount++;
      const accessToken = randomBytes(15).toString('hex');
      this.grants.set(accessToken, { accessToken, expiresAt: Date.now() + this.options.expiresInSeconds * 1_000 });
      return answer(200, { access_token: accessToken, expires_in: this.options.expiresInSeconds, token_type: 'bearer' });
    }
    const refreshToken = form.get('refresh_token') ?? '';
    if (!this.refreshTokens.delete(refreshToken)) return answer(400, { status: 400, message: 'Invalid refresh token' });

    this.refreshCount++;
    const accessToken = randomBytes(15).toString('hex');
    const next = this.issueRefreshToken();
    this.grants.set(accessToken, { accessToken, expiresAt: Date.now() + this.options.expiresInSeconds * 1_000 });
    answer(200, { access_token: accessToken, refresh_token: next, expires_in: this.options.expiresInSeconds, scope: ['chat:read', 'chat:edit'], token_type: 'bearer' });
  }
}
