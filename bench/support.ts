import { spawnSync } from 'node:child_process';

/** Percentile of an ascending sorted list (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `redis-benchmark` ops/s for one command line, or null when the tool is missing. */
export function redisBenchmark(url: string, args: string[], requests = 100_000, pipeline = 16): number | null {
  const { hostname, port } = new URL(url);
  const result = spawnSync('redis-benchmark', ['-h', hostname, '-p', port || '6379', '-q', '-n', String(requests), '-P', String(pipeline), ...args], {
    encoding: 'utf8',
  });
  if (result.error || result.status !== 0) return null;
  const match = /([\d.]+) requests per second/.exec(result.stdout);
  return match ? Number(match[1]) : null;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((row) => line(columns.map((c) => String(row[c]))))].join('\n');
}
