import type { Role } from '@parley/contracts';

/** Twitch badge names that grant a platform-neutral role. Other badges (turbo, premium, ...) grant none. */
const BADGE_ROLES = new Map<string, Role>([
  ['broadcaster', 'broadcaster'],
  ['moderator', 'moderator'],
  ['vip', 'vip'],
  ['subscriber', 'subscriber'],
  // Founders are the first subscribers of a channel; Twitch shows this badge instead of `subscriber`.
  ['founder', 'subscriber'],
]);

/** Highest first, the order the roles are reported in. */
const ORDER: readonly Role[] = ['broadcaster', 'moderator', 'vip', 'subscriber', 'everyone'];

/** Tags that also carry roles: `mod=1`, `vip=1`, `subscriber=1`. */
export type RoleTags = Map<string, string> | Record<string, string | undefined>;

/**
 * Maps a Twitch `badges` tag (`broadcaster/1,moderator/1,subscriber/12,vip/1`) and the
 * `mod`/`vip`/`subscriber` tags onto platform-neutral roles. Always includes `everyone`.
 */
export function twitchRoles(badges: string | undefined, tags?: RoleTags): Role[] {
  const roles = new Set<Role>(['everyone']);
  for (const badge of (badges ?? '').split(',')) {
    const name = badge.split('/')[0]?.trim();
    const role = name ? BADGE_ROLES.get(name) : undefined;
    if (role) roles.add(role);
  }
  const tag = (key: string) => (tags instanceof Map ? tags.get(key) : tags?.[key]);
  if (tag('mod') === '1') roles.add('moderator');
  if (tag('vip') === '1') roles.add('vip');
  if (tag('subscriber') === '1') roles.add('subscriber');
  return ORDER.filter((role) => roles.has(role));
}
