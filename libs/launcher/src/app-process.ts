import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface AppProcess {
  name: string;
  /** The HTTP port of its /metrics, /healthz and /readyz. */
  port: number;
  logFile: string;
  child: ChildProcess;
}

export interface LaunchOptions {
  /** The build output, holding `apps/<name>/src/main.js`. */
  distRoot: string;
  logDir: string;
  env: Record<string, string>;
  /**
   * Names this instance's log file, `<logDir>/<name>-<instance>.log` (default: its port), so
   * several instances of one app never write into the same file and a failing one leaves
   * its own evidence.
   */
  instance?: string;
}

/**
 * Starts a built Parley app as a child process on this same Node, on a free port, with
 * its output in its own file, `<logDir>/<name>-<instance>.log`, written afresh. Used by the
 * local demo and the end-to-end tests.
 */
export async function launchApp(name: string, options: LaunchOptions): Promise<AppProcess> {
  mkdirSync(options.logDir, { recursive: true });
  const port = await freePort();
  const logFile = join(options.logDir, `${name}-${options.instance ?? port}.log`);
  const log = createWriteStream(logFile, { flags: 'w' });
  const child = spawn(process.execPath, [join(options.distRoot, 'apps', name, 'src', 'main.js')], {
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return { name, port, logFile, child };
}

/** Resolves when every app answers /readyz; rejects naming the app that exited or never got ready. */
export async function waitUntilReady(apps: AppProcess[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const app of apps) {
    for (;;) {
      if (app.child.exitCode !== null) throw new Error(`${app.name} exited with code ${app.child.exitCode}; see ${app.logFile}`);
      const probe = await fetch(`http://127.0.0.1:${app.port}/readyz`).then(
        async (response) => ({ ready: response.ok, report: await response.text() }),
        (error: unknown) => ({ ready: false, report: String(error) }),
      );
      if (probe.ready) break;
      if (Date.now() > deadline) {
        throw new Error(`${app.name} did not become ready within ${timeoutMs} ms (last /readyz: ${probe.report}); see ${app.logFile}`);
      }
      await sleep(100);
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopApps(apps: AppProcess[]): Promise<void> {
  await Promise.all(apps.map((app) => stopProcess(app.child)));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
