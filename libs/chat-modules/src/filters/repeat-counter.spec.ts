import { describe, expect, it } from 'vitest';
import { lineFingerprint } from './repeat-counter.js';

/** What the repeats filter compares: the line trimmed, lower-cased, each run of whitespace one space. */
const normalized = (text: string) => text.trim().toLowerCase().replace(/\s+/gu, ' ');

describe('lineFingerprint', () => {
  it('is equal exactly for lines equal after normalisation', () => {
    const lines = [
      'buy my stuff',
      '  Buy  my\tSTUFF ',
      'buy my stuff!',
      'buymystuff',
      'buy\u00a0my\u3000stuff\n',
      'buy\u200bmy stuff', // a zero-width space is not whitespace
      'ǅemo ǆemo', // title case lower-cases
      '😀 😀',
      '😀  😀',
      '',
      '   ',
      'a',
      'A ',
    ];
    for (const a of lines) {
      for (const b of lines) expect(lineFingerprint(a) === lineFingerprint(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(normalized(a) === normalized(b));
    }
  });

  it('tells apart thousands of near-identical lines, and has no spaces (the script splits on them)', () => {
    const fingerprints = new Set<string>();
    for (let i = 0; i < 20_000; i++) fingerprints.add(lineFingerprint(`spam line number ${i}`));
    expect(fingerprints.size).toBe(20_000);
    expect([...fingerprints].filter((fingerprint) => !/^[0-9a-z]+$/u.test(fingerprint))).toEqual([]);
  });
});
