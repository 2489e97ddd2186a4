import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { encodeConfigChange, StreamKeys } from '@parley/contracts';
import { CommunityRepository, createPool } from '@parley/db';
import {
  ImportError,
  MAX_DOCUMENT_BYTES,
  SLCB_MAX_FILE_BYTES,
  applyImport,
  exportCommunity,
  formatReport,
  parseDocument,
  planForCommunity,
  readNightbot,
  readStreamElements,
  readStreamlabsChatbot,
  urlCheckFrom,
  type ImportInput,
} from '@parley/importers';
import { WebhookUrlGuard } from '@parley/ssrf-guard';
import { Redis } from 'ioredis';
import type { CliConfig } from './config.js';

export const USAGE = `usage:
  parley import nightbot            --community <slug|id> [--apply] [--verbose]   (NIGHTBOT_TOKEN)
  parley import streamelements      --community <slug|id> [--apply] [--verbose]   (STREAMELEMENTS_JWT or STREAMELEMENTS_OAUTH_TOKEN)
  parley import streamlabs-chatbot  --community <slug|id> [--apply] [--verbose] <file.abcomg|.abcom|Quotes.xlsx>...
  parley import parley              --community <slug|id> [--apply] [--verbose] <export.json>
  parley export                     --community <slug|id> [--out <file>]
Without --apply an import is a dry run: it prints what it would create, update and skip, and why.
`;

/** A usage mistake: printed with the usage, exit 64 (EX_USAGE). */
export class UsageError extends Error {}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

async function readLimited(path: string, limit: number): Promise<Uint8Array> {
  const size = (await stat(path)).size;
  if (size > limit) throw new ImportError('too-large', `${basename(path)} is ${(size / 1024 / 1024).toFixed(1)} MB; the largest accepted is ${(limit / 1024 / 1024).toFixed(1)} MB`);
  return readFile(path);
}

async function input(source: string, files: string[], config: CliConfig): Promise<ImportInput> {
  switch (source) {
    case 'nightbot':
      if (!config.NIGHTBOT_TOKEN) throw new UsageError('set NIGHTBOT_TOKEN to an OAuth token with the commands and timers scopes');
      return { source, bundle: await readNightbot({ token: config.NIGHTBOT_TOKEN, baseUrl: config.NIGHTBOT_API_URL }) };
    case 'streamelements': {
      const credential = config.STREAMELEMENTS_JWT
        ? ({ kind: 'jwt', token: config.STREAMELEMENTS_JWT } as const)
        : config.STREAMELEMENTS_OAUTH_TOKEN
          ? ({ kind: 'oauth', token: config.STREAMELEMENTS_OAUTH_TOKEN } as const)
          : null;
      if (!credential) throw new UsageError('set STREAMELEMENTS_JWT (dashboard JWT) or STREAMELEMENTS_OAUTH_TOKEN (bot:read)');
      return { source, bundle: await readStreamElements({ credential, baseUrl: config.STREAMELEMENTS_API_URL }) };
    }
    case 'streamlabs-chatbot':
      if (!files.length) throw new UsageError('name the exported .abcomg / .abcom files and Quotes.xlsx');
      return { source, bundle: readStreamlabsChatbot(await Promise.all(files.map(async (path) => ({ name: basename(path), bytes: await readLimited(path, SLCB_MAX_FILE_BYTES) })))) };
    case 'parley': {
      if (files.length !== 1) throw new UsageError('name exactly one export document');
      const text = Buffer.from(await readLimited(files[0]!, MAX_DOCUMENT_BYTES)).toString('utf8');
      return { source, document: parseDocument(text), checkUrl: urlCheckFrom(new WebhookUrlGuard()) };
    }
    default:
      throw new UsageError(`unknown source "${source.slice(0, 32)}"; Fossabot has no official export (see libs/importers/README.md)`);
  }
}

/** Runs one CLI command; resolves to the process exit code. */
export async function runCli(argv: string[], config: CliConfig, io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { community: { type: 'string' }, apply: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false }, out: { type: 'string' } },
  });
  const [command, source, ...files] = positionals;
  if (!values.community || (command !== 'import' && command !== 'export') || (command === 'import' && !source)) throw new UsageError('missing command, source or --community');

  const pool = createPool(config.DATABASE_URL, { max: 2, applicationName: 'parley-cli' });
  try {
    const communities = new CommunityRepository(pool);
    const community = (await communities.findBySlug(values.community)) ?? (await communities.findById(values.community));
    if (!community) throw new ImportError('no-community', `there is no community "${values.community.slice(0, 64)}"`);

    if (command === 'export') {
      const document = await exportCommunity(pool, community.id);
      if (values.out) await writeFile(values.out, document);
      else io.out(document);
      return 0;
    }
    const read = await input(source!, files, config);
    const dryRun = await planForCommunity(pool, community.id, read);
    io.out(formatReport(dryRun, { verbose: values.verbose }));
    if (!values.apply) {
      io.out('dry run: nothing was changed; run again with --apply to apply this plan\n');
      return 0;
    }
    const applied = await applyImport(pool, community.id, read, { actor: `cli:${userInfo().username}`, expectedFingerprint: dryRun.fingerprint });
    io.out(`applied: ${applied.changes} change(s), one audit entry each\n`);
    if (applied.affectsRouter) await notifyRouters(config, community.id, io);
    return 0;
  } finally {
    await pool.end();
  }
}

/** Routers reload the community at once; if Redis is unreachable they catch up when their cache expires. */
async function notifyRouters(config: CliConfig, communityId: string, io: Io): Promise<void> {
  if (!config.REDIS_URL) {
    io.err('note: REDIS_URL is not set, so routers were not told; they pick the change up when their cache expires\n');
    return;
  }
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.publish(new StreamKeys(config.PARLEY_KEY_PREFIX, 1).configChanges(), encodeConfigChange(communityId));
  } catch {
    io.err('warning: routers were not told (Redis unreachable); they pick the change up when their cache expires\n');
  } finally {
    redis.disconnect();
  }
}
