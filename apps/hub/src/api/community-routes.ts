import { mintApiKey } from '@parley/api-auth';
import { ApiKeyRepository, AuditLogRepository, CommunityAdminRepository, type Queryable } from '@parley/db';
import { HttpProblem, PageQuery, decodeCursor, encodeCursor, pageSchema, type RouteRegistry } from '@parley/http-api';
import { z } from 'zod';
import { actorOf, communityNotFound, type Access, type RequestContext } from './access.js';
import type { ChangeWriter } from './change-writer.js';
import { ApiKey, AuditEntry, Community, CommunityIdParams, CommunityPatch, CreatedApiKey, NewApiKey, NewCommunity } from './schemas.js';

export interface CommunityRoutesDeps {
  writer: ChangeWriter;
  db: Queryable;
}

/** Communities (created by the platform admin) and their API keys. */
export function addCommunityRoutes(registry: RouteRegistry<Access, RequestContext>, deps: CommunityRoutesDeps): void {
  const communities = new CommunityAdminRepository(deps.db);
  const keys = new ApiKeyRepository(deps.db);
  const pageOf = (query: PageQuery) => ({ limit: query.limit, after: query.cursor ? decodeCursor(query.cursor, 'uuid') : undefined });

  registry.add({
    method: 'GET',
    path: '/v1/communities',
    operationId: 'list-communities',
    summary: 'List every community (platform admin)',
    tags: ['communities'],
    access: 'platform-admin',
    query: PageQuery,
    responses: { 200: { description: 'A page of communities', schema: pageSchema(Community) } },
    handler: async ({ query }) => {
      const page = await communities.list(pageOf(query));
      return { status: 200, body: { items: page.items, next: page.next ? encodeCursor(page.next) : null } };
    },
  });

  registry.add({
    method: 'POST',
    path: '/v1/communities',
    operationId: 'create-community',
    summary: 'Create a community (platform admin)',
    tags: ['communities'],
    access: 'platform-admin',
    body: NewCommunity,
    responses: { 201: { description: 'The new community', schema: Community } },
    handler: async ({ body, context }) => {
      const created = await deps.writer.apply(
        { actor: actorOf(context), communityId: null, resource: 'community', action: 'create', affectsRouter: false },
        async (tx) => {
          const community = await new CommunityAdminRepository(tx).create(body);
          return { resourceId: community.id, before: null, after: community, result: community };
        },
      );
      return { status: 201, body: created, headers: { location: `/v1/communities/${created!.id}` } };
    },
  });

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}',
    operationId: 'get-community',
    summary: 'Get a community',
    tags: ['communities'],
    access: 'read',
    params: CommunityIdParams,
    responses: { 200: { description: 'The community', schema: Community } },
    handler: async ({ params }) => {
      const community = await communities.find(params.communityId);
      if (!community) throw communityNotFound(params.communityId);
      return { status: 200, body: community };
    },
  });

  registry.add({
    method: 'PATCH',
    path: '/v1/communities/{communityId}',
    operationId: 'update-community',
    summary: "Change a community's name, command prefix or cooldown notice",
    tags: ['communities'],
    access: 'admin',
    params: CommunityIdParams,
    body: CommunityPatch,
    responses: { 200: { description: 'The community after the change', schema: Community } },
    handler: async ({ params, body, context }) => {
      const { communityId } = params;
      const updated = await deps.writer.apply(
        { actor: actorOf(context), communityId, resource: 'community', action: 'update', affectsRouter: true },
        async (tx) => {
          const repository = new CommunityAdminRepository(tx);
          const before = await repository.find(communityId, { forUpdate: true });
          if (!before) return null;
          const after = (await repository.update(communityId, body))!;
          return { resourceId: communityId, before, after, result: after };
        },
      );
      if (!updated) throw communityNotFound(communityId);
      return { status: 200, body: updated };
    },
  });

  registry.add({
    method: 'DELETE',
    path: '/v1/communities/{communityId}',
    operationId: 'delete-community',
    summary: 'Delete a community and everything it owns (platform admin)',
    tags: ['communities'],
    access: 'platform-admin',
    params: CommunityIdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, context }) => {
      const { communityId } = params;
      // Its audit entries go with it (ON DELETE CASCADE); this one is kept platform-wide.
      const deleted = await deps.writer.apply(
        { actor: actorOf(context), communityId: null, resource: 'community', action: 'delete', affectsRouter: false },
        async (tx) => {
          const before = await new CommunityAdminRepository(tx).delete(communityId);
          return before ? { resourceId: communityId, before, after: null, result: before } : null;
        },
      );
      if (!deleted) throw communityNotFound(communityId);
      await deps.writer.narrowAccess({ kind: 'community', communityId });
      await deps.writer.announce(communityId);
      return { status: 204 };
    },
  });

  const KeyParams = CommunityIdParams.extend({ keyId: z.string().max(64) });
  const keyNotFound = (id: string) => new HttpProblem(404, `There is no API key ${id.slice(0, 64)} in this community.`);

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/api-keys',
    operationId: 'list-api-keys',
    summary: "List the community's API keys (never their secrets)",
    tags: ['api-keys'],
    access: 'admin',
    params: CommunityIdParams,
    query: PageQuery,
    responses: { 200: { description: 'A page of API keys', schema: pageSchema(ApiKey) } },
    handler: async ({ params, query }) => {
      const page = await keys.list(params.communityId, pageOf(query));
      return { status: 200, body: { items: page.items, next: page.next ? encodeCursor(page.next) : null } };
    },
  });

  registry.add({
    method: 'POST',
    path: '/v1/communities/{communityId}/api-keys',
    operationId: 'create-api-key',
    summary: 'Create an API key; the response is the only time its secret is shown',
    tags: ['api-keys'],
    access: 'admin',
    params: CommunityIdParams,
    body: NewApiKey,
    responses: { 201: { description: 'The key, secret included (shown once)', schema: CreatedApiKey } },
    handler: async ({ params, body, context }) => {
      const { communityId } = params;
      const minted = mintApiKey();
      const info = await deps.writer.apply(
        { actor: actorOf(context), communityId, resource: 'api-key', action: 'create', affectsRouter: false },
        async (tx) => {
          const created = await new ApiKeyRepository(tx).create({ communityId, prefix: minted.prefix, secretHash: minted.secretHash, name: body.name, scopes: body.scopes });
          return { resourceId: created.id, before: null, after: created, result: created };
        },
      );
      return {
        status: 201,
        body: { ...info!, key: minted.key },
        headers: { location: `/v1/communities/${communityId}/api-keys/${info!.id}`, 'cache-control': 'no-store' },
      };
    },
  });

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/api-keys/{keyId}',
    operationId: 'get-api-key',
    summary: 'Get an API key (never its secret)',
    tags: ['api-keys'],
    access: 'admin',
    params: KeyParams,
    responses: { 200: { description: 'The key', schema: ApiKey } },
    handler: async ({ params }) => {
      const key = await keys.find(params.communityId, params.keyId);
      if (!key) throw keyNotFound(params.keyId);
      return { status: 200, body: key };
    },
  });

  registry.add({
    method: 'DELETE',
    path: '/v1/communities/{communityId}/api-keys/{keyId}',
    operationId: 'revoke-api-key',
    summary: 'Revoke an API key; it stops working at once and its live tails end (revoking it again changes nothing)',
    tags: ['api-keys'],
    access: 'admin',
    params: KeyParams,
    responses: { 200: { description: 'The revoked key', schema: ApiKey } },
    handler: async ({ params, context }) => {
      const { communityId, keyId } = params;
      const revoked = await deps.writer.apply(
        { actor: actorOf(context), communityId, resource: 'api-key', action: 'revoke', affectsRouter: false },
        async (tx) => {
          const repository = new ApiKeyRepository(tx);
          const before = await repository.find(communityId, keyId);
          if (!before) return null;
          const after = await repository.revoke(communityId, keyId);
          // Revoked already (perhaps by a concurrent request): the same answer, no second entry.
          if (!after) return { unchanged: true, result: (await repository.find(communityId, keyId))! };
          return { resourceId: keyId, before, after, result: after };
        },
      );
      if (!revoked) throw keyNotFound(keyId);
      await deps.writer.narrowAccess({ kind: 'key', keyId: revoked.id, communityId });
      return { status: 200, body: revoked };
    },
  });
}

/** The audit log of a community: every change, who made it, before and after. */
export function addAuditRoutes(registry: RouteRegistry<Access, RequestContext>, deps: { db: Queryable }): void {
  const audit = new AuditLogRepository(deps.db);
  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/audit-log',
    operationId: 'list-audit-log',
    summary: "The community's changes, oldest first",
    tags: ['audit-log'],
    access: 'admin',
    params: CommunityIdParams,
    query: PageQuery,
    responses: { 200: { description: 'A page of audit entries', schema: pageSchema(AuditEntry) } },
    handler: async ({ params, query }) => {
      const page = await audit.list(params.communityId, { limit: query.limit, after: query.cursor ? decodeCursor(query.cursor, 'bigint') : undefined });
      return { status: 200, body: { items: page.items, next: page.next ? encodeCursor(page.next) : null } };
    },
  });
}
