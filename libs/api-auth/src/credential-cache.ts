import type { ApiKeyCredential } from '@parley/db';
import type { ApiKeyLookup } from './authenticator.js';

export interface CredentialCacheOptions {
  /** How long a credential is served without asking the source again, ms: the bound on staleness if a change notice is lost. */
  ttlMs: number;
  /** Most credentials kept; the oldest go first. */
  maxEntries: number;
  now: () => number;
}

export const DefaultCredentialCacheOptions: CredentialCacheOptions = { ttlMs: 10_000, maxEntries: 10_000, now: () => Date.now() };

interface Entry {
  credential: ApiKeyCredential;
  expiresAt: number;
}

/**
 * API-key credentials kept in process, so a request with a known key needs no database
 * round trip. It can only narrow access, never widen it:
 * - it serves entries only while `trust()` is in force: the owner calls `distrust()` the
 *   moment it may miss change notices (its subscription dropped) and `trust()` once they
 *   flow again, and both empty the cache;
 * - `forgetKey` / `forgetCommunity` drop entries on a change notice;
 * - a lookup that was in flight while something was forgotten is not stored (the
 *   generation counter), so a revocation cannot be overwritten by the read it raced;
 * - every entry expires after `ttlMs` whatever happens.
 * Unknown prefixes are not cached (a guessed prefix must not fill the cache).
 */
export class CredentialCache implements ApiKeyLookup {
  private readonly entries = new Map<string, Entry>();
  /** Lookups in flight, by prefix, with the generation they started in. */
  private readonly lookups = new Map<string, { generation: number; credential: Promise<ApiKeyCredential | null> }>();
  private readonly options: CredentialCacheOptions;
  private generation = 0;
  private trusted = false;

  constructor(
    private readonly source: ApiKeyLookup,
    options: Partial<CredentialCacheOptions> = {},
  ) {
    this.options = { ...DefaultCredentialCacheOptions, ...options };
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached credential of this prefix, without I/O; undefined when it must be looked up. */
  peekCredential(prefix: string): ApiKeyCredential | undefined {
    if (!this.trusted) return undefined;
    const entry = this.entries.get(prefix);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.options.now()) {
      this.entries.delete(prefix);
      return undefined;
    }
    return entry.credential;
  }

  /**
   * The credential from memory, or looked up. Concurrent lookups of one prefix share one
   * query (when an entry expires under load, every request in flight would otherwise ask
   * at once), but never across a change: a request that comes after one was forgotten
   * starts its own lookup.
   */
  async findCredential(prefix: string): Promise<ApiKeyCredential | null> {
    const cached = this.peekCredential(prefix);
    if (cached) return cached;
    const generation = this.generation;
    const pending = this.lookups.get(prefix);
    if (pending?.generation === generation) return pending.credential;
    const credential = this.lookUp(prefix, generation);
    this.lookups.set(prefix, { generation, credential });
    return credential;
  }

  private async lookUp(prefix: string, generation: number): Promise<ApiKeyCredential | null> {
    try {
      const credential = await this.source.findCredential(prefix);
      if (credential && this.trusted && generation === this.generation) {
        if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(prefix, { credential, expiresAt: this.options.now() + this.options.ttlMs });
      }
      return credential;
    } finally {
      if (this.lookups.get(prefix)?.generation === generation) this.lookups.delete(prefix);
    }
  }

  /** A key changed (revoked, scopes changed): its next use is looked up again. */
  forgetKey(keyId: string): void {
    this.forget((credential) => credential.id === keyId);
  }

  /** A community changed (deleted): every key of it is looked up again. */
  forgetCommunity(communityId: string): void {
    this.forget((credential) => credential.communityId === communityId);
  }

  /** Change notices flow: start (again) from empty, then cache. */
  trust(): void {
    this.clear();
    this.trusted = true;
  }

  /** Change notices may be missed: serve nothing cached until `trust()`. */
  distrust(): void {
    this.trusted = false;
    this.clear();
  }

  private clear(): void {
    this.generation++;
    this.entries.clear();
  }

  private forget(matches: (credential: ApiKeyCredential) => boolean): void {
    this.generation++;
    for (const [prefix, entry] of this.entries) if (matches(entry.credential)) this.entries.delete(prefix);
  }
}
