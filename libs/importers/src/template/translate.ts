import type { Dialect, TemplateTranslation } from '../model.js';
import type { TemplateNode, VariableNode } from './ast.js';
import { parseNightbot, parseSlcb, parseStreamElements } from './parse.js';

/**
 * Translation of each source's variables into Parley's template language (`$(user)`,
 * `$(touser)`, `$(channel)`, `$(1)`…`$(9)`, `$(query)`, `$(count)`, `$(random a-b)`,
 * `$(pick a|b)`; see @parley/commands' template.ts). Anything else — above all what
 * would fetch URLs, run code, read files or change points or the stream — is not
 * translated: it becomes a visible `[not imported: …]` marker and makes the item inert.
 */

type Outcome = { parley: string; note?: string } | { inert: string };

const UNSAFE_HTTP = 'fetches a URL from the server (SSRF / data exfiltration risk); never run by an import';

const NIGHTBOT_NO_EQUIVALENT = new Set([
  'querystring', 'channelid', 'chatid', 'userid', 'userlevel', 'command', 'provider', 'time', 'countdown', 'countup', 'twitch',
  'weather', 'lastfm', 'steam', 'rainwave', 'leagueoflegends', 'teamfighttactics', 'tweet', 'djkhaled', 'battlelog', 'psn', 'xbl',
]);

function nightbot(node: VariableNode): Outcome {
  const name = node.name.toLowerCase();
  const bare = node.argText === '';
  if (name === 'eval') return { inert: 'eval: runs JavaScript; Parley never evaluates code from a template' };
  if (name === 'urlfetch' || name === 'customapi') return { inert: `${name}: ${UNSAFE_HTTP}` };
  if (bare && ['user', 'touser', 'query', 'count', 'channel'].includes(name)) {
    return name === 'count' ? { parley: '$(count)', note: 'the use count restarts at 0 in Parley' } : { parley: `$(${name})` };
  }
  if (bare && /^[1-9]$/u.test(name)) return { parley: `$(${name})` };
  if (NIGHTBOT_NO_EQUIVALENT.has(name)) return { inert: `${name}: no Parley equivalent yet` };
  if (!bare && ['user', 'touser', 'query', 'count', 'channel'].includes(name)) return { inert: `${name} with arguments: not supported` };
  return { inert: `${node.name.slice(0, 32)}: not a Nightbot variable Parley knows` };
}

const SE_NO_EQUIVALENT = new Set([
  'getcount', 'game', 'title', 'uptime', 'quote', 'pointsname', 'repeat', 'queryescape', 'pathescape', 'weather', 'leagueoflegends',
  'teamfighttactics', 'tft', 'stockprice', '7tvemotes', 'bttvemotes', 'ffzemotes', 'twitchemotes', 'msgid', 'random.chatter', 'random.emote',
]);

/** `'a' 'b' "c d"` → the quoted items, or null when the text is anything else. */
function quotedItems(text: string): string[] | null {
  const items: string[] = [];
  const pattern = /\s*(?:'([^']*)'|"([^"]*)")/uy;
  let end = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text))) {
    items.push(match[1] ?? match[2]!);
    end = pattern.lastIndex;
  }
  return items.length && text.slice(end).trim() === '' ? items : null;
}

function streamElements(node: VariableNode): Outcome {
  const name = node.name.toLowerCase();
  const bare = node.argText === '';
  // SE also takes the URL after a dot: `${customapi.https://…}`.
  const head = name.split('.')[0]!;
  if (head === 'customapi' || head === 'urlfetch') return { inert: `${head}: ${UNSAFE_HTTP}` };
  if (name === 'ai') return { inert: 'ai: calls an external language model' };
  if (name === 'setgame' || name === 'settitle') return { inert: `${name}: changes the stream; needs a privileged token and is never imported` };
  if (name === 'math') return { inert: 'math: needs an expression evaluator Parley does not have' };
  if (bare && ['sender', 'source', 'user', 'sender.name', 'user.name'].includes(name)) return { parley: '$(user)' };
  if (bare && name === 'touser') return { parley: '$(touser)' };
  if (bare && (name === 'channel' || name === 'channel.display_name')) return { parley: '$(channel)' };
  if (bare && /^[1-9]$/u.test(name)) return { parley: `$(${name})` };
  if (bare && (name === '1:' || name === 'args')) return { parley: '$(query)' };
  if (bare && (name === '1|sender' || name === '1|source')) return { parley: '$(touser)' };
  if (name === 'count') {
    return bare ? { parley: '$(count)', note: 'the use count restarts at 0 in Parley' } : { inert: 'count NAME: named counters in templates are not supported yet' };
  }
  if (name === 'random' || name === 'random.number') {
    const range = /^(-?\d{1,9})\s*-\s*(-?\d{1,9})$/u.exec(node.argText);
    return range ? { parley: `$(random ${range[1]}-${range[2]})` } : { inert: `${name}: only a plain range like 1-100 is translated` };
  }
  if (name === 'random.pick') {
    const items = quotedItems(node.argText);
    if (items?.length && items.every((item) => item.trim() !== '' && !/[|()$]/u.test(item))) return { parley: `$(pick ${items.join('|')})` };
    return { inert: 'random.pick: only plain quoted words are translated' };
  }
  if (SE_NO_EQUIVALENT.has(name) || /^(sender|user|channel|time)\./u.test(name)) return { inert: `${node.name.slice(0, 32)}: no Parley equivalent yet` };
  return { inert: `${node.name.slice(0, 32)}: not a StreamElements variable Parley knows` };
}

