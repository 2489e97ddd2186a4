import { describe, expect, it } from 'vitest';
import { TmiNormalizeError } from './errors.js';
import { IrcMessage } from './irc-message.js';
import { normalizeClearChat, normalizeClearMsg, normalizePrivmsg, normalizeUserNotice } from './normalize.js';

const options = { receivedAt: new Date('2026-11-25T10:00:00.250Z'), botLogin: 'parleybot' };
const parse = (line: string) => IrcMessage.parse(line);

// Frames as Twitch documents them (dev.twitch.tv/docs/irc/tags), with shorter ids.
const RESUB =
  '@badge-info=subscriber/8;badges=subscriber/6;color=#0D4200;display-name=ronni;emotes=;flags=;id=db25007f-7a18-43eb-9379-80131e44d633;' +
  'login=ronni;mod=0;msg-id=resub;msg-param-cumulative-months=8;msg-param-streak-months=2;msg-param-should-share-streak=1;' +
  'msg-param-sub-plan=Prime;msg-param-sub-plan-name=Prime;room-id=12345678;subscriber=1;' +
  'system-msg=ronni\\shas\\ssubscribed\\sfor\\s8\\smonths!;tmi-sent-ts=1507246572675;user-id=87654321;user-type= ' +
  ':tmi.twitch.tv USERNOTICE #dallas :Great stream -- keep it up!';
const SUBGIFT =
  '@badge-info=;badges=staff/1,premium/1;color=#0000FF;display-name=TWW2;emotes=;id=e9176cd8-5e22-4684-ad40-ce53c2561c5e;login=tww2;' +
  'mod=0;msg-id=subgift;msg-param-months=1;msg-param-recipient-display-name=Mr_Woodchuck;msg-param-recipient-id=55554444;' +
  'msg-param-recipient-user-name=mr_woodchuck;msg-param-sub-plan-name=House\\sof\\sNyoro~n;msg-param-sub-plan=1000;room-id=19571752;' +
  'subscriber=0;system-msg=TWW2\\sgifted\\sa\\sTier\\s1\\ssub\\sto\\sMr_Woodchuck!;tmi-sent-ts=1521159445153;turbo=0;user-id=87654321;user-type=staff ' +
  ':tmi.twitch.tv USERNOTICE #forstycup';
const RAID =
  '@badge-info=;badges=turbo/1;color=#9ACD32;display-name=TestChannel;emotes=;id=3d830f12-795c-447d-af3c-ea05e40fbddb;login=testchannel;' +
  'mod=0;msg-id=raid;msg-param-displayName=TestChannel;msg-param-login=testchannel;msg-param-viewerCount=15;room-id=33332222;' +
  'subscriber=0;system-msg=15\\sraiders\\sfrom\\sTestChannel\\shave\\sjoined\\n!;tmi-sent-ts=1507246572675;turbo=1;user-id=123456;user-type= ' +
  ':tmi.twitch.tv USERNOTICE #othertestchannel';

describe('normalizeUserNotice', () => {
  it('turns a resub into a subscription event with the viewer message and the plan', () => {
    const event = normalizeUserNotice(parse(RESUB), options);
    expect(event).toMatchObject({
      id: 'twitch:db25007f-7a18-43eb-9379-80131e44d633',
      kind: 'subscription',
      channel: { id: '12345678', name: 'dallas' },
      author: { id: '87654321', name: 'ronni', roles: ['subscriber', 'everyone'], isBot: false },
      text: 'Great stream -- keep it up!',
      sentAt: new Date(1507246572675).toISOString(),
      extras: { notice: 'resub', plan: 'Prime', months: 8, streakMonths: 2 },
    });
  });

  it('turns a gifted sub into a subscription event naming the recipient, with the system message as text', () => {
    const event = normalizeUserNotice(parse(SUBGIFT), options);
    expect(event).toMatchObject({
      kind: 'subscription',
      author: { name: 'tww2' },
      text: 'TWW2 gifted a Tier 1 sub to Mr_Woodchuck!',
      extras: { notice: 'subgift', plan: 1000, recipientId: 55554444, recipientLogin: 'mr_woodchuck' },
    });
  });

  it('turns a raid into a raid event with the viewer count', () => {
    expect(normalizeUserNotice(parse(RAID), options)).toMatchObject({
      kind: 'raid',
      channel: { id: '33332222', name: 'othertestchannel' },
      author: { id: '123456', name: 'testchannel' },
      extras: { notice: 'raid', viewers: 15, raiderLogin: 'testchannel' },
    });
  });

  it('ignores notices Parley does not act on', () => {
    expect(normalizeUserNotice(parse(RAID.replace('msg-id=raid', 'msg-id=announcement')), options)).toBeNull();
  });

  it('refuses a notice without the tags an event needs', () => {
    expect(() => normalizeUserNotice(parse(RAID.replace('user-id=123456;', '')), options)).toThrow(TmiNormalizeError);
  });
});

