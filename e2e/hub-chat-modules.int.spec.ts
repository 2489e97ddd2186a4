import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubHarness } from './hub-support.js';

/** The chat modules' configuration through the hub: validated, audited, and visible in the dry run. */
describe('hub: chat module settings', () => {
  let hub: HubHarness;
  let communityId: string;
  const base = () => `/v1/communities/${communityId}`;

  beforeAll(async () => {
    hub = await startHub();
    communityId = (await hub.community('chat-modules')).id;
  });

  afterAll(() => hub?.close());

  it('refuses filter settings the router could not use, naming the field', async () => {
    const wrongType = await hub.request('POST', `${base()}/module-settings`, { body: { module: 'filters', settings: { caps: { enabled: 'yes' } } } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.errors[0].field).toBe('settings.caps.enabled');

    const backtracking = await hub.request('POST', `${base()}/module-settings`, {
      body: { module: 'filters', settings: { patterns: { enabled: true, patterns: ['(a)\\1'] } } },
    });
    expect(backtracking.status).toBe(422);
    expect(backtracking.body.detail).toMatch(/RE2 syntax/);
  });

  it('stores valid filter settings with an audit entry and shows their verdict in the dry run', async () => {
    const created = await hub.request('POST', `${base()}/module-settings`, {
      body: { module: 'filters', settings: { enabled: true, dryRun: false, caps: { enabled: true }, links: { enabled: true, dryRun: true } } },
    });
    expect(created.status).toBe(201);
    const audit = await hub.request('GET', `${base()}/audit-log?limit=50`);
    expect(audit.body.items.some((entry: { resource: string; action: string }) => entry.resource === 'module-setting' && entry.action === 'create')).toBe(true);

    const shout = await hub.request('POST', `${base()}/dry-run`, { body: { text: 'WHY IS EVERYONE SO QUIET TODAY' } });
    expect(shout.status).toBe(200);
    // Twitch cannot deliver moderation actions yet, so even an enforcing filter only counts there.
    expect(shout.body.filter).toEqual({ name: 'caps', reason: 'too many capital letters', firstStrike: 'delete', mode: 'unsupported' });
    expect(shout.body.outcome).toBe('not-a-command');

    const link = await hub.request('POST', `${base()}/dry-run`, { body: { text: '!ping see example.com' } });
    expect(link.body).toMatchObject({ outcome: 'answered', answers: ['Pong!'], filter: { name: 'links', mode: 'dry-run' } });

    const moderator = await hub.request('POST', `${base()}/dry-run`, { body: { text: 'WHY IS EVERYONE SO QUIET TODAY', role: 'moderator' } });
    expect(moderator.body.filter).toBeNull();

    const patched = await hub.request('PATCH', `${base()}/module-settings/filters`, { body: { settings: { ladder: [] } } });
    expect(patched.status).toBe(422);
  });
});
