import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { LuaScripts } from '@parley/bus';
import { fullJitterDelay, type BackoffOptions } from '@parley/resilience';
import { LeaseManager } from '@parley/sharding';
import type { Redis } from 'ioredis';
import { TokenRefreshError } from './errors.js';

/** Where a platform client gets the bot's access token. */
export interface AuthProvider {
  accessToken(): Promise<string>;
  /** The platform refused this token (revoked, or expired early): the next accessToken() should be a new one. */
  refused?(token: string): Promise<void>;
}

/** A token that never changes: the demo, or a deployment that rotates it out of band. */
export class StaticAuthProvider implements AuthProvider {
  constructor(private readonly token: string) {}

  async accessToken(): Promise<string> {
    return this.token;
  }
}

/** A token the issuer granted; refresh tokens may rotate, so both are kept. */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * The platform's side of a refresh, all a platform supplies: exchange a refresh token for a
 * grant (throw {@link TokenRefreshError}), and optionally say whether a token is still good.
 */
export interface TokenIssuer {
  refresh(refreshToken: string): Promise<TokenGrant>;
  /** `invalid` means revoked: the token is marked due and refreshed by the next caller on any pod. */
  validate?(accessToken: string): Promise<'valid' | 'invalid' | 'unknown'>;
}

export interface RequiredSharedTokenOptions {
  keyPrefix: string;
  /** The platform: part of the key, so two platforms' tokens of one account never mix. */
  platform: string;
  /** This process's id (pod name + pid): the holder of the refresh lease. */
  holder: string;
  /** The bot account: one token per account, shared by every pod. */
  account: string;
  /** The refresh token the account was authorized with; used until Redis holds a newer one. */
  initialRefreshToken: string;
}

export interface OptionalSharedTokenOptions {
  /** How often `start()` asks the issuer to validate the token in use (when it can). */
  validateIntervalMs: number;
  /** Refresh this long before the access token expires. */
  refreshMarginMs: number;
  /** A pod that dies mid-refresh blocks the others at most this long. */
  refreshLeaseTtlMs: number;
  /** Between failed refresh attempts (issuer 5xx, network). */
  backoff: BackoffOptions;
  maxAttempts: number;
}

export type SharedTokenOptions = RequiredSharedTokenOptions & Partial<OptionalSharedTokenOptions>;

export const DefaultSharedTokenOptions: OptionalSharedTokenOptions = {
  validateIntervalMs: 3_600_000,
  refreshMarginMs: 5 * 60_000,
  refreshLeaseTtlMs: 15_000,
  backoff: { baseMs: 500, maxMs: 30_000 },
  maxAttempts: 5,
};

interface SharedTokenEvents {
  /** This pod refreshed the token (the others read it from Redis). */
  refreshed: [{ expiresAt: number }];
  refreshFailed: [TokenRefreshError];
  /** The issuer said the token in use is no longer valid (revoked): the next caller refreshes it. */
  invalidated: [];
}

/**
 * A bot account's access token, refreshed ahead of expiry once for all pods (twurple's
 * coalesced refresh, across processes): the current token lives in Redis; whoever finds it
 * due takes the refresh lease, asks the platform's {@link TokenIssuer} and writes the
 * result; everyone else waits for it and reads it. Concurrent callers in one process share
 * one refresh. Secrets never appear in errors or events.
 */
export class SharedTokenProvider extends EventEmitter<SharedTokenEvents> implements AuthProvider {
  readonly tokenOptions: RequiredSharedTokenOptions & OptionalSharedTokenOptions;
  private readonly leases: LeaseManager;
  private readonly scripts: LuaScripts<'expireTokenIfCurrent'>;
  private readonly key: string;
  private readonly leaseName: string;
  private inFlight: Promise<string> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private validateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly issuer: TokenIssuer,
    options: SharedTokenOptions,
  ) {
    super();
    this.tokenOptions = { ...DefaultSharedTokenOptions, ...options };
    this.leaseName = `${options.platform}-token:${options.account.toLowerCase()}`;
    this.key = `${options.keyPrefix}:${this.leaseName}`;
    this.leases = new LeaseManager(redis, { keyPrefix: options.keyPrefix, holder: options.holder, ttlMs: this.tokenOptions.refreshLeaseTtlMs });
    this.scripts = new LuaScripts(redis, new URL('.', import.meta.url), ['expireTokenIfCurrent-1.lua']);
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
    await this.scripts.run('expireTokenIfCurrent', [this.key], [token]);
  }

  /** Keeps the shared token fresh in the background, so a reconnect never waits for a refresh. */
  start(checkEveryMs = Math.max(1_000, Math.floor(this.tokenOptions.refreshMarginMs / 4))): void {
    this.timer ??= setInterval(() => void this.accessToken().catch(() => undefined), checkEveryMs);
    if (this.issuer.validate) this.validateTimer ??= setInterval(() => void this.validate().catch(() => undefined), this.tokenOptions.validateIntervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.validateTimer);
    this.timer = this.validateTimer = undefined;
  }

  /** Asks the issuer whether the token in use is still valid; a revoked one is marked due. */
  async validate(): Promise<'valid' | 'invalid' | 'unknown'> {
    const stored = await this.read();
    if (!stored || !this.issuer.validate) return 'unknown';
    const verdict = await this.issuer.validate(stored.accessToken).catch(() => 'unknown' as const);
    if (verdict !== 'invalid') return verdict;
    await this.refused(stored.accessToken);
    this.emit('invalidated');
    return 'invalid';
  }

  private isFresh(token: TokenGrant): boolean {
    return token.expiresAt - this.tokenOptions.refreshMarginMs > Date.now();
  }

  private async refresh(): Promise<string> {
    let failures = 0;
    for (;;) {
      const result = await this.leases.acquire(this.leaseName);
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
        const granted = await this.issuer.refresh(stored?.refreshToken ?? this.tokenOptions.initialRefreshToken);
        await this.redis.hset(this.key, { accessToken: granted.accessToken, refreshToken: granted.refreshToken, expiresAt: granted.expiresAt });
        this.emit('refreshed', { expiresAt: granted.expiresAt });
        return granted.accessToken;
      } catch (error) {
        if (!(error instanceof TokenRefreshError)) throw error;
        this.emit('refreshFailed', error);
        if (!error.retryable || ++failures >= this.tokenOptions.maxAttempts) throw error;
      } finally {
        await this.leases.release(result.lease).catch(() => undefined);
      }
      await sleep(fullJitterDelay(failures, this.tokenOptions.backoff));
    }
  }

  private async read(): Promise<TokenGrant | null> {
    const hash = await this.redis.hgetall(this.key);
    if (!hash.accessToken || !hash.refreshToken) return null;
    return { accessToken: hash.accessToken, refreshToken: hash.refreshToken, expiresAt: Number(hash.expiresAt) };
  }
}
