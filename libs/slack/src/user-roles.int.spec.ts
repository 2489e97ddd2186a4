import { SlackFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from './slack-adapter.js';
import { SlackUserRoles, type SlackUserLookup } from './user-roles.js';

const fake = new SlackFake();
let adapter: SlackAdapter;

beforeAll(async () => {
  const apiUrl = await fake.start();
  const workspace = fake.install('T1');
  adapter = new SlackAdapter({ apiUrl, workspace: (teamId) => (teamId === 'T1' ? workspace : undefined) });
  fake.addUser('T1', 'UOWNER', { is_owner: true });
  fake.addUser('T1', 'UADMIN', { is_admin: true });
  fake.addUser('T1', 'UPLAIN');
});
afterAll(() => fake.stop());

/** A roles cache over the fake's users.info, on a clock the test moves. */
function rolesCache(options: Partial<SlackUserRoles['options']> = {}) {
  const clock = { now: 1_000_000 };
  const lookups: SlackUserLookup[] = [];
  const cache = new SlackUserRoles({ lookup: (teamId, userId) => adapter.userFlags(teamId, userId), now: () => clock.now, ...options });
  cache.on('lookup', (lookup) => lookups.push(lookup));
  return { cache, clock, lookups };
}
const callsFor = (user: string) => fake.usersInfoCalls.filter((call) => call === `T1/${user}`).length;

describe('SlackUserRoles against the Slack fake (users.info through @slack/web-api)', () => {
  it('asks Slack again once a member’s roles are older than the TTL', async () => {
    const { cache, clock } = rolesCache({ ttlMs: 60_000 });
    const before = callsFor('UOWNER');
    expect(await cache.roles('T1', 'UOWNER')).toEqual(['broadcaster', 'everyone']);
    clock.now += 59_000;
    fake.addUser('T1', 'UOWNER', { is_admin: true });
    // Still cached: the demotion is not seen yet.
    expect(await cache.roles('T1', 'UOWNER')).toEqual(['broadcaster', 'everyone']);
    clock.now += 2_000;
    expect(await cache.roles('T1', 'UOWNER')).toEqual(['moderator', 'everyone']);
    expect(callsFor('UOWNER') - before).toBe(2);
  });

  it('keeps at most maxEntries members, dropping the least recently used', async () => {
    const { cache } = rolesCache({ maxEntries: 2 });
    const before = { admin: callsFor('UADMIN'), plain: callsFor('UPLAIN') };
    await cache.roles('T1', 'UADMIN');
    await cache.roles('T1', 'UPLAIN');
    await cache.roles('T1', 'UADMIN');
    // UPLAIN was used least recently: it goes.
    await cache.roles('T1', 'UOWNER');
    expect(cache.size).toBe(2);
    await cache.roles('T1', 'UADMIN');
    await cache.roles('T1', 'UPLAIN');
    expect({ admin: callsFor('UADMIN') - before.admin, plain: callsFor('UPLAIN') - before.plain }).toEqual({ admin: 1, plain: 2 });
  });

  it('shares one lookup between concurrent messages of a member', async () => {
    const { cache } = rolesCache();
    const before = callsFor('UADMIN');
    const all = await Promise.all(Array.from({ length: 5 }, () => cache.roles('T1', 'UADMIN')));
    expect(all).toEqual(Array.from({ length: 5 }, () => ['moderator', 'everyone']));
    expect(callsFor('UADMIN') - before).toBe(1);
  });

  it('makes an author everyone when Slack errs, does not know them, or is too slow, and says why', async () => {
    const { cache, lookups } = rolesCache({ timeoutMs: 200 });
    fake.usersInfoFailures = 1;
    expect(await cache.roles('T1', 'UADMIN')).toEqual(['everyone']);
    expect(await cache.roles('T1', 'USTRANGER')).toEqual(['everyone']);
    expect(await cache.roles('T9', 'UADMIN')).toEqual(['everyone']);
    expect(lookups.map((lookup) => [lookup.teamId, lookup.userId, lookup.outcome === 'failed' && lookup.error])).toEqual([
      ['T1', 'UADMIN', expect.stringMatching(/503/)],
      ['T1', 'USTRANGER', expect.stringMatching(/user_not_found/)],
      ['T9', 'UADMIN', 'workspace T9 is not installed'],
    ]);
    const slow = new SlackUserRoles({ lookup: () => new Promise(() => undefined), timeoutMs: 200 });
    const failures: SlackUserLookup[] = [];
    slow.on('lookup', (lookup) => failures.push(lookup));
    const startedAt = performance.now();
    expect(await slow.roles('T1', 'UADMIN')).toEqual(['everyone']);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    expect(failures).toEqual([{ teamId: 'T1', userId: 'UADMIN', outcome: 'failed', error: 'no answer within 200 ms' }]);
  });
});
