import type { ChatEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { normalizeEventSub } from './eventsub-normalize.js';
import type { EventSubFrame } from './eventsub-session.js';
import { IrcMessage } from './irc-message.js';
import { normalizeClearMsg, normalizePrivmsg, normalizeUserNotice } from './normalize.js';

/**
 * The shared contract of Twitch's two transports: the same chat, read over IRC or over
 * EventSub, becomes the same ChatEvent in every field the router reads (id, channel,
 * author with roles and bot flag, text, kind, replyTo, sentAt), so the router cannot tell
 * them apart. (The end-to-end half, `e2e/twitch-transports.int.spec.ts`, runs the same
 * router tests over both transports.)
 */
const receivedAt = new Date('2026-12-01T10:00:00.250Z');
const sentMs = Date.parse('2026-12-01T10:00:00.000Z');
const options = { receivedAt, botLogin: 'parleybot', knownBots: new Set(['nightbot']) };
const room = { id: '1337', login: 'demo' };

const ircLine = (command: string, tags: Record<string, string>, login: string, text?: string) =>
  new IrcMessage({
    tags: { 'room-id': room.id, 'tmi-sent-ts': String(sentMs), ...tags },
    prefix: command === 'PRIVMSG' ? `${login}!${login}@${login}.tmi.twitch.tv` : 'tmi.twitch.tv',
    command,
    params: text === undefined ? [`#${room.login}`] : [`#${room.login}`, text],
    trailing: text !== undefined,
  });

const eventSubFrame = (type: string, event: Record<string, unknown>): EventSubFrame => ({
  metadata: { message_id: 'notification-1', message_type: 'notification', message_timestamp: new Date(sentMs).toISOString(), subscription_type: type, subscription_version: '1' },
  payload: { event: { broadcaster_user_id: room.id, broadcaster_user_login: room.login, broadcaster_user_name: 'Demo', ...event } },
});

/** What the router reads of an event; extras are each transport's own bounded details. */
const routed = (event: ChatEvent | null | undefined) => {
  if (!event) return event;
  const { extras: _extras, ...rest } = event;
  return rest;
};

const scenarios: Array<{ name: string; irc: IrcMessage; eventSub: EventSubFrame; normalizeIrc: typeof normalizePrivmsg }> = [
  {
    name: 'a viewer’s command',
    irc: ircLine('PRIVMSG', { id: 'm-1', 'user-id': '42', 'display-name': 'Alice', badges: '' }, 'alice', '!ping'),
    eventSub: eventSubFrame('channel.chat.message', {
      chatter_user_id: '42',
      chatter_user_login: 'alice',
      chatter_user_name: 'Alice',
      message_id: 'm-1',
      message: { text: '!ping', fragments: [] },
      badges: [],
      cheer: null,
      reply: null,
    }),
    normalizeIrc: normalizePrivmsg,
  },
  {
    name: 'a moderator and subscriber replying',
    irc: ircLine('PRIVMSG', { id: 'm-2', 'user-id': '43', 'display-name': 'Bob', badges: 'moderator/1,subscriber/12', 'reply-parent-msg-id': 'm-1' }, 'bob', '!addcom hi hello'),
    eventSub: eventSubFrame('channel.chat.message', {
      chatter_user_id: '43',
      chatter_user_login: 'bob',
      chatter_user_name: 'Bob',
      message_id: 'm-2',
      message: { text: '!addcom hi hello', fragments: [] },
      badges: [
        { set_id: 'moderator', id: '1', info: '' },
        { set_id: 'subscriber', id: '12', info: '12' },
      ],
      cheer: null,
      reply: { parent_message_id: 'm-1' },
    }),
    normalizeIrc: normalizePrivmsg,
  },
  {
    name: 'another bot (never answered)',
    irc: ircLine('PRIVMSG', { id: 'm-3', 'user-id': '44', 'display-name': 'Nightbot', badges: '' }, 'nightbot', '!ping'),
    eventSub: eventSubFrame('channel.chat.message', {
      chatter_user_id: '44',
      chatter_user_login: 'nightbot',
      chatter_user_name: 'Nightbot',
      message_id: 'm-3',
      message: { text: '!ping', fragments: [] },
      badges: [],
      cheer: null,
      reply: null,
    }),
    normalizeIrc: normalizePrivmsg,
  },
  {
    name: 'a cheer',
    irc: ircLine('PRIVMSG', { id: 'm-4', 'user-id': '45', 'display-name': 'Carol', badges: '', bits: '100' }, 'carol', 'cheer100 !ping'),
    eventSub: eventSubFrame('channel.chat.message', {
      chatter_user_id: '45',
      chatter_user_login: 'carol',
      chatter_user_name: 'Carol',
      message_id: 'm-4',
      message: { text: 'cheer100 !ping', fragments: [] },
      badges: [],
      cheer: { bits: 100 },
      reply: null,
    }),
    normalizeIrc: normalizePrivmsg,
  },
  {
    name: 'a raid',
    irc: ircLine('USERNOTICE', { id: 'n-1', 'user-id': '46', login: 'raider', 'display-name': 'Raider', badges: '', 'msg-id': 'raid', 'system-msg': '5 raiders from Raider have joined!' }, 'raider'),
    eventSub: eventSubFrame('channel.chat.notification', {
      chatter_user_id: '46',
      chatter_user_login: 'raider',
      chatter_user_name: 'Raider',
      message_id: 'n-1',
      message: { text: '', fragments: [] },
      system_message: '5 raiders from Raider have joined!',
      notice_type: 'raid',
      badges: [],
    }),
    normalizeIrc: normalizeUserNotice as typeof normalizePrivmsg,
  },
  {
    name: 'a deleted message (the same event id over both transports)',
    irc: ircLine('CLEARMSG', { login: 'alice', 'target-msg-id': 'm-1' }, 'alice', ''),
    eventSub: eventSubFrame('channel.chat.message_delete', { target_user_id: '42', target_user_login: 'alice', target_user_name: 'Alice', message_id: 'm-1' }),
    normalizeIrc: normalizeClearMsg,
  },
];

describe('the Twitch transports’ shared contract', () => {
  it.each(scenarios)('$name: IRC and EventSub give the same event', ({ irc, eventSub, normalizeIrc }) => {
    const fromIrc = normalizeIrc(irc, options);
    const fromEventSub = normalizeEventSub(eventSub, options);
    if (irc.command === 'CLEARMSG') {
      // CLEARMSG names the author by login only; the rest must agree.
      expect({ ...routed(fromEventSub), author: undefined }).toEqual({ ...routed(fromIrc), author: undefined });
      return;
    }
    expect(routed(fromEventSub)).toEqual(routed(fromIrc));
  });

  it('leaves out what is not chat, and notices Parley does not act on', () => {
    expect(normalizeEventSub({ metadata: { message_id: 'k', message_type: 'session_keepalive', message_timestamp: new Date().toISOString() }, payload: {} }, options)).toBeUndefined();
    expect(normalizeEventSub(eventSubFrame('channel.chat.notification', { message_id: 'a-1', notice_type: 'announcement', chatter_user_login: 'mod' }), options)).toBeNull();
  });

  it('refuses a chat frame missing what an event needs (dead-lettered with the reason)', () => {
    expect(() => normalizeEventSub(eventSubFrame('channel.chat.message', { chatter_user_login: 'alice', message: { text: 'hi' } }), options)).toThrow(/missing "message_id"/);
  });
});
