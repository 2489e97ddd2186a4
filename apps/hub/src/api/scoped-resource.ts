import type { Queryable, ScopedTable, Timestamps } from '@parley/db';
import { HttpProblem, PageQuery, decodeCursor, encodeCursor, pageSchema, type RouteRegistry, type RouteResponse } from '@parley/http-api';
import { z } from 'zod';
import { actorOf, type Access, type RequestContext } from './access.js';
import type { ChangeWriter } from './change-writer.js';
import type { CommunityReadCache } from './read-cache.js';
import { CommunityIdParams } from './schemas.js';

type Fields = Record<string, unknown>;

/** A community-owned resource served as plain CRUD under `/v1/communities/{communityId}/<segment>`. */
export interface ScopedResourceSpec<T extends Timestamps & { id: string }> {
  /** URL segment and OpenAPI tag, plural: `commands`. */
  segment: string;
  /** Singular, for the audit log and messages: `command`. */
  resource: string;
  table: ScopedTable<T>;
  /** The path parameter addressing one row, its schema, and its value for a row. */
  key: { param: string; schema: z.ZodType<string>; of(entity: T): string };
  entity: z.ZodType;
  create: z.ZodType<Fields>;
  patch: z.ZodType<Fields>;
  affectsRouter: boolean;
  /**
   * List and get are answered from the read cache: only for a table whose every change,
   * by whatever writes it, is announced on the config-changes channel (so `affectsRouter`).
   */
  cachedReads?: boolean;
  /** Input fields never shown again (a secret): the audit log only notes that they changed. */
  writeOnly?: readonly string[];
  /** Checks the fields against the community's other rows before they are written (in the transaction). */
  prepare?(tx: Queryable, communityId: string, fields: Fields, existing: T | null): Promise<Fields>;
  /** Runs in the transaction after the row was written (e.g. relations kept in other tables). */
  afterWrite?(tx: Queryable, communityId: string, entity: T, fields: Fields): Promise<void>;
  /** What the API shows for rows; default the rows as they are. */
  present?(db: Queryable, communityId: string, rows: T[]): Promise<unknown[]>;
}

export interface ScopedResourceDeps {
  writer: ChangeWriter;
  db: Queryable;
  reads?: CommunityReadCache;
}

