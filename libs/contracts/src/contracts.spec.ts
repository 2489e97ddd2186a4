import { describe, expect, it } from 'vitest';
import { CommandKeys, ContractError, ShardingKeys, StreamKeys, chatActionId, decodeChatAction, decodeChatEvent, hashTagOf } from './index.js';

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

describe('the key layout rule (Redis Cluster: keys one script touches share a hash tag)', () => {
  const keys = new StreamKeys('parley', 8);

  it('puts a channel’s events, actions, publish-once marks, dead letters and consumer heartbeats in one tag', () => {
    const tag = hashTagOf(keys.eventStreamFor('twitch', 'room-1'));
    for (const key of [
      keys.actionsFor('twitch', 'room-1'),
      keys.handled('twitch', 'room-1', 'twitch:m1'),
      keys.seen('twitch', 'room-1', 'twitch:m1'),
      keys.deadLetterFor(keys.eventStreamFor('twitch', 'room-1')),
      keys.consumers('router', keys.eventStreamFor('twitch', 'room-1')),
    ]) {
      expect(hashTagOf(key)).toBe(tag);
    }
  });

  it('spreads the partitions over distinct tags, one per partition, shared by events and every platform’s actions', () => {
    const tags = keys.allEventPartitions().map(hashTagOf);
    expect(new Set(tags).size).toBe(8);
    expect(keys.allActionPartitions('youtube').map(hashTagOf)).toEqual(tags);
    expect(keys.allDeadLetterStreams().map(hashTagOf)).toEqual(tags);
  });

  it('tags a command’s cooldowns, counter and charge marks together, and a lease with its fence', () => {
    const commands = new CommandKeys('parley');
    const tag = hashTagOf(commands.count('c1', 'ping'));
    expect([commands.cooldown('c1', 'ping'), commands.userCooldown('c1', 'ping', 'u1'), commands.charged('c1', 'ping', 'e1')].map(hashTagOf)).toEqual([tag, tag, tag]);
    const sharding = new ShardingKeys('parley');
    expect(hashTagOf(sharding.fence('twitch:room-1'))).toBe(hashTagOf(sharding.lease('twitch:room-1')));
    expect(hashTagOf(sharding.assignment('twitch'))).toBe(hashTagOf(sharding.lease(sharding.leaderLease)));
  });

  it('refuses to derive a slot-mate of a stream without a hash tag', () => {
    expect(() => keys.deadLetterFor('parley:untagged')).toThrow(RangeError);
    expect(hashTagOf('a:{}:b')).toBeUndefined();
    expect(hashTagOf('a:{x}:{y}')).toBe('x');
  });
});
