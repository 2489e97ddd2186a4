export interface Invocation {
  /** Lower-cased command name without the prefix. */
  name: string;
  args: string[];
}

const MAX_NAME_LENGTH = 64;

/** `!so @streamer now` → `{ name: 'so', args: ['@streamer', 'now'] }`; null when not a command. */
export function parseInvocation(text: string, prefix: string): Invocation | null {
  const trimmed = text.trimStart();
  if (!prefix || !trimmed.startsWith(prefix)) return null;
  const [head = '', ...args] = trimmed.slice(prefix.length).split(/\s+/u).filter(Boolean);
  if (!head || head.length > MAX_NAME_LENGTH) return null;
  return { name: head.toLowerCase(), args };
}
