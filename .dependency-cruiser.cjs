/**
 * Project boundaries, checked by `npm run lint:deps` (part of `npm test`). The layout is
 * the architecture: apps wire, libs own one capability each, contracts depend on nothing,
 * fakes are for tests and the demo only, and projects reach each other only through
 * their `@parley/*` alias (their public surface), never by relative paths.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'contracts-depend-on-nothing',
      comment: 'libs/contracts is the shared vocabulary: it may use zod, nothing of Parley.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { path: '^(apps|libs)/', pathNot: '^libs/contracts/' },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'ingest-kit-is-platform-neutral',
      comment: 'libs/ingest is what every platform shares; a platform lib depends on it, never the other way round.',
      severity: 'error',
      from: { path: '^libs/ingest/' },
      to: { path: '^libs/(twitch|youtube|discord|slack)/' },
    },
    {
      name: 'apps-do-not-import-apps',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'fakes-only-in-tests-and-demo',
      comment: 'Platform fakes stand in for Twitch & co. in tests, benchmarks and the local demo only.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: ['\\.spec\\.ts$', '^apps/demo/', '^libs/platform-fakes/', '/testing\\.ts$'] },
      to: { path: '^libs/platform-fakes/' },
    },
    {
      name: 'cross-project-imports-use-aliases',
      comment: 'Another project is reached through its @parley/* alias, i.e. its src/index.ts, never a relative path.',
      severity: 'error',
      from: { path: '^(apps|libs)/([^/]+)/' },
      to: { path: '^(apps|libs)/', pathNot: '^$1/$2/', dependencyTypesNot: ['aliased-tsconfig', 'aliased-tsconfig-paths'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    moduleSystems: ['es6'],
  },
};
