import { describe, expect, it } from 'vitest';
import { youtubeRoles } from './roles.js';

describe('youtubeRoles', () => {
  it('maps owner, moderator and member flags, highest first, always with everyone', () => {
    expect(youtubeRoles({ isChatOwner: true, isChatModerator: true, isChatSponsor: true })).toEqual([
      'broadcaster',
      'moderator',
      'subscriber',
      'everyone',
    ]);
  });

  it('gives a member the subscriber role and nothing more', () => {
    expect(youtubeRoles({ isChatSponsor: true, isChatModerator: false, isChatOwner: false })).toEqual(['subscriber', 'everyone']);
  });

  it('grants nothing for a verified badge or missing flags', () => {
    expect(youtubeRoles({ isVerified: true })).toEqual(['everyone']);
    expect(youtubeRoles({})).toEqual(['everyone']);
  });

  it('never grants vip, which YouTube does not have', () => {
    expect(youtubeRoles({ isChatOwner: true, isChatModerator: true, isChatSponsor: true, isVerified: true })).not.toContain('vip');
  });
});
