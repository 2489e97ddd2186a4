import { decodeChatEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { TmiNormalizeError } from './errors.js';
import { IrcMessage } from './irc-message.js';
import { normalizePrivmsg } from './normalize.js';

const receivedAt = new Date('2026-11-25T10:00:00.250Z');

function privmsg(tags: Record<string, string>, text = 'hello chat', login = 'alice'): IrcMessage {
  return new IrcMessage({ tags, prefix: `${login}!${login}@${login}.tmi.twitch.tv`, command: 'PRIVMSG', params: ['#Demo', text], trailing: true });
}

const tags = {
  'badge-info': 'subscriber/14',
  badges: 'moderator/1,subscriber/12',
  color: '#1E90FF',
  'display-name': 'Alice',
  emotes: '',
  'first-msg': '1',
  id: 'b34ccfc7-4977-403a-8a94-33c6bac34fb8',
  mod: '1',
  'room-id': '1337',
  subscriber: '1',
  'tmi-sent-ts': '1795600800000',
  turbo: '0',
  'user-id': '42',
  'user-type': 'mod',
};

describe('normalizePrivmsg', () => {
  it('builds a v1 ChatEvent that passes the contract', () => {
    const event = normalizePrivmsg(privmsg(tags), { receivedAt, botLogin: 'parleybot' });
    expect(decodeChatEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    expect(event).toMatchObject({
      v: 1,
      id: 'twitch:b34ccfc7-4977-403a-8a94-33c6bac34fb8',
      platform: 'twitch',
      channel: { id: '1337', name: 'demo' },
      author: { id: '42', name: 'alice', displayName: 'Alice', roles: ['moderator', 'subscriber', 'everyone'], isBot: false },
      text: 'hello chat',
      kind: 'message',
      sentAt: new Date(1795600800000).toISOString(),
      receivedAt: '2026-11-25T10:00:00.250Z',
    });
    expect(event.replyTo).toBeUndefined();
    expect(event.extras).toMatchObject({ firstMessage: true, color: '#1E90FF', subscriberMonths: 14 });
  });

  it('carries the reply parent and falls back to the login without a display name', () => {
    const event = normalizePrivmsg(
      privmsg({ ...tags, 'display-name': '', 'reply-parent-msg-id': 'parent-1', 'reply-parent-user-login': 'bob' }),
      { receivedAt, botLogin: 'parleybot' },
    );
    expect(event.replyTo).toBe('parent-1');
    expect(event.author.displayName).toBe('alice');
    expect(event.extras?.replyParentLogin).toBe('bob');
    decodeChatEvent(event);
  });

  it('marks the bot itself and known bots as bots', () => {
    expect(normalizePrivmsg(privmsg(tags, 'hi', 'parleybot'), { receivedAt, botLogin: 'ParleyBot' }).author.isBot).toBe(true);
    const knownBots = new Set(['nightbot']);
    expect(normalizePrivmsg(privmsg(tags, 'hi', 'nightbot'), { receivedAt, botLogin: 'parleybot', knownBots }).author.isBot).toBe(true);
    expect(normalizePrivmsg(privmsg(tags, 'hi', 'carol'), { receivedAt, botLogin: 'parleybot', knownBots }).author.isBot).toBe(false);
  });

  it('reads a /me action as its text', () => {
    const event = normalizePrivmsg(privmsg(tags, '\u0001ACTION waves\u0001'), { receivedAt, botLogin: 'parleybot' });
    expect(event.text).toBe('waves');
    expect(event.extras?.action).toBe(true);
  });

  it('uses the receive time when tmi-sent-ts is missing or garbage', () => {
    const { 'tmi-sent-ts': _, ...withoutTs } = tags;
    expect(normalizePrivmsg(privmsg(withoutTs), { receivedAt, botLogin: 'b' }).sentAt).toBe(receivedAt.toISOString());
    expect(normalizePrivmsg(privmsg({ ...tags, 'tmi-sent-ts': 'soon' }), { receivedAt, botLogin: 'b' }).sentAt).toBe(receivedAt.toISOString());
  });

  it.each(['id', 'room-id', 'user-id'])('refuses a message without %s', (missing) => {
    const { [missing]: _, ...rest } = tags as Record<string, string>;
    expect(() => normalizePrivmsg(privmsg(rest), { receivedAt, botLogin: 'b' })).toThrow(TmiNormalizeError);
    expect(() => normalizePrivmsg(privmsg({ ...rest, [missing]: '' }), { receivedAt, botLogin: 'b' })).toThrow(new RegExp(missing));
  });

  it('refuses what the contract would refuse instead of publishing it', () => {
    expect(() => normalizePrivmsg(privmsg({ ...tags, id: 'x'.repeat(300) }), { receivedAt, botLogin: 'b' })).toThrow(TmiNormalizeError);
  });

  it('refuses anything but PRIVMSG', () => {
    const notice = IrcMessage.parse('@msg-id=x :tmi.twitch.tv NOTICE #demo :hi');
    expect(() => normalizePrivmsg(notice, { receivedAt, botLogin: 'b' })).toThrow(/expected PRIVMSG/);
  });

  it('normalizes a line parsed from the wire', () => {
    const line =
      '@badge-info=;badges=vip/1;color=;display-name=Zed;emotes=;first-msg=0;id=m-9;mod=0;room-id=7;subscriber=0;tmi-sent-ts=1795600800123;user-id=9;user-type=;vip=1 :zed!zed@zed.tmi.twitch.tv PRIVMSG #demo :!ping';
    const event = normalizePrivmsg(IrcMessage.parse(line), { receivedAt, botLogin: 'b' });
    expect(event.author.roles).toEqual(['vip', 'everyone']);
    expect(event.text).toBe('!ping');
    expect(event.extras).not.toHaveProperty('color');
  });
});
