import { ROLES, type Role } from '@parley/contracts';

const rank = new Map<Role, number>(ROLES.map((role, index) => [role, index]));

/** The highest role a viewer holds. */
export function highestRole(roles: readonly Role[]): Role {
  return roles.reduce<Role>((best, role) => ((rank.get(role) ?? 0) > (rank.get(best) ?? 0) ? role : best), 'everyone');
}

export function meetsRole(roles: readonly Role[], minimum: Role): boolean {
  return (rank.get(highestRole(roles)) ?? 0) >= (rank.get(minimum) ?? 0);
}
