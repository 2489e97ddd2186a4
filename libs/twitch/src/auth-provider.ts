import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fullJitterDelay, type BackoffOptions } from '@parley/resilience';
import { LeaseManager } from '@parley/sharding';
import type { Redis } from 'ioredis';
import { TwitchTokenError } from './errors.js';

/** Where a Twitch client gets the bot's user access token (without `oauth:`). */
export interface AuthProvider {
  accessToken(): Promise<string>;
  /** Twitch refused this token (revoked, or expired early): the next accessToken() should be a new one. */
  refused?(token: string): Promise<void>;
}

/** A token that never changes: the demo, or a deployment that rotates it out of band. */
export class StaticAuthProvider implements AuthProvider {
  constructor(private readonly token: string) {}

  async accessToken(): Promise<string> {
    return this.token;
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

export interface OptionalRefreshingAuthProviderOptions {
  tokenUrl: string;
  /** Twitch asks every app to validate its tokens hourly, and to stop using one that fails. */
  validateUrl: string;
  validateIntervalMs: number;
  /** Refresh this long before the access token expires. */
  refreshMarginMs: number;
  /** A pod that dies mid-refresh blocks the others at most this long. */
  refreshLeaseTtlMs: number;
  requestTimeoutMs: number;
  /** Between failed refresh attempts (Twitch 5xx, network). */
  backoff: BackoffOptions;
  maxAttempts: number;
}

export type RefreshingAuthProviderOptions = RequiredRefreshingAuthProviderOptions & Partial<OptionalRefreshingAuthProviderOptions>;

export const DefaultRefreshingAuthProviderOptions: OptionalRefreshingAuthProviderOptions = {
  tokenUrl: 'https://id.twitch.tv/oauth2/token',
  validateUrl: 'https://id.twitch.tv/oauth2/validate',
  validateIntervalMs: 3_600_000,
  refreshMarginMs: 5 * 60_000,
  refreshLeaseTtlMs: 15_000,
  requestTimeoutMs: 10_000,
  backoff: { baseMs: 500, maxMs: 30_000 },
  maxAttempts: 5,
};

const EXPIRE_IF_CURRENT = 'parleyExpireTokenIfCurrent';
const expireIfCurrentLua = readFileSync(new URL('./expireTokenIfCurrent-1.lua', import.meta.url), 'utf8');
type ScriptedRedis = Redis & { [EXPIRE_IF_CURRENT](key: string, token: string): Promise<number> };

interface StoredToken {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

interface RefreshingAuthProviderEvents {
  /** This pod refreshed the token (the others read it from Redis). */
  refreshed: [{ expiresAt: number }];
  refreshFailed: [TwitchTokenError];
  /** Twitch said the token in use is no longer valid (revoked): the next caller refreshes it. */
  invalidated: [];
}

/**
 * The bot account's user access token, refreshed ahead of expiry once for all pods: the
 * current token lives in Redis; whoever finds it due takes the refresh lease, refreshes at
 * Twitch's token endpoint (the refresh token rotates, so it is stored too) and writes the
 * result; everyone else waits for it and reads it. Concurrent callers in one process share
 * one refresh. Secrets never appear in errors or events.
 */
export class RefreshingAuthProvider extends EventEmitter<RefreshingAuthProviderEvents> implements AuthProvider {
  readonly options: RequiredRefreshingAuthProviderOptions & OptionalRefreshingAuthProviderOptions;
  private readonly leases: LeaseManager;
  private readonly key: string;
  private inFlight: Promise<string> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private validateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    options: RefreshingAuthProviderOptions,
  ) {
    super();
    this.options = { ...DefaultRefreshingAuthProviderOptions, ...options };
    this.key = `${options.keyPrefix}:twitch-token:${options.account.toLowerCase()}`;
    this.leases = new LeaseManager(redis, { keyPrefix: options.keyPrefix, holder: options.holder, ttlMs: this.options.refreshLeaseTtlMs });
    redis.defineCommand(EXPIRE_IF_CURRENT, { numberOfKeys: 1, lua: expireIfCurrentLua });
  }

  async accessToken(): Promise<string> {
    const stored = await this.read();
    if (stored && this.isFresh(stored)) return stored.accessToken;
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * Marks the shared token due when it is still the refused one, so the next caller on
   * any pod refreshes it (once, under the lease); a token already replaced is left alone.
   */
  async refused(token: string): Promise<void> {
    await (this.redis as ScriptedRedis)[EXPIRE_IF_CURRENT](this.key, token.replace(/^oauth:/, ''));
  }

  /** Keeps the shared token fresh in the background, so a reconnect never waits for a refresh. */
  start(checkEveryMs = Math.max(1_000, Math.floor(this.options.refreshMarginMs / 4))): void {
    this.timer ??= setInterval(() => void this.accessToken().catch(() => undefined), checkEveryMs);
    this.validateTimer ??= setInterval(() => void this.validate().catch(() => undefined), this.options.validateIntervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.validateTimer);
    this.timer = this.validateTimer = undefined;
  }

  /**
   * Asks Twitch whether the token in use is still valid (its hourly validation rule). A
   * 401 means it was revoked: it is marked due, so the next caller on any pod refreshes.
   * Anything else (Twitch unreachable, 5xx) changes nothing: `unknown`.
   */
  async validate(): Promise<'valid' | 'invalid' | 'unknown'> {
    const stored = await this.read();
    if (!stored) return 'unknown';
    let status: number;
    try {
      const response = await fetch(this.options.validateUrl, {
        headers: { authorization: `OAuth ${stored.accessToken}` },
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      await response.body?.cancel();
      status = response.status;
    } catch {
      return 'unknown';
    }
    if (status === 200) return 'valid';
    if (status !== 401) return 'unknown';
    await this.refused(stored.accessToken);
    this.emit('invalidated');
    return 'invalid';
  }

  private isFresh(token: StoredToken): boolean {
    return token.expiresAt - this.options.refreshMarginMs > Date.now();
  }

  private async refresh(): Promise<string> {
    let failures = 0;
    for (;;) {
      const result = await this.leases.acquire(`twitch-token:${this.options.account.toLowerCase()}`);
      if (!result.acquired) {
        // Another pod is refreshing: its token shows up in Redis shortly.
        await sleep(Math.min(250, result.heldBy.ttlMs + 1));
        const stored = await this.read();
        if (stored && this.isFresh(stored)) return stored.accessToken;
        continue;
      }
      try {
        // Someone may have refreshed between our read and the lease.
        const stored = await this.read();
        if (stored && this.isFresh(stored)) return stored.accessToken;
        const granted = await this.requestToken(stored?.refreshToken ?? this.options.initialRefreshToken);
        await this.redis.hset(this.key, { accessToken: granted.accessToken, refreshToken: granted.refreshToken, expiresAt: granted.expiresAt });
        this.emit('refreshed', { expiresAt: granted.expiresAt });
        return granted.accessToken;
      } catch (error) {
        if (!(error instanceof TwitchTokenError)) throw error;
        this.emit('refreshFailed', error);
        if (!error.retryable || ++failures >= this.options.maxAttempts) throw error;
      } finally {
        await this.leases.release(result.lease).catch(() => undefined);
      }
      await sleep(fullJitterDelay(failures, this.options.backoff));
    }
  }

  private async requestToken(refreshToken: string): Promise<StoredToken> {
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    });
    let response: Response;
    try {
      response = await fetch(this.options.tokenUrl, { method: 'POST', body, signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
    } catch (error) {
      throw new TwitchTokenError(`token endpoint unreachable: ${(error as Error).name}`, null, true);
    }
    const payload = (await response.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; expires_in?: number; message?: string };
    if (!response.ok || !payload.access_token || !payload.refresh_token) {
      // Twitch's message ("Invalid refresh token") names no secret; the body is not echoed otherwise.
      const reason = typeof payload.message === 'string' ? payload.message.slice(0, 200) : 'unexpected answer';
      throw new TwitchTokenError(`token refresh failed: HTTP ${response.status} ${reason}`, response.status, response.status >= 500 || response.status === 429);
    }
    return {
      accessToken: payload.access_token,
      refreshToken: payload.refresh_token,
      expiresAt: Date.now() + (payload.expires_in ?? 0) * 1_000,
    };
  }

  private async read(): Promise<StoredToken | null> {
    const hash = await this.redis.hgetall(this.key);
    if (!hash.accessToken || !hash.refreshToken) return null;
    return { accessToken: hash.accessToken, refreshToken: hash.refreshToken, expiresAt: Number(hash.expiresAt) };
  }
}
