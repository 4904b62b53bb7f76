// The import rules: edges (http, the gRPC edge flight, cli; upstream, the outbound one) → engine → storage; engine → ipc;
// everyone → shared, config. test/architecture/dependency-rules.test.ts runs them in `npm test`.

const HTTP_PACKAGES = '^(node:)?(http|http2|https)$|(^|/)node_modules/(koa|@koa/[^/]+|koa-[^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles between modules, type-only imports included.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment: 'No cycles between folders either (storage/duckdb ↔ storage/query was one).',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'Every module in src is imported by something (main.ts is the entry point).',
      from: {
        orphan: true,
        path: '^src/',
        pathNot: ['^src/main\\.ts$', '\\.d\\.ts$'],
      },
      to: {},
    },
    {
      name: 'shared-imports-nothing-of-ours',
      severity: 'error',
      comment: 'shared/ is the bottom layer: it imports no other folder of src.',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'config-imports-only-shared',
      severity: 'error',
      comment: 'config/ is read by every layer, so it may lean on shared/ only.',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(config|shared)/' },
    },
    {
      name: 'storage-not-to-upper-layers',
      severity: 'error',
      comment: 'storage/ knows nothing of plugins, the child wire, auth or the edges.',
      from: { path: '^src/storage/' },
      to: { path: '^src/(engine|ipc|auth|http|flight|cli)/|^src/(app|main)\\.ts$' },
    },
    {
      name: 'ipc-not-to-upper-layers',
      severity: 'error',
      comment: 'ipc/ carries frames; it never knows what a trigger, a table or a route is.',
      from: { path: '^src/ipc/' },
      to: { path: '^src/(engine|storage|auth|http|flight|cli)/|^src/(app|main)\\.ts$' },
    },
    {
      name: 'auth-not-to-upper-layers',
      severity: 'error',
      comment: 'auth/ (tokens and permissions) sits beside storage: below the engine and the edges.',
      from: { path: '^src/auth/' },
      to: { path: '^src/(engine|ipc|http|flight|cli)/|^src/(app|main)\\.ts$' },
    },
    {
      name: 'engine-not-to-edges',
      severity: 'error',
      comment: 'engine/ is called by the edges, never the other way round.',
      from: { path: '^src/engine/' },
      to: { path: '^src/(http|flight|cli)/|^src/(app|main)\\.ts$' },
    },
    {
      name: 'upstream-imported-only-by-the-root',
      severity: 'error',
      comment: 'upstream/ is the outbound edge of process nodes (the user\'s InfluxDB); app.ts wires it into the engine and storage through their own interfaces.',
      from: { path: '^src/', pathNot: '^src/upstream/|^src/(app|main)\\.ts$' },
      to: { path: '^src/upstream/' },
    },
    {
      name: 'upstream-not-to-other-edges',
      severity: 'error',
      comment: 'upstream/ talks to storage (the WAL it forwards) and shared; never to the engine, the child wire or the inbound edges.',
      from: { path: '^src/upstream/' },
      to: { path: '^src/(engine|ipc|auth|http|flight|cli)/|^src/(app|main)\\.ts$' },
    },
    {
      name: 'http-imported-only-by-the-root',
      severity: 'error',
      comment: 'Nothing imports the http edge except app.ts (and http/ itself).',
      from: { path: '^src/', pathNot: '^src/http/|^src/(app|main)\\.ts$' },
      to: { path: '^src/http/' },
    },
    {
      name: 'flight-imported-only-by-the-root',
      severity: 'error',
      comment: 'Nothing imports the gRPC edge except app.ts (and flight/ itself).',
      from: { path: '^src/', pathNot: '^src/flight/|^src/(app|main)\\.ts$' },
      to: { path: '^src/flight/' },
    },
    {
      name: 'cli-imported-only-by-main',
      severity: 'error',
      comment: 'Nothing imports the cli edge except main.ts (and cli/ itself).',
      from: { path: '^src/', pathNot: '^src/cli/|^src/main\\.ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'app-imported-only-by-main-and-serve',
      severity: 'error',
      comment: 'app.ts is the composition root: main.ts and the `serve` command start it.',
      from: { path: '^src/', pathNot: '^src/main\\.ts$|^src/cli/commands/serve-command\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'no-http-below-http',
      severity: 'error',
      comment: 'HTTP (koa, node:http, http2) belongs to the edges that serve it and the composition root; the CLI\'s one ' +
        'HTTP client (cli/client.ts) may use node:https for --tls-ca/--tls-no-verify, which fetch cannot take.',
      from: { path: '^src/', pathNot: '^src/(http|flight|upstream)/|^src/(app|main)\\.ts$|^src/cli/client\\.ts$' },
      to: { path: HTTP_PACKAGES },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      comment: 'src/ never imports tests, benchmarks or test-only packages.',
      from: { path: '^src/' },
      to: {
        path: '^(test|bench)/|(^|/)node_modules/(chai|mocha|fast-check|tsx)/',
      },
    },
    {
      name: 'no-dev-dependencies-in-src',
      severity: 'error',
      comment: 'A devDependency is absent from an installed server; src/ may use it for types only.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves to a file or an installed package.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: true,
  },
};
