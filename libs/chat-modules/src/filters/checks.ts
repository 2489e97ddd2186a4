import type { ChatEvent } from '@parley/contracts';
import type { FilterSettings } from '../settings.js';

/** The pure filters: each says why a line breaks its rule, or null. Cheap ones first. */

export function tooLong(text: string, settings: FilterSettings['length']): string | null {
  return text.length > settings.max ? `message longer than ${settings.max} characters` : null;
}

/** What the caps, symbols and emotes filters count in a line, in one pass over it (`charCounts`). */
export interface CharCounts {
  /** Code points that are upper- or lower-case letters (`[\p{Lu}\p{Ll}]`). */
  letters: number;
  /** Upper-case letters (`\p{Lu}`). */
  upper: number;
  /** UTF-16 units outside whitespace (`\s`): the line's length without its spaces. */
  visible: number;
  /** Code points that are neither letters, digits nor whitespace (`[^\p{L}\p{N}\s]`). */
  symbols: number;
  /** Emoji (`\p{Extended_Pictographic}`). */
  emoji: number;
}

// Sticky: each tests the one code point at lastIndex (non-ASCII only; ASCII is classified by code).
const WHITESPACE_AT = /\s/uy;
const UPPER_AT = /\p{Lu}/uy;
const LOWER_AT = /\p{Ll}/uy;
const LETTER_OR_DIGIT_AT = /[\p{L}\p{N}]/uy;
const EMOJI_AT = /\p{Extended_Pictographic}/uy;

function matchesAt(regex: RegExp, text: string, index: number): boolean {
  regex.lastIndex = index;
  return regex.test(text);
}

/** The counts of `CharCounts` in one pass: ASCII (most chat) by its code, other code points by Unicode property. */
export function charCounts(text: string): CharCounts {
  const counts: CharCounts = { letters: 0, upper: 0, visible: 0, symbols: 0, emoji: 0 };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) {
      if (code === 32 || (code >= 9 && code <= 13)) continue;
      counts.visible++;
      if (code >= 65 && code <= 90) {
        counts.letters++;
        counts.upper++;
      } else if (code >= 97 && code <= 122) counts.letters++;
      else if (code < 48 || code > 57) counts.symbols++;
      continue;
    }
    const units = code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    if (!matchesAt(WHITESPACE_AT, text, i)) {
      counts.visible += units;
      if (matchesAt(UPPER_AT, text, i)) {
        counts.letters++;
        counts.upper++;
      } else if (matchesAt(LOWER_AT, text, i)) counts.letters++;
      else if (!matchesAt(LETTER_OR_DIGIT_AT, text, i)) counts.symbols++;
      if (matchesAt(EMOJI_AT, text, i)) counts.emoji++;
    }
    i += units - 1;
  }
  return counts;
}

export function tooManyCaps(text: string, settings: FilterSettings['caps'], counts: CharCounts = charCounts(text)): string | null {
  if (text.length < settings.minLength || counts.letters < settings.minLength) return null;
  return counts.upper / counts.letters > settings.maxRatio ? 'too many capital letters' : null;
}

export function tooManySymbols(text: string, settings: FilterSettings['symbols'], counts: CharCounts = charCounts(text)): string | null {
  if (counts.visible < settings.minLength) return null;
  return counts.symbols / counts.visible > settings.maxRatio ? 'too many symbols' : null;
}

/** Emoji in the text plus the platform's own emotes (Twitch's `emotes` tag: `id:0-4,6-10/id2:12-16`). */
export function emoteCount(event: ChatEvent, counts: CharCounts = charCounts(event.text)): number {
  const tag = event.extras?.emotes;
  const platformEmotes = typeof tag === 'string' && tag ? tag.split('/').reduce((sum, emote) => sum + (emote.split(':')[1]?.split(',').length ?? 0), 0) : 0;
  return counts.emoji + platformEmotes;
}

export function tooManyEmotes(event: ChatEvent, settings: FilterSettings['emotes'], counts: CharCounts = charCounts(event.text)): string | null {
  return emoteCount(event, counts) > settings.max ? `more than ${settings.max} emotes` : null;
}

/** Whole words or phrases, case-insensitive. The words are escaped literals: no backtracking. */
export function bannedWordMatcher(words: readonly string[]): RegExp | null {
  if (!words.length) return null;
  const alternatives = words.map((word) => word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

// Anchored on one whitespace-free token with dot-separated labels: linear, no backtracking blow-up.
const LINK = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^\s/@]+@)?((?:[\p{L}\p{N}-]+\.)+(\p{L}{2,63}))(?::\d{1,5})?(?:[/?#].*)?$/iu;

/** The hosts of the links in a line (`example.com`, `https://x.example.com/a`), lower-cased. */
export function linkHosts(text: string): string[] {
  const hosts: string[] = [];
  // Every host has a dot: most lines have none and need no split.
  if (!text.includes('.')) return hosts;
  for (const token of text.split(/\s+/u)) {
    if (!token.includes('.')) continue;
    const host = LINK.exec(token.replace(/^[<("']+|[>)"'.,!?]+$/gu, ''))?.[1];
    if (host) hosts.push(host.toLowerCase());
  }
  return hosts;
}

export function isAllowedHost(host: string, allow: readonly string[]): boolean {
  return allow.some((domain) => {
    const bare = domain.toLowerCase().replace(/^\*?\./u, '');
    return host === bare || host.endsWith(`.${bare}`);
  });
}
