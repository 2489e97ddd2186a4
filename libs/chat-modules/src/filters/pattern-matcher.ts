import { RE2 } from '@adguard/re2-wasm';
import { patternPrefilter } from './pattern-prefilter.js';

export interface PatternMatcherOptions {
  /** One message's matching may take this long; a set over it on `overrunsToSuspend` messages in a row is suspended. */
  budgetMs: number;
  /** Consecutive overruns before suspension: one slow match is the engine building its state, several are the patterns. */
  overrunsToSuspend: number;
  /** How long a set that broke its budget stays suspended (then it is tried again). */
  suspendMs: number;
  /** Only this much of a message is matched: with RE2's linear time, this bounds every match. */
  maxInputChars: number;
}

export const DefaultPatternMatcherOptions: PatternMatcherOptions = { budgetMs: 5, overrunsToSuspend: 3, suspendMs: 60_000, maxInputChars: 2_000 };

/** `suspendedNow`: this very match broke the budget (the set was not suspended before it). */
export type PatternResult = { matched: boolean; pattern?: string } | { suspended: true; suspendedNow: boolean };

/** A pattern RE2 cannot compile (backreferences, lookaround, bad syntax). */
export class InvalidPatternError extends Error {
  override readonly name = 'InvalidPatternError';
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`pattern ${JSON.stringify(pattern)} is not valid: ${reason}`);
  }
}

/** Compiles a pattern the way the matcher will (case-insensitive RE2); throws InvalidPatternError. */
export function compilePattern(pattern: string): RE2 {
  try {
    return new RE2(pattern, 'iu');
  } catch (error) {
    throw new InvalidPatternError(pattern, (error as Error).message);
  }
}

interface CompiledSet {
  patterns: Array<{ source: string; regex: RE2 }>;
  /** All patterns as one alternation: one pass over the line instead of one per pattern. */
  combined: RE2 | null;
  /** False for a line none of the patterns can match (it lacks every required literal): RE2 is not called. */
  prefilter: ((line: string) => boolean) | null;
  suspendedUntil: number;
  overruns: number;
}

/**
 * Banned patterns of a community, matched with RE2 (a WebAssembly build of Google's
 * engine): its automata run in time linear in the input, so a hostile pattern such as
 * `(a+)+$` cannot backtrack catastrophically, and the input is capped, so every match is
 * bounded. JavaScript's own RegExp backtracks (that pattern takes seconds on 26
 * characters) and would stall every channel of the router with it. On top of that a
 * time budget per message: a set whose matching keeps taking longer (a huge pattern list
 * on long lines) is suspended for a while, and the filter reports it, so one community's
 * patterns cannot slow the router for the others. RE2 runs synchronously and cannot be
 * interrupted mid-match; what bounds a single match is linear time on capped input.
 * Before RE2, a prefilter (`patternPrefilter`) turns away lines that hold none of the
 * literals a match needs, which is most chat: RE2's call is the costly part of a line.
 */
export class PatternMatcher {
  private readonly options: PatternMatcherOptions;
  private readonly sets = new Map<string, CompiledSet>();
  /** The same lists by identity: a community's settings are parsed once per loaded configuration, so its list is one array. */
  private readonly byList = new WeakMap<readonly string[], CompiledSet>();

  /**
   * `clockMs`: the budget's clock, monotonic wall time. Process CPU time (tried first) costs
   * a `getrusage` per reading, 18 of the 25 µs a 20-pattern line took; wall time charges a
   * match for a preemption that falls inside it, which on a busy machine is rare for a
   * match of microseconds and must repeat `overrunsToSuspend` times in a row to suspend.
   */
  constructor(
    options: Partial<PatternMatcherOptions> = {},
    private readonly clockMs: () => number = () => performance.now(),
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DefaultPatternMatcherOptions, ...options };
    // The first match instantiates and warms the WebAssembly engine: not a pattern's cost.
    compilePattern('warm-up').test('warm-up');
  }

  /** Matches `text` against `patterns` (compiled once per distinct list; invalid ones are skipped). */
  match(patterns: readonly string[], text: string): PatternResult {
    const set = this.compiled(patterns);
    if (set.suspendedUntil > this.now()) return { suspended: true, suspendedNow: false };
    const started = this.clockMs();
    const input = text.length > this.options.maxInputChars ? text.slice(0, this.options.maxInputChars) : text;
    let hit: string | undefined;
    // Which pattern matched is only looked up for a line that matched at all (rare).
    if ((!set.prefilter || set.prefilter(input)) && (!set.combined || set.combined.test(input))) hit = set.patterns.find(({ regex }) => regex.test(input))?.source;
    if (this.clockMs() - started <= this.options.budgetMs) set.overruns = 0;
    else if (++set.overruns >= this.options.overrunsToSuspend) {
      set.overruns = 0;
      set.suspendedUntil = this.now() + this.options.suspendMs;
      return { suspended: true, suspendedNow: true };
    }
    return hit === undefined ? { matched: false } : { matched: true, pattern: hit };
  }

  private compiled(patterns: readonly string[]): CompiledSet {
    const known = this.byList.get(patterns);
    if (known) return known;
    const key = patterns.join('\u0000');
    let set = this.sets.get(key);
    if (!set) {
      const compiled: CompiledSet['patterns'] = [];
      for (const source of patterns) {
        try {
          const regex = compilePattern(source);
          // A pattern's first match sets up its engine state: a one-off cost, paid here rather than from the budget.
          regex.test('warm-up');
          compiled.push({ source, regex });
        } catch {
          // The hub refuses invalid patterns; one that slipped in (older settings) is skipped.
        }
      }
      const sources = compiled.map(({ source }) => source);
      set = { patterns: compiled, combined: combine(sources), prefilter: patternPrefilter(sources), suspendedUntil: 0, overruns: 0 };
      // Bounded: settings change rarely, and a stale set is only memory.
      if (this.sets.size >= 1_000) this.sets.delete(this.sets.keys().next().value!);
      this.sets.set(key, set);
    }
    this.byList.set(patterns, set);
    return set;
  }
}

/** null when the alternation does not compile (e.g. two patterns name the same group): then each is tried. */
function combine(sources: string[]): RE2 | null {
  if (sources.length < 2) return null;
  try {
    const regex = compilePattern(sources.map((source) => `(?:${source})`).join('|'));
    regex.test('warm-up');
    return regex;
  } catch {
    return null;
  }
}
