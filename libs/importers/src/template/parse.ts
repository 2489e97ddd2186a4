import { MAX_NESTING, type TemplateNode, type VariableNode } from './ast.js';

/**
 * Parsers of each source's template syntax. They only split text into literal parts and
 * variables (nothing is evaluated); what a variable means is the translator's job.
 * An opening without its closing bracket stays literal text, which the translator flags.
 */

/** The index of the bracket closing the one at `open`, or -1 when the text ends first. */
function matchingClose(text: string, open: number, opening: string, closing: string): number {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    const char = text[index];
    if (char === opening) depth++;
    else if (char === closing && --depth === 0) return index;
  }
  return -1;
}

function pushText(nodes: TemplateNode[], text: string): void {
  if (!text) return;
  const last = nodes.at(-1);
  if (last?.kind === 'text') last.text += text;
  else nodes.push({ kind: 'text', text });
}

/** Splits `name args…` inside a variable's brackets. */
function variable(raw: string, inner: string, parseArgs: (text: string) => TemplateNode[]): VariableNode {
  const match = /^\s*(\S*)\s*([\s\S]*)$/u.exec(inner)!;
  const argText = match[2]!.trimEnd();
  return { kind: 'var', name: match[1]!, argText, args: parseArgs(argText), raw };
}

/**
 * A bracketed dialect: Nightbot's `$(…)`, and StreamElements' `${…}` and `$(…)`. Nightbot
 * counts parentheses to find a variable's end (so `$(eval Math.random())` is one variable).
 */
function bracketed(text: string, openers: ReadonlyArray<[string, string]>, depth: number): TemplateNode[] {
  const nodes: TemplateNode[] = [];
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0) break;
    const pair = openers.find(([opening]) => text[dollar + 1] === opening);
    const close = pair && depth < MAX_NESTING ? matchingClose(text, dollar + 1, pair[0], pair[1]) : -1;
    if (!pair || close < 0) {
      pushText(nodes, text.slice(index, dollar + 1));
      index = dollar + 1;
      continue;
    }
    pushText(nodes, text.slice(index, dollar));
    const raw = text.slice(dollar, close + 1);
    nodes.push(variable(raw, text.slice(dollar + 2, close), (args) => bracketed(args, openers, depth + 1)));
    index = close + 1;
  }
  pushText(nodes, text.slice(index));
  return nodes;
}

export function parseNightbot(text: string): TemplateNode[] {
  return bracketed(text, [['(', ')']], 0);
}

/** StreamElements accepts `${…}` and `$(…)` alike (SE docs, variables/index.md). */
export function parseStreamElements(text: string): TemplateNode[] {
  return bracketed(text, [['{', '}'], ['(', ')']], 0);
}

/** SLCB parameter names (SLCB docs, parameters.rst); `$` before anything else is plain text ("$5"). */
const SLCB_NAMES = new Set([
  'username', 'userid', 'targetid', 'tousername', 'touserid', 'randusername', 'randuserid', 'msg', 'dummyormsg', 'dummy',
  'randnum', 'count', 'checkcount', 'randquote', 'quotes', 'maxquotes', 'randextra', 'botname', 'mychannel', 'myurl',
  'mygame', 'mystatus', 'uptime', 'followercount', 'subcount', 'currenthosts', 'userurl', 'usergame', 'userstatus', 'url',
  'game', 'status', 'points', 'pointstext', 'rank', 'hours', 'level', 'raids', 'toppoints', 'tophours', 'pointspos',
  'hourspos', 'nxtrankreq', 'currencyname', 'addpoints', 'removepoints', 'givepoints', 'value', 'newbalance', 'commands',
  'timers', 'sfx', 'queue', 'queuepos', 'nextsong', 'nextrequestedby', 'date', 'time', 'countdown', 'countup', 'math',
  'desc', 'setgame', 'settitle', 'readapi', 'readline', 'readrandline', 'readspecificline', 'overwritefile',
  'extralifegoal', 'extralifeamount', 'months', 'bits', 'totalbits', 'donationmsg', 'amount', 'viewers',
]);
/** Parameters that end in an argument number: `$arg1`, `$argl1`, `$num1`. */
const SLCB_NUMBERED = new Set(['arg', 'argl', 'num']);

/** Streamlabs Chatbot: `$name`, `$name(args)`, `$math[expr]`; the longest known name wins. */
export function parseSlcb(text: string, depth = 0): TemplateNode[] {
  const nodes: TemplateNode[] = [];
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0) break;
    const word = /^[a-z]+\d?/iu.exec(text.slice(dollar + 1))?.[0] ?? '';
    const name = slcbName(word.toLowerCase());
    if (!name) {
      pushText(nodes, text.slice(index, dollar + 1));
      index = dollar + 1;
      continue;
    }
    pushText(nodes, text.slice(index, dollar));
    let end = dollar + 1 + name.length;
    let argText = '';
    const bracket = text[end] === '(' ? ')' : name === 'math' && text[end] === '[' ? ']' : null;
    if (bracket) {
      const close = matchingClose(text, end, text[end]!, bracket);
      if (close > 0) {
        argText = text.slice(end + 1, close);
        end = close + 1;
      }
    }
    const args = depth < MAX_NESTING ? parseSlcb(argText, depth + 1) : [{ kind: 'text' as const, text: argText }];
    nodes.push({ kind: 'var', name, argText, args: argText ? args : [], raw: text.slice(dollar, end) });
    index = end;
  }
  pushText(nodes, text.slice(index));
  return nodes;
}

/** The longest SLCB parameter `word` starts with, or null. */
function slcbName(word: string): string | null {
  for (let length = word.length; length > 0; length--) {
    const candidate = word.slice(0, length);
    const numbered = /^([a-z]+)([1-9])$/u.exec(candidate);
    if (numbered && SLCB_NUMBERED.has(numbered[1]!)) return candidate;
    if (SLCB_NAMES.has(candidate)) return candidate;
  }
  return null;
}
