export interface ReadCacheOptions {
  /** How long an answer is served without asking PostgreSQL again, ms: the bound on staleness if a change notice is lost. 0: no cache. */
  ttlMs: number;
  /** Most bytes of answers kept (the JSON text's length); the oldest go first. */
  maxBytes: number;
  now: () => number;
}

interface Entry {
  communityId: string;
  json: string;
  expiresAt: number;
}

/**
 * Answers of read routes kept in process as the JSON text sent, per community, so a hot
 * read costs neither a PostgreSQL query nor serialisation. Only for data whose every
 * change is announced on the config-changes channel (hub, routers' chat commands, CLI,
 * imports all announce command changes). Like the credential cache it may never serve
 * what a notice it missed would have changed:
 * - it serves entries only while `trust()` is in force (the change-notice subscription
 *   is confirmed); `distrust()` the moment notices may be missed; both empty it;
 * - `forgetCommunity` drops a community's answers (a notice, or a change made here,
 *   before its response is sent, so a client reads its own writes);
 * - an answer loaded while anything was forgotten is not stored (the generation
 *   counter), so a change cannot be overwritten by the read it raced;
 * - every entry expires after `ttlMs` whatever happens;
 * - concurrent misses of one answer share one load, unless something was forgotten
 *   since it started.
 * Misses (null: a 404) are not kept. The caller has already checked that the requester
 * may read the community: entries are keyed by community, never shared across them.
 */
export class CommunityReadCache {
  private readonly entries = new Map<string, Entry>();
  /** Loads in flight, by key, with the generation they started in. */
  private readonly loads = new Map<string, { generation: number; json: Promise<string | null> }>();
  private readonly options: ReadCacheOptions;
  private generation = 0;
  private trusted = false;
  private bytes = 0;

  constructor(options: Partial<ReadCacheOptions> & Pick<ReadCacheOptions, 'ttlMs'>) {
    this.options = { maxBytes: 32 * 1024 * 1024, now: () => Date.now(), ...options };
  }

  get size(): number {
    return this.entries.size;
  }

  /** The JSON answer of `what` in this community: from memory, or `load`ed (and kept). Null when `load` finds nothing. */
  async read(communityId: string, what: string, load: () => Promise<string | null>): Promise<string | null> {
    const key = `${communityId} ${what}`;
    const entry = this.trusted ? this.entries.get(key) : undefined;
    if (entry) {
      if (entry.expiresAt > this.options.now()) return entry.json;
      this.drop(key, entry);
    }
    // Concurrent misses of one answer share one load (an expiry under load would otherwise
    // send every request in flight to PostgreSQL), but never across a change.
    const generation = this.generation;
    const pending = this.loads.get(key);
    if (pending?.generation === generation) return pending.json;
    const json = this.load(communityId, key, generation, load);
    this.loads.set(key, { generation, json });
    return json;
  }

  private async load(communityId: string, key: string, generation: number, load: () => Promise<string | null>): Promise<string | null> {
    let json: string | null;
    try {
      json = await load();
    } finally {
      if (this.loads.get(key)?.generation === generation) this.loads.delete(key);
    }
    if (json !== null && this.trusted && generation === this.generation && this.options.ttlMs > 0 && json.length <= this.options.maxBytes) {
      const previous = this.entries.get(key);
      if (previous) this.drop(key, previous);
      while (this.bytes + json.length > this.options.maxBytes) {
        const [oldestKey, oldest] = this.entries.entries().next().value!;
        this.drop(oldestKey, oldest);
      }
      this.entries.set(key, { communityId, json, expiresAt: this.options.now() + this.options.ttlMs });
      this.bytes += json.length;
    }
    return json;
  }

  /** The community's configuration changed: its answers are loaded again. */
  forgetCommunity(communityId: string): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (entry.communityId === communityId) this.drop(key, entry);
  }

  /** Something changed that cannot be placed (a notice this build does not understand): forget everything. */
  forgetAll(): void {
    this.generation++;
    this.entries.clear();
    this.bytes = 0;
  }

  /** Change notices flow: start (again) from empty, then cache. */
  trust(): void {
    this.forgetAll();
    this.trusted = true;
  }

  /** Change notices may be missed: serve nothing cached until `trust()`. */
  distrust(): void {
    this.trusted = false;
    this.forgetAll();
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.json.length;
  }
}
