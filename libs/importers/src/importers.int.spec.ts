import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommunityRepository, CommandRepository } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { WebhookUrlGuard } from '@parley/ssrf-guard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyImport,
  exportCommunity,
  ImportError,
  nightbotBundle,
  parseDocument,
  planForCommunity,
  readStreamlabsChatbot,
  streamElementsBundle,
  urlCheckFrom,
  type ImportInput,
  type ImportPlan,
} from './index.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const json = (path: string) => JSON.parse(fixture(path).toString('utf8'));

const inputs: Record<string, () => ImportInput> = {
  nightbot: () => ({ source: 'nightbot', bundle: nightbotBundle(json('nightbot/commands.json'), json('nightbot/timers.json')) }),
  streamelements: () => ({
    source: 'streamelements',
    bundle: streamElementsBundle({
      commands: json('streamelements/commands.json'),
      timers: json('streamelements/timers.json'),
      quotes: json('streamelements/quotes.json').quotes,
      counters: json('streamelements/counters.json'),
    }),
  }),
  'streamlabs-chatbot': () => ({
    source: 'streamlabs-chatbot',
    bundle: readStreamlabsChatbot(['General.abcomg', 'Mods.abcom', 'Quotes.xlsx'].map((name) => ({ name, bytes: fixture(`streamlabs-chatbot/${name}`) }))),
  }),
};

const guard = urlCheckFrom(new WebhookUrlGuard());

let database: TestDatabase;
let communities: CommunityRepository;

async function auditCount(communityId: string): Promise<number> {
  const { rows } = await database.pool.query<{ count: string }>('SELECT count(*) FROM audit_log WHERE community_id = $1', [communityId]);
  return Number(rows[0]!.count);
}

function reported(plan: ImportPlan, ref: string) {
  const item = plan.items.find((candidate) => candidate.ref === ref);
  if (!item) throw new Error(`no item ${ref} in the plan: ${plan.items.map((candidate) => candidate.ref).join(', ')}`);
  return item;
}

beforeAll(async () => {
  database = await createTestDatabase();
  communities = new CommunityRepository(database.pool);
});
afterAll(async () => {
  await database?.drop();
});

