import type { Platform, Role } from '@parley/contracts';
import { toCommunity } from './community.repository.js';
import { isUuid, query, type Queryable } from './sql.js';
import type { CommandDefinition, CommandPatch, CommunityConfig, NewCommand, WebhookModuleDefinition } from './types.js';
import { MODULE_COLUMNS, toWebhookModule, type WebhookModuleRow } from './webhook-module.repository.js';

interface CommandRow {
  id: string;
  community_id: string;
  name: string;
  aliases: string[];
  response: string;
  min_role: Role;
  global_cooldown_seconds: number;
  user_cooldown_seconds: number;
  moderators_bypass_cooldown: boolean;
  enabled: boolean;
  platforms: Platform[] | null;
  channel_ids: string[] | null;
  module_id: string | null;
}

const COLUMNS =
  'id, community_id, name, aliases, response, min_role, global_cooldown_seconds, user_cooldown_seconds, moderators_bypass_cooldown, enabled, platforms, channel_ids, module_id';

/** camelCase field → column, for the fields a patch may change (the hub's command table uses it too). */
export const COMMAND_PATCH_COLUMNS: Readonly<Record<keyof CommandPatch, string>> = {
  response: 'response',
  aliases: 'aliases',
  minRole: 'min_role',
  globalCooldownSeconds: 'global_cooldown_seconds',
  userCooldownSeconds: 'user_cooldown_seconds',
  moderatorsBypassCooldown: 'moderators_bypass_cooldown',
  enabled: 'enabled',
  platforms: 'platforms',
  channelIds: 'channel_ids',
  moduleId: 'module_id',
};

function toCommand(row: CommandRow): CommandDefinition {
  return {
    id: row.id,
    communityId: row.community_id,
    name: row.name,
    aliases: row.aliases,
    response: row.response,
    minRole: row.min_role,
    globalCooldownSeconds: row.global_cooldown_seconds,
    userCooldownSeconds: row.user_cooldown_seconds,
    moderatorsBypassCooldown: row.moderators_bypass_cooldown,
    enabled: row.enabled,
    platforms: row.platforms,
    channelIds: row.channel_ids,
    moduleId: row.module_id,
  };
}

export class CommandRepository {
  constructor(private readonly pool: Queryable) {}

  /**
   * Omitted fields take the schema's defaults (everyone, no cooldowns, enabled, all platforms).
   * @throws UniqueViolationError for a name the community already uses; CheckViolationError for
   *   an uppercase name, unknown role or platform, or a negative cooldown.
   */
  async create(input: NewCommand): Promise<CommandDefinition> {
    const [row] = await query<CommandRow>(
      this.pool,
      `INSERT INTO commands (community_id, name, response, aliases, min_role, global_cooldown_seconds,
                             user_cooldown_seconds, moderators_bypass_cooldown, enabled, platforms, channel_ids, module_id)
       VALUES ($1, $2, $3, COALESCE($4, '{}'::text[]), COALESCE($5, 'everyone'), COALESCE($6, 0),
               COALESCE($7, 0), COALESCE($8, true), COALESCE($9, true), $10, $11, $12)
       RETURNING ${COLUMNS}`,
      [
        input.communityId,
        input.name,
        input.response,
        input.aliases ?? null,
        input.minRole ?? null,
        input.globalCooldownSeconds ?? null,
        input.userCooldownSeconds ?? null,
        input.moderatorsBypassCooldown ?? null,
        input.enabled ?? null,
        input.platforms ?? null,
        input.channelIds ?? null,
        input.moduleId ?? null,
      ],
    );
    return toCommand(row!);
  }

  /** Changes the given fields of a community's command; null when there is no such command. */
  async update(communityId: string, name: string, patch: CommandPatch): Promise<CommandDefinition | null> {
    if (!isUuid(communityId)) return null;
    const fields = (Object.keys(patch) as Array<keyof CommandPatch>).filter((field) => patch[field] !== undefined);
    if (fields.length === 0) return this.find(communityId, name);
    const assignments = fields.map((field, index) => `${COMMAND_PATCH_COLUMNS[field]} = $${index + 3}`).join(', ');
    const [row] = await query<CommandRow>(
      this.pool,
      `UPDATE commands SET ${assignments} WHERE community_id = $1 AND name = $2 RETURNING ${COLUMNS}`,
      [communityId, name, ...fields.map((field) => patch[field])],
    );
    return row ? toCommand(row) : null;
  }

