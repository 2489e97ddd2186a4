import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './tools.js';

const dockerfile = readFileSync(join(repoRoot, 'docker', 'Dockerfile'), 'utf8');
/** Instructions with continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const runtimeStage = instructions.slice(instructions.findLastIndex((line) => line.startsWith('FROM ')));
// Docker's own matching rules (@balena/dockerignore is a port of moby's). Its types declare an
// ES default export; at run time module.exports is the factory itself.
const createIgnore = dockerignore as unknown as typeof dockerignore.default;
const ignored = createIgnore().add(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));

/** Every file of the repository (but .git and node_modules) with its path from the root. */
function repositoryFiles(dir = repoRoot): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (['.git', 'node_modules', 'dist', '.parley', '.nx'].includes(name) && dir === repoRoot) return [];
    return statSync(path).isDirectory() ? repositoryFiles(path) : [relative(repoRoot, path)];
  });
}

describe('docker/Dockerfile', () => {
  it('passes the dockerfile-utils linter with no finding', () => {
    expect(validate(dockerfile)).toEqual([]);
  });

  it('runs as a numeric non-root user and group, the ones the chart sets', () => {
    const user = runtimeStage.find((line) => line.startsWith('USER '))?.slice(5);
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const values = readFileSync(join(repoRoot, 'helm', 'parley', 'values.yaml'), 'utf8');
    const [uid, gid] = user!.split(':');
    expect(values).toContain(`runAsUser: ${uid}`);
    expect(values).toContain(`runAsGroup: ${gid}`);
  });

  it('hands signals to node itself: exec-form ENTRYPOINT, no shell or npm in front', () => {
    expect(runtimeStage.find((line) => line.startsWith('ENTRYPOINT '))).toBe('ENTRYPOINT ["node"]');
    const cmd = runtimeStage.find((line) => line.startsWith('CMD '))!;
    expect(JSON.parse(cmd.slice(4))).toEqual(['dist/apps/router/src/main.js']);
    expect(runtimeStage.join('\n')).not.toMatch(/\bnpm (start|run)\b|sh -c/);
  });

  it('builds on the Node version the repository locks, and keeps only production dependencies', () => {
    const { devDependencies } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const froms = instructions.filter((line) => line.startsWith('FROM '));
    expect(froms.length).toBe(2);
    for (const from of froms) expect(from).toMatch(new RegExp(`^FROM node:${devDependencies.node!.replace(/\./g, '\\.')}-bookworm-slim\\b`));
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });
});

describe('/.dockerignore (the build context is the repository root)', () => {
  it('is the only ignore file, where Docker reads it', () => {
    expect(existsSync(join(repoRoot, 'docker', '.dockerignore'))).toBe(false);
    expect(existsSync(join(repoRoot, 'docker', 'Dockerfile.dockerignore'))).toBe(false);
  });

  it('keeps node_modules, .git, the demo, the fakes and tests out of the context', () => {
    for (const path of ['node_modules/pg/package.json', '.git/HEAD', 'dist/apps/router/src/main.js', 'apps/demo/src/main.ts', 'libs/platform-fakes/src/index.ts', 'libs/bus/src/consumer.int.spec.ts', 'libs/bus/src/testing.ts', 'e2e/support.ts', 'bench/router.bench.ts', 'ops/src/tools.ts', 'helm/parley/values.yaml', '.parley/demo-admin-token']) {
      expect(ignored.ignores(path), path).toBe(true);
    }
  });

  it('lets in everything the Dockerfile copies and the production code needs, which never imports a fake', () => {
    const copied = instructions.filter((line) => line.startsWith('COPY ') && !line.includes('--from')).flatMap((line) => line.split(/\s+/).slice(1, -1));
    const files = repositoryFiles();
    for (const source of copied) expect(files.some((file) => (file === source || file.startsWith(`${source}/`)) && !ignored.ignores(file)), source).toBe(true);
    const inContext = files.filter((file) => !ignored.ignores(file));
    for (const app of ['router', 'hub', 'ingest-twitch', 'ingest-youtube', 'shard-manager', 'migrate']) expect(inContext, app).toContain(`apps/${app}/src/main.ts`);
    // The Lua scripts libs load beside their code at run time.
    expect(inContext.filter((file) => file.endsWith('.lua')).length).toBeGreaterThan(0);
    expect(inContext).toContain('migrations/20261125000000000_initial-schema.sql');
    for (const file of inContext.filter((path) => path.endsWith('.ts'))) {
      expect(readFileSync(join(repoRoot, file), 'utf8'), file).not.toMatch(/from '@parley\/(platform-fakes|db\/embedded|[a-z-]+\/testing)'/);
    }
  });
});
