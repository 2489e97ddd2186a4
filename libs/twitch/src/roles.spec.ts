import { describe, expect, it } from 'vitest';
import { twitchRoles } from './roles.js';

describe('twitchRoles', () => {
  it('maps every role badge, highest first, always with everyone', () => {
    expect(twitchRoles('broadcaster/1,moderator/1,subscriber/12,vip/1')).toEqual(['broadcaster', 'moderator', 'vip', 'subscriber', 'everyone']);
  });

  it('gives everyone only to a viewer without badges', () => {
    expect(twitchRoles(undefined)).toEqual(['everyone']);
    expect(twitchRoles('')).toEqual(['everyone']);
  });

  it('ignores badges that grant no role', () => {
    expect(twitchRoles('turbo/1,premium/1,glhf-pledge/1,constructor/1')).toEqual(['everyone']);
  });

  it('treats founders as subscribers', () => {
    expect(twitchRoles('founder/0')).toEqual(['subscriber', 'everyone']);
  });

  it('reads the mod, vip and subscriber tags too', () => {
    expect(twitchRoles('', { mod: '1' })).toEqual(['moderator', 'everyone']);
    expect(twitchRoles(undefined, new Map([['vip', '1'], ['subscriber', '1']]))).toEqual(['vip', 'subscriber', 'everyone']);
    expect(twitchRoles(undefined, { mod: '0', subscriber: '0' })).toEqual(['everyone']);
  });

  it('reports a role once even when badge and tag both grant it', () => {
    expect(twitchRoles('moderator/1', { mod: '1' })).toEqual(['moderator', 'everyone']);
  });
});
