import {
  DryRunMismatchError,
  ImportError,
  exportCommunity,
  parseDocument,
  readNightbot,
  readStreamElements,
  readStreamlabsChatbot,
  type ImportInput,
  type ImportJobs,
  type UrlCheck,
} from '@parley/importers';
import { authorize } from '@parley/api-auth';
import type { Queryable } from '@parley/db';
import { HttpProblem, type RouteRegistry } from '@parley/http-api';
import { z } from 'zod';
import { actorOf, communityNotFound, type Access, type RequestContext } from './access.js';
import { CommunityIdParams } from './schemas.js';

export interface ImportRoutesDeps {
  db: Queryable;
  jobs: ImportJobs;
  checkUrl: UrlCheck;
  /** Where the sources' APIs are (the public ones in production; the fakes in tests). */
  nightbotUrl: string;
  streamElementsUrl: string;
  /** How often a live watch reads the job, and how long it may stay open. */
  watchPollMs: number;
  watchLimitMs: number;
}

const mode = z.enum(['dry-run', 'apply']).describe('dry-run first; then apply with the dry run\'s id');
const dryRunId = z.uuid().optional().describe('For an apply: the dry run it must reproduce (refused if the plan changed since)');
const secretToken = z.string().min(1).max(4_096);

const ImportRequest = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('nightbot'), mode, dryRunId, token: secretToken.describe('OAuth access token with the commands and timers scopes; used for this job only, never stored') }),
  z.strictObject({
    source: z.literal('streamelements'),
    mode,
    dryRunId,
    credential: z.strictObject({ kind: z.enum(['jwt', 'oauth']), token: secretToken }).describe('The dashboard JWT, or an OAuth token with bot:read; used for this job only, never stored'),
  }),
  z.strictObject({
    source: z.literal('streamlabs-chatbot'),
    mode,
    dryRunId,
    files: z
      .array(z.strictObject({ name: z.string().regex(/^[^/\\]{1,100}\.(abcom|abcomg|xlsx)$/iu, 'an .abcom, .abcomg or .xlsx file name'), contentBase64: z.base64() }))
      .min(1)
      .max(50)
      .describe('SLCB exports: .abcom / .abcomg command files and the Quotes.xlsx (or Data.xlsx) workbook, base64'),
  }),
  z.strictObject({ source: z.literal('parley'), mode, dryRunId, document: z.string().min(2).describe('A `parley export` document, as its text') }),
]);
type ImportRequest = z.infer<typeof ImportRequest>;

const Summary = z.object({ create: z.number(), update: z.number(), unchanged: z.number(), skip: z.number(), inert: z.number() });
const ReportItem = z.object({
  kind: z.string(),
  key: z.string(),
  ref: z.string().describe('The item as the source names it'),
  action: z.enum(['create', 'update', 'unchanged', 'skip']),
  reason: z.string().nullable().describe('Why it is skipped, or what an update changes'),
  inert: z.array(z.string()).describe('Non-empty: imported disabled, for these reasons (never run, never sent unexpanded)'),
  notes: z.array(z.string()).describe('What changes in meaning'),
  fields: z.unknown().describe('The Parley row written (create, update)'),
});
const Job = z.object({
  id: z.uuid(),
  communityId: z.uuid(),
  source: z.enum(['nightbot', 'streamelements', 'streamlabs-chatbot', 'parley']),
  mode,
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  phase: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  dryRunId: z.uuid().nullable(),
  fingerprint: z.string().nullable(),
  summary: Summary.nullable(),
  report: z.array(ReportItem).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});

/** The reader of a request's source; the token stays in this closure (never in the job row or a log). */
function reader(body: ImportRequest, deps: ImportRoutesDeps): () => Promise<ImportInput> {
  switch (body.source) {
    case 'nightbot':
      return async () => ({ source: 'nightbot', bundle: await readNightbot({ token: body.token, baseUrl: deps.nightbotUrl }) });
    case 'streamelements':
      return async () => ({ source: 'streamelements', bundle: await readStreamElements({ credential: body.credential, baseUrl: deps.streamElementsUrl }) });
    case 'streamlabs-chatbot':
      return async () => ({
        source: 'streamlabs-chatbot',
        bundle: readStreamlabsChatbot(body.files.map((file) => ({ name: file.name, bytes: Buffer.from(file.contentBase64, 'base64') }))),
      });
    case 'parley':
      return async () => ({ source: 'parley', document: parseDocument(body.document), checkUrl: deps.checkUrl });
  }
}

