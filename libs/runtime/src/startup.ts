import { setTimeout as sleep } from 'node:timers/promises';
import { HealthChecks, type HealthCheck } from '@parley/observability';
import { fullJitterDelay, type BackoffOptions } from '@parley/resilience';
import type { Logger } from 'pino';

/** One thing a service does before it is ready: apply migrations, join the consumer group, run for leadership. */
export interface StartupStep {
  /** Shown in logs and in /readyz while the step has not run. */
  name: string;
  /** The dependencies (names given to `dependsOn`) that must answer before the step runs. */
  needs: readonly string[];
  /** Must be safe to run again after it failed because a dependency went away. */
  run(): Promise<unknown>;
}

export interface ServiceStartupOptions {
  /** Delay between two looks at a dependency that does not answer: full jitter, growing to the cap. */
  retry: BackoffOptions;
  /** How long `stop()` waits for a step in progress before the shutdown goes on without it. */
  stopTimeoutMs: number;
  /**
   * A dependency is reported unreachable once it has failed its looks for this long: a
   * connection still being opened on a busy machine (seen taking 1.6 s) is not an outage.
   */
  reportAfterMs: number;
}

/**
 * The cap bounds how long a service stays unready after its dependency is back: at most
 * one second of waiting, plus the step itself. The jitter spreads the pods of a
 * deployment that all wait for the same server.
 */
export const STARTUP_DEFAULTS: ServiceStartupOptions = { retry: { baseMs: 100, maxMs: 1_000 }, stopTimeoutMs: 5_000, reportAfterMs: 5_000 };

/** A step failed while every dependency it needs answered: retrying would not help. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    readonly step: string,
    options: ErrorOptions & { cause: unknown },
  ) {
    super(`start-up step "${step}" failed: ${messageOf(options.cause)}`, options);
  }
}

type StartupState = 'pending' | 'starting' | 'started' | 'stopped';

/**
 * Brings a service up in the order its work needs, whatever is running when it starts.
 * Each step runs once the dependencies it needs answer; until then the service is live
 * (its HTTP server already answers /healthz) but not ready, and it looks again after a
 * capped, jittered delay. An outage costs one log line when it is first seen and one when
 * it ends, never a line per attempt and never a stack trace. A step that fails because
 * its dependency went away mid-way is run again; one that fails while everything answers
 * is a real fault and rejects `run()` with a `StartupError`.
 *
 * Only configuration errors end a process at start (exit 78, before this runs): an
 * orchestrator restarting a pod whose database is down only adds load to the restart.
 */
export class ServiceStartup {
  private readonly dependencies = new HealthChecks();
  private readonly steps: StartupStep[] = [];
  private readonly options: ServiceStartupOptions;
  private readonly abort = new AbortController();
  /** Dependency → since when it fails its check, and whether that was logged. */
  private readonly outages = new Map<string, { since: number; reported: boolean }>();
  private state: StartupState = 'pending';
  private waitingFor = 'the start';
  private running?: Promise<void>;

  constructor(
    private readonly logger: Logger,
    options: Partial<ServiceStartupOptions> = {},
  ) {
    this.options = { ...STARTUP_DEFAULTS, ...options };
  }

  dependsOn(name: string, check: HealthCheck): this {
    this.dependencies.register(name, check);
    return this;
  }

  step(name: string, needs: readonly string[], run: () => Promise<unknown>): this {
    if (this.state !== 'pending') throw new Error(`cannot add step "${name}": the start has begun`);
    this.steps.push({ name, needs, run });
    return this;
  }

  /** For /readyz: passes once every step has run, else says what the start waits for. */
  readonly check: HealthCheck = async () => {
    if (this.state !== 'started') throw new Error(`starting: waiting for ${this.waitingFor}`);
  };

  get started(): boolean {
    return this.state === 'started';
  }

  /** Runs the steps in order; resolves when all have run (or `stop()` was called). */
  run(): Promise<void> {
    if (this.state !== 'pending') throw new Error(`ServiceStartup cannot run: it is ${this.state}`);
    this.state = 'starting';
    this.running = this.runSteps();
    return this.running;
  }

