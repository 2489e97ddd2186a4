/**
 * A cheap test that a line cannot match a set of banned patterns, so RE2 (a WebAssembly
 * call that copies the line into its memory) runs only on lines that might. From each
 * pattern it takes literals a match must contain (`fr[e3]{2} (v-?bucks|followers)` needs
 * "bucks" or "followers"); a line that holds none of any pattern's literals cannot match.
 *
 * Conservative by construction: the scanner understands a subset of RE2's syntax and
 * gives up (no prefilter: RE2 runs on every line) on anything else, such as flag groups
 * `(?i)`, `\Q…\E` or numeric escapes. Literals are kept only from ASCII characters and
 * compared case-insensitively on the lower-cased line. RE2 matches case-insensitively by
 * Unicode simple case folding, whose only non-ASCII members of an ASCII letter's orbit are
 * K (U+212A, lower-cased to k) and ſ (U+017F, mapped to s here): every line RE2 could match
 * passes the prefilter.
 */

/** Literals of which a match must contain at least one (lower-case ASCII); null: nothing is known. */
type Requirement = string[] | null;

class Unsupported extends Error {}

/** The literals a match of `pattern` must contain one of, or null when the pattern is beyond the scanner (or needs none). */
export function requiredLiterals(pattern: string): string[] | null {
  try {
    const scanner = new Scanner(pattern);
    const requirement = scanner.alternation();
    if (scanner.at < pattern.length) throw new Unsupported();
    return requirement && requirement.length ? [...new Set(requirement)] : null;
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

/**
 * The prefilter of a whole set: null when some pattern has no required literal (then every
 * line goes to RE2), else a test that is false only for lines none of the patterns can match.
 */
export function patternPrefilter(patterns: readonly string[]): ((line: string) => boolean) | null {
  const literals = new Set<string>();
  for (const pattern of patterns) {
    const required = requiredLiterals(pattern);
    if (!required) return null;
    for (const literal of required) literals.add(literal);
  }
  if (!literals.size) return null;
  // Escaped ASCII literals in one alternation: no nested quantifiers, so no backtracking blow-up.
  const anyLiteral = new RegExp([...literals].map((literal) => literal.replace(/[.*+?^${}()|[\]\\/-]/gu, '\\$&')).join('|'), 'u');
  return (line) => {
    let lower = line.toLowerCase();
    if (lower.includes('\u017f')) lower = lower.replaceAll('\u017f', 's');
    return anyLiteral.test(lower);
  };
}

const QUANTIFIER = /^\{(\d+)(,\d*)?\}/u;
/** Escaped characters that stand for themselves. */
const ESCAPED_LITERAL = /[!-/:-@[-`{-~]/u;
/** Escapes that match a class of characters or nothing (an assertion): no literal, but understood. */
const CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'A', 'z', 'n', 't', 'r', 'f', 'v', 'a']);

class Scanner {
  at = 0;
  constructor(private readonly source: string) {}

  /** Branches separated by `|`: a match satisfies one of them, so it needs one of their literals. */
  alternation(): Requirement {
    const branches: Requirement[] = [this.sequence()];
    while (this.source[this.at] === '|') {
      this.at++;
      branches.push(this.sequence());
    }
    if (branches.some((branch) => branch === null)) return null;
    return branches.flat() as string[];
  }

  /** One branch: a match holds every literal run and every required group; the most selective one is kept. */
  private sequence(): Requirement {
    const candidates: string[][] = [];
    let run = '';
    const endRun = () => {
      if (run) candidates.push([run]);
      run = '';
    };
    while (this.at < this.source.length && this.source[this.at] !== '|' && this.source[this.at] !== ')') {
      const atom = this.atom();
      const min = this.quantifierMin();
      if (atom.kind === 'char') {
        if (min === 0) endRun();
        else if (min === 1) run += atom.char;
        else {
          // `ab+c`: "ab" and "bc" are both in every match.
          run += atom.char;
          endRun();
          run = atom.char;
        }
      } else {
        endRun();
        if (atom.kind === 'group' && min > 0 && atom.requirement) candidates.push(atom.requirement);
      }
    }
    endRun();
    if (!candidates.length) return null;
    // The candidate whose shortest literal is longest: the fewest lines pass it.
    return candidates.reduce((best, candidate) => (shortest(candidate) > shortest(best) ? candidate : best));
  }

  private atom(): { kind: 'char'; char: string } | { kind: 'group'; requirement: Requirement } | { kind: 'other' } {
    const c = this.source[this.at]!;
    this.at++;
    switch (c) {
      case '(': {
        if (this.source[this.at] === '?') {
          const named = /^\?(?:P?<[A-Za-z_][A-Za-z0-9_]*>|:)/u.exec(this.source.slice(this.at));
          if (!named) throw new Unsupported();
          this.at += named[0].length;
        }
        const requirement = this.alternation();
        if (this.source[this.at] !== ')') throw new Unsupported();
        this.at++;
        return { kind: 'group', requirement };
      }
      case '[':
        this.skipClass();
        return { kind: 'other' };
      case '.':
      case '^':
      case '$':
        return { kind: 'other' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        // A quantifier without an atom: RE2 refuses it; nothing to learn.
        throw new Unsupported();
      default:
        return literal(c);
    }
  }

  private escape(): { kind: 'char'; char: string } | { kind: 'other' } {
    const c = this.source[this.at];
    if (c === undefined) throw new Unsupported();
    this.at++;
    if (CLASS_ESCAPES.has(c)) return { kind: 'other' };
    if (c === 'p' || c === 'P') {
      if (this.source[this.at] === '{') {
        const end = this.source.indexOf('}', this.at);
        if (end < 0) throw new Unsupported();
        this.at = end + 1;
      } else this.at++;
      return { kind: 'other' };
    }
    if (ESCAPED_LITERAL.test(c)) return literal(c);
    throw new Unsupported();
  }

  /** Skips `[...]`: a leading `^` and `]` are part of it, escapes and `[:name:]` are stepped over. */
  private skipClass(): void {
    if (this.source[this.at] === '^') this.at++;
    if (this.source[this.at] === ']') this.at++;
    while (this.at < this.source.length) {
      const c = this.source[this.at]!;
      if (c === ']') {
        this.at++;
        return;
      }
      if (c === '\\') this.at += 2;
      else if (c === '[' && this.source[this.at + 1] === ':') {
        const end = this.source.indexOf(':]', this.at + 2);
        if (end < 0) throw new Unsupported();
        this.at = end + 2;
      } else this.at++;
    }
    throw new Unsupported();
  }

  /**
   * Reads the quantifier after an atom, if any. 1: no quantifier (the atom once); 0: the
   * atom may be absent; 2: the atom is there, possibly repeated, so what follows it is not
   * adjacent to what precedes it.
   */
  private quantifierMin(): 0 | 1 | 2 {
    const c = this.source[this.at];
    let min: number;
    if (c === '*' || c === '?') min = 0;
    else if (c === '+') min = 1;
    else if (c === '{' && QUANTIFIER.test(this.source.slice(this.at))) {
      const match = QUANTIFIER.exec(this.source.slice(this.at))!;
      this.at += match[0].length - 1;
      min = Number(match[1]);
    } else return 1;
    this.at++;
    // Non-greedy (`*?`): the same minimum.
    if (this.source[this.at] === '?') this.at++;
    return min === 0 ? 0 : 2;
  }
}

function literal(c: string): { kind: 'char'; char: string } | { kind: 'other' } {
  // Only ASCII is kept (see the header on case folding); other characters are required but not used.
  return c.charCodeAt(0) < 128 ? { kind: 'char', char: c.toLowerCase() } : { kind: 'other' };
}

function shortest(literals: string[]): number {
  return Math.min(...literals.map((literal) => literal.length));
}