const SLCB_NO_EQUIVALENT = new Set([
  'userid', 'targetid', 'touserid', 'randusername', 'randuserid', 'checkcount', 'randquote', 'quotes', 'maxquotes', 'randextra', 'botname',
  'myurl', 'mygame', 'mystatus', 'uptime', 'followercount', 'subcount', 'currenthosts', 'userurl', 'usergame', 'userstatus', 'url', 'game',
  'status', 'points', 'pointstext', 'rank', 'hours', 'level', 'raids', 'toppoints', 'tophours', 'pointspos', 'hourspos', 'nxtrankreq',
  'currencyname', 'commands', 'timers', 'sfx', 'queue', 'queuepos', 'nextsong', 'nextrequestedby', 'date', 'time', 'countdown', 'countup',
  'extralifegoal', 'extralifeamount', 'months', 'bits', 'totalbits', 'donationmsg', 'amount', 'viewers',
]);

function slcb(node: VariableNode): Outcome {
  const name = node.name;
  if (name === 'readapi') return { inert: `readapi: ${UNSAFE_HTTP}` };
  if (['readline', 'readrandline', 'readspecificline', 'overwritefile'].includes(name)) return { inert: `${name}: reads or writes files on the streamer's PC` };
  if (['addpoints', 'removepoints', 'givepoints', 'value', 'newbalance'].includes(name)) return { inert: `${name}: changes loyalty points, which Parley does not have` };
  if (name === 'setgame' || name === 'settitle') return { inert: `${name}: changes the stream; never imported` };
  if (name === 'math') return { inert: 'math: needs an expression evaluator Parley does not have' };
  if (name === 'username') return { parley: '$(user)' };
  if (name === 'tousername') return { parley: '$(touser)' };
  if (name === 'mychannel') return { parley: '$(channel)' };
  if (name === 'msg' || name === 'dummyormsg') return { parley: '$(query)' };
  if (name === 'dummy') return { parley: '', note: '$dummy dropped: Parley answers even without arguments' };
  if (name === 'count') return { parley: '$(count)', note: 'the use count restarts at 0 in Parley' };
  const numbered = /^(arg|argl|num)([1-9])$/u.exec(name);
  if (numbered) {
    const kind = numbered[1] === 'argl' ? ' (not lowercased)' : numbered[1] === 'num' ? ' (not checked to be a number)' : '';
    return { parley: `$(${numbered[2]})`, note: `$${name}: Parley answers even when the argument is missing${kind}` };
  }
  if (name === 'randnum') {
    const range = /^\s*(-?\d{1,9})\s*(?:,\s*(-?\d{1,9})\s*)?$/u.exec(node.argText);
    if (range?.[2] !== undefined) return { parley: `$(random ${range[1]}-${range[2]})`, note: '$randnum: upper bound taken as inclusive' };
    return { inert: '$randnum: only $randnum(min,max) with numbers is translated' };
  }
  if (name === 'desc') return { parley: '', note: '$desc dropped (it only describes the command on the web)' };
  if (SLCB_NO_EQUIVALENT.has(name)) return { inert: `${name}: no Parley equivalent yet` };
  return { inert: `${name}: not an SLCB parameter Parley knows` };
}

const DIALECTS = {
  nightbot: { parse: parseNightbot, variable: nightbot },
  streamelements: { parse: parseStreamElements, variable: streamElements },
  'streamlabs-chatbot': { parse: parseSlcb, variable: slcb },
} as const;

/** Text that Parley would read as a variable although the source meant it literally. */
const PARLEY_VARIABLE_OPENING = /\$\(/u;

/** Parses `original` in its own dialect and translates it; nothing in it is run or fetched. */
export function translateTemplate(dialect: Exclude<Dialect, 'parley'>, original: string): TemplateTranslation {
  const { parse, variable } = DIALECTS[dialect];
  const inert: string[] = [];
  const notes: string[] = [];
  const render = (nodes: TemplateNode[]): string =>
    nodes
      .map((node) => {
        if (node.kind === 'text') {
          if (PARLEY_VARIABLE_OPENING.test(node.text)) {
            inert.push('an unclosed or literal "$(" that Parley would read as a variable');
            return node.text.replace(/\$\(/gu, '$ (');
          }
          return node.text;
        }
        const outcome = variable(node);
        if ('inert' in outcome) {
          inert.push(outcome.inert);
          return `[not imported: ${node.name.toLowerCase().split(/[.:|]/u)[0]!.slice(0, 32).replace(/[^\w-]/gu, '')}]`;
        }
        if (outcome.note && !notes.includes(outcome.note)) notes.push(outcome.note);
        return outcome.parley;
      })
      .join('');
  let text = original;
  // Nightbot's Twitch-only formatting prefixes (docs commands_.md): Parley sends plain lines.
  const formatting = dialect === 'nightbot' ? /^\/(me|announce(?:blue|green|orange|purple)?)\s+/iu.exec(text) : null;
  if (formatting) {
    notes.push(`the /${formatting[1]!.toLowerCase()} formatting is dropped: Parley sends plain chat lines`);
    text = text.slice(formatting[0].length);
  }
  const parley = render(parse(text)).trim();
  return { dialect, original, parley, inert, notes };
}

/** A Parley template taken as it is (the `parley` export document). */
export function parleyTemplate(original: string): TemplateTranslation {
  return { dialect: 'parley', original, parley: original, inert: [], notes: [] };
}
