import type { Role } from '@parley/contracts';

/**
 * Which Discord role ids count as which Parley role, per guild. Discord roles are named
 * by each server, so the mapping is the community's setting, not a fixed table.
 */
export interface DiscordRoleSettings {
  /** The guild owner's user id (from GUILD_CREATE): the owner ranks as broadcaster. */
  ownerId?: string;
  broadcasterRoleIds?: readonly string[];
  moderatorRoleIds?: readonly string[];
  vipRoleIds?: readonly string[];
  /** E.g. the server booster role or a Patreon/Twitch-subscriber integration role. */
  subscriberRoleIds?: readonly string[];
}

/** The parts of a MESSAGE_CREATE dispatch that decide roles. */
export interface DiscordMessageAuthor {
  authorId: string;
  /** `member.roles`: role ids; absent in DMs. */
  memberRoleIds?: readonly string[];
}

const RANKED: readonly [Role, keyof DiscordRoleSettings][] = [
  ['broadcaster', 'broadcasterRoleIds'],
  ['moderator', 'moderatorRoleIds'],
  ['vip', 'vipRoleIds'],
  ['subscriber', 'subscriberRoleIds'],
];

/** Maps a message author's guild roles onto platform-neutral roles, highest first, always with `everyone`. */
export function discordRoles(author: DiscordMessageAuthor, settings: DiscordRoleSettings): Role[] {
  const held = new Set(author.memberRoleIds ?? []);
  const roles: Role[] = [];
  for (const [role, key] of RANKED) {
    const ids = settings[key] as readonly string[] | undefined;
    const isOwner = role === 'broadcaster' && settings.ownerId !== undefined && settings.ownerId === author.authorId;
    if (isOwner || (ids ?? []).some((id) => held.has(id))) roles.push(role);
  }
  roles.push('everyone');
  return roles;
}
