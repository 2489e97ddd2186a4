import { readFileSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { candidatesFromBundle } from '../candidates.js';
import { ImportError } from '../errors.js';
import { cronEveryMinutes, nightbotBundle } from './nightbot.js';
import { streamElementsBundle } from './streamelements.js';
import { SLCB_MAX_FILE_BYTES, readStreamlabsChatbot, splitSlcbQuote } from './streamlabs-chatbot.js';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url));
const json = (path: string) => JSON.parse(fixture(path).toString('utf8'));

describe('Nightbot', () => {
  it('reads the API envelopes: roles, cooldowns, aliases, cron timers', () => {
    const bundle = nightbotBundle(json('nightbot/commands.json'), json('nightbot/timers.json'));
    expect(bundle.commands).toHaveLength(11);
    const so = bundle.commands.find((command) => command.trigger === '!so')!;
    expect(so).toMatchObject({ minRole: 'moderator', cooldownGlobalSeconds: 2.5, template: { parley: 'Go follow $(1) at https://twitch.tv/$(1)' } });
    expect(bundle.commands.find((command) => command.trigger === '!lurk')).toMatchObject({ minRole: 'vip', roleNote: expect.stringMatching(/stricter/u) });
    expect(bundle.commands.find((command) => command.trigger === '!dc')!.invokes).toEqual({ target: '!discord', input: '' });
    expect(bundle.timers.map((timer) => timer.schedule)).toEqual([{ everyMinutes: 15 }, { everyMinutes: 60 }, { cron: '30 18 * * 1-5' }]);
  });

  it('turns crons into minutes only when they have a fixed interval', () => {
    expect(cronEveryMinutes('*/5 * * * *')).toBe(5);
    expect(cronEveryMinutes('7 */2 * * *')).toBe(120);
    expect(cronEveryMinutes('*/7 * * * *')).toBeNull();
    expect(cronEveryMinutes('0 12 * * *')).toBeNull();
    expect(cronEveryMinutes('nonsense')).toBeNull();
  });

  it('lists unreadable records instead of failing, and refuses a body that is not the envelope', () => {
    const bundle = nightbotBundle(json('hostile/nightbot-commands.json'), json('hostile/nightbot-timers.json'));
    expect(bundle.unreadable.map((record) => record.ref)).toEqual(['commands[9]', 'commands[10]']);
    expect(() => nightbotBundle({ nope: true }, { timers: [] })).toThrow(ImportError);
  });
});

describe('StreamElements', () => {
  const bodies = () => ({
    commands: json('streamelements/commands.json'),
    timers: json('streamelements/timers.json'),
    quotes: json('streamelements/quotes.json').quotes,
    counters: json('streamelements/counters.json'),
  });

  it('reads commands with the numeric ladder, keywords, gating and cost', () => {
    const bundle = streamElementsBundle(bodies());
    const byName = new Map(bundle.commands.map((command) => [command.trigger, command]));
    expect(byName.get('Socials')).toMatchObject({ aliases: ['socials', 'links'], cooldownUserSeconds: 15, cooldownGlobalSeconds: 5, triggerHasPrefix: false });
    expect(byName.get('regular')!.minRole).toBe('vip');
    expect(byName.get('game')!.minRole).toBe('broadcaster');
    expect(byName.get('hi')!.otherTriggers).toEqual([{ match: 'keyword', value: 'hello bot' }, { match: 'regex', value: '^hi+ bot$' }]);
    expect(byName.get('vipsay')!.costPoints).toBe(500);
    expect(bundle.timers[0]).toMatchObject({ rotation: 'sequential', schedule: { everyMinutes: 20 }, minLines: 2 });
    expect(bundle.quotes.map((quote) => quote.number)).toEqual([1, 2, 4]);
    expect(bundle.counters).toEqual([{ name: 'deaths', value: 31 }, { name: 'Boss Kills', value: 7 }]);
  });

  it('rejects a quote number PostgreSQL cannot hold instead of failing the whole apply', () => {
    const bundle = streamElementsBundle({ ...bodies(), quotes: [{ id: 2 ** 40, text: 'far out' }] });
    const [quote] = candidatesFromBundle(bundle, '!').filter((candidate) => candidate.kind === 'quote');
    expect(quote).toMatchObject({ fields: null, reason: expect.stringMatching(/outside 0/u) });
  });
});

