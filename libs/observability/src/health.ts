import { redactUrlCredentials } from './redact.js';

/** Resolves when the dependency answers; rejects (or times out) when it does not. */
export type HealthCheck = () => Promise<void>;

export interface ReadinessReport {
  ready: boolean;
  /** Each check's name → `'ok'` or what went wrong (URL credentials removed). */
  checks: Record<string, 'ok' | string>;
}

export interface HealthOptions {
  /** A check that has not answered in this long counts as failed, so /readyz answers in time for the probe. */
  checkTimeoutMs: number;
  /** Longer error texts are cut: a report is for a glance, the logs have the rest. */
  maxErrorLength: number;
}

export const HEALTH_DEFAULTS: HealthOptions = { checkTimeoutMs: 1_000, maxErrorLength: 200 };

class CheckTimeoutError extends Error {
  override readonly name = 'CheckTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

/**
 * Liveness says the process runs (a failing dependency must not get it restarted);
 * readiness says its dependencies answer now (so traffic and work go elsewhere).
 */
export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly options: HealthOptions;

  constructor(options: Partial<HealthOptions> = {}) {
    this.options = { ...HEALTH_DEFAULTS, ...options };
  }

  register(name: string, check: HealthCheck): this {
    if (this.checks.has(name)) throw new Error(`health check "${name}" is already registered`);
    this.checks.set(name, check);
    return this;
  }

  /** The names of the registered checks, in registration order. */
  names(): string[] {
    return [...this.checks.keys()];
  }

  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Runs every check at once (or only those `named`), each under the timeout; ready when all
   * of them pass. An unknown name fails: a typo must not read as "ready".
   */
  async readiness(named?: readonly string[]): Promise<ReadinessReport> {
    const selected: Array<[string, HealthCheck]> = named
      ? named.map((name) => [name, this.checks.get(name) ?? (() => Promise.reject(new Error(`no health check named "${name}"`)))])
      : [...this.checks];
    const entries = await Promise.all(selected.map(async ([name, check]) => [name, await this.run(check)] as const));
    return { ready: entries.every(([, result]) => result === 'ok'), checks: Object.fromEntries(entries) };
  }

  private async run(check: HealthCheck): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimeoutError(this.options.checkTimeoutMs)), this.options.checkTimeoutMs);
    });
    try {
      // A check that throws synchronously is a failed check too.
      await Promise.race([Promise.resolve().then(check), timeout]);
      return 'ok';
    } catch (error) {
      const text = redactUrlCredentials(error instanceof Error ? error.message || error.name : String(error));
      return text.length > this.options.maxErrorLength ? `${text.slice(0, this.options.maxErrorLength - 1)}…` : text;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The part of an ioredis client (or Cluster) a readiness check needs. */
export interface PingableRedis {
  readonly status: string;
  ping(): Promise<unknown>;
  /** When present, the check names the server and the last connection error in its report. */
  readonly options?: { host?: string; port?: number };
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Ready when the connection is up and answers PING. While ioredis reconnects it would
 * queue the PING until the timeout; its own status says "not ready" at once, and the
 * report says why (`redis connection to 10.0.0.5:6379 is reconnecting: connect ECONNREFUSED ...`).
 */
export function redisCheck(redis: PingableRedis): HealthCheck {
  let lastError: string | undefined;
  redis.on?.('error', (error) => (lastError = error.message));
  const server = redis.options?.host ? ` to ${redis.options.host}:${redis.options.port ?? 6379}` : '';
  return async () => {
    if (redis.status !== 'ready') throw new Error(`redis connection${server} is ${redis.status}${lastError ? `: ${lastError}` : ''}`);
    await redis.ping();
  };
}

/** The part of a pg Pool a readiness check needs. */
export interface QueryablePool {
  query(text: string): Promise<unknown>;
}

/** Ready when the pool hands out a connection that answers `SELECT 1`. */
export function postgresCheck(pool: QueryablePool): HealthCheck {
  return async () => {
    await pool.query('SELECT 1');
  };
}
