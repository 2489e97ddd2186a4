import { readFileSync } from 'node:fs';
import { NightbotApiFake, StreamElementsApiFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubHarness } from './hub-support.js';

const fixture = (path: string) => readFileSync(new URL(`../libs/importers/fixtures/${path}`, import.meta.url));
const json = (path: string) => JSON.parse(fixture(path).toString('utf8'));

const nightbot = new NightbotApiFake();
const streamElements = new StreamElementsApiFake();
let hub: HubHarness;

beforeAll(async () => {
  const nightbotUrl = await nightbot.start();
  const streamElementsUrl = `${await streamElements.start()}/kappa/v2`;
  nightbot.setCommands(json('nightbot/commands.json').commands);
  nightbot.setTimers(json('nightbot/timers.json').timers);
  streamElements.setChannel(json('streamelements/channel.json'));
  streamElements.setCommands(json('streamelements/commands.json'));
  streamElements.setTimers(json('streamelements/timers.json'));
  streamElements.setQuotes(json('streamelements/quotes.json').quotes);
  streamElements.setCounters(json('streamelements/counters.json'));
  hub = await startHub({ HUB_IMPORT_NIGHTBOT_URL: nightbotUrl, HUB_IMPORT_STREAMELEMENTS_URL: streamElementsUrl });
});
afterAll(async () => {
  await hub?.close();
  await nightbot.stop();
  await streamElements.stop();
});

/** Starts a job and polls its Location until it ends (generous deadline: the machine is shared). */
async function runJob(community: { id: string; key: string }, body: Record<string, unknown>) {
  const started = await hub.request('POST', `/v1/communities/${community.id}/imports`, { token: community.key, body });
  expect(started.status, started.text).toBe(202);
  expect(started.body.status).toBe('queued');
  const location = started.headers.location as string;
  expect(location).toBe(`/v1/communities/${community.id}/imports/${started.body.id}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await hub.request('GET', location, { token: community.key });
    expect(job.status).toBe(200);
    if (job.body.status === 'succeeded' || job.body.status === 'failed') return job.body;
    if (Date.now() > deadline) throw new Error(`job still ${job.body.status} (${job.body.phase})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function auditCount(communityId: string): Promise<number> {
  const { rows } = await hub.database.pool.query('SELECT count(*)::int AS count FROM audit_log WHERE community_id = $1', [communityId]);
  return rows[0].count;
}

const sources: Record<string, () => Record<string, unknown>> = {
  nightbot: () => ({ source: 'nightbot', token: nightbot.issueToken(['commands', 'timers']) }),
  streamelements: () => ({ source: 'streamelements', credential: { kind: 'jwt', token: streamElements.issueJwt() } }),
  'streamlabs-chatbot': () => ({
    source: 'streamlabs-chatbot',
    files: ['General.abcomg', 'Mods.abcom', 'Quotes.xlsx'].map((name) => ({ name, contentBase64: fixture(`streamlabs-chatbot/${name}`).toString('base64') })),
  }),
};

describe.each(Object.keys(sources))('POST /imports from %s', (source) => {
  it('dry run, then its apply: they agree, one audit entry per change, a re-run changes nothing, the token is kept nowhere', async () => {
    const community = await hub.community(`imp-${source}`);
    const request = sources[source]!();
    const baseline = await auditCount(community.id);
    const dryRun = await runJob(community, { ...request, mode: 'dry-run' });
    expect(dryRun.status, JSON.stringify(dryRun.error)).toBe('succeeded');
    expect(dryRun.summary.create).toBeGreaterThan(0);
    expect(dryRun.report.filter((item: { action: string }) => item.action === 'skip').every((item: { reason: string }) => item.reason.length > 5)).toBe(true);
    expect(await auditCount(community.id)).toBe(baseline);

    const apply = await runJob(community, { ...sources[source]!(), mode: 'apply', dryRunId: dryRun.id });
    expect(apply.status, JSON.stringify(apply.error)).toBe('succeeded');
    expect(apply.report).toEqual(dryRun.report);
    expect(apply.fingerprint).toBe(dryRun.fingerprint);
    const changes = dryRun.summary.create + dryRun.summary.update;
    expect(apply).toMatchObject({ done: changes, total: changes });
    const audit = await hub.request('GET', `/v1/communities/${community.id}/audit-log?limit=200`, { token: community.key });
    const imported = audit.body.items.slice(baseline);
    expect(imported).toHaveLength(changes);
    expect(imported.every((entry: { after: { importedFrom: string } }) => entry.after.importedFrom === source)).toBe(true);

    const again = await runJob(community, { ...sources[source]!(), mode: 'dry-run' });
    expect(again.summary).toMatchObject({ create: 0, update: 0, unchanged: changes });
    const reapplied = await runJob(community, { ...sources[source]!(), mode: 'apply', dryRunId: again.id });
    expect(reapplied.done).toBe(0);
    expect(await auditCount(community.id)).toBe(baseline + changes);

    const token = (request.token ?? (request.credential as { token?: string } | undefined)?.token) as string | undefined;
    if (token) {
      expect(token.length).toBeGreaterThan(20);
      for (const table of ['import_jobs', 'import_items', 'audit_log']) {
        const dump = await hub.database.pool.query(`SELECT coalesce(string_agg(row_to_json(t)::text, ''), '') AS text FROM ${table} t`);
        expect(dump.rows[0].text, table).not.toContain(token.slice(-20));
      }
    }
  });
});

describe('GET /imports/{id}/events', () => {
  it('streams the job live until it is done, the last event with the report', async () => {
    const community = await hub.community('imp-live', ['read', 'write']);
    const base = await hub.listen();
    const started = await hub.request('POST', `/v1/communities/${community.id}/imports`, { token: community.key, body: { ...sources.streamelements!(), mode: 'dry-run' } });
    const response = await fetch(`${base}${started.headers.location}/events`, { headers: { authorization: `Bearer ${community.key}` } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/u);
    const events = (await response.text())
      .split('\n\n')
      .filter((block) => block.startsWith('event: job'))
      .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)));
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ id: started.body.id, status: 'succeeded', phase: 'done' });
    expect(events.at(-1).report.length).toBeGreaterThan(0);
    expect(events.slice(0, -1).every((event: { report: unknown }) => event.report === null)).toBe(true);
  });
});