describe('Streamlabs Chatbot', () => {
  const files = () => [
    { name: 'General.abcomg', bytes: fixture('streamlabs-chatbot/General.abcomg') },
    { name: 'Mods.abcom', bytes: fixture('streamlabs-chatbot/Mods.abcom') },
    { name: 'Quotes.xlsx', bytes: fixture('streamlabs-chatbot/Quotes.xlsx') },
  ];

  it('reads command groups (BOM included), permissions, usage and the quotes sheet', () => {
    const bundle = readStreamlabsChatbot(files());
    expect(bundle.commands.map((command) => command.trigger)).toEqual(['!donate', '!hug', '!d20', '!points', '!gamble', '!airhorn', '!tip', '!vip', '!modlist']);
    const modlist = bundle.commands.at(-1)!;
    expect(modlist).toMatchObject({ minRole: 'moderator', platforms: ['discord'], enabled: false });
    expect(modlist.notes.join(' ')).toMatch(/Elden Ring/u);
    expect(bundle.commands.find((command) => command.trigger === '!vip')!.requirements).toHaveLength(1);
    expect(bundle.quotes.map((quote) => [quote.number, quote.text, quote.game])).toEqual([
      [0, '"I am not lost, I am exploring." - ExampleStreamer', 'Elden Ring'],
      [1, 'That boss had it coming', 'Dark Souls III'],
      [2, 'Chat is always right (except when it is not)', null],
      [3, '', null],
    ]);
  });

  it('refuses a spreadsheet that unpacks to far more than it weighs (zip bomb) before inflating it', () => {
    const bomb = zipSync({
      'xl/workbook.xml': strToU8('<workbook><sheets><sheet name="Quotes" r:id="rId1"/></sheets></workbook>'),
      'xl/worksheets/sheet1.xml': new Uint8Array(24 * 1024 * 1024),
    });
    expect(bomb.byteLength).toBeLessThan(SLCB_MAX_FILE_BYTES);
    expect(() => readStreamlabsChatbot([{ name: 'Quotes.xlsx', bytes: bomb }])).toThrow(expect.objectContaining({ code: 'too-large' }));
  });

  it('splits "text [game] [date]" cells', () => {
    expect(splitSlcbQuote('hi [Game] [01/01/2015]')).toEqual({ text: 'hi', game: 'Game', date: '01/01/2015' });
    expect(splitSlcbQuote('hi [01/01/2015]')).toEqual({ text: 'hi', game: null, date: '01/01/2015' });
    expect(splitSlcbQuote('no brackets')).toEqual({ text: 'no brackets', game: null, date: null });
  });

  it('refuses malformed JSON, a 10 MB file and a non-zip spreadsheet with a clear error', () => {
    const fail = (name: string, bytes: Uint8Array) => {
      try {
        readStreamlabsChatbot([{ name, bytes }]);
      } catch (error) {
        return error as ImportError;
      }
      throw new Error('expected an ImportError');
    };
    expect(fail('truncated.abcomg', fixture('hostile/truncated.abcomg'))).toMatchObject({ code: 'malformed', message: expect.stringMatching(/truncated\.abcomg is not valid JSON/u) });
    expect(fail('big.abcomg', new Uint8Array(10 * 1024 * 1024))).toMatchObject({ code: 'too-large', message: expect.stringMatching(/10\.0 MB/u) });
    expect(fail('Quotes.xlsx', Buffer.from('not a zip'))).toMatchObject({ code: 'malformed' });
    expect(fail('notes.txt', Buffer.from('x'))).toMatchObject({ code: 'malformed' });
  });
});
