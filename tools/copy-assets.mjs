// tsc emits only JavaScript; the Lua scripts that libs load beside their code are copied here.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function copyLua(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyLua(path);
    else if (entry.name.endsWith('.lua')) cpSync(path, join('dist', path));
  }
}
copyLua('libs');

// `npm start` rebuilds only when a source is newer than this stamp (tools/build-if-stale.mjs).
import { writeFileSync } from 'node:fs';
writeFileSync('dist/.build-stamp', new Date().toISOString());
