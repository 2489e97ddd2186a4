import type { Role } from '@parley/contracts';

/** The role flags of a live chat message's `authorDetails` (YouTube Data API v3). */
export interface YouTubeAuthorDetails {
  isChatOwner?: boolean;
  isChatModerator?: boolean;
  /** A channel member ("sponsor" is the API's old name for memberships). */
  isChatSponsor?: boolean;
  /** Verified channels get a badge, not a role. */
  isVerified?: boolean;
}

/**
 * Maps YouTube's author flags onto platform-neutral roles, highest first, always with
 * `everyone`. The chat owner is the broadcaster; members rank as subscribers. YouTube has
 * no VIP.
 */
export function youtubeRoles(author: YouTubeAuthorDetails): Role[] {
  const roles: Role[] = [];
  if (author.isChatOwner === true) roles.push('broadcaster');
  if (author.isChatModerator === true) roles.push('moderator');
  if (author.isChatSponsor === true) roles.push('subscriber');
  roles.push('everyone');
  return roles;
}
