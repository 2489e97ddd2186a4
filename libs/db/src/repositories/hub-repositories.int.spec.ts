import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UniqueViolationError } from '../errors.js';
import { createTestDatabase, type TestDatabase } from '../testing.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { AuditLogRepository } from './audit-log.repository.js';
import { CommunityAdminRepository } from './community-admin.repository.js';
import { HUB_TABLES, type HubEntities } from './hub-tables.js';
import { withTransaction } from './sql.js';
import { ScopedTable } from './scoped-table.js';

let database: TestDatabase;
let communityId: string;
let otherId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const communities = new CommunityAdminRepository(database.pool);
  communityId = (await communities.create({ slug: 'hub-a', name: 'A' })).id;
  otherId = (await communities.create({ slug: 'hub-b', name: 'B' })).id;
});
afterAll(() => database?.drop());

describe('ScopedTable', () => {
  it('pages a community’s rows by (created_at, id) and never shows another community’s', async () => {
    const quotes = new ScopedTable<HubEntities['quotes']>(database.pool, HUB_TABLES.quotes);
    for (let i = 0; i < 5; i++) await quotes.create(communityId, { text: `quote ${i}` });
    const foreign = await quotes.create(otherId, { text: 'theirs' });
    const first = await quotes.list(communityId, { limit: 2 });
    expect(first.items.map((quote) => quote.text)).toEqual(['quote 0', 'quote 1']);
    const second = await quotes.list(communityId, { limit: 2, after: first.next! });
    const third = await quotes.list(communityId, { limit: 2, after: second.next! });
    expect([...second.items, ...third.items].map((quote) => quote.text)).toEqual(['quote 2', 'quote 3', 'quote 4']);
    expect(third.next).toBeNull();
    expect(await quotes.find(communityId, foreign.id)).toBeNull();
    expect(await quotes.update(communityId, foreign.id, { text: 'mine now' })).toBeNull();
    expect(await quotes.delete(communityId, foreign.id)).toBeNull();
    expect((await quotes.find(otherId, foreign.id))?.text).toBe('theirs');
  });

  it('stores hostile strings literally and ignores unknown fields', async () => {
    const counters = new ScopedTable<HubEntities['counters']>(database.pool, HUB_TABLES.counters);
    const created = await counters.create(communityId, { name: 'deaths', value: 3, community_id: otherId } as Record<string, unknown>);
    expect(created).toMatchObject({ communityId, name: 'deaths', value: 3 });
    const quotes = new ScopedTable<HubEntities['quotes']>(database.pool, HUB_TABLES.quotes);
    const text = `'); DROP TABLE quotes; -- <script>alert(1)</script> $(user)`;
    expect((await quotes.create(communityId, { text })).text).toBe(text);
  });
});

describe('ApiKeyRepository and AuditLogRepository', () => {
  it('finds a key by prefix with its hash, revokes it once', async () => {
    const keys = new ApiKeyRepository(database.pool);
    const secretHash = createHash('sha256').update('secret').digest();
    const key = await keys.create({ communityId, prefix: 'abcdef123456', secretHash, name: 'ci', scopes: ['read'] });
    expect((await keys.findCredential('abcdef123456'))?.secretHash.equals(secretHash)).toBe(true);
    await expect(keys.create({ communityId, prefix: 'abcdef123456', secretHash, name: 'dup', scopes: ['read'] })).rejects.toBeInstanceOf(UniqueViolationError);
    const revoked = await keys.revoke(communityId, key.id);
    expect(revoked?.revokedAt).not.toBeNull();
    expect(await keys.revoke(communityId, key.id)).toBeNull();
    expect((await keys.find(communityId, key.id))?.revokedAt).toBe(revoked?.revokedAt);
    expect(await keys.revoke(otherId, key.id)).toBeNull();
    const other = await keys.create({ communityId, prefix: 'abcdef654321', secretHash, name: 'ci2', scopes: ['read'] });
    await keys.touch([key.id, other.id]);
    const touched = (await keys.find(communityId, key.id))?.lastUsedAt;
    expect(touched).not.toBeNull();
    expect((await keys.find(communityId, other.id))?.lastUsedAt).not.toBeNull();
    // Written at most once a minute per key: a second touch at once changes nothing.
    await keys.touch([key.id]);
    expect((await keys.find(communityId, key.id))?.lastUsedAt).toBe(touched);
  });

  it('writes a change and its audit entry in one transaction', async () => {
    await expect(
      withTransaction(database.pool, async (tx) => {
        await new AuditLogRepository(tx).record({ communityId, actor: 'x', action: 'create', resource: 'quote', resourceId: '1', before: null, after: { a: 1 } });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await withTransaction(database.pool, (tx) =>
      new AuditLogRepository(tx).record({ communityId, actor: 'y', action: 'update', resource: 'quote', resourceId: '2', before: { a: 1 }, after: { a: 2 } }),
    );
    const page = await new AuditLogRepository(database.pool).list(communityId, { limit: 10 });
    expect(page.items.map((entry) => entry.actor)).toEqual(['y']);
    expect(page.items[0]).toMatchObject({ before: { a: 1 }, after: { a: 2 }, action: 'update' });
  });
});
