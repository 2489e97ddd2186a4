import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing.js';
import { ChannelAuthorizationRepository } from './channel-authorization.repository.js';
import { ChannelRepository } from './channel.repository.js';
import { CommunityRepository } from './community.repository.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

describe('ChannelAuthorizationRepository', () => {
  it('records states by platform channel id, changes a row only when its state changes, and forgets a deleted channel', async () => {
    const community = await new CommunityRepository(database.pool).create({ slug: 'auth', name: 'Auth' });
    const channels = new ChannelRepository(database.pool);
    const granted = await channels.create({ communityId: community.id, platform: 'twitch', platformChannelId: '100', name: 'granted' });
    const refused = await channels.create({ communityId: community.id, platform: 'twitch', platformChannelId: '200', name: 'refused' });
    const elsewhere = await channels.create({ communityId: community.id, platform: 'youtube', platformChannelId: '100', name: 'same id, other platform' });
    const authorizations = new ChannelAuthorizationRepository(database.pool);

    const changed = await authorizations.record('twitch', [
      { platformChannelId: '100', state: 'granted', reason: null },
      { platformChannelId: '200', state: 'refused', reason: 'authorization_revoked' },
      { platformChannelId: 'unknown', state: 'granted', reason: null },
    ]);
    expect(changed).toBe(2);
    const first = await authorizations.forChannels([granted.id, refused.id, elsewhere.id]);
    expect(first.get(granted.id)).toMatchObject({ state: 'granted', reason: null });
    expect(first.get(refused.id)).toMatchObject({ state: 'refused', reason: 'authorization_revoked' });
    expect(first.has(elsewhere.id)).toBe(false);

    // Refused again for another reason: the first reason and its time stay.
    expect(await authorizations.record('twitch', [{ platformChannelId: '200', state: 'refused', reason: 'helix_403' }])).toBe(0);
    expect((await authorizations.forChannels([refused.id])).get(refused.id)).toEqual(first.get(refused.id));
    expect(await authorizations.record('twitch', [{ platformChannelId: '200', state: 'granted', reason: null }])).toBe(1);
    expect((await authorizations.forChannels([refused.id])).get(refused.id)).toMatchObject({ state: 'granted', reason: null });

    await database.pool.query('DELETE FROM channels WHERE id = $1', [granted.id]);
    expect((await authorizations.forChannels([granted.id])).size).toBe(0);
    expect(await authorizations.forChannels([])).toEqual(new Map());
  });
});
