import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Path aliases come from tsconfig.base.json, the one place they are defined.
const { compilerOptions } = JSON.parse(readFileSync(new URL('./tsconfig.base.json', import.meta.url), 'utf8')) as {
  compilerOptions: { paths: Record<string, [string]> };
};
const alias = Object.entries(compilerOptions.paths)
  // Longer aliases first so `@parley/bus/testing` wins over `@parley/bus`.
  .sort(([a], [b]) => b.length - a.length)
  .map(([find, [target]]) => ({
    find: new RegExp(`^${find.replace(/[/]/g, '\\/')}$`),
    replacement: fileURLToPath(new URL(target, import.meta.url)),
  }));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'e2e/**/*.spec.ts', 'ops/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
