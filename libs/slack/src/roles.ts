import type { Role } from '@parley/contracts';

/** The role flags of a Slack user (`users.info` → `user`). Message events carry none of them. */
export interface SlackUserFlags {
  is_primary_owner?: boolean;
  is_owner?: boolean;
  is_admin?: boolean;
  /** Guests are restricted (multi-channel) or ultra-restricted (single-channel) accounts. */
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
}

/**
 * Maps a Slack user's workspace flags onto platform-neutral roles, highest first, always
 * with `everyone`: workspace owners are the broadcaster, admins moderate. Slack has no
 * subscriber or VIP; a community grants those through its command settings, not here.
 * Guests get nothing beyond `everyone`, whatever other flags say.
 */
export function slackRoles(user: SlackUserFlags): Role[] {
  if (user.is_restricted === true || user.is_ultra_restricted === true) return ['everyone'];
  const roles: Role[] = [];
  if (user.is_primary_owner === true || user.is_owner === true) roles.push('broadcaster');
  if (user.is_admin === true) roles.push('moderator');
  roles.push('everyone');
  return roles;
}
