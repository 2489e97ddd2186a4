import type pg from 'pg';
import { translatePgError } from '@parley/db';
import { ImportError } from './errors.js';
import type { SourceName } from './model.js';
import type { ImportPlan, PlanSummary } from './plan.js';
import { applyImport, planForCommunity, type ApplyResult, type ImportInput } from './store.js';

export type JobMode = 'dry-run' | 'apply';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** One item of a job's report: what happens to it and why (the rows themselves for creates and updates). */
export interface ReportItem {
  kind: string;
  key: string;
  ref: string;
  action: string;
  reason: string | null;
  inert: string[];
  notes: string[];
  fields: unknown;
}

export interface ImportJob {
  id: string;
  communityId: string;
  source: SourceName;
  mode: JobMode;
  status: JobStatus;
  /** What it is doing now: queued, reading the source, planning, applying, done. */
  phase: string;
  /** Rows written so far and to write (apply only). */
  done: number;
  total: number;
  dryRunId: string | null;
  fingerprint: string | null;
  summary: PlanSummary | null;
  report: ReportItem[] | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface StartJob {
  communityId: string;
  actor: string;
  mode: JobMode;
  source: SourceName;
  /** For an apply: the dry run whose plan it must reproduce. */
  dryRunId?: string;
  /**
   * Reads the source. It holds the user's token in its closure; nothing else of the job
   * does, and the job row never sees it.
   */
  read: () => Promise<ImportInput>;
}

export interface ImportJobsOptions {
  /** A queued or running job not updated for this long is taken as interrupted (its process stopped). */
  staleAfterMs: number;
  /** Progress rows are written at most every this many items (and at the end). */
  progressEvery: number;
  /** After an apply that changed what routers use (commands, channels, settings). */
  onApplied?: (communityId: string, result: ApplyResult) => void | Promise<void>;
  /** An unexpected (non-ImportError) failure, for the app's log; the job says only "internal error". */
  onUnexpectedError?: (error: unknown) => void;
}

export const DefaultImportJobsOptions: ImportJobsOptions = { staleAfterMs: 10 * 60_000, progressEvery: 25 };

interface JobRow {
  id: string;
  community_id: string;
  source: SourceName;
  mode: JobMode;
  status: JobStatus;
  phase: string;
  done: number;
  total: number;
  dry_run_id: string | null;
  fingerprint: string | null;
  summary: PlanSummary | null;
  report: ReportItem[] | null;
  error_code: string | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const COLUMNS = 'id, community_id, source, mode, status, phase, done, total, dry_run_id, fingerprint, summary, report, error_code, error, created_at, updated_at, finished_at';

function toJob(row: JobRow): ImportJob {
  return {
    id: row.id,
    communityId: row.community_id,
    source: row.source,
    mode: row.mode,
    status: row.status,
    phase: row.phase,
    done: row.done,
    total: row.total,
    dryRunId: row.dry_run_id,
    fingerprint: row.fingerprint,
    summary: row.summary,
    report: row.report,
    error: row.error_code ? { code: row.error_code, message: row.error ?? '' } : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

function report(plan: ImportPlan): ReportItem[] {
  return plan.items.map((item) => ({
    kind: item.kind,
    key: item.key,
    ref: item.ref,
    action: item.action,
    reason: item.reason,
    inert: item.inert,
    notes: item.notes,
    fields: item.action === 'create' || item.action === 'update' ? item.fields : null,
  }));
}

/** Why an apply cannot start from the dry run it names. */
export class DryRunMismatchError extends Error {
  override readonly name = 'DryRunMismatchError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

/**
 * Import jobs run in the background of the process that accepted them; their state lives
 * in `import_jobs`, so any replica answers "how far is it". A job whose process died is
 * reported failed (`interrupted`) once it has not moved for `staleAfterMs`: nothing of it
 * is half-applied, because an apply is one transaction.
 */
export class ImportJobs {
  private readonly options: ImportJobsOptions;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly pool: pg.Pool,
    options: Partial<ImportJobsOptions> = {},
  ) {
    this.options = { ...DefaultImportJobsOptions, ...options };
  }

  /**
   * Records the job and starts it without waiting. An apply must name a succeeded dry run
   * of the same community and source (`DryRunMismatchError` otherwise).
   */
  async start(request: StartJob): Promise<ImportJob> {
    let fingerprint: string | null = null;
    if (request.mode === 'apply') {
      const dryRun = request.dryRunId ? await this.find(request.communityId, request.dryRunId) : null;
      if (!dryRun || dryRun.mode !== 'dry-run') throw new DryRunMismatchError('dryRunId: name a dry run of this community (run one first)');
      if (dryRun.status !== 'succeeded') throw new DryRunMismatchError(`dryRunId: that dry run has not succeeded (it is ${dryRun.status})`);
      if (dryRun.source !== request.source) throw new DryRunMismatchError(`dryRunId: that dry run read ${dryRun.source}, not ${request.source}`);
      fingerprint = dryRun.fingerprint;
    }
    const [row] = await this.query<JobRow>(
      `INSERT INTO import_jobs (community_id, source, mode, actor, dry_run_id) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [request.communityId, request.source, request.mode, request.actor, request.dryRunId ?? null],
    );
    const job = toJob(row!);
    const run = this.run(job, request, fingerprint).finally(() => this.running.delete(run));
    this.running.add(run);
    return job;
  }

  async find(communityId: string, jobId: string): Promise<ImportJob | null> {
    if (!UUID.test(communityId) || !UUID.test(jobId)) return null;
    // A job its process left behind (it stopped mid-job) is failed when next looked at; an
    // apply is one transaction, so nothing of it was written.
    await this.query(
      `UPDATE import_jobs SET status = 'failed', phase = 'done', error_code = 'interrupted',
              error = 'the server stopped before the job finished; start it again', finished_at = now()
        WHERE community_id = $1 AND id = $2 AND status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $3)`,
      [communityId, jobId, this.options.staleAfterMs / 1_000],
    );
    const [row] = await this.query<JobRow>(`SELECT ${COLUMNS} FROM import_jobs WHERE community_id = $1 AND id = $2`, [communityId, jobId]);
    return row ? toJob(row) : null;
  }

  /** Resolves when every job started here has finished (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private async run(job: ImportJob, request: StartJob, fingerprint: string | null): Promise<void> {
    try {
      await this.update(job.id, { status: 'running', phase: 'reading the source' });
      const input = await request.read();
      await this.update(job.id, { phase: 'planning' });
      if (request.mode === 'dry-run') {
        const plan = await planForCommunity(this.pool, job.communityId, input);
        await this.finish(job.id, plan, 0);
        return;
      }
      let written = 0;
      const result = await applyImport(this.pool, job.communityId, input, {
        actor: request.actor,
        expectedFingerprint: fingerprint ?? undefined,
        onProgress: async (done, total) => {
          if (done === 0 || done === total || done - written >= this.options.progressEvery) {
            written = done;
            await this.update(job.id, { phase: 'applying', done, total });
          }
        },
      });
      await this.finish(job.id, result.plan, result.changes);
      if (result.changes > 0) await this.options.onApplied?.(job.communityId, result);
    } catch (error) {
      const known = error instanceof ImportError;
      if (!known) this.options.onUnexpectedError?.(error);
      await this.update(job.id, {
        status: 'failed',
        phase: 'done',
        error_code: known ? error.code : 'internal',
        error: known ? error.message : 'internal error; the server log has the details',
        finished_at: new Date(),
      }).catch((updateError: unknown) => this.options.onUnexpectedError?.(updateError));
    }
  }

  private async finish(id: string, plan: ImportPlan, done: number): Promise<void> {
    await this.update(id, {
      status: 'succeeded',
      phase: 'done',
      done,
      total: done,
      fingerprint: plan.fingerprint,
      summary: JSON.stringify(plan.summary),
      report: JSON.stringify(report(plan)),
      finished_at: new Date(),
    });
  }

  private async update(id: string, fields: Record<string, unknown>): Promise<void> {
    const names = Object.keys(fields);
    await this.query(`UPDATE import_jobs SET ${names.map((name, index) => `${name} = $${index + 2}`).join(', ')} WHERE id = $1`, [id, ...names.map((name) => fields[name])]);
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw translatePgError(error);
    }
  }
}
