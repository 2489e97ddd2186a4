import type pg from 'pg';
import { query } from './sql.js';
import type { NewWebhookModule, WebhookModuleDefinition } from './types.js';

export interface WebhookModuleRow {
  id: string;
  community_id: string;
  name: string;
  url: string;
  secret: string;
  timeout_ms: number;
}

export const MODULE_COLUMNS = 'id, community_id, name, url, secret, timeout_ms';

export function toWebhookModule(row: WebhookModuleRow): WebhookModuleDefinition {
  return { id: row.id, communityId: row.community_id, name: row.name, url: row.url, secret: row.secret, timeoutMs: row.timeout_ms };
}

export class WebhookModuleRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** @throws UniqueViolationError for a name the community already uses; CheckViolationError for a bad URL, short secret or timeout. */
  async create(input: NewWebhookModule): Promise<WebhookModuleDefinition> {
    const [row] = await query<WebhookModuleRow>(
      this.pool,
      `INSERT INTO webhook_modules (community_id, name, url, secret, timeout_ms)
       VALUES ($1, $2, $3, $4, COALESCE($5, 2000)) RETURNING ${MODULE_COLUMNS}`,
      [input.communityId, input.name, input.url, input.secret, input.timeoutMs ?? null],
    );
    return toWebhookModule(row!);
  }
}
