import { keysetPage, type Page, type PageRequest } from './paging.js';
import { iso, isUuid, query, type Queryable } from './sql.js';
import type { ApiKeyCredential, ApiKeyInfo, ApiKeyScope, NewApiKey } from './types.js';

interface ApiKeyRow {
  id: string;
  community_id: string;
  prefix: string;
  secret_hash: Buffer;
  name: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const INFO_COLUMNS = 'id, community_id, prefix, name, scopes, created_at, last_used_at, revoked_at';

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    communityId: row.community_id,
    prefix: row.prefix,
    name: row.name,
    scopes: row.scopes,
    createdAt: iso(row.created_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

/** A community's API keys. Only the hash of a key's secret is ever stored or read. */
export class ApiKeyRepository {
  constructor(private readonly db: Queryable) {}

  /** @throws UniqueViolationError for a prefix in use (mint another). */
  async create(input: NewApiKey): Promise<ApiKeyInfo> {
    const [row] = await query<ApiKeyRow>(
      this.db,
      `INSERT INTO api_keys (community_id, prefix, secret_hash, name, scopes) VALUES ($1, $2, $3, $4, $5) RETURNING ${INFO_COLUMNS}`,
      [input.communityId, input.prefix, input.secretHash, input.name, input.scopes],
    );
    return toInfo(row!);
  }

  /** The key with this prefix, revoked or not, with its hash: for authentication only. */
  async findCredential(prefix: string): Promise<ApiKeyCredential | null> {
    const [row] = await query<ApiKeyRow>(this.db, `SELECT ${INFO_COLUMNS}, secret_hash FROM api_keys WHERE prefix = $1`, [prefix]);
    return row ? { ...toInfo(row), secretHash: row.secret_hash } : null;
  }

  async find(communityId: string, id: string): Promise<ApiKeyInfo | null> {
    if (!isUuid(communityId) || !isUuid(id)) return null;
    const [row] = await query<ApiKeyRow>(this.db, `SELECT ${INFO_COLUMNS} FROM api_keys WHERE community_id = $1 AND id = $2`, [communityId, id]);
    return row ? toInfo(row) : null;
  }

  async list(communityId: string, page: PageRequest): Promise<Page<ApiKeyInfo>> {
    if (!isUuid(communityId)) return { items: [], next: null };
    return keysetPage<ApiKeyRow, ApiKeyInfo>(this.db, {
      select: INFO_COLUMNS,
      table: 'api_keys',
      where: 'community_id = $1',
      values: [communityId],
      sortColumn: 'created_at',
      idType: 'uuid',
      page,
      map: toInfo,
    });
  }

  /**
   * Revokes the key; null when the community has no such key or it was revoked already
   * (the first revocation stays, and a concurrent second one waits for it and finds nothing to do).
   */
  async revoke(communityId: string, id: string): Promise<ApiKeyInfo | null> {
    if (!isUuid(communityId) || !isUuid(id)) return null;
    const [row] = await query<ApiKeyRow>(
      this.db,
      `UPDATE api_keys SET revoked_at = now() WHERE community_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING ${INFO_COLUMNS}`,
      [communityId, id],
    );
    return row ? toInfo(row) : null;
  }

  /** Records that these keys were used now; each is written at most once per `minIntervalSeconds` so reads stay reads. */
  async touch(ids: readonly string[], minIntervalSeconds = 60): Promise<void> {
    if (ids.length === 0) return;
    await query(
      this.db,
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = ANY($1::uuid[]) AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
      [ids, minIntervalSeconds],
    );
  }
}
