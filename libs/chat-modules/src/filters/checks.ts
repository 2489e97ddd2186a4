import type { ChatEvent } from '@parley/contracts';
import type { FilterSettings } from '../settings.js';

/** The pure filters: each says why a line breaks its rule, or null. Cheap ones first. */

export function tooLong(text: string, settings: FilterSettings['length']): string | null {
  return text.length > settings.max ? `message longer than ${settings.max} characters` : null;
}

const UPPER = /\p{Lu}/gu;
const LETTER = /[\p{Lu}\p{Ll}]/gu;

export function tooManyCaps(text: string, settings: FilterSettings['caps']): string | null {
  if (text.length < settings.minLength) return null;
  const letters = text.match(LETTER)?.length ?? 0;
  if (letters < settings.minLength) return null;
  const upper = text.match(UPPER)?.length ?? 0;
  return upper / letters > settings.maxRatio ? 'too many capital letters' : null;
}

const SYMBOL = /[^\p{L}\p{N}\s]/gu;

export function tooManySymbols(text: string, settings: FilterSettings['symbols']): string | null {
  const visible = text.replace(/\s+/gu, '');
  if (visible.length < settings.minLength) return null;
  const symbols = visible.match(SYMBOL)?.length ?? 0;
  return symbols / visible.length > settings.maxRatio ? 'too many symbols' : null;
}

const EMOJI = /\p{Extended_Pictographic}/gu;

/** Emoji in the text plus the platform's own emotes (Twitch's `emotes` tag: `id:0-4,6-10/id2:12-16`). */
export function emoteCount(event: ChatEvent): number {
  const emoji = event.text.match(EMOJI)?.length ?? 0;
  const tag = event.extras?.emotes;
  const platformEmotes = typeof tag === 'string' && tag ? tag.split('/').reduce((sum, emote) => sum + (emote.split(':')[1]?.split(',').length ?? 0), 0) : 0;
  return emoji + platformEmotes;
}

export function tooManyEmotes(event: ChatEvent, settings: FilterSettings['emotes']): string | null {
  return emoteCount(event) > settings.max ? `more than ${settings.max} emotes` : null;
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