  /** Stops waiting; gives a step in progress up to `stopTimeoutMs` to finish. */
  async stop(): Promise<void> {
    if (this.state === 'started' || this.state === 'stopped') return void (this.state = 'stopped');
    this.state = 'stopped';
    this.abort.abort();
    if (!this.running) return;
    await Promise.race([this.running.catch(() => undefined), sleep(this.options.stopTimeoutMs, undefined, { ref: false })]);
  }

  private async runSteps(): Promise<void> {
    for (const step of this.steps) {
      if (!(await this.runStep(step))) return;
    }
    // Started means every dependency answered once, also those no step needs (the hub's Redis).
    if (!(await this.waitUntilReachable(this.dependencies.names()))) return;
    if (this.state === 'starting') this.state = 'started';
  }

  /** Resolves true once the step ran, false when stopped first. */
  private async runStep(step: StartupStep): Promise<boolean> {
    for (;;) {
      if (!(await this.waitUntilReachable(step.needs))) return false;
      this.waitingFor = `"${step.name}"`;
      const started = Date.now();
      try {
        const result = await step.run();
        this.logger.info({ step: step.name, ms: Date.now() - started, ...(isEmpty(result) ? {} : { result }) }, 'start-up step done');
        return true;
      } catch (error) {
        if (this.abort.signal.aborted) return false;
        // The dependency went away (or refused) while the step ran: wait for it like at first.
        const lost = await this.unreachable(step.needs);
        if (lost.length === 0 && !isConnectionError(error)) throw new StartupError(step.name, { cause: error });
        this.logger.warn({ step: step.name, err: messageOf(error) }, `start-up step "${step.name}" lost its connection; retrying`);
        if (!(await this.pause(0))) return false;
      }
    }
  }

  /** Looks at `needs` until all answer, with capped, jittered pauses; false when stopped first. */
  private async waitUntilReachable(needs: readonly string[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (this.abort.signal.aborted) return false;
      const unreachable = await this.unreachable(needs);
      if (unreachable.length === 0) return true;
      this.waitingFor = unreachable.join(', ');
      if (!(await this.pause(attempt))) return false;
    }
  }

  private async pause(attempt: number): Promise<boolean> {
    try {
      await sleep(fullJitterDelay(attempt, this.options.retry), undefined, { signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Checks `needs`. A dependency is reported unreachable (one warn line) on the first
   * failed look `reportAfterMs` after it began failing, and its return once (info).
   */
  private async unreachable(needs: readonly string[]): Promise<string[]> {
    if (needs.length === 0) return [];
    const { checks } = await this.dependencies.readiness(needs);
    const down: string[] = [];
    for (const [name, result] of Object.entries(checks)) {
      const outage = this.outages.get(name);
      if (result === 'ok') {
        this.outages.delete(name);
        if (outage?.reported) this.logger.info({ dependency: name, unreachableMs: Date.now() - outage.since }, `${name} is reachable again`);
        continue;
      }
      down.push(name);
      if (!outage) this.outages.set(name, { since: Date.now(), reported: false });
      else if (!outage.reported && Date.now() - outage.since >= this.options.reportAfterMs) {
        outage.reported = true;
        this.logger.warn({ dependency: name, reason: result }, `${name} is unreachable (${result}): not ready; retrying with backoff`);
      }
    }
    return down;
  }
}

/**
 * Errors that say "the server is not there (yet)", not "the work is wrong": socket errors,
 * PostgreSQL's connection-exception class (08) and its shutdown / starting-up codes
 * (57P01-57P03), and ioredis giving up on a command while it reconnects.
 */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03']);
const CONNECTION_ERROR_NAMES = new Set(['MaxRetriesPerRequestError']);
const CONNECTION_ERROR_MESSAGES = /Connection terminated|Connection is closed|timeout expired/i;

export function isConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) return true;
    if (CONNECTION_ERROR_NAMES.has(current.name) || CONNECTION_ERROR_MESSAGES.test(current.message)) return true;
    if (current instanceof AggregateError && current.errors.some((inner) => isConnectionError(inner))) return true;
  }
  return false;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

function isEmpty(result: unknown): boolean {
  return result === undefined || (Array.isArray(result) && result.length === 0);
}
