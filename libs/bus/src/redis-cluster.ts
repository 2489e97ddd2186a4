import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@parley/launcher';
import { Redis } from 'ioredis';

/** A Redis Cluster of a test's or a benchmark's own (never the shared Redis). */
export interface OwnRedisCluster {
  /** `redis+cluster://host:port,…`: what a service takes as REDIS_URL. */
  url: string;
  nodes: ClusterProcess[];
  /** The node serving `key`'s slot as master now. */
  masterOf(key: string): Promise<ClusterProcess>;
  /** SIGKILLs a node's process (no shutdown, no failover handshake). */
  kill(node: ClusterProcess): void;
  /** Resolves once every slot is served by a reachable master and the cluster says `ok` (after a kill: the replica took over). */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every node and deletes the directory. */
  destroy(): Promise<void>;
}

export interface ClusterProcess {
  port: number;
  process: ChildProcess;
}

export interface OwnClusterOptions {
  masters: number;
  replicasPerMaster: number;
  /** A master silent this long is flagged failing and failed over to its replica. */
  nodeTimeoutMs: number;
  /** How long creating the cluster may take on a busy machine. */
  startTimeoutMs: number;
}

export const OWN_CLUSTER_DEFAULTS: Readonly<OwnClusterOptions> = {
  masters: 3,
  replicasPerMaster: 1,
  // Redis's default. With 2 s, nodes on a loaded test machine (load average 20) flagged live
  // masters as failing: the cluster answered CLUSTERDOWN for seconds and every pod of
  // e2e/sharded-ingest lost its leases at once. A test that kills a master asks for less.
  nodeTimeoutMs: 15_000,
  startTimeoutMs: 60_000,
};

const run = promisify(execFile);

/**
 * Starts Debian's `redis-server` in cluster mode on free ports (each node also needs a
 * cluster bus port, chosen free too), 3 masters and 3 replicas by default, each in its own
 * directory under one temp dir, nothing persisted, and joins them with
 * `redis-cli --cluster create … --cluster-replicas 1`. Resolves once every node sees the
 * cluster `ok` and every replica is in sync with its master.
 */
export async function startRedisCluster(options: Partial<OwnClusterOptions> = {}): Promise<OwnRedisCluster> {
  const { masters, replicasPerMaster, nodeTimeoutMs, startTimeoutMs } = { ...OWN_CLUSTER_DEFAULTS, ...options };
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-cluster-'));
  const nodes: ClusterProcess[] = [];
  const destroy = async () => {
    await Promise.all(nodes.map((node) => stopProcess(node.process)));
    rmSync(dir, { recursive: true, force: true });
  };
  // A free port is closed again before its redis-server binds it, so the OS may hand it out
  // twice: a port already given to a node of this cluster is asked for again.
  const taken = new Set<number>();
  const untakenPort = async (): Promise<number> => {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  try {
    for (let i = 0; i < masters * (1 + replicasPerMaster); i++) {
      const [port, busPort] = [await untakenPort(), await untakenPort()];
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', nodeDir, '--save', '', '--appendonly', 'no'];
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs));
      nodes.push({ port, process: spawn('redis-server', args, { stdio: 'ignore' }) });
    }
    const deadline = Date.now() + startTimeoutMs;
    for (const node of nodes) await until(deadline, () => ping(node.port), `redis-server on port ${node.port} to answer`);
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'], {
      timeout: startTimeoutMs,
    });
    const cluster: OwnRedisCluster = {
      url: `redis+cluster://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`,
      nodes,
      masterOf: async (key) => {
        const slot = Number(await withNode(live(nodes)[0]!.port, (redis) => redis.cluster('KEYSLOT', key)));
        const ranges = await withNode(live(nodes)[0]!.port, (redis) => redis.cluster('SLOTS'));
        const port = ranges.find(([from, to]) => slot >= from && slot <= to)![2]![1];
        return nodes.find((node) => node.port === port)!;
      },
      kill: (node) => void node.process.kill('SIGKILL'),
      waitUntilHealthy: (timeoutMs = startTimeoutMs) => until(Date.now() + timeoutMs, () => healthy(live(nodes)), 'the cluster to be healthy'),
      destroy,
    };
    await cluster.waitUntilHealthy();
    return cluster;
  } catch (error) {
    await destroy();
    throw error;
  }
}

function live(nodes: ClusterProcess[]): ClusterProcess[] {
  return nodes.filter((node) => node.process.exitCode === null && node.process.signalCode === null);
}

/** Every live node says `cluster_state:ok`, and every replica a live node knows of is in sync. */
async function healthy(nodes: ClusterProcess[]): Promise<boolean> {
  for (const node of nodes) {
    const info = await withNode(node.port, (redis) => redis.cluster('INFO')).catch(() => '');
    if (!String(info).includes('cluster_state:ok')) return false;
    const replication = await withNode(node.port, (redis) => redis.info('replication')).catch(() => '');
    if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
  }
  return true;
}

async function ping(port: number): Promise<boolean> {
  return (await withNode(port, (redis) => redis.ping()).catch(() => '')) === 'PONG';
}

async function withNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function until(deadline: number, check: () => Promise<boolean>, what: string): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
