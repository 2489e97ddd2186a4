/**
 * The fake's own reading and writing of TMI lines. Deliberately not shared with
 * `@parley/twitch`: a misreading of the protocol there must not be mirrored here.
 */
export interface WireLine {
  tags: Record<string, string>;
  prefix: string | undefined;
  command: string;
  params: string[];
}

const HEAD = /^(?:@([^ ]+) +)?(?::([^ ]+) +)?([A-Za-z]+|[0-9]{3})(?= |$)/;

/** Reads one line; undefined when it is not an IRC message at all. */
export function readLine(line: string): WireLine | undefined {
  const head = HEAD.exec(line);
  if (!head) return undefined;
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const item of (head[1] ?? '').split(';')) {
    if (!item) continue;
    const cut = item.indexOf('=');
    tags[cut < 0 ? item : item.slice(0, cut)] = cut < 0 ? '' : decodeTagValue(item.slice(cut + 1));
  }
  const params: string[] = [];
  let rest = line.slice(head[0].length);
  while (rest.length > 0) {
    rest = rest.replace(/^ +/, '');
    if (rest === '') break;
    if (rest[0] === ':') {
      params.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(' ');
    params.push(space < 0 ? rest : rest.slice(0, space));
    rest = space < 0 ? '' : rest.slice(space);
  }
  return { tags, prefix: head[2], command: head[3]!.toUpperCase(), params };
}

export function decodeTagValue(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = raw[++i];
    if (next === undefined) break;
    out += next === ':' ? ';' : next === 's' ? ' ' : next === 'r' ? '\r' : next === 'n' ? '\n' : next;
  }
  return out;
}

export function encodeTagValue(value: string): string {
  let out = '';
  for (const char of value) {
    if (char === '\\') out += '\\\\';
    else if (char === ';') out += '\\:';
    else if (char === ' ') out += '\\s';
    else if (char === '\r') out += '\\r';
    else if (char === '\n') out += '\\n';
    else out += char;
  }
  return out;
}

/** `@a=1;b=2 ` with keys sorted the way Twitch sends them; empty when there are no tags. */
export function tagPrefix(tags: Record<string, string | number | undefined>): string {
  const keys = Object.keys(tags)
    .filter((key) => tags[key] !== undefined)
    .sort();
  if (keys.length === 0) return '';
  return `@${keys.map((key) => `${key}=${encodeTagValue(String(tags[key]))}`).join(';')} `;
}

/** `nick!nick@nick.tmi.twitch.tv`, the prefix Twitch gives a user's lines. */
export function userPrefix(login: string): string {
  return `${login}!${login}@${login}.tmi.twitch.tv`;
}