describe('import jobs: refusals and failures', () => {
  it('an apply needs a succeeded dry run of the same source', async () => {
    const community = await hub.community('imp-refusals', ['read', 'write']);
    const without = await hub.request('POST', `/v1/communities/${community.id}/imports`, { token: community.key, body: { ...sources.nightbot!(), mode: 'apply' } });
    expect(without.status).toBe(409);
    const dryRun = await runJob(community, { ...sources.nightbot!(), mode: 'dry-run' });
    const wrongSource = await hub.request('POST', `/v1/communities/${community.id}/imports`, {
      token: community.key,
      body: { ...sources.streamelements!(), mode: 'apply', dryRunId: dryRun.id },
    });
    expect(wrongSource.status).toBe(409);
    expect(wrongSource.body.detail).toMatch(/read nightbot/u);
  });

  it('a refused token, a malformed file and a hostile document end as failed jobs or skipped items, never a crash', async () => {
    const community = await hub.community('imp-hostile');
    const refused = await runJob(community, { source: 'nightbot', token: 'not-a-token', mode: 'dry-run' });
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'source-auth' } });
    expect(refused.error.message).not.toContain('not-a-token');

    const malformed = await runJob(community, {
      source: 'streamlabs-chatbot',
      mode: 'dry-run',
      files: [{ name: 'truncated.abcomg', contentBase64: fixture('hostile/truncated.abcomg').toString('base64') }],
    });
    expect(malformed).toMatchObject({ status: 'failed', error: { code: 'malformed' } });

    const hostile = await runJob(community, { source: 'parley', mode: 'dry-run', document: fixture('hostile/parley-document.json').toString('utf8') });
    expect(hostile.status).toBe('succeeded');
    const module = hostile.report.find((item: { kind: string }) => item.kind === 'webhook-module');
    expect(module).toMatchObject({ action: 'skip', reason: expect.stringMatching(/169\.254/u) });

    const huge = await hub.request('POST', `/v1/communities/${community.id}/imports`, {
      token: community.key,
      body: { source: 'parley', mode: 'dry-run', document: 'x'.repeat(10 * 1024 * 1024) },
    });
    expect(huge.status).toBe(413);
    expect((await hub.request('GET', `/readyz`, { token: null })).status).toBe(200);
  });

  it('a read-only key may look at jobs and export, not start imports', async () => {
    const community = await hub.community('imp-readonly', ['read']);
    const started = await hub.request('POST', `/v1/communities/${community.id}/imports`, { token: community.key, body: { ...sources.nightbot!(), mode: 'dry-run' } });
    expect(started.status).toBe(403);
    const writer = await hub.community('imp-writer', ['read', 'write']);
    const document = await hub.request('POST', `/v1/communities/${writer.id}/imports`, { token: writer.key, body: { source: 'parley', mode: 'dry-run', document: '{}' } });
    expect(document.status).toBe(403);
    expect(document.body.detail).toMatch(/admin/u);
    expect((await hub.request('GET', `/v1/communities/${community.id}/export`, { token: community.key })).status).toBe(200);
  });
});

describe('GET /export and import parley', () => {
  it('export → import into an empty community → export is byte-identical', async () => {
    const source = await hub.community('exp-source', ['read', 'write']);
    for (const name of Object.keys(sources)) {
      const dryRun = await runJob(source, { ...sources[name]!(), mode: 'dry-run' });
      await runJob(source, { ...sources[name]!(), mode: 'apply', dryRunId: dryRun.id });
    }
    const exported = await hub.request('GET', `/v1/communities/${source.id}/export`, { token: source.key });
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/json/u);
    expect(exported.body.format).toBe('parley.community');

    const target = await hub.community('exp-target');
    const dryRun = await runJob(target, { source: 'parley', mode: 'dry-run', document: exported.text });
    expect(dryRun.summary.skip).toBe(0);
    const apply = await runJob(target, { source: 'parley', mode: 'apply', dryRunId: dryRun.id, document: exported.text });
    expect(apply.status).toBe('succeeded');
    const again = await hub.request('GET', `/v1/communities/${target.id}/export`, { token: target.key });
    expect(again.text).toBe(exported.text);
  });
});
