import { describe, expect, it } from 'vitest';
import { IrcParseError } from './errors.js';
import { IrcMessage, escapeTagValue, unescapeTagValue } from './irc-message.js';

const PRIVMSG =
  '@badge-info=subscriber/12;badges=moderator/1,subscriber/12;color=#FF0000;display-name=Alice;emotes=;first-msg=0;id=4f1c;mod=1;room-id=1234;tmi-sent-ts=1700000000000;user-id=42 :alice!alice@alice.tmi.twitch.tv PRIVMSG #demo :hello there, world';

describe('IrcMessage.parse', () => {
  it('reads tags, prefix, command, params and the trailing text of a Twitch PRIVMSG', () => {
    const message = IrcMessage.parse(PRIVMSG);
    expect(message.command).toBe('PRIVMSG');
    expect(message.prefix).toBe('alice!alice@alice.tmi.twitch.tv');
    expect(message.params).toEqual(['#demo', 'hello there, world']);
    expect(message.nick).toBe('alice');
    expect(message.channel).toBe('demo');
    expect(message.text).toBe('hello there, world');
    expect(message.tags.get('badges')).toBe('moderator/1,subscriber/12');
    expect(message.tags.get('emotes')).toBe('');
    expect(message.tags.get('user-id')).toBe('42');
  });

  it('reads lines without tags or prefix, and with CRLF', () => {
    const ping = IrcMessage.parse('PING :tmi.twitch.tv\r\n');
    expect(ping.command).toBe('PING');
    expect(ping.prefix).toBeUndefined();
    expect(ping.tags.size).toBe(0);
    expect(ping.text).toBe('tmi.twitch.tv');

    const join = IrcMessage.parse(':bot!bot@bot.tmi.twitch.tv JOIN #demo');
    expect(join.params).toEqual(['#demo']);
    expect(join.text).toBeUndefined();
    expect(join.channel).toBe('demo');

    const welcome = IrcMessage.parse(':tmi.twitch.tv 001 bot :Welcome, GLHF!');
    expect(welcome.command).toBe('001');
    expect(welcome.nick).toBeUndefined();
    expect(welcome.params).toEqual(['bot', 'Welcome, GLHF!']);
  });

  it('keeps an empty trailing parameter and colons inside the text', () => {
    const message = IrcMessage.parse(':a!a@a PRIVMSG #c ::) hi: there');
    expect(message.text).toBe(':) hi: there');
    expect(IrcMessage.parse('PRIVMSG #c :').params).toEqual(['#c', '']);
  });

  it('unescapes tag values', () => {
    const message = IrcMessage.parse('@system-msg=a\\sb\\:c\\\\d\\r\\n;x=y\\ :tmi.twitch.tv USERNOTICE #c');
    expect(message.tags.get('system-msg')).toBe('a b;c\\d\r\n');
    // A lone trailing backslash is dropped (IRCv3).
    expect(message.tags.get('x')).toBe('y');
  });

  it.each([
    ['@bad$key=1;ü/ñ=2;+x.y/z_w=3;=4;a=b=c :tmi.twitch.tv PRIVMSG #c :hi', { 'bad$key': '1', 'ü/ñ': '2', '+x.y/z_w': '3', a: 'b=c' }, 'PRIVMSG'],
    ['@k=v PRIV-MSG #c', { k: 'v' }, 'PRIV-MSG'],
    [': 12 x', {}, '12'],
  ])('accepts unknown tag keys and command words: %j', (line, tags, command) => {
    const message = IrcMessage.parse(line);
    expect(Object.fromEntries(message.tags)).toEqual(tags);
    expect(message.command).toBe(command);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'spaces only'],
    ['@', 'bare tag marker'],
    ['@a=b', 'tags without command'],
    [':prefix-only', 'prefix without command'],
    ['@a=1;b=2 :tmi.twitch.tv', 'tags and prefix without command'],
    ['PRIVMSG #c :a\nPRIVMSG #c :b', 'embedded line break'],
    ['PING \0', 'NUL byte'],
    ['\u00ff\u0000\u0001garbage', 'binary garbage'],
  ])('rejects %j (%s) with IrcParseError', (line) => {
    expect(() => IrcMessage.parse(line)).toThrow(IrcParseError);
  });

  it('throws only IrcParseError on random input', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const alphabet = '@:; =#!\\\r\nabcPRIVMSG019\u0000é';
    for (let i = 0; i < 2_000; i++) {
      const line = Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      try {
        IrcMessage.parse(line);
      } catch (error) {
        expect(error).toBeInstanceOf(IrcParseError);
      }
    }
  });
});

describe('IrcMessage.toString', () => {
  it.each([
    PRIVMSG,
    'PING :tmi.twitch.tv',
    ':bot!bot@bot.tmi.twitch.tv JOIN #demo',
    ':tmi.twitch.tv 004 bot :-',
    '@msg-id=msg_ratelimit :tmi.twitch.tv NOTICE #demo :Your message was not sent because you are sending messages too quickly.',
    '@ban-duration=600;room-id=1;target-user-id=2;tmi-sent-ts=3 :tmi.twitch.tv CLEARCHAT #demo :troll',
  ])('round-trips %s', (line) => {
    expect(IrcMessage.parse(line).toString()).toBe(line);
  });

  it('escapes tag values so they parse back to the same value', () => {
    const value = 'semi;colon space back\\slash\r\nend';
    const message = new IrcMessage({ tags: { 'reply-parent-msg-body': value }, command: 'PRIVMSG', params: ['#c', 'hi'], trailing: true });
    const line = message.toString();
    expect(line).toBe('@reply-parent-msg-body=semi\\:colon\\sspace\\sback\\\\slash\\r\\nend PRIVMSG #c :hi');
    expect(IrcMessage.parse(line).tags.get('reply-parent-msg-body')).toBe(value);
  });

  it('writes a last parameter with spaces as trailing even when not asked', () => {
    expect(new IrcMessage({ command: 'PRIVMSG', params: ['#c', 'two words'] }).toString()).toBe('PRIVMSG #c :two words');
    expect(new IrcMessage({ command: 'JOIN', params: ['#c'] }).toString()).toBe('JOIN #c');
  });
});

describe('tag value escaping', () => {
  it('escapes and unescapes every special character', () => {
    expect(escapeTagValue('a; b\\c\rd\ne')).toBe('a\\:\\sb\\\\c\\rd\\ne');
    expect(unescapeTagValue('a\\:\\sb\\\\c\\rd\\ne')).toBe('a; b\\c\rd\ne');
  });

  it('reads an unknown escape as the character itself', () => {
    expect(unescapeTagValue('\\b\\x')).toBe('bx');
  });

  it('round-trips arbitrary strings', () => {
    for (const value of ['', '\\\\', ';;;', '\\s literally', 'emoji 🎉 ; ok', '\\']) {
      expect(unescapeTagValue(escapeTagValue(value))).toBe(value);
    }
  });
});
