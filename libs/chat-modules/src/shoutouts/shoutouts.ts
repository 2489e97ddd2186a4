import type { Platform } from '@parley/contracts';
import { CircuitBreaker, type CircuitBreakerOptions } from '@parley/resilience';

/** What a shoutout shows of a user: their name, their profile link, their channel's last category where the platform says. */
export interface Profile {
  displayName: string;
  url: string | null;
  /** Last known category or game; null where the platform gives none. */
  category: string | null;
}

/** A platform's profile lookup; null when the platform has no such user. */
export interface ProfileLookup {
  lookup(login: string): Promise<Profile | null>;
}

export interface TwitchHelixProfilesOptions {
  /** `https://api.twitch.tv/helix` (or a fake's). */
  baseUrl: string;
  clientId: string;
  /** An app access token (client credentials); asked for on every call, so a refreshed one is used at once. */
  accessToken: () => Promise<string>;
  /** How long a looked-up profile is reused. */
  cacheTtlMs: number;
  /** Profiles kept at most (oldest out first). */
  cacheMax: number;
  breaker: Partial<CircuitBreakerOptions>;
}

export const DefaultTwitchHelixProfilesOptions = { cacheTtlMs: 10 * 60_000, cacheMax: 5_000, breaker: { timeoutMs: false as const, volumeThreshold: 5 } };

const REQUEST_TIMEOUT_MS = 2_000;

/** Helix answered with an error status (the status is kept: 401 is a token problem, 5xx Helix's). */
export class HelixError extends Error {
  override readonly name = 'HelixError';
  constructor(readonly status: number) {
    super(`Twitch Helix answered ${status}`);
  }
}

/**
 * A Twitch user's profile for `!so`: `GET /helix/users?login=` then
 * `GET /helix/channels?broadcaster_id=` (the channel's last `game_name`). Both calls go
 * through one circuit breaker (`@parley/resilience`, opossum), so a Helix outage costs
 * each shoutout a fast failure, not a timeout; profiles are cached in process
 * (`cacheTtlMs`, also "no such user"), so a raid of `!so` calls asks Helix once.
 */
export class TwitchHelixProfiles implements ProfileLookup {
  readonly breaker: CircuitBreaker<[string], Profile | null>;
  private readonly options: TwitchHelixProfilesOptions;
  private readonly cache = new Map<string, { profile: Profile | null; until: number }>();

  constructor(
    options: Pick<TwitchHelixProfilesOptions, 'baseUrl' | 'clientId' | 'accessToken'> & Partial<TwitchHelixProfilesOptions>,
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DefaultTwitchHelixProfilesOptions, ...options };
    this.breaker = new CircuitBreaker('twitch-helix-profiles', (login: string) => this.fetchProfile(login), this.options.breaker);
  }

  async lookup(login: string): Promise<Profile | null> {
    const key = login.toLowerCase();
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.profile;
    const profile = await this.breaker.fire(key);
    this.cache.delete(key);
    if (this.cache.size >= this.options.cacheMax) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { profile, until: this.now() + this.options.cacheTtlMs });
    return profile;
  }

  private async fetchProfile(login: string): Promise<Profile | null> {
    const users = await this.get<{ id: string; login: string; display_name: string }>(`/users?login=${encodeURIComponent(login)}`);
    const user = users[0];
    if (!user) return null;
    const channels = await this.get<{ game_name: string }>(`/channels?broadcaster_id=${encodeURIComponent(user.id)}`);
    return { displayName: user.display_name || user.login, url: `https://www.twitch.tv/${user.login}`, category: channels[0]?.game_name || null };
  }

  private async get<T>(path: string): Promise<T[]> {
    const response = await fetch(`${this.options.baseUrl}${path}`, {
      headers: { 'client-id': this.options.clientId, authorization: `Bearer ${await this.options.accessToken()}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw new HelixError(response.status);
    return ((await response.json()) as { data?: T[] }).data ?? [];
  }
}

/** A user's profile link where the platform has public profile pages by name; null elsewhere (Discord, Slack). */
export function profileLink(platform: Platform, login: string): string | null {
  switch (platform) {
    case 'twitch':
      return `https://www.twitch.tv/${login.toLowerCase()}`;
    case 'youtube':
      return `https://www.youtube.com/@${login}`;
    default:
      return null;
  }
}

/**
 * `!so user`: the platform's profile link and, where a lookup exists (Twitch Helix), the
 * last known category. Without a lookup, or while it fails (breaker open, Helix down),
 * the shoutout still goes out with the link alone.
 */
export class Shoutouts {
  constructor(private readonly lookups: Partial<Record<Platform, ProfileLookup>> = {}) {}

  async text(platform: Platform, target: string): Promise<string> {
    const login = target.replace(/^@/u, '');
    const lookup = this.lookups[platform];
    let profile: Profile | null | undefined;
    if (lookup) profile = await lookup.lookup(login).catch(() => undefined);
    if (profile === null) return `There is no ${platform} user ${login}.`;
    const name = profile?.displayName ?? login;
    const link = profile?.url ?? profileLink(platform, login);
    const category = profile?.category ? ` They were last seen in ${profile.category}.` : '';
    return `Go show ${name} some love${link ? `: ${link}` : '!'}${category}`;
  }
}
