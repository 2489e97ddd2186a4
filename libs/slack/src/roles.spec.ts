import { describe, expect, it } from 'vitest';
import { slackRoles } from './roles.js';

describe('slackRoles', () => {
  it('makes owners the broadcaster and admins moderators, highest first', () => {
    expect(slackRoles({ is_primary_owner: true, is_owner: true, is_admin: true })).toEqual(['broadcaster', 'moderator', 'everyone']);
    expect(slackRoles({ is_owner: true })).toEqual(['broadcaster', 'everyone']);
    expect(slackRoles({ is_admin: true })).toEqual(['moderator', 'everyone']);
  });

  it('gives a plain member everyone only', () => {
    expect(slackRoles({ is_admin: false, is_owner: false })).toEqual(['everyone']);
    expect(slackRoles({})).toEqual(['everyone']);
  });

  it('never lets a guest account hold a role', () => {
    expect(slackRoles({ is_restricted: true, is_admin: true })).toEqual(['everyone']);
    expect(slackRoles({ is_ultra_restricted: true, is_owner: true })).toEqual(['everyone']);
  });
});