  /** Deletes a community's command; false when there was none. */
  async delete(communityId: string, name: string): Promise<boolean> {
    if (!isUuid(communityId)) return false;
    const rows = await query<{ id: string }>(this.pool, 'DELETE FROM commands WHERE community_id = $1 AND name = $2 RETURNING id', [
      communityId,
      name,
    ]);
    return rows.length > 0;
  }

  async find(communityId: string, name: string): Promise<CommandDefinition | null> {
    if (!isUuid(communityId)) return null;
    const [row] = await query<CommandRow>(this.pool, `SELECT ${COLUMNS} FROM commands WHERE community_id = $1 AND name = $2`, [
      communityId,
      name,
    ]);
    return row ? toCommand(row) : null;
  }

  /** All of a community's commands, disabled ones included (the engine skips those), by name. */
  async listForCommunity(communityId: string): Promise<CommandDefinition[]> {
    if (!isUuid(communityId)) return [];
    const rows = await query<CommandRow>(this.pool, `SELECT ${COLUMNS} FROM commands WHERE community_id = $1 ORDER BY name`, [
      communityId,
    ]);
    return rows.map(toCommand);
  }

  /**
   * Makes `moduleId` answer exactly the commands named (the others it answered go back to
   * their templates). Resolves to the names that exist; the caller rejects the rest.
   */
  async assignModule(communityId: string, moduleId: string, names: readonly string[]): Promise<string[]> {
    await query(this.pool, 'UPDATE commands SET module_id = NULL WHERE community_id = $1 AND module_id = $2 AND NOT (name = ANY($3))', [
      communityId,
      moduleId,
      names,
    ]);
    const rows = await query<{ name: string }>(this.pool, 'UPDATE commands SET module_id = $2 WHERE community_id = $1 AND name = ANY($3) RETURNING name', [
      communityId,
      moduleId,
      names,
    ]);
    return rows.map((row) => row.name);
  }

  /** The names of the commands each of these modules answers, by module id. */
  async namesByModule(communityId: string, moduleIds: readonly string[]): Promise<Map<string, string[]>> {
    const byModule = new Map<string, string[]>(moduleIds.map((id) => [id, []]));
    if (!isUuid(communityId) || moduleIds.length === 0) return byModule;
    const rows = await query<{ module_id: string; name: string }>(
      this.pool,
      'SELECT module_id, name FROM commands WHERE community_id = $1 AND module_id = ANY($2::uuid[]) ORDER BY name',
      [communityId, moduleIds],
    );
    for (const row of rows) byModule.get(row.module_id)?.push(row.name);
    return byModule;
  }

  /**
   * The community, its commands and its webhook modules in one statement, so all come
   * from one snapshot: a command list never belongs to another version of the community.
   */
  async loadCommunityConfig(communityId: string): Promise<CommunityConfig | null> {
    if (!isUuid(communityId)) return null;
    const [row] = await query<{
      id: string;
      slug: string;
      name: string;
      command_prefix: string;
      cooldown_notice: boolean;
      commands: CommandRow[];
      modules: WebhookModuleRow[];
    }>(
      this.pool,
      `SELECT c.id, c.slug, c.name, c.command_prefix, c.cooldown_notice,
              COALESCE((SELECT json_agg(cmd ORDER BY cmd.name)
                          FROM (SELECT ${COLUMNS} FROM commands WHERE community_id = c.id) AS cmd), '[]'::json) AS commands,
              COALESCE((SELECT json_agg(m ORDER BY m.name)
                          FROM (SELECT ${MODULE_COLUMNS} FROM webhook_modules WHERE community_id = c.id) AS m), '[]'::json) AS modules
         FROM communities c
        WHERE c.id = $1`,
      [communityId],
    );
    if (!row) return null;
    const modules: WebhookModuleDefinition[] = row.modules.map(toWebhookModule);
    return { community: toCommunity(row), commands: row.commands.map(toCommand), modules };
  }
}
