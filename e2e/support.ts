import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root; end-to-end tests run the built apps under `dist/`. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const distRoot = fileURLToPath(new URL('../dist', import.meta.url));
export const logDir = fileURLToPath(new URL('../.parley/test-logs', import.meta.url));

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
