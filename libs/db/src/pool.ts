import pg from 'pg';

export interface PoolOptions {
  /** Connections per process; with N pods the database sees up to N × max. */
  max: number;
  /** How long a query waits for a free connection (or a new one) before failing. */
  connectionTimeoutMillis: number;
  /** An idle connection is closed after this long, so quiet pods give connections back. */
  idleTimeoutMillis: number;
  /** Shown in `pg_stat_activity`, so a DBA can tell which service holds a connection. */
  applicationName: string;
  /**
   * Called when an idle pooled connection fails (server restart, failover, a DBA's
   * pg_terminate_backend). The pool has already dropped that client; the next query opens
   * a new one. Default: a process warning, never a crash.
   */
  onError: (error: Error) => void;
}

export const POOL_DEFAULTS: PoolOptions = {
  max: 10,
  connectionTimeoutMillis: 5_000,
  idleTimeoutMillis: 30_000,
  applicationName: 'parley',
  onError: (error) => process.emitWarning(`idle PostgreSQL connection failed: ${error.message}`, { code: 'PARLEY_PG_IDLE_CLIENT_ERROR' }),
};

/**
 * A pg pool with Parley's defaults. A pool without an 'error' listener crashes the process
 * when an idle connection dies (node's unhandled 'error' event); this one never does.
 * An `application_name` in the URL's query string wins over `applicationName`.
 */
export function createPool(databaseUrl: string, options: Partial<PoolOptions> = {}): pg.Pool {
  const settings = { ...POOL_DEFAULTS, ...options };
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: settings.max,
    connectionTimeoutMillis: settings.connectionTimeoutMillis,
    idleTimeoutMillis: settings.idleTimeoutMillis,
    application_name: settings.applicationName,
  });
  pool.on('error', (error) => settings.onError(error));
  return pool;
}
