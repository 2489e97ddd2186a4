import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, decodeConfigChange } from '@parley/contracts';
import { Redis } from 'ioredis';
import { CommunityRepository } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { NightbotApiFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, repoRoot } from './support.js';

const run = promisify(execFile);
const fixtures = join(repoRoot, 'libs/importers/fixtures');
const nightbot = new NightbotApiFake();
let database: TestDatabase;
let work: string;
let env: Record<string, string>;

/** Runs the built CLI; resolves to its exit code and output (never throws on a non-zero exit). */
async function parley(args: string[], extra: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(distRoot, 'apps/cli/src/main.js'), ...args], { env: { ...env, ...extra }, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  const communities = new CommunityRepository(database.pool);
  await communities.create({ slug: 'cli-source', name: 'c' });
  await communities.create({ slug: 'cli-target', name: 'c' });
  const url = await nightbot.start();
  nightbot.setCommands(JSON.parse(await readFile(join(fixtures, 'nightbot/commands.json'), 'utf8')).commands);
  nightbot.setTimers(JSON.parse(await readFile(join(fixtures, 'nightbot/timers.json'), 'utf8')).timers);
  work = await mkdtemp(join(tmpdir(), 'parley-cli-'));
  env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database.url,
    PARLEY_KEY_PREFIX: uniquePrefix('cli'),
    NIGHTBOT_API_URL: url,
    NIGHTBOT_TOKEN: nightbot.issueToken(['commands', 'timers']),
  };
});
afterAll(async () => {
  await nightbot.stop();
  await database?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('parley import / export (the built CLI)', () => {
  it('dry run prints the report and changes nothing; --apply applies it; a re-run is a no-op', async () => {
    const dryRun = await parley(['import', 'nightbot', '--community', 'cli-source']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(/^create command !roll → roll \(inert: imported disabled\)/mu);
    expect(dryRun.stdout).toMatch(/inert: eval: runs JavaScript/u);
    expect(dryRun.stdout).toMatch(/^skip {3}command hello: trigger "hello" lacks/mu);
    expect(dryRun.stdout).toMatch(/dry run: nothing was changed/u);
    expect((await database.pool.query('SELECT 1 FROM commands')).rowCount).toBe(0);

    const subscriber = new Redis(redisUrl());
    const notices: string[] = [];
    subscriber.on('message', (_channel, message) => notices.push(decodeConfigChange(message)?.communityId ?? "undecodable"));
    await subscriber.subscribe(new StreamKeys(env.PARLEY_KEY_PREFIX!, 1).configChanges());
    const applied = await parley(['import', 'nightbot', '--community', 'cli-source', '--apply'], { REDIS_URL: redisUrl() });
    subscriber.disconnect();
    const { rows } = await database.pool.query("SELECT id FROM communities WHERE slug = 'cli-source'");
    expect(notices).toEqual([rows[0].id]);
    expect(applied.code, applied.stderr).toBe(0);
    const changes = Number(/applied: (\d+) change/u.exec(applied.stdout)![1]);
    expect(changes).toBeGreaterThan(5);
    const audit = await database.pool.query("SELECT actor FROM audit_log WHERE actor LIKE 'cli:%'");
    expect(audit.rowCount).toBe(changes);

    const again = await parley(['import', 'nightbot', '--community', 'cli-source', '--apply']);
    expect(again.stdout).toMatch(/0 to create, 0 to update/u);
    expect(again.stdout).toMatch(/applied: 0 change/u);
    expect(again.stdout).not.toContain(env.NIGHTBOT_TOKEN);
  });

  it('export → import parley into an empty community → export gives the same bytes', async () => {
    const first = join(work, 'first.json');
    expect((await parley(['export', '--community', 'cli-source', '--out', first])).code).toBe(0);
    const imported = await parley(['import', 'parley', '--community', 'cli-target', '--apply', first]);
    expect(imported.code, imported.stderr).toBe(0);
    const second = await parley(['export', '--community', 'cli-target']);
    expect(second.stdout).toBe(await readFile(first, 'utf8'));
  });

  it('hostile files, a missing token and bad configuration get clear errors and exit codes, never a crash', async () => {
    const huge = join(work, 'huge.abcomg');
    await writeFile(huge, Buffer.alloc(10 * 1024 * 1024, 0x20));
    const tooLarge = await parley(['import', 'streamlabs-chatbot', '--community', 'cli-target', huge]);
    expect(tooLarge).toMatchObject({ code: 1, stderr: expect.stringMatching(/too-large: huge\.abcomg is 10\.0 MB/u) });

    const malformed = await parley(['import', 'streamlabs-chatbot', '--community', 'cli-target', join(fixtures, 'hostile/truncated.abcomg')]);
    expect(malformed).toMatchObject({ code: 1, stderr: expect.stringMatching(/malformed: truncated\.abcomg is not valid JSON/u) });

    const noToken = await parley(['import', 'streamelements', '--community', 'cli-target']);
    expect(noToken).toMatchObject({ code: 64, stderr: expect.stringMatching(/STREAMELEMENTS_JWT/u) });

    const fossabot = await parley(['import', 'fossabot', '--community', 'cli-target']);
    expect(fossabot).toMatchObject({ code: 64, stderr: expect.stringMatching(/Fossabot has no official export/u) });

    const badConfig = await parley(['export', '--community', 'cli-target'], { NIGHTBOT_API_URL: 'ftp://nope' });
    expect(badConfig.code).toBe(78);
    expect(badConfig.stderr).toMatch(/^parley: .*NIGHTBOT_API_URL/mu);
  });
});
