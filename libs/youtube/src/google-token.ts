import { TokenRefreshError, type TokenGrant, type TokenIssuer } from '@parley/ingest';

export interface GoogleTokenIssuerOptions {
  clientId: string;
  clientSecret: string;
  /** Google's OAuth token endpoint (`https://oauth2.googleapis.com/token`), or the fake's. */
  tokenUrl: string;
  requestTimeoutMs: number;
}

export const DefaultGoogleTokenUrl = 'https://oauth2.googleapis.com/token';

/**
 * Google's side of a shared token: the refresh grant at the OAuth token endpoint. Google
 * keeps the refresh token unless it rotates it, so an answer without one keeps the old.
 * Messages name the HTTP status and Google's `error` code, never a token or the secret.
 */
export class GoogleTokenIssuer implements TokenIssuer {
  constructor(private readonly options: GoogleTokenIssuerOptions) {}

  async refresh(refreshToken: string): Promise<TokenGrant> {
    const { clientId, clientSecret, tokenUrl, requestTimeoutMs } = this.options;
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret });
    let response: Response;
    try {
      response = await fetch(tokenUrl, { method: 'POST', body, signal: AbortSignal.timeout(requestTimeoutMs) });
    } catch (error) {
      throw new TokenRefreshError(`google token endpoint unreachable: ${(error as Error).name}`, null, true);
    }
    const payload = (await response.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string };
    if (!response.ok || !payload.access_token) {
      // `invalid_grant` (revoked or expired refresh token) needs the owner's consent again.
      const reason = typeof payload.error === 'string' ? payload.error.slice(0, 100) : 'unexpected answer';
      throw new TokenRefreshError(`google token refresh failed: HTTP ${response.status} ${reason}`, response.status, response.status >= 500 || response.status === 429);
    }
    return { accessToken: payload.access_token, refreshToken: payload.refresh_token ?? refreshToken, expiresAt: Date.now() + (payload.expires_in ?? 3_600) * 1_000 };
  }
}
