import { spawn, spawnSync } from 'node:child_process';
import { EmbeddedPostgresAccessError, startEmbeddedPostgres } from '@parley/db/embedded';
import { stopProcess } from '@parley/launcher';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';

/** A server the demo uses; `stop` ends it only if the demo started it. */
export interface Server {
  url: string;
  stop(): Promise<void>;
}

const LOCAL_REDIS = 'redis://127.0.0.1:6379';
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const EMBEDDED_POSTGRES_PORT = 5439;

type Say = (line: string) => void;

/** Thrown when a server can be neither found nor started; the message is the one line to show. */
export class ServerUnavailableError extends Error {}

export async function ensureRedis(say: Say, env = process.env): Promise<Server> {
  const url = env.REDIS_URL ?? LOCAL_REDIS;
  if (await redisAnswers(url)) return { url, stop: async () => {} };
  if (env.REDIS_URL) throw new ServerUnavailableError(`Redis at REDIS_URL does not answer.`);

  if (!onPath('redis-server')) {
    if (process.getuid?.() === 0 && onPath('apt-get')) {
      say('Redis is not installed: installing redis-server with apt-get ...');
      run('apt-get', ['update', '-q']);
      run('apt-get', ['install', '-y', '-q', 'redis-server']);
    }
    if (!onPath('redis-server')) {
      throw new ServerUnavailableError('Redis is not installed: install it (e.g. `sudo apt-get install redis-server` or `brew install redis`) or set REDIS_URL.');
    }
  }
  say('Starting a local redis-server for the demo ...');
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(() => redisAnswers(url), 'redis-server did not start');
  return { url, stop: () => stopProcess(child) };
}

export async function ensurePostgres(say: Say, env = process.env): Promise<Server> {
  const url = env.DATABASE_URL ?? LOCAL_POSTGRES;
  if (await postgresAnswers(url)) return { url, stop: async () => {} };
  if (env.DATABASE_URL) throw new ServerUnavailableError('PostgreSQL at DATABASE_URL does not answer.');

  const cluster = installedCluster();
  if (cluster && onPath('pg_ctlcluster')) {
    say(`Starting the local PostgreSQL ${cluster} cluster ...`);
    run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'start']);
    if (await waitFor(() => postgresAnswers(url), '', false)) return { url, stop: async () => {} };
  }
  return startDemoEmbeddedPostgres(say);
}

/** No PostgreSQL on the machine: run the one the `embedded-postgres` package ships, kept between runs. */
async function startDemoEmbeddedPostgres(say: Say): Promise<Server> {
  say('No PostgreSQL found: starting an embedded one for the demo ...');
  const server = await startEmbeddedPostgres({
    databaseDir: join(tmpdir(), `parley-demo-postgres-${process.getuid?.() ?? 'user'}`),
    port: EMBEDDED_POSTGRES_PORT,
  }).catch((error: unknown) => {
    // Its message is the one line that says which folder and what to do.
    throw error instanceof EmbeddedPostgresAccessError ? new ServerUnavailableError(error.message) : error;
  });
  return { url: server.url, stop: () => server.stop() };
}

/** Creates `name` on the server `url` points at if missing; returns the URL of that database. */
export async function ensureDatabase(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function installedCluster(): string | undefined {
  if (!existsSync('/etc/postgresql')) return undefined;
  const result = spawnSync('ls', ['/etc/postgresql'], { encoding: 'utf8' });
  return result.stdout.split(/\s+/).filter(Boolean).sort((a, b) => Number(a) - Number(b)).pop();
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command: string, args: string[]): void {
  spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitFor(check: () => Promise<boolean>, failure: string, throwOnTimeout = true): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await check()) return true;
    await sleep(200);
  }
  if (throwOnTimeout) throw new ServerUnavailableError(failure);
  return false;
}