describe.each(Object.keys(inputs))('importing the %s fixture', (source) => {
  let communityId: string;
  let dryRun: ImportPlan;

  beforeAll(async () => {
    communityId = (await communities.create({ slug: `from-${source}`, name: source })).id;
    dryRun = await planForCommunity(database.pool, communityId, inputs[source]!());
  });

  it('reports every skipped or inert item with its reason', () => {
    for (const item of dryRun.items) {
      if (item.action === 'skip') expect(item.reason, item.ref).toMatch(/\w{3}/u);
      for (const reason of item.inert) expect(reason, item.ref).toMatch(/\w{3}/u);
      if (item.inert.length && item.fields && 'enabled' in item.fields) expect(item.fields.enabled, item.ref).toBe(false);
    }
    expect(dryRun.summary.create).toBeGreaterThan(0);
    expect(dryRun.summary.inert).toBeGreaterThan(0);
  });

  it('applies exactly the dry run, one audit entry per change, and a re-run changes nothing', async () => {
    const before = await auditCount(communityId);
    const applied = await applyImport(database.pool, communityId, inputs[source]!(), { actor: 'test', expectedFingerprint: dryRun.fingerprint });
    expect(applied.plan.items).toEqual(dryRun.items);
    expect(applied.changes).toBe(dryRun.summary.create + dryRun.summary.update);
    expect(await auditCount(communityId)).toBe(before + applied.changes);

    const again = await applyImport(database.pool, communityId, inputs[source]!(), { actor: 'test' });
    expect(again.changes).toBe(0);
    expect(again.plan.summary.create + again.plan.summary.update).toBe(0);
    expect(again.plan.summary.unchanged).toBe(applied.changes);
    expect(await auditCount(communityId)).toBe(before + applied.changes);
  });

  it('stores no enabled command or timer whose text holds untranslated source syntax', async () => {
    const { rows } = await database.pool.query<{ response: string; enabled: boolean }>(
      'SELECT response, enabled FROM commands WHERE community_id = $1 UNION ALL SELECT message, enabled FROM timers WHERE community_id = $1',
      [communityId],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.response).not.toMatch(/\$\{|\$(readapi|readline|readrandline|addpoints|removepoints|eval|urlfetch|customapi)|\$\((eval|urlfetch|customapi)/iu);
      if (row.response.includes('[not imported:')) expect(row.enabled).toBe(false);
    }
  });
});

describe('what each source report says', () => {
  it('Nightbot: aliases, prefix-less triggers, cron timers, inert eval and urlfetch', async () => {
    const { id } = await communities.create({ slug: 'nightbot-report', name: 'n' });
    const plan = await planForCommunity(database.pool, id, inputs.nightbot!());
    expect(reported(plan, '!dc')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/alias of !discord/u) });
    expect(reported(plan, '!discord').fields).toMatchObject({ aliases: ['dc'] });
    expect(reported(plan, '!sohype').reason).toMatch(/no command that calls another/u);
    expect(reported(plan, 'hello').reason).toMatch(/lacks the community's prefix/u);
    expect(reported(plan, 'Weekday promo').reason).toMatch(/cron/u);
    expect(reported(plan, '!roll')).toMatchObject({ action: 'create', inert: [expect.stringMatching(/^eval/u)], fields: { enabled: false, minRole: 'subscriber' } });
    expect(reported(plan, '!roll').notes.join(' ')).toMatch(/\/me formatting/u);
    expect(reported(plan, '!followage').inert.join(' ')).toMatch(/urlfetch/u);
    expect(reported(plan, '!so').fields).toMatchObject({ globalCooldownSeconds: 3 });
    expect(reported(plan, '!editors').fields).toMatchObject({ minRole: 'broadcaster' });
  });

  it('StreamElements: cost and setgame are inert, keyword triggers and rotation are noted', async () => {
    const { id } = await communities.create({ slug: 'se-report', name: 's' });
    const plan = await planForCommunity(database.pool, id, inputs.streamelements!());
    expect(reported(plan, 'vipsay').inert.join(' ')).toMatch(/500 loyalty points/u);
    expect(reported(plan, 'game').inert.join(' ')).toMatch(/setgame/u);
    expect(reported(plan, 'modinfo').inert.join(' ')).toMatch(/customapi/u);
    expect(reported(plan, 'hi').notes.join(' ')).toMatch(/keyword trigger "hello bot"/u);
    expect(reported(plan, 'Timer Test')).toMatchObject({ fields: { name: 'timer-test', intervalSeconds: 1200, minChatLines: 2 } });
    expect(reported(plan, 'Timer Test').notes.join(' ')).toMatch(/1 more message/u);
    expect(reported(plan, 'Boss Kills').fields).toEqual({ name: 'boss-kills', value: 7 });
  });

  it('Streamlabs Chatbot: points, file reads and special permissions are inert; an empty quote is skipped', async () => {
    const { id } = await communities.create({ slug: 'slcb-report', name: 'l' });
    const plan = await planForCommunity(database.pool, id, inputs['streamlabs-chatbot']!());
    expect(reported(plan, '!gamble').inert.join(' ')).toMatch(/removepoints/u);
    expect(reported(plan, '!tip').inert.join(' ')).toMatch(/readrandline/u);
    expect(reported(plan, '!airhorn').inert.join(' ')).toMatch(/100 loyalty points/u);
    expect(reported(plan, '!vip')).toMatchObject({ fields: { minRole: 'broadcaster', enabled: false } });
    expect(reported(plan, '#3')).toMatchObject({ action: 'skip', reason: 'empty quote' });
    expect(reported(plan, '#0')).toMatchObject({ action: 'create', fields: { number: 0 } });
  });
});

describe('re-importing after a change', () => {
  it('updates what changed at the source (one audit entry with before and after), never what was edited in Parley', async () => {
    const { id } = await communities.create({ slug: 'changes', name: 'c' });
    await applyImport(database.pool, id, inputs.nightbot!(), { actor: 'test' });
    const changed = (edit: (commands: Array<{ name: string; message: string }>) => void): ImportInput => {
      const commands = json('nightbot/commands.json');
      edit(commands.commands);
      return { source: 'nightbot', bundle: nightbotBundle(commands, json('nightbot/timers.json')) };
    };
    const atSource = changed((commands) => {
      commands.find((command) => command.name === '!discord')!.message = 'New invite: https://discord.gg/new';
      commands.find((command) => command.name === '!lurk')!.message = 'lurking, changed at the source';
    });
    await database.pool.query("UPDATE commands SET response = 'edited by a moderator in Parley' WHERE community_id = $1 AND name = 'lurk'", [id]);
    const before = await auditCount(id);
    const applied = await applyImport(database.pool, id, atSource, { actor: 'test' });
    expect(reported(applied.plan, '!discord')).toMatchObject({ action: 'update', reason: 'changes response' });
    expect(reported(applied.plan, '!lurk')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/changed in Parley since nightbot imported it/u) });
    expect(applied.changes).toBe(1);
    const { rows } = await database.pool.query('SELECT before, after FROM audit_log WHERE community_id = $1 ORDER BY id DESC LIMIT 1', [id]);
    expect(rows[0].before.response).toBe('Join the Discord, $(user): https://discord.gg/example');
    expect(rows[0].after.response).toBe('New invite: https://discord.gg/new');
    expect(await auditCount(id)).toBe(before + 1);
    expect((await applyImport(database.pool, id, atSource, { actor: 'test' })).changes).toBe(0);
  });
});