/** Imports from other bots (async jobs: a dry run, then its apply) and the export document. */
export function addImportRoutes(registry: RouteRegistry<Access, RequestContext>, deps: ImportRoutesDeps): void {
  const JobParams = CommunityIdParams.extend({ jobId: z.string().max(64) });

  registry.add({
    method: 'POST',
    path: '/v1/communities/{communityId}/imports',
    operationId: 'start-import',
    summary: 'Start an import from Nightbot, StreamElements, Streamlabs Chatbot or a Parley export (a dry run, or the apply of one; a Parley export needs the admin scope)',
    tags: ['imports'],
    access: 'write',
    params: CommunityIdParams,
    body: ImportRequest,
    responses: { 202: { description: 'The job, queued; poll its URL (Location) for progress and the report', schema: Job } },
    handler: async ({ params, body, context }) => {
      // A Parley document also carries the community's settings (prefix, cooldown notice),
      // which only an admin key may change (PATCH /communities/{id} is admin too).
      if (body.source === 'parley' && context.principal && authorize(context.principal, 'admin', params.communityId) !== 'ok') {
        throw new HttpProblem(403, 'Importing a Parley document changes community settings: it needs the "admin" scope.');
      }
      try {
        const job = await deps.jobs.start({
          communityId: params.communityId,
          actor: actorOf(context),
          mode: body.mode,
          source: body.source,
          dryRunId: body.dryRunId,
          read: reader(body, deps),
        });
        return { status: 202, body: job, headers: { location: `/v1/communities/${params.communityId}/imports/${job.id}` } };
      } catch (error) {
        if (error instanceof DryRunMismatchError) throw new HttpProblem(409, error.message);
        throw error;
      }
    },
  });

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/imports/{jobId}',
    operationId: 'get-import',
    summary: 'An import job: status, phase, progress, and its report (every item with what happens to it and why)',
    tags: ['imports'],
    access: 'read',
    params: JobParams,
    responses: { 200: { description: 'The job', schema: Job } },
    handler: async ({ params }) => {
      const job = await deps.jobs.find(params.communityId, params.jobId);
      if (!job) throw new HttpProblem(404, `There is no import ${params.jobId.slice(0, 64)} in this community.`);
      return { status: 200, body: job };
    },
  });

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/imports/{jobId}/events',
    operationId: 'watch-import',
    summary: 'An import job live (Server-Sent Events): `event: job` with the job each time its status, phase or progress moves; ends when it is done',
    tags: ['imports'],
    access: 'read',
    params: JobParams,
    responses: { 200: { description: 'An event stream of `event: job`, the job as JSON in `data`; the last one has the report', contentType: 'text/event-stream', schema: z.string() } },
    handler: async ({ params, request, reply }) => {
      let job = await deps.jobs.find(params.communityId, params.jobId);
      if (!job) throw new HttpProblem(404, `There is no import ${params.jobId.slice(0, 64)} in this community.`);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'close',
      });
      let open = true;
      request.raw.on('close', () => (open = false));
      const deadline = Date.now() + deps.watchLimitMs;
      let last = '';
      // Jobs may run on another replica, so the row is the source of truth: poll it.
      try {
        while (open && job) {
          const state = `${job.status}/${job.phase}/${job.done}/${job.total}`;
          const finished = job.status === 'succeeded' || job.status === 'failed';
          if (state !== last || finished) raw.write(`event: job\ndata: ${JSON.stringify(finished ? job : { ...job, report: null })}\n\n`);
          last = state;
          if (finished || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, deps.watchPollMs));
          job = await deps.jobs.find(params.communityId, params.jobId);
        }
      } catch {
        // The database went away mid-watch: the client reconnects (SSE retry) or polls the job.
        raw.write('event: interrupted\ndata: {}\n\n');
      } finally {
        raw.end();
      }
      return undefined;
    },
  });

  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/export',
    operationId: 'export-community',
    summary: "The community's whole configuration as a versioned document (no secrets), for `import parley`",
    tags: ['imports'],
    access: 'read',
    params: CommunityIdParams,
    responses: { 200: { description: 'The document (format parley.community, version 1), byte-stable for the same configuration', schema: z.string() } },
    handler: async ({ params }) => {
      try {
        const document = await exportCommunity(deps.db, params.communityId);
        return { status: 200, body: document, headers: { 'content-type': 'application/json; charset=utf-8' } };
      } catch (error) {
        if (error instanceof ImportError && error.code === 'no-community') throw communityNotFound(params.communityId);
        throw error;
      }
    },
  });
}
