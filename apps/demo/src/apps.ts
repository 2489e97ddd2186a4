import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild } from './servers.js';

export interface RunningApp {
  name: string;
  port: number;
  logFile: string;
  child: ChildProcess;
}

/** Starts `dist/apps/<name>/src/main.js` on the same Node, its logs in a file so the terminal stays a chat. */
export async function startApp(name: string, distRoot: string, logDir: string, env: Record<string, string>): Promise<RunningApp> {
  mkdirSync(logDir, { recursive: true });
  const port = await freePort();
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [join(distRoot, 'apps', name, 'src', 'main.js')], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return { name, port, logFile, child };
}

/** Resolves when every app answers /readyz; rejects naming the app that exited or never got ready. */
export async function waitUntilReady(apps: RunningApp[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const app of apps) {
    for (;;) {
      if (app.child.exitCode !== null) throw new Error(`${app.name} exited with code ${app.child.exitCode}; see ${app.logFile}`);
      const ready = await fetch(`http://127.0.0.1:${app.port}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`${app.name} did not become ready; see ${app.logFile}`);
      await sleep(200);
    }
  }
}

export async function stopApps(apps: RunningApp[]): Promise<void> {
  await Promise.all(apps.map((app) => stopChild(app.child)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export { sleep };
