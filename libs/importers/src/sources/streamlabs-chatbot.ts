import type { Platform } from '@parley/contracts';
import { z } from 'zod';
import { ImportError } from '../errors.js';
import { emptyBundle, type SourceBundle, type SourceCommand } from '../model.js';
import { slcbRole } from '../roles.js';
import { translateTemplate } from '../template/translate.js';
import { assertSize, firstIssue, parseJsonText } from './http.js';
import { readXlsxSheet } from './xlsx.js';

/**
 * Streamlabs Chatbot (desktop) has no API: the user exports files. Commands: `.abcom`
 * (one command) and `.abcomg` (a group), both a JSON array of records; quotes: the
 * `Quotes` sheet of `Quotes.xlsx` or `Data.xlsx` (Connections → Cloud).
 */
export interface SourceFile {
  name: string;
  bytes: Uint8Array;
}

/** Largest file read; the real exports are kilobytes. */
export const SLCB_MAX_FILE_BYTES = 2 * 1024 * 1024;

const Record = z.object({
  Command: z.string().min(1).max(200),
  Permission: z.string().max(64).default('Everyone'),
  Info: z.string().max(200).nullish(),
  Group: z.string().max(200).nullish(),
  Response: z.string().max(2_000).default(''),
  Cooldown: z.number().min(0).max(1e6).default(0),
  UserCooldown: z.number().min(0).max(1e6).default(0),
  Cost: z.number().min(0).default(0),
  Count: z.number().int().min(0).default(0),
  Usage: z.string().max(8).default('SC'),
  Enabled: z.boolean().default(true),
  SoundFile: z.string().max(1_000).nullish(),
});

/** `Usage` codes (SLCB docs, Permission_Levels_And_Usages.rst): where and how the command answers. */
const USAGE: Record<string, { platforms: Platform[] | null; whisper: boolean }> = {
  SC: { platforms: ['twitch', 'youtube'], whisper: false },
  SW: { platforms: ['twitch', 'youtube'], whisper: true },
  SB: { platforms: ['twitch', 'youtube'], whisper: false },
  DC: { platforms: ['discord'], whisper: false },
  DW: { platforms: ['discord'], whisper: true },
  DB: { platforms: ['discord'], whisper: false },
  CB: { platforms: null, whisper: false },
  WB: { platforms: null, whisper: true },
  A: { platforms: null, whisper: false },
};

function decode(file: SourceFile): string {
  assertSize(file.bytes.byteLength, SLCB_MAX_FILE_BYTES, file.name);
  // SLCB is a Windows app: its files may start with a UTF-8 byte-order mark.
  return Buffer.from(file.bytes).toString('utf8').replace(/^\uFEFF/u, '');
}

function command(record: z.infer<typeof Record>): SourceCommand {
  const role = slcbRole(record.Permission, record.Info ?? '');
  const usage = USAGE[record.Usage.toUpperCase()];
  const notes: string[] = [];
  if (!usage) notes.push(`usage "${record.Usage}" unknown; answered everywhere`);
  if (usage?.whisper) notes.push('SLCB whispered the answer; Parley answers in chat');
  if (record.Usage.toUpperCase() === 'SB' || record.Usage.toUpperCase() === 'DB') notes.push('answers in chat only (not also by whisper)');
  if (record.SoundFile) notes.push('its sound file (a path on the streamer\'s PC) is not imported');
  const game = /^\[GAME\]\s*(.+)$/iu.exec(record.Group ?? '')?.[1];
  if (game) notes.push(`SLCB ran it only while playing ${game.slice(0, 64)}; Parley answers whatever the game`);
  return {
    sourceId: null,
    trigger: record.Command,
    triggerHasPrefix: true,
    otherTriggers: [],
    aliases: [],
    invokes: null,
    template: translateTemplate('streamlabs-chatbot', record.Response),
    minRole: role.role,
    roleNote: role.note,
    requirements: role.requirement ? [role.requirement] : [],
    cooldownGlobalSeconds: record.Cooldown,
    cooldownUserSeconds: record.UserCooldown,
    enabled: record.Enabled,
    whenLive: true,
    whenOffline: true,
    hidden: false,
    replyMode: usage?.whisper ? 'whisper' : 'say',
    platforms: usage?.platforms ?? null,
    costPoints: record.Cost,
    uses: record.Count,
    notes,
  };
}

/** A quote cell: `"<text> [<game>] [<date>]"` (the game and date brackets are optional). */
export function splitSlcbQuote(cell: string): { text: string; game: string | null; date: string | null } {
  const match = /^([\s\S]*?)\s*(?:\[([^\]]*)\])?\s*(?:\[([^\]]*)\])?\s*$/u.exec(cell)!;
  const brackets = [match[2], match[3]].filter((part): part is string => part !== undefined);
  return { text: match[1]!.trim(), game: brackets.length === 2 ? brackets[0]! : null, date: brackets.at(-1) ?? null };
}

/** Reads SLCB export files (any mix of `.abcom`, `.abcomg` and `.xlsx`) into one bundle. */
export function readStreamlabsChatbot(files: readonly SourceFile[]): SourceBundle {
  const bundle = emptyBundle('streamlabs-chatbot');
  for (const file of files) {
    if (/\.xlsx$/iu.test(file.name)) {
      assertSize(file.bytes.byteLength, SLCB_MAX_FILE_BYTES, file.name);
      const { rows } = readXlsxSheet(file.bytes, ['Quotes']);
      rows.slice(1).forEach((row, index) => {
        const number = Number(row[0]);
        const cell = row[1] ?? '';
        if (!/^\d+$/u.test(row[0] ?? '') || !Number.isSafeInteger(number)) {
          return void bundle.unreadable.push({ kind: 'quote', ref: `${file.name} row ${index + 2}`, reason: 'the first column is not a quote number' });
        }
        const quote = splitSlcbQuote(cell);
        bundle.quotes.push({ number, text: quote.text, author: null, game: quote.game, createdAt: quote.date });
      });
      continue;
    }
    if (!/\.abcomg?$/iu.test(file.name)) throw new ImportError('malformed', `${file.name}: expected an .abcom, .abcomg or .xlsx export of Streamlabs Chatbot`);
    const parsed = parseJsonText(decode(file), file.name);
    const records = Array.isArray(parsed) ? parsed : [parsed];
    records.forEach((raw, index) => {
      const record = Record.safeParse(raw);
      if (!record.success) return void bundle.unreadable.push({ kind: 'command', ref: `${file.name}[${index}]`, reason: firstIssue(record.error.issues) });
      bundle.commands.push(command(record.data));
    });
  }
  return bundle;
}
