import type { ChatEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { FilterSettings } from '../settings.js';
import { bannedWordMatcher, charCounts, emoteCount, isAllowedHost, linkHosts, tooLong, tooManyCaps, tooManyEmotes, tooManySymbols } from './checks.js';

const settings = FilterSettings.parse({});
const line = (text: string, extras?: ChatEvent['extras']): ChatEvent => ({
  v: 1,
  id: 'twitch:1',
  platform: 'twitch',
  channel: { id: 'c', name: 'c' },
  author: { id: 'u', name: 'u', displayName: 'u', roles: ['everyone'], isBot: false },
  text,
  kind: 'message',
  sentAt: '2026-12-01T10:00:00.000Z',
  receivedAt: '2026-12-01T10:00:00.000Z',
  extras,
});

describe('filter checks', () => {
  it('length: over the maximum only', () => {
    expect(tooLong('a'.repeat(401), settings.length)).toMatch(/longer than 400/);
    expect(tooLong('a'.repeat(400), settings.length)).toBeNull();
  });

  it('counts letters, capitals, visible characters, symbols and emoji in one pass, as the Unicode properties define them', () => {
    const reference = (text: string) => {
      const visible = text.replace(/\s+/gu, '');
      return {
        letters: text.match(/[\p{Lu}\p{Ll}]/gu)?.length ?? 0,
        upper: text.match(/\p{Lu}/gu)?.length ?? 0,
        visible: visible.length,
        symbols: visible.match(/[^\p{L}\p{N}\s]/gu)?.length ?? 0,
        emoji: text.match(/\p{Extended_Pictographic}/gu)?.length ?? 0,
      };
    };
    const samples = [
      '',
      '   ',
      'Hello, World! 123',
      'ÜBER ärgerlich ǅ ß Σσς',
      '😀😀 🎉 ©® ™ #1 *',
      'tab\there\nnew\u00a0nbsp\u3000ideo\u2028sep\ufeff',
      '𝐀𝐁𝐂 𝒶 ١٢٣ 漢字 かな',
      'lone \ud800 high \udc00 low \ud83d',
      '\u0000\u0007\u007f control',
    ];
    // And some noise over the whole of the BMP and beyond.
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 200; i++) samples.push(Array.from({ length: 40 }, () => String.fromCodePoint(Math.floor(random() * (random() < 0.5 ? 0x80 : 0x1faff)))).join(''));
    for (const text of samples) expect(charCounts(text), JSON.stringify(text)).toEqual(reference(text));
  });

  it('caps: a shouted line, not a short one or a normal one', () => {
    expect(tooManyCaps('THIS IS WAY TOO LOUD FOR CHAT', settings.caps)).toBe('too many capital letters');
    expect(tooManyCaps('LOL OK', settings.caps)).toBeNull();
    expect(tooManyCaps('This is a Normal Sentence with NASA in it', settings.caps)).toBeNull();
    expect(tooManyCaps('ÜBER ÄRGERLICH LAUTER SATZ HIER', settings.caps)).toBe('too many capital letters');
  });

  it('symbols: a wall of symbols, not punctuation', () => {
    expect(tooManySymbols('$$$ %%% ^^^ &&& *** ### @@@', settings.symbols)).toBe('too many symbols');
    expect(tooManySymbols('Well, that was fun! Right? Yes.', settings.symbols)).toBeNull();
  });

  it('emotes: emoji and Twitch emote ranges together', () => {
    expect(emoteCount(line('hi 😀😀 there 🎉'))).toBe(3);
    expect(emoteCount(line('Kappa Kappa PogChamp', { emotes: '25:0-4,6-10/88:12-19' }))).toBe(3);
    expect(tooManyEmotes(line('😀'.repeat(16)), settings.emotes)).toMatch(/more than 15/);
    expect(tooManyEmotes(line('😀'.repeat(15)), settings.emotes)).toBeNull();
  });

  it('words: whole words and phrases, any case, not inside other words', () => {
    const banned = bannedWordMatcher(['spam', 'buy followers', 'a.b'])!;
    expect(banned.test('this is SPAM!')).toBe(true);
    expect(banned.test('want to Buy  followers')).toBe(false);
    expect(banned.test('want to buy followers?')).toBe(true);
    expect(banned.test('spammer here')).toBe(false);
    expect(banned.test('a.b')).toBe(true);
    expect(banned.test('axb')).toBe(false);
    expect(bannedWordMatcher([])).toBeNull();
  });

  it('links: hosts of bare and full links, not abbreviations or dotted numbers', () => {
    expect(linkHosts('go to example.com now')).toEqual(['example.com']);
    expect(linkHosts('see https://Clips.Twitch.tv/abc?x=1, ok')).toEqual(['clips.twitch.tv']);
    expect(linkHosts('(www.evil.xyz/path)')).toEqual(['www.evil.xyz']);
    expect(linkHosts('e.g. this, v1.2.3 and 3.14 and end.')).toEqual([]);
    expect(isAllowedHost('clips.twitch.tv', ['twitch.tv'])).toBe(true);
    expect(isAllowedHost('twitch.tv', ['*.twitch.tv'])).toBe(true);
    expect(isAllowedHost('nottwitch.tv', ['twitch.tv'])).toBe(false);
  });
});
