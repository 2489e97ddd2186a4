// Builds the workspace unless dist/ is newer than every source file, so `npm start`
// starts in a second when nothing changed and never rewrites dist/ under running tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

const stamp = 'dist/.build-stamp';
const sources = ['apps', 'libs', 'tsconfig.base.json', 'tsconfig.build.json', 'package-lock.json'];
if (!existsSync(stamp) || Math.max(...sources.map(newest)) > statSync(stamp).mtimeMs) {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