/** Adds list, create, get, update and delete of one scoped resource to the registry. */
export function addScopedResource<T extends Timestamps & { id: string }>(registry: RouteRegistry<Access, RequestContext>, spec: ScopedResourceSpec<T>, deps: ScopedResourceDeps): void {
  const collection = `/v1/communities/{communityId}/${spec.segment}`;
  const item = `${collection}/{${spec.key.param}}`;
  const ItemParams = CommunityIdParams.extend({ [spec.key.param]: spec.key.schema });
  const present = async (db: Queryable, communityId: string, rows: T[]) => (spec.present ? spec.present(db, communityId, rows) : rows);
  const presentOne = async (db: Queryable, communityId: string, row: T) => (await present(db, communityId, [row]))[0];
  const keyOf = (params: Record<string, string>) => params[spec.key.param]!;
  const notFound = (key: string) => new HttpProblem(404, `There is no ${spec.resource} ${key.slice(0, 128)} in this community.`);
  const audited = (after: unknown, fields: Fields) => {
    const changed = (spec.writeOnly ?? []).filter((field) => fields[field] !== undefined);
    return changed.length && after && typeof after === 'object' ? { ...after, ...Object.fromEntries(changed.map((field) => [field, '[changed]'])) } : after;
  };
  const tags = [spec.segment];
  if (spec.cachedReads && !spec.affectsRouter) throw new Error(`${spec.segment}: cached reads need every change announced (affectsRouter)`);
  const reads = spec.cachedReads ? deps.reads : undefined;
  /** A 200 with what `load` finds (null: nothing, the caller's 404); from the read cache, as JSON text, when the resource uses it. */
  const answer = async (communityId: string, what: string, load: () => Promise<unknown>): Promise<RouteResponse | null> => {
    if (!reads) {
      const body = await load();
      return body === null ? null : { status: 200, body };
    }
    const json = await reads.read(communityId, `${spec.segment} ${what}`, async () => {
      const body = await load();
      return body === null ? null : JSON.stringify(body);
    });
    return json === null ? null : { status: 200, json };
  };

  registry.add({
    method: 'GET',
    path: collection,
    operationId: `list-${spec.segment}`,
    summary: `List the community's ${spec.segment}, oldest first`,
    tags,
    access: 'read',
    params: CommunityIdParams,
    query: PageQuery,
    responses: { 200: { description: `A page of ${spec.segment}`, schema: pageSchema(spec.entity) } },
    handler: async ({ params, query }) => {
      const { communityId } = params;
      const after = query.cursor ? decodeCursor(query.cursor, 'uuid') : undefined;
      const answered = await answer(communityId, `list ${query.limit} ${query.cursor ?? ''}`, async () => {
        const page = await spec.table.list(communityId, { limit: query.limit, after });
        return { items: await present(deps.db, communityId, page.items), next: page.next ? encodeCursor(page.next) : null };
      });
      return answered!;
    },
  });

  registry.add({
    method: 'POST',
    path: collection,
    operationId: `create-${spec.resource}`,
    summary: `Create a ${spec.resource}`,
    tags,
    access: 'write',
    params: CommunityIdParams,
    body: spec.create,
    responses: { 201: { description: `The new ${spec.resource}`, schema: spec.entity } },
    handler: async ({ params, body, context }) => {
      const { communityId } = params;
      const created = await deps.writer.apply(
        { actor: actorOf(context), communityId, resource: spec.resource, action: 'create', affectsRouter: spec.affectsRouter },
        async (tx) => {
          const fields = spec.prepare ? await spec.prepare(tx, communityId, body, null) : body;
          const row = await spec.table.on(tx).create(communityId, fields);
          await spec.afterWrite?.(tx, communityId, row, fields);
          const shown = await presentOne(tx, communityId, row);
          return { resourceId: row.id, before: null, after: audited(shown, fields), result: { row, shown } };
        },
      );
      const location = `/v1/communities/${communityId}/${spec.segment}/${encodeURIComponent(spec.key.of(created!.row))}`;
      return { status: 201, body: created!.shown, headers: { location } };
    },
  });

  registry.add({
    method: 'GET',
    path: item,
    operationId: `get-${spec.resource}`,
    summary: `Get one ${spec.resource}`,
    tags,
    access: 'read',
    params: ItemParams,
    responses: { 200: { description: `The ${spec.resource}`, schema: spec.entity } },
    handler: async ({ params }) => {
      const { communityId } = params;
      const key = keyOf(params);
      const answered = await answer(communityId, `get ${key}`, async () => {
        const row = await spec.table.find(communityId, key);
        return row ? presentOne(deps.db, communityId, row) : null;
      });
      if (!answered) throw notFound(key);
      return answered;
    },
  });

  registry.add({
    method: 'PATCH',
    path: item,
    operationId: `update-${spec.resource}`,
    summary: `Change some fields of a ${spec.resource}`,
    tags,
    access: 'write',
    params: ItemParams,
    body: spec.patch,
    responses: { 200: { description: `The ${spec.resource} after the change`, schema: spec.entity } },
    handler: async ({ params, body, context }) => {
      const { communityId } = params;
      const key = keyOf(params);
      const updated = await deps.writer.apply(
        { actor: actorOf(context), communityId, resource: spec.resource, action: 'update', affectsRouter: spec.affectsRouter },
        async (tx) => {
          const table = spec.table.on(tx);
          const existing = await table.find(communityId, key, { lock: true });
          if (!existing) return null;
          const fields = spec.prepare ? await spec.prepare(tx, communityId, body, existing) : body;
          const before = await presentOne(tx, communityId, existing);
          const row = (await table.update(communityId, key, fields))!;
          await spec.afterWrite?.(tx, communityId, row, fields);
          const shown = await presentOne(tx, communityId, row);
          return { resourceId: row.id, before, after: audited(shown, fields), result: shown };
        },
      );
      if (updated === null) throw notFound(key);
      return { status: 200, body: updated };
    },
  });

  registry.add({
    method: 'DELETE',
    path: item,
    operationId: `delete-${spec.resource}`,
    summary: `Delete a ${spec.resource}`,
    tags,
    access: 'write',
    params: ItemParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, context }) => {
      const { communityId } = params;
      const key = keyOf(params);
      const deleted = await deps.writer.apply(
        { actor: actorOf(context), communityId, resource: spec.resource, action: 'delete', affectsRouter: spec.affectsRouter },
        async (tx) => {
          const table = spec.table.on(tx);
          const existing = await table.find(communityId, key, { lock: true });
          if (!existing) return null;
          const before = await presentOne(tx, communityId, existing);
          await table.delete(communityId, key);
          return { resourceId: existing.id, before, after: null, result: true };
        },
      );
      if (deleted === null) throw notFound(key);
      return { status: 204 };
    },
  });
}
