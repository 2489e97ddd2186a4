import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@parley/launcher';
import { stringify } from 'yaml';
import { debianBinary } from './tools.js';

export interface ScrapeTarget {
  /** The app's name: the `service` label, as the chart's ServiceMonitor relabels it. */
  service: string;
  port: number;
}

export interface PrometheusOptions {
  scrapeIntervalSeconds: number;
  readyTimeoutMs: number;
}

export const PROMETHEUS_DEFAULTS: PrometheusOptions = { scrapeIntervalSeconds: 1, readyTimeoutMs: 30_000 };

export interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** A real Prometheus server (Debian's package) scraping local apps, on a free port with its own data dir. */
export class LocalPrometheus {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly output: () => string,
  ) {}

  static async start(targets: ScrapeTarget[], options: Partial<PrometheusOptions> = {}): Promise<LocalPrometheus> {
    const { scrapeIntervalSeconds, readyTimeoutMs } = { ...PROMETHEUS_DEFAULTS, ...options };
    const binary = debianBinary('prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'parley-prometheus-'));
    const config = {
      global: { scrape_interval: `${scrapeIntervalSeconds}s`, evaluation_interval: `${scrapeIntervalSeconds}s` },
      scrape_configs: [
        {
          job_name: 'parley',
          // As the chart's ServiceMonitor: the apps' own `service` label wins.
          honor_labels: true,
          static_configs: targets.map(({ service, port }) => ({ targets: [`127.0.0.1:${port}`], labels: { service } })),
        },
      ],
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    const child = spawn(
      binary,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    const server = new LocalPrometheus(`http://127.0.0.1:${port}`, child, dir, () => output);
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${output}`);
      if (await fetch(`${server.url}/-/ready`).then((response) => response.ok, () => false)) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`prometheus not ready within ${readyTimeoutMs} ms: ${output}`);
      }
      await sleep(100);
    }
  }

  /** An instant query through the HTTP API; rejects with Prometheus's error (a bad expression). */
  async query(expr: string): Promise<QueryResult[]> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: QueryResult[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    // A scalar (e.g. vector(0) arithmetic folded) counts as one value.
    return body.data!.resultType === 'scalar' ? [{ metric: {}, value: body.data!.result as unknown as [number, string] }] : body.data!.result;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * An alert expression with every comparison against a number made always true
 * (`x > 1000` → `x >= -Inf`): what is left returns the series the alert would judge. If it
 * returns nothing, the alert is built on series that do not exist and could never fire.
 */
export function withoutThresholds(expr: string): string {
  return expr.replace(/(==|!=|>=|<=|>|<)\s*-?\d+(\.\d+)?(e[+-]?\d+)?(?![\w.])/g, '>= -Inf');
}