describe('hostile input', () => {
  it('imports no dangerous command: eval and urlfetch are inert, collisions are skipped, nothing is fetched', async () => {
    let hits = 0;
    const server = createServer((_request, response) => {
      hits++;
      response.end('pwned');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const { id } = await communities.create({ slug: 'hostile', name: 'h' });
      await new CommandRepository(database.pool).create({ communityId: id, name: 'ping', response: 'pong' });
      const commands = json('hostile/nightbot-commands.json');
      commands.commands.push({ _id: 'h10', name: '!local', message: `$(urlfetch ${local})`, coolDown: 0, userLevel: 'everyone' });
      const input: ImportInput = { source: 'nightbot', bundle: nightbotBundle(commands, json('hostile/nightbot-timers.json')) };
      const plan = await planForCommunity(database.pool, id, input);
      const applied = await applyImport(database.pool, id, input, { actor: 'test', expectedFingerprint: plan.fingerprint });

      expect(reported(plan, '!secrets')).toMatchObject({ action: 'create', fields: { enabled: false, response: 'token: [not imported: eval]' } });
      expect(reported(plan, '!metadata')).toMatchObject({ fields: { enabled: false, response: '[not imported: urlfetch]' } });
      expect(reported(plan, '!nested').fields).toMatchObject({ enabled: false });
      expect(reported(plan, '!dup')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/another item of this import/u) });
      expect(reported(plan, '!ping')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/already exists and was not imported/u) });
      expect(reported(plan, '!unclosed').fields).toMatchObject({ enabled: false });
      expect(reported(plan, '!ban')).toMatchObject({ fields: { minRole: 'broadcaster' } });
      expect(reported(plan, '!ünicode name').reason).toMatch(/not a usable Parley command name/u);
      expect(reported(plan, 'commands[9]').reason).toMatch(/^unreadable/u);
      expect(reported(plan, 'commands[10]').reason).toMatch(/^unreadable/u);
      expect(reported(plan, 'exfil')).toMatchObject({ fields: { enabled: false } });
      expect(applied.changes).toBeGreaterThan(0);

      const stored = await database.pool.query<{ name: string; response: string; enabled: boolean }>('SELECT name, response, enabled FROM commands WHERE community_id = $1', [id]);
      expect(stored.rows.find((row) => row.name === 'ping')!.response).toBe('pong');
      for (const row of stored.rows) expect(row.response).not.toMatch(/169\.254|process\.env|passwd|127\.0\.0\.1/u);
      expect(stored.rows.filter((row) => row.enabled).map((row) => row.name).sort()).toEqual(['ban', 'dup', 'ping']);
      // The source's own text is kept beside the translation, for the report and a later hand edit.
      const kept = await database.pool.query<{ original: { template: string }; inert: string[] }>("SELECT original, inert FROM import_items WHERE community_id = $1 AND key = 'secrets'", [id]);
      expect(kept.rows[0]!.original.template).toContain('process.env.HUB_ADMIN_TOKEN');
      expect(kept.rows[0]!.inert[0]).toMatch(/^eval/u);
      expect(hits).toBe(0);
    } finally {
      server.close();
    }
  });

  it('a Parley document with a webhook to the metadata address: the module is refused and its command skipped', async () => {
    const { id } = await communities.create({ slug: 'hostile-doc', name: 'h' });
    await new CommandRepository(database.pool).create({ communityId: id, name: 'ping', response: 'pong' });
    const input: ImportInput = { source: 'parley', document: parseDocument(fixture('hostile/parley-document.json').toString('utf8')), checkUrl: guard };
    const applied = await applyImport(database.pool, id, input, { actor: 'test' });
    expect(reported(applied.plan, 'metadata')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/link-local|169\.254/u) });
    expect(reported(applied.plan, 'meta').reason).toMatch(/webhook module "metadata" is not in this community/u);
    expect(reported(applied.plan, 'ping').action).toBe('skip');
    const modules = await database.pool.query('SELECT 1 FROM webhook_modules WHERE community_id = $1', [id]);
    expect(modules.rowCount).toBe(0);
  });

  it('malformed and oversized documents are clear errors', () => {
    expect(() => parseDocument('{"format": "parley.community", ')).toThrow(/not valid JSON/u);
    expect(() => parseDocument(JSON.stringify({ format: 'parley.community', version: 9 }))).toThrow(/version 9/u);
    expect(() => parseDocument(' '.repeat(10 * 1024 * 1024))).toThrow(expect.objectContaining({ code: 'too-large' }));
    expect(() => parseDocument('{"format": "parley.community", "version": 1}')).toThrow(/invalid at settings/u);
  });

  it('refuses to apply when the community changed after the dry run, and writes nothing', async () => {
    const { id } = await communities.create({ slug: 'changed', name: 'c' });
    const plan = await planForCommunity(database.pool, id, inputs.nightbot!());
    await new CommandRepository(database.pool).create({ communityId: id, name: 'hug', response: 'a hand-made hug' });
    const before = await auditCount(id);
    await expect(applyImport(database.pool, id, inputs.nightbot!(), { actor: 'test', expectedFingerprint: plan.fingerprint })).rejects.toMatchObject({
      code: 'plan-changed',
    });
    expect(await auditCount(id)).toBe(before);
    expect((await database.pool.query('SELECT 1 FROM commands WHERE community_id = $1', [id])).rowCount).toBe(1);
  });

  it('an unknown community is a typed error', async () => {
    await expect(planForCommunity(database.pool, '00000000-0000-4000-8000-000000000000', inputs.nightbot!())).rejects.toBeInstanceOf(ImportError);
  });
});