describe('normalizeClearChat', () => {
  const TIMEOUT = '@ban-duration=350;room-id=12345678;target-user-id=87654321;tmi-sent-ts=1642715756806 :tmi.twitch.tv CLEARCHAT #dallas :ronni';
  const BAN = '@room-id=12345678;target-user-id=87654321;tmi-sent-ts=1642715695392 :tmi.twitch.tv CLEARCHAT #dallas :ronni';
  const CLEAR = '@room-id=12345678;tmi-sent-ts=1642715695392 :tmi.twitch.tv CLEARCHAT #dallas';

  it('turns a timeout into a moderation event with its duration and the affected viewer', () => {
    expect(normalizeClearChat(parse(TIMEOUT), options)).toMatchObject({
      id: 'twitch:clearchat:12345678:87654321:1642715756806',
      kind: 'moderation',
      author: { id: '87654321', name: 'ronni' },
      text: '',
      extras: { action: 'timeout', durationSeconds: 350 },
    });
  });

  it('tells a ban from a timeout, and a full clear from both', () => {
    expect(normalizeClearChat(parse(BAN), options).extras).toEqual({ action: 'ban' });
    expect(normalizeClearChat(parse(CLEAR), options)).toMatchObject({
      id: 'twitch:clearchat:12345678:all:1642715695392',
      author: { id: '12345678', name: 'dallas' },
      extras: { action: 'clear' },
    });
  });

  it('derives the same id from the same frame on every pod', () => {
    expect(normalizeClearChat(parse(TIMEOUT), options).id).toBe(normalizeClearChat(parse(TIMEOUT), { ...options, receivedAt: new Date() }).id);
  });
});

describe('normalizeClearMsg', () => {
  it('turns a deleted message into a moderation event naming it', () => {
    const frame = '@login=ronni;room-id=;target-msg-id=abc-123-def;tmi-sent-ts=1642720582342 :tmi.twitch.tv CLEARMSG #dallas :HeyGuys';
    expect(normalizeClearMsg(parse(frame), options)).toMatchObject({
      id: 'twitch:clearmsg:abc-123-def',
      kind: 'moderation',
      channel: { id: 'login:dallas', name: 'dallas' },
      author: { id: 'login:ronni', name: 'ronni' },
      text: 'HeyGuys',
      replyTo: 'abc-123-def',
      extras: { action: 'delete', targetMessageId: 'abc-123-def' },
    });
  });
});

describe('cheers', () => {
  it('makes a PRIVMSG with bits a cheer, which never runs a command', () => {
    const frame =
      '@badge-info=;badges=;bits=100;color=;display-name=ronni;emotes=;id=b34ccfc7-4977-403a-8a94-33c6bac34fb8;mod=0;room-id=1337;' +
      'subscriber=0;tmi-sent-ts=1507246572675;turbo=1;user-id=1337;user-type= :ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #ronni :cheer100 !ping';
    expect(normalizePrivmsg(parse(frame), options)).toMatchObject({ kind: 'cheer', extras: { bits: 100 } });
  });
});
