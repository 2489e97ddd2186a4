import { decodeChatAction, type ChatEvent, type Role } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { CommandEngine } from './engine.js';
import type { ChannelConfig, CommandSpec } from './types.js';

function event(text: string, roles: Role[] = ['everyone'], isBot = false): ChatEvent {
  return {
    v: 1,
    id: 'twitch:m-1',
    platform: 'twitch',
    channel: { id: '100', name: 'demo' },
    author: { id: '7', name: 'ann', displayName: 'Ann', roles, isBot },
    text,
    kind: 'message',
    sentAt: '2026-11-25T10:00:00.000Z',
    receivedAt: '2026-11-25T10:00:00.005Z',
  };
}

function command(overrides: Partial<CommandSpec>): CommandSpec {
  return {
    name: 'hello',
    aliases: [],
    response: 'Hi $(user)!',
    minRole: 'everyone',
    globalCooldownSeconds: 0,
    userCooldownSeconds: 0,
    moderatorsBypassCooldown: true,
    enabled: true,
    platforms: null,
    ...overrides,
  };
}

const config = (commands: CommandSpec[] = [], commandPrefix = '!'): ChannelConfig => ({
  communityId: 'c1',
  channelId: 'ch1',
  commandPrefix,
  commands,
});

describe('CommandEngine', () => {
  const engine = new CommandEngine();

  it('answers the built-in !ping with a reply to the message', () => {
    const decision = engine.decide(event('!ping'), config());
    expect(decision.outcome).toBe('answered');
    const [action] = decision.actions;
    expect(decodeChatAction(action)).toMatchObject({ kind: 'reply', text: 'Pong!', targetMessageId: 'm-1', causedBy: 'twitch:m-1' });
  });

  it('gives a redelivered event the same action id', () => {
    expect(engine.decide(event('!ping'), config()).actions[0]?.id).toBe(engine.decide(event('!ping'), config()).actions[0]?.id);
  });

  it('answers a community command by name or alias, case-insensitively', () => {
    const cmds = [command({ aliases: ['hi'] })];
    expect(engine.decide(event('!HELLO'), config(cmds)).actions[0]?.text).toBe('Hi Ann!');
    expect(engine.decide(event('!hi there'), config(cmds)).actions[0]?.text).toBe('Hi Ann!');
  });

  it('honours the community prefix', () => {
    expect(engine.decide(event('!ping'), config([], '?')).outcome).toBe('not-a-command');
    expect(engine.decide(event('?ping'), config([], '?')).outcome).toBe('answered');
  });

  it('denies a viewer below the minimum role', () => {
    const cmds = [command({ minRole: 'moderator' })];
    expect(engine.decide(event('!hello', ['everyone', 'subscriber']), config(cmds)).outcome).toBe('denied');
    expect(engine.decide(event('!hello', ['everyone', 'broadcaster']), config(cmds)).outcome).toBe('answered');
  });

  it('never answers a bot, itself included', () => {
    expect(engine.decide(event('!ping', ['everyone'], true), config()).actions).toEqual([]);
  });

  it('respects disabled commands and platform lists', () => {
    expect(engine.decide(event('!hello'), config([command({ enabled: false })])).outcome).toBe('disabled');
    expect(engine.decide(event('!hello'), config([command({ platforms: ['discord'] })])).outcome).toBe('disabled');
  });

  it('ignores chatter and unknown commands', () => {
    expect(engine.decide(event('hello everyone'), config()).outcome).toBe('not-a-command');
    expect(engine.decide(event('!nope'), config()).outcome).toBe('unknown-command');
  });
});