describe('export and import parley', () => {
  it('export → import into an empty community → export gives the same bytes', async () => {
    const { id } = await communities.create({ slug: 'round-trip-source', name: 'r' });
    for (const source of Object.keys(inputs)) await applyImport(database.pool, id, inputs[source]!(), { actor: 'test' });
    await database.pool.query("UPDATE communities SET command_prefix = '?', cooldown_notice = true WHERE id = $1", [id]);
    const channel = await database.pool.query<{ id: string }>(
      "INSERT INTO channels (community_id, platform, platform_channel_id, name, bot_login) VALUES ($1, 'twitch', '424242', 'roundtrip', 'parleybot') RETURNING id",
      [id],
    );
    const module = await database.pool.query<{ id: string }>(
      "INSERT INTO webhook_modules (community_id, name, url, secret, timeout_ms) VALUES ($1, 'weather', 'https://weather.example.com/hook', 'a-secret-of-sixteen+', 1500) RETURNING id",
      [id],
    );
    await database.pool.query("UPDATE commands SET channel_ids = $2, module_id = $3, platforms = '{twitch,discord}' WHERE community_id = $1 AND name = 'discord'", [
      id,
      [channel.rows[0]!.id],
      module.rows[0]!.id,
    ]);
    await database.pool.query("INSERT INTO module_settings (community_id, module, settings) VALUES ($1, 'quotes', '{\"z\": 1, \"a\": {\"nested\": [1, 2]}}')", [id]);
    await database.pool.query("INSERT INTO quotes (community_id, text) VALUES ($1, 'an unnumbered quote'), ($1, 'another one')", [id]);

    const exported = await exportCommunity(database.pool, id);
    expect(exported).not.toContain('a-secret-of-sixteen+');

    // Another deployment: the channel belongs to nobody there.
    const elsewhere = await createTestDatabase();
    try {
      const target = (await new CommunityRepository(elsewhere.pool).create({ slug: 'round-trip-target', name: 'r' })).id;
      const input: ImportInput = { source: 'parley', document: parseDocument(exported), checkUrl: async () => null };
      const applied = await applyImport(elsewhere.pool, target, input, { actor: 'test' });
      expect(applied.plan.summary.skip).toBe(0);
      expect(await exportCommunity(elsewhere.pool, target)).toBe(exported);
      expect((await applyImport(elsewhere.pool, target, input, { actor: 'test' })).changes).toBe(0);
    } finally {
      await elsewhere.drop();
    }

    // The same deployment: the channel is already the source community's, so it (and what uses it) is skipped, with reasons.
    const sibling = (await communities.create({ slug: 'round-trip-sibling', name: 'r' })).id;
    const plan = await planForCommunity(database.pool, sibling, { source: 'parley', document: parseDocument(exported), checkUrl: async () => null });
    expect(reported(plan, 'twitch:424242').reason).toMatch(/another community/u);
    expect(reported(plan, 'discord').reason).toMatch(/channel twitch:424242 is not in this community/u);
  });
});
