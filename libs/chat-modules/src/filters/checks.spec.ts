import type { ChatEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { FilterSettings } from '../settings.js';
import { bannedWordMatcher, emoteCount, isAllowedHost, linkHosts, tooLong, tooManyCaps, tooManyEmotes, tooManySymbols } from './checks.js';

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
