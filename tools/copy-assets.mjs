// tsc emits only JavaScript; the Lua scripts and .proto files that libs load beside their code are copied here.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ASSETS = ['.lua', '.proto'];

function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (ASSETS.some((ext) => entry.name.endsWith(ext))) cpSync(path, join('dist', path));
  }
}
copyAssets('libs');

// `npm start` rebuilds only when a source is newer than this stamp (tools/build-if-stale.mjs).
import { writeFileSync } from 'node:fs';
writeFileSync('dist/.build-stamp', new Date().toISOString());
