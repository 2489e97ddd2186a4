import type { GatewayDispatchPayload } from 'discord-api-types/v10';

/** The ADMINISTRATOR permission bit. */
const ADMINISTRATOR = 1n << 3n;

interface GuildFacts {
  ownerId: string;
  /** Roles that carry ADMINISTRATOR. */
  adminRoleIds: Set<string>;
}

/**
 * What roles mean in each guild the shards see, from the gateway itself (GUILD_CREATE after
 * READY, then GUILD_UPDATE and the role events): the owner, and which roles hold the
 * ADMINISTRATOR permission. MESSAGE_CREATE carries only the member's role ids.
 */
export class GuildDirectory {
  private readonly guilds = new Map<string, GuildFacts>();

  apply(payload: GatewayDispatchPayload): void {
    switch (payload.t) {
      case 'GUILD_CREATE':
      case 'GUILD_UPDATE': {
        const { id, owner_id, roles } = payload.d;
        this.guilds.set(id, { ownerId: owner_id, adminRoleIds: new Set(roles.filter((role) => isAdmin(role.permissions)).map((role) => role.id)) });
        return;
      }
      case 'GUILD_ROLE_CREATE':
      case 'GUILD_ROLE_UPDATE': {
        const guild = this.guilds.get(payload.d.guild_id);
        if (!guild) return;
        if (isAdmin(payload.d.role.permissions)) guild.adminRoleIds.add(payload.d.role.id);
        else guild.adminRoleIds.delete(payload.d.role.id);
        return;
      }
      case 'GUILD_ROLE_DELETE':
        this.guilds.get(payload.d.guild_id)?.adminRoleIds.delete(payload.d.role_id);
        return;
      case 'GUILD_DELETE':
        this.guilds.delete(payload.d.id);
        return;
      default:
    }
  }

  get(guildId: string): { ownerId: string; isAdministrator(roleIds: readonly string[]): boolean } | undefined {
    const guild = this.guilds.get(guildId);
    return guild && { ownerId: guild.ownerId, isAdministrator: (roleIds) => roleIds.some((id) => guild.adminRoleIds.has(id)) };
  }
}

function isAdmin(permissions: string): boolean {
  try {
    return (BigInt(permissions) & ADMINISTRATOR) !== 0n;
  } catch {
    return false;
  }
}
