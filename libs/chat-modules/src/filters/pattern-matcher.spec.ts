import { describe, expect, it } from 'vitest';
import { InvalidPatternError, PatternMatcher, compilePattern } from './pattern-matcher.js';

describe('PatternMatcher', () => {
  it('matches case-insensitively with RE2 and names the pattern that matched', () => {
    const matcher = new PatternMatcher();
    expect(matcher.match(['spam\\d+', 'fr[e3]{2}\\s*v-?bucks'], 'get FR33 V-Bucks')).toEqual({ matched: true, pattern: 'fr[e3]{2}\\s*v-?bucks' });
    expect(matcher.match(['spam\\d+', 'fr[e3]{2}\\s*v-?bucks'], 'nothing here')).toEqual({ matched: false });
  });

  it('refuses what RE2 cannot run in linear time (backreferences, lookaround)', () => {
    expect(() => compilePattern('(a)\\1')).toThrow(InvalidPatternError);
    expect(() => compilePattern('a(?=b)')).toThrow(InvalidPatternError);
    // One bad pattern in stored settings is skipped, the others still match.
    expect(new PatternMatcher().match(['(a)\\1', 'bad'], 'a bad line')).toEqual({ matched: true, pattern: 'bad' });
  });

  it('suspends a set after consecutive overruns of its time budget, reports it once, and tries again later', () => {
    let elapsed = 0;
    let wall = 0;
    // Each match "costs" what the test says: the clock advances between the two readings.
    let cost = 10;
    let reading = 0;
    const matcher = new PatternMatcher({ budgetMs: 5, overrunsToSuspend: 3, suspendMs: 60_000 }, () => (reading++ % 2 ? (elapsed += cost) : elapsed), () => wall);
    const patterns = ['slow'];
    expect(matcher.match(patterns, 'x')).toEqual({ matched: false });
    expect(matcher.match(patterns, 'x')).toEqual({ matched: false });
    expect(matcher.match(patterns, 'x')).toEqual({ suspended: true, suspendedNow: true });
    expect(matcher.match(patterns, 'slow')).toEqual({ suspended: true, suspendedNow: false });
    // Another community's set is not affected.
    cost = 1;
    expect(matcher.match(['other'], 'other')).toEqual({ matched: true, pattern: 'other' });
    wall += 60_001;
    expect(matcher.match(patterns, 'slow')).toEqual({ matched: true, pattern: 'slow' });
    // A match within budget resets the count of overruns.
    cost = 10;
    matcher.match(patterns, 'x');
    matcher.match(patterns, 'x');
    cost = 1;
    matcher.match(patterns, 'x');
    cost = 10;
    expect(matcher.match(patterns, 'x')).toEqual({ matched: false });
  });
});
