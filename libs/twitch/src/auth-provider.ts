import { SharedTokenProvider, type OptionalSharedTokenOptions, type TokenGrant, type TokenIssuer } from '@parley/ingest';
import type { Redis } from 'ioredis';
import { TwitchTokenError } from './errors.js';

export interface TwitchTokenIssuerOptions {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  /** Twitch asks every app to validate its tokens hourly, and to stop using one that fails. */
  validateUrl: string;
  requestTimeoutMs: number;
}

/** Twitch's side of a shared token: its OAuth token endpoint (refresh grant) and its validate endpoint. */
export class TwitchTokenIssuer implements TokenIssuer {
  constructor(private readonly options: TwitchTokenIssuerOptions) {}

  async refresh(refreshToken: string): Promise<TokenGrant> {
    return this.grant({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** One call to the token endpoint; a grant without a refresh token (client credentials) keeps `refreshToken` as given. */
  protected async grant(fields: Record<string, string>, keepRefreshToken?: string): Promise<TokenGrant> {
    const { clientId, clientSecret, tokenUrl, requestTimeoutMs } = this.options;
    const body = new URLSearchParams({ ...fields, client_id: clientId, client_secret: clientSecret });
    let response: Response;
    try {
      response = await fetch(tokenUrl, { method: 'POST', body, signal: AbortSignal.timeout(requestTimeoutMs) });
    } catch (error) {
      throw new TwitchTokenError(`token endpoint unreachable: ${(error as Error).name}`, null, true);
    }
    const payload = (await response.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; expires_in?: number; message?: string };
    const refreshed = payload.refresh_token ?? keepRefreshToken;
    if (!response.ok || !payload.access_token || !refreshed) {
      // Twitch's message ("Invalid refresh token") names no secret; the body is not echoed otherwise.
      const reason = typeof payload.message === 'string' ? payload.message.slice(0, 200) : 'unexpected answer';
      throw new TwitchTokenError(`token refresh failed: HTTP ${response.status} ${reason}`, response.status, response.status >= 500 || response.status === 429);
    }
    return { accessToken: payload.access_token, refreshToken: refreshed, expiresAt: Date.now() + (payload.expires_in ?? 0) * 1_000 };
  }

  /** 200 valid, 401 revoked; anything else (Twitch unreachable, 5xx) tells nothing. */
  async validate(accessToken: string): Promise<'valid' | 'invalid' | 'unknown'> {
    try {
      const response = await fetch(this.options.validateUrl, {
        headers: { authorization: `OAuth ${accessToken}` },
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      await response.body?.cancel();
      return response.status === 200 ? 'valid' : response.status === 401 ? 'invalid' : 'unknown';
    } catch {
      return 'unknown';
    }
  }
}

export interface RequiredRefreshingAuthProviderOptions {
  keyPrefix: string;
  /** This process's id (pod name + pid): the holder of the refresh lease. */
  holder: string;
  /** The bot account's login: one token per account, shared by every pod. */
  account: string;
  clientId: string;
  clientSecret: string;
  /** The refresh token the account was authorized with; used until Redis holds a newer one. */
  initialRefreshToken: string;
}

export type OptionalRefreshingAuthProviderOptions = OptionalSharedTokenOptions & Pick<TwitchTokenIssuerOptions, 'tokenUrl' | 'validateUrl' | 'requestTimeoutMs'>;

export type RefreshingAuthProviderOptions = RequiredRefreshingAuthProviderOptions & Partial<OptionalRefreshingAuthProviderOptions>;

export const DefaultTwitchTokenEndpoints: Pick<TwitchTokenIssuerOptions, 'tokenUrl' | 'validateUrl' | 'requestTimeoutMs'> = {
  tokenUrl: 'https://id.twitch.tv/oauth2/token',
  validateUrl: 'https://id.twitch.tv/oauth2/validate',
  requestTimeoutMs: 10_000,
};

/**
 * The app access token (client credentials grant): no refresh token, a new grant each time.
 * Under the kit's {@link SharedTokenProvider} it is fetched ahead of expiry once for all pods.
 */
export class TwitchAppTokenIssuer extends TwitchTokenIssuer {
  /** What the shared token keeps in the refresh-token slot: client credentials need none. */
  static readonly NO_REFRESH_TOKEN = 'client_credentials';

  override async refresh(): Promise<TokenGrant> {
    return this.grant({ grant_type: 'client_credentials' }, TwitchAppTokenIssuer.NO_REFRESH_TOKEN);
  }
}

/** The Twitch bot token shared by every pod: the kit's {@link SharedTokenProvider} with Twitch's issuer. */
export class RefreshingAuthProvider extends SharedTokenProvider {
  readonly options: RequiredRefreshingAuthProviderOptions & OptionalRefreshingAuthProviderOptions;

  constructor(redis: Redis, options: RefreshingAuthProviderOptions) {
    const endpoints = { ...DefaultTwitchTokenEndpoints, ...definedOnly(options) };
    super(redis, new TwitchTokenIssuer({ ...endpoints, clientId: options.clientId, clientSecret: options.clientSecret }), { ...definedOnly(options), platform: 'twitch' });
    this.options = { ...this.tokenOptions, ...endpoints, clientId: options.clientId, clientSecret: options.clientSecret };
  }
}

function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
