// Runs before `npm start` and `npm test`, on whatever Node the machine has (20 or newer):
// installs the locked dependencies — Node 24 among them — when node_modules is missing
// or was installed from another package-lock.json. Plain JavaScript, no dependencies.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const lock = readFileSync('package-lock.json');
const wanted = createHash('sha256').update(lock).digest('hex');
const marker = 'node_modules/.parley-lock-sha256';
const installed = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';

if (installed !== wanted || !existsSync('node_modules/.bin/node')) {
  console.log('parley: installing dependencies (npm ci), Node 24 included ...');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('parley: npm ci failed; see the output above.');
    process.exit(result.status ?? 1);
  }
  writeFileSync(marker, wanted);
}
