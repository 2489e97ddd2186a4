import { describe, expect, it } from 'vitest';
import { discordRoles, type DiscordRoleSettings } from './roles.js';

const settings: DiscordRoleSettings = {
  ownerId: '80351110224678912',
  moderatorRoleIds: ['111', '112'],
  vipRoleIds: ['222'],
  subscriberRoleIds: ['333'],
};

describe('discordRoles', () => {
  it('maps configured role ids, highest first, always with everyone', () => {
    expect(discordRoles({ authorId: '1', memberRoleIds: ['333', '222', '112'] }, settings)).toEqual([
      'moderator',
      'vip',
      'subscriber',
      'everyone',
    ]);
  });

  it('makes the guild owner the broadcaster without any role', () => {
    expect(discordRoles({ authorId: '80351110224678912', memberRoleIds: [] }, settings)).toEqual(['broadcaster', 'everyone']);
  });

  it('grants nothing for roles the community did not map, or in a DM without a member', () => {
    expect(discordRoles({ authorId: '1', memberRoleIds: ['999', '80351110224678912'] }, settings)).toEqual(['everyone']);
    expect(discordRoles({ authorId: '1' }, settings)).toEqual(['everyone']);
  });

  it('grants nothing when the community mapped no roles at all', () => {
    expect(discordRoles({ authorId: '80351110224678912', memberRoleIds: ['111'] }, {})).toEqual(['everyone']);
  });

  it('supports a broadcaster role for co-owners', () => {
    expect(discordRoles({ authorId: '2', memberRoleIds: ['444'] }, { broadcasterRoleIds: ['444'] })).toEqual(['broadcaster', 'everyone']);
  });
});
