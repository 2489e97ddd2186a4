import type { Role } from '@parley/contracts';

/**
 * Each source's role ladder onto Parley's (everyone < subscriber < vip < moderator <
 * broadcaster). Where Parley has no twin (regulars, super moderators, editors), the level
 * goes to the stricter side: a command never becomes usable by more people than before.
 */
export interface MappedRole {
  role: Role;
  /** Set when the mapping is not exact. */
  note: string | null;
}

const exact = (role: Role): MappedRole => ({ role, note: null });
const stricter = (role: Role, what: string): MappedRole => ({ role, note: `${what} has no Parley twin; mapped to the stricter ${role}` });

/** Nightbot `userLevel` (api-docs `_userlevels.md`). Unknown values: broadcaster, the strictest. */
export function nightbotRole(level: string): MappedRole {
  switch (level) {
    case 'everyone':
      return exact('everyone');
    case 'subscriber':
      return exact('subscriber');
    case 'regular':
      return stricter('vip', 'Nightbot "regular"');
    case 'twitch_vip':
    case 'soop_vip':
      return exact('vip');
    case 'moderator':
      return exact('moderator');
    case 'owner':
      return exact('broadcaster');
    case 'admin':
      return stricter('broadcaster', 'Nightbot "admin" (Nightbot staff)');
    default:
      return stricter('broadcaster', `unknown Nightbot level "${level.slice(0, 32)}"`);
  }
}

/** StreamElements `accessLevel`: a minimum on a numeric ladder, so values map by threshold. */
export function streamElementsRole(level: number): MappedRole {
  if (!Number.isFinite(level) || level >= 1500) return exact('broadcaster');
  if (level >= 1000) return stricter('broadcaster', `StreamElements super moderator (${level})`);
  if (level >= 500) return exact('moderator');
  if (level >= 400) return exact('vip');
  if (level >= 300) return stricter('vip', `StreamElements regular (${level})`);
  if (level >= 250) return exact('subscriber');
  return exact('everyone');
}

/**
 * SLCB `Permission` strings (UI names; exact JSON spellings are unverified, so matching
 * ignores case, spaces and underscores). The special permissions (one user, a rank,
 * points or hours) are requirements no role expresses: broadcaster plus a requirement.
 */
export function slcbRole(permission: string, info: string): MappedRole & { requirement: string | null } {
  const key = permission.toLowerCase().replace(/[\s_-]/gu, '');
  const plain = (mapped: MappedRole) => ({ ...mapped, requirement: null });
  switch (key) {
    case '':
    case 'everyone':
      return plain(exact('everyone'));
    case 'subscriber':
      return plain(exact('subscriber'));
    case 'gamewispsubscriber':
      return plain(stricter('vip', 'SLCB "GameWisp Subscriber"'));
    case 'regular':
      return plain(stricter('vip', 'SLCB "Regular"'));
    case 'moderator':
      return plain(exact('moderator'));
    case 'editor':
      return plain(stricter('broadcaster', 'SLCB "Editor"'));
    case 'caster':
    case 'broadcaster':
      return plain(exact('broadcaster'));
    case 'userspecific':
    case 'minrank':
    case 'minpoints':
    case 'minhours': {
      const requirement = `SLCB permission ${permission}${info ? ` (${info.slice(0, 64)})` : ''} cannot be expressed as a role`;
      return { role: 'broadcaster', note: `${requirement}; restricted to the broadcaster`, requirement };
    }
    default:
      return plain(stricter('broadcaster', `unknown SLCB permission "${permission.slice(0, 32)}"`));
  }
}
