import { IrcParseError } from './errors.js';

/** Keeps error payloads (and the logs they end up in) small when the input is huge. */
const MAX_LINE_IN_ERROR = 200;

const ESCAPES: Record<string, string> = { ';': '\\:', ' ': '\\s', '\\': '\\\\', '\r': '\\r', '\n': '\\n' };
const UNESCAPES: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

/** IRCv3 message-tags escaping: `;` `\:`, space `\s`, `\` `\\`, CR `\r`, LF `\n`. */
export function escapeTagValue(value: string): string {
  return value.replace(/[; \\\r\n]/g, (char) => ESCAPES[char]!);
}

/**
 * The inverse of {@link escapeTagValue}. Per IRCv3, an unknown escape `\x` stands for `x`
 * and a lone trailing backslash is dropped.
 */
export function unescapeTagValue(value: string): string {
  return value.replace(/\\(.?)/gs, (_, char: string) => (char === '' ? '' : (UNESCAPES[char] ?? char)));
}

export interface IrcMessageInit {
  tags?: Map<string, string> | Record<string, string>;
  prefix?: string;
  command: string;
  params?: string[];
  /**
   * Write the last parameter as a trailing (`:text`) parameter even when it would not need
   * it. Defaults to "only when needed" (empty, contains a space, starts with `:`).
   */
  trailing?: boolean;
}

/**
 * One IRC line (IRCv3 message tags + RFC 1459 message), parsed once at the edge so the
 * rest of the code reads getters, not raw strings.
 */
export class IrcMessage {
  readonly tags: Map<string, string>;
  readonly prefix?: string;
  readonly command: string;
  /** Middle parameters, then the trailing parameter (if any) last. */
  readonly params: string[];
  /** Whether the last parameter was (or must be) written in trailing form. */
  readonly hasTrailing: boolean;

  constructor(init: IrcMessageInit) {
    this.tags = init.tags instanceof Map ? new Map(init.tags) : new Map(Object.entries(init.tags ?? {}));
    if (init.prefix !== undefined) this.prefix = init.prefix;
    this.command = init.command;
    this.params = [...(init.params ?? [])];
    const last = this.params.at(-1);
    this.hasTrailing = last !== undefined && (init.trailing === true || needsTrailing(last));
  }

  /**
   * Parses one line (a trailing `\r\n` is allowed). Lenient where Twitch changes without
   * notice: any tag key and any command word are accepted. Throws {@link IrcParseError}
   * (never anything else) for a line with no command or with NUL, CR or LF inside.
   */
  static parse(line: string): IrcMessage {
    if (typeof line !== 'string') throw new IrcParseError('not a string', String(line).slice(0, MAX_LINE_IN_ERROR));
    const fail = (reason: string): never => {
      throw new IrcParseError(reason, line.slice(0, MAX_LINE_IN_ERROR));
    };
    const text = line.endsWith('\r\n') ? line.slice(0, -2) : line.endsWith('\n') ? line.slice(0, -1) : line;
    if (/[\0\r\n]/.test(text)) fail('contains NUL, CR or LF');

    let position = 0;
    const skipSpaces = () => {
      while (text.charCodeAt(position) === 0x20) position++;
    };
    const nextWord = (): string => {
      const end = text.indexOf(' ', position);
      const word = end === -1 ? text.slice(position) : text.slice(position, end);
      position = end === -1 ? text.length : end;
      return word;
    };

    const tags = new Map<string, string>();
    if (text.startsWith('@')) {
      position = 1;
      const raw = nextWord();
      if (raw === '') fail('empty tag section');
      for (const pair of raw.split(';')) {
        if (pair === '') continue;
        const equals = pair.indexOf('=');
        // Twitch adds tags without notice: any key is kept, whatever its characters.
        const key = equals === -1 ? pair : pair.slice(0, equals);
        if (key !== '') tags.set(key, equals === -1 ? '' : unescapeTagValue(pair.slice(equals + 1)));
      }
      skipSpaces();
    }

    let prefix: string | undefined;
    if (text.charCodeAt(position) === 0x3a /* : */) {
      position++;
      prefix = nextWord() || undefined;
      skipSpaces();
    }

    // Only a line without a command is not a message; a command nobody knows is skipped by its reader.
    const command = nextWord();
    if (command === '') fail('missing command');

    const params: string[] = [];
    let trailing = false;
    for (;;) {
      skipSpaces();
      if (position >= text.length) break;
      if (text.charCodeAt(position) === 0x3a) {
        params.push(text.slice(position + 1));
        trailing = true;
        break;
      }
      params.push(nextWord());
    }

    return new IrcMessage({ tags, ...(prefix !== undefined && { prefix }), command: command.toUpperCase(), params, trailing });
  }

  /** Nick from a `nick!user@host` prefix; a bare prefix without dots is a nick too. */
  get nick(): string | undefined {
    if (this.prefix === undefined) return undefined;
    const bang = this.prefix.indexOf('!');
    if (bang > 0) return this.prefix.slice(0, bang);
    return this.prefix.includes('.') ? undefined : this.prefix;
  }

  /** The channel of a channel message, without `#`. */
  get channel(): string | undefined {
    const first = this.params[0];
    return first?.startsWith('#') ? first.slice(1) : undefined;
  }

  /** The trailing parameter (chat text, NOTICE text, PING token, ...). */
  get text(): string | undefined {
    if (this.hasTrailing || this.params.length > 1) return this.params.at(-1);
    return undefined;
  }

  /** The line without `\r\n`, tags escaped. */
  toString(): string {
    const parts: string[] = [];
    if (this.tags.size > 0) {
      parts.push(`@${[...this.tags].map(([key, value]) => `${key}=${escapeTagValue(value)}`).join(';')}`);
    }
    if (this.prefix !== undefined) parts.push(`:${this.prefix}`);
    parts.push(this.command);
    this.params.forEach((param, index) => {
      const last = index === this.params.length - 1;
      parts.push(last && this.hasTrailing ? `:${param}` : param);
    });
    return parts.join(' ');
  }
}

function needsTrailing(param: string): boolean {
  return param === '' || param.includes(' ') || param.startsWith(':');
}
