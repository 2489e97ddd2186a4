import { describe, expect, it } from 'vitest';
import { ContractError, StreamKeys, chatActionId, decodeChatAction, decodeChatEvent } from './index.js';

const event = {
  v: 1,
  id: 'twitch:abc',
  platform: 'twitch',
  channel: { id: '1', name: 'demo' },
  author: { id: '2', name: 'viewer', displayName: 'Viewer', roles: ['everyone'], isBot: false },
  text: '!ping',
  kind: 'message',
  sentAt: '2026-11-25T10:00:00.000Z',
  receivedAt: '2026-11-25T10:00:00.010Z',
};

describe('contracts', () => {
  it('decodes a valid v1 event', () => {
    expect(decodeChatEvent(event).text).toBe('!ping');
  });

  it('names an unknown version in the reason', () => {
    expect(() => decodeChatEvent({ ...event, v: 2 })).toThrow(/unsupported version 2/);
  });

  it('rejects unknown fields and says which', () => {
    try {
      decodeChatEvent({ ...event, extra: 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ContractError);
      expect((error as ContractError).reason).toMatch(/extra/);
    }
  });

  it('rejects a payload without a version', () => {
    expect(() => decodeChatAction('not an object')).toThrow(/missing numeric version/);
  });

  it('derives action ids deterministically from the event', () => {
    expect(chatActionId('twitch:abc', 0)).toBe(chatActionId('twitch:abc', 0));
    expect(chatActionId('twitch:abc', 0)).not.toBe(chatActionId('twitch:abc', 1));
  });

  it('keeps a channel on one partition and spreads channels over all of them', () => {
    const keys = new StreamKeys('t', 4);
    expect(keys.eventStreamFor('twitch', '42')).toBe(keys.eventStreamFor('twitch', '42'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => keys.eventStreamFor('twitch', String(i))));
    expect(used).toEqual(new Set(keys.allEventPartitions()));
    expect(keys.eventPartition(3)).toBe('t:events:{3}');
  });
});
