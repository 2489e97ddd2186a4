import { keysetPage, type Page, type PageRequest } from './paging.js';
import { iso, isUuid, query, type Queryable } from './sql.js';
import type { AuditAction, AuditEntry, NewAuditEntry } from './types.js';

interface AuditRow {
  id: string;
  community_id: string | null;
  actor: string;
  action: AuditAction;
  resource: string;
  resource_id: string;
  before: unknown;
  after: unknown;
  at: Date;
}

const COLUMNS = 'id, community_id, actor, action, resource, resource_id, before, after, at';

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: String(row.id),
    communityId: row.community_id,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    resourceId: row.resource_id,
    before: row.before,
    after: row.after,
    at: iso(row.at),
  };
}

/** Append-only record of every change made through the hub. */
export class AuditLogRepository {
  constructor(private readonly db: Queryable) {}

  async record(entry: NewAuditEntry): Promise<void> {
    await query(
      this.db,
      `INSERT INTO audit_log (community_id, actor, action, resource, resource_id, before, after)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)`,
      [
        entry.communityId,
        entry.actor,
        entry.action,
        entry.resource,
        entry.resourceId,
        entry.before === undefined || entry.before === null ? null : JSON.stringify(entry.before),
        entry.after === undefined || entry.after === null ? null : JSON.stringify(entry.after),
      ],
    );
  }

  /** A community's entries, oldest first. */
  async list(communityId: string, page: PageRequest): Promise<Page<AuditEntry>> {
    if (!isUuid(communityId)) return { items: [], next: null };
    return keysetPage<AuditRow, AuditEntry>(this.db, {
      select: COLUMNS,
      table: 'audit_log',
      where: 'community_id = $1',
      values: [communityId],
      sortColumn: 'at',
      idType: 'bigint',
      page,
      map: toEntry,
    });
  }
}
