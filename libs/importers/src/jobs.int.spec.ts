import { readFileSync } from 'node:fs';
import { CommunityRepository } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError } from './errors.js';
import { ImportJobs, DryRunMismatchError } from './jobs.js';
import { nightbotBundle } from './sources/nightbot.js';
import type { ImportInput } from './store.js';

const json = (path: string) => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
const nightbot = async (): Promise<ImportInput> => ({ source: 'nightbot', bundle: nightbotBundle(json('nightbot/commands.json'), json('nightbot/timers.json')) });

let database: TestDatabase;
let communityId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  communityId = (await new CommunityRepository(database.pool).create({ slug: 'jobs', name: 'j' })).id;
});
afterAll(() => database?.drop());

describe('ImportJobs', () => {
  it('runs a dry run, then its apply with progress, and tells who must reload', async () => {
    const applied: string[] = [];
    const progress: Array<[number, number]> = [];
    const jobs = new ImportJobs(database.pool, { progressEvery: 3, onApplied: (id) => void applied.push(id) });
    const dryRun = await jobs.start({ communityId, actor: 'test', mode: 'dry-run', source: 'nightbot', read: nightbot });
    expect(dryRun).toMatchObject({ status: 'queued', phase: 'queued' });
    await jobs.drain();
    const planned = (await jobs.find(communityId, dryRun.id))!;
    expect(planned).toMatchObject({ status: 'succeeded', phase: 'done', error: null });
    const changes = planned.summary!.create + planned.summary!.update;

    const original = database.pool.query.bind(database.pool);
    const apply = await jobs.start({ communityId, actor: 'test', mode: 'apply', source: 'nightbot', dryRunId: dryRun.id, read: nightbot });
    // Sample the progress the job writes while it runs.
    const sampler = setInterval(() => void original('SELECT done, total FROM import_jobs WHERE id = $1', [apply.id]).then(({ rows }) => progress.push([rows[0].done, rows[0].total])), 5);
    await jobs.drain();
    clearInterval(sampler);
    const finished = (await jobs.find(communityId, apply.id))!;
    expect(finished).toMatchObject({ status: 'succeeded', done: changes, total: changes, fingerprint: planned.fingerprint });
    expect(finished.report).toEqual(planned.report);
    expect(applied).toEqual([communityId]);
    expect(progress.every(([done, total]) => done <= total || total === 0)).toBe(true);
  });

  it('refuses an apply without a succeeded dry run of the same source', async () => {
    const jobs = new ImportJobs(database.pool);
    await expect(jobs.start({ communityId, actor: 'test', mode: 'apply', source: 'nightbot', read: nightbot })).rejects.toBeInstanceOf(DryRunMismatchError);
    const failed = await jobs.start({ communityId, actor: 'test', mode: 'dry-run', source: 'nightbot', read: async () => Promise.reject(new ImportError('source-auth', 'refused')) });
    await jobs.drain();
    expect(await jobs.find(communityId, failed.id)).toMatchObject({ status: 'failed', error: { code: 'source-auth', message: 'refused' } });
    await expect(jobs.start({ communityId, actor: 'test', mode: 'apply', source: 'nightbot', dryRunId: failed.id, read: nightbot })).rejects.toThrow(/has not succeeded/u);
  });

  it('hides unexpected errors behind "internal" and hands them to the app', async () => {
    const seen: unknown[] = [];
    const jobs = new ImportJobs(database.pool, { onUnexpectedError: (error) => void seen.push(error) });
    const job = await jobs.start({ communityId, actor: 'test', mode: 'dry-run', source: 'nightbot', read: async () => Promise.reject(new Error('secret-ish internals')) });
    await jobs.drain();
    const failed = (await jobs.find(communityId, job.id))!;
    expect(failed.error).toEqual({ code: 'internal', message: 'internal error; the server log has the details' });
    expect(seen).toHaveLength(1);
  });

  it('a job its process left running is reported interrupted once stale', async () => {
    const { rows } = await database.pool.query<{ id: string }>(
      "INSERT INTO import_jobs (community_id, source, mode, status, phase, actor) VALUES ($1, 'nightbot', 'apply', 'running', 'applying', 'test') RETURNING id",
      [communityId],
    );
    const jobs = new ImportJobs(database.pool, { staleAfterMs: 60_000 });
    expect(await jobs.find(communityId, rows[0]!.id)).toMatchObject({ status: 'running' });
    // The trigger keeps updated_at current on UPDATE; set it with the trigger off for this row.
    await database.pool.query('ALTER TABLE import_jobs DISABLE TRIGGER import_jobs_set_updated_at');
    await database.pool.query("UPDATE import_jobs SET updated_at = now() - interval '2 minutes' WHERE id = $1", [rows[0]!.id]);
    await database.pool.query('ALTER TABLE import_jobs ENABLE TRIGGER import_jobs_set_updated_at');
    expect(await jobs.find(communityId, rows[0]!.id)).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
  });
});
