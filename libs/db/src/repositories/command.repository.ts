import type { Platform, Role } from '@parley/contracts';
import type pg from 'pg';
import { toCommunity } from './community.repository.js';
import { isUuid, query } from './sql.js';
import type { CommandDefinition, CommunityConfig, NewCommand } from './types.js';

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
}

const COLUMNS =
  'id, community_id, name, aliases, response, min_role, global_cooldown_seconds, user_cooldown_seconds, moderators_bypass_cooldown, enabled, platforms';

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
  };
}

export class CommandRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Omitted fields take the schema's defaults (everyone, no cooldowns, enabled, all platforms).
   * @throws UniqueViolationError for a name the community already uses; CheckViolationError for
   *   an uppercase name, unknown role or platform, or a negative cooldown.
   */
  async create(input: NewCommand): Promise<CommandDefinition> {
    const [row] = await query<CommandRow>(
      this.pool,
      `INSERT INTO commands (community_id, name, response, aliases, min_role, global_cooldown_seconds,
                             user_cooldown_seconds, moderators_bypass_cooldown, enabled, platforms)
       VALUES ($1, $2, $3, COALESCE($4, '{}'::text[]), COALESCE($5, 'everyone'), COALESCE($6, 0),
               COALESCE($7, 0), COALESCE($8, true), COALESCE($9, true), $10)
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
      ],
    );
    return toCommand(row!);
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
   * The community and its commands in one statement, so both come from one snapshot: a
   * command list never belongs to a different version of the community than the prefix.
   */
  async loadCommunityConfig(communityId: string): Promise<CommunityConfig | null> {
    if (!isUuid(communityId)) return null;
    const [row] = await query<{ id: string; slug: string; name: string; command_prefix: string; commands: CommandRow[] }>(
      this.pool,
      `SELECT c.id, c.slug, c.name, c.command_prefix,
              COALESCE((SELECT json_agg(cmd ORDER BY cmd.name)
                          FROM (SELECT ${COLUMNS} FROM commands WHERE community_id = c.id) AS cmd), '[]'::json) AS commands
         FROM communities c
        WHERE c.id = $1`,
      [communityId],
    );
    if (!row) return null;
    return { community: toCommunity(row), commands: row.commands.map(toCommand) };
  }
}
