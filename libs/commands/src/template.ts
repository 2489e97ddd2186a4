import type { Platform } from '@parley/contracts';

export interface TemplateContext {
  platform: Platform;
  /** Display name of the viewer who ran the command. */
  user: string;
  channel: string;
  args: string[];
  /** The command's counter after this run, when it is counted. */
  count?: number | null;
  /** The community's named counters the template mentions (`$(counter deaths)`). */
  counters?: ReadonlyMap<string, number>;
  random?: () => number;
}

/** The longest line each platform accepts from a bot. */
export const MAX_MESSAGE_LENGTH: Record<Platform, number> = { twitch: 500, youtube: 200, discord: 2_000, slack: 4_000 };

const MAX_VARIABLES = 50;
const VARIABLE = /\$\(([a-z][a-z0-9_]{0,31}|[1-9])(?:\s+([^()]{0,200}))?\)/giu;

/**
 * Renders a response template. Variables use Nightbot's `$(name args)` syntax, which
 * streamers know: `$(user)`, `$(touser)`, `$(channel)`, `$(1)`…`$(9)`, `$(query)`,
 * `$(count)`, `$(counter name)`, `$(random 1-100)`, `$(pick a|b|c)`.
 *
 * Templates are data: one pass of lookups, never evaluation, so a viewer's argument that
 * contains `$(…)` stays text. An unknown or malformed variable renders as a visible
 * marker, output is bounded by the platform's line length, and what a platform would
 * treat as a mass mention or a chat command is neutralised.
 */
export function renderTemplate(template: string, context: TemplateContext): string {
  const random = context.random ?? Math.random;
  let substitutions = 0;
  const rendered = template.replace(VARIABLE, (match, rawName: string, rawArgument: string | undefined) => {
    if (++substitutions > MAX_VARIABLES) return match;
    const name = rawName.toLowerCase();
    const argument = rawArgument?.trim() ?? '';
    switch (name) {
      case 'user':
        return context.user;
      case 'channel':
        return context.channel;
      case 'touser':
        return (context.args[0] ?? context.user).replace(/^@/u, '');
      case 'query':
        return context.args.join(' ');
      case 'count':
        return context.count == null ? '[count unavailable]' : String(context.count);
      case 'counter': {
        const value = context.counters?.get(argument.toLowerCase());
        return value === undefined ? `[no counter ${argument.slice(0, 64)}]` : String(value);
      }
      case 'random':
        return randomInRange(argument, random);
      case 'pick': {
        const options = argument.split('|').map((option) => option.trim()).filter(Boolean);
        return options.length ? options[Math.floor(random() * options.length)]! : '[pick needs options: $(pick a|b)]';
      }
      default:
        if (/^[1-9]$/u.test(name)) return context.args[Number(name) - 1] ?? '';
        return `[unknown variable: ${name}]`;
    }
  });
  return sanitizeForPlatform(rendered, context.platform);
}

function randomInRange(argument: string, random: () => number): string {
  const range = /^(-?\d{1,9})\s*-\s*(-?\d{1,9})$/u.exec(argument || '1-100');
  if (!range) return '[random needs a range: $(random 1-100)]';
  const low = Math.min(Number(range[1]), Number(range[2]));
  const high = Math.max(Number(range[1]), Number(range[2]));
  return String(low + Math.floor(random() * (high - low + 1)));
}

const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Makes any text safe to send as one bot line on `platform`: one line, no mass mentions,
 * no chat commands, within the platform's length. Applied to every answer, templated or not.
 */
export function sanitizeForPlatform(text: string, platform: Platform): string {
  // One line everywhere: a newline would end an IRC message and start another command.
  let line = text.replace(/[\r\n]+/gu, ' ');
  if (platform === 'discord') {
    line = line.replace(/@(everyone|here)/giu, `@${ZERO_WIDTH_SPACE}$1`).replace(/<@&/gu, `<@${ZERO_WIDTH_SPACE}&`);
  } else if (platform === 'slack') {
    line = line.replace(/<!(channel|here|everyone|subteam)/giu, `<${ZERO_WIDTH_SPACE}!$1`);
  } else if (platform === 'twitch' && /^[/.]/u.test(line)) {
    // A leading "/" or "." makes Twitch run the line as a chat command (/ban, /clear …).
    line = `${ZERO_WIDTH_SPACE}${line}`;
  }
  const max = MAX_MESSAGE_LENGTH[platform];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const COUNTER_VARIABLE = /\$\(counter\s+([a-z0-9][a-z0-9_-]{0,63})\s*\)/giu;

/** The names of the counters a template mentions (`$(counter deaths)` → `deaths`), lower-cased. */
export function countersIn(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(COUNTER_VARIABLE), (match) => match[1]!.toLowerCase()))];
}
