/**
 * The layers of docs/design.md ("Layers"), checked on every `npm run lint`. When a rule here
 * changes, change that page with it.
 */
const NODE_IO = '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|readline|worker_threads|cluster|process|os)$';

/** Folders (under src/) that sit above the pure core: adapters, loaders, the executor, the CLI. */
const EDGES = '^src/(targets|manifest|git|github|apply|cli|planfile|fs)/';

module.exports = {
  forbidden: [
    {
      name: 'model-is-the-bottom',
      comment: 'model/ (the vocabulary every layer shares) imports only model/, util/ and libraries.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: '^src/(model|util)/' },
    },
    {
      name: 'util-is-standalone',
      comment: 'util/ holds small pure helpers (a heap, set equality, wording): it imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
    {
      name: 'errors-sit-on-model',
      comment: 'errors.ts is below everything but model/.',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(model|util)/|^src/errors\\.ts$' },
    },
    {
      name: 'rules-sit-on-model',
      comment: "rules/ (Creator's rules as pure checks) imports only model/, util/ and errors.ts.",
      severity: 'error',
      from: { path: '^src/rules/' },
      to: { path: '^src/', pathNot: '^src/(model|rules|util)/|^src/errors\\.ts$' },
    },
    {
      name: 'planner-core-is-pure',
      comment: "The planner's core (plan/ minus its edge run.ts) does no I/O and imports no target, manifest loader, renderer or plan file.",
      severity: 'error',
      from: { path: '^src/plan/', pathNot: '^src/plan/run\\.ts$' },
      to: { path: '^src/(render|targets|manifest|git|github|apply|cli|planfile|fs)/|^src/plan/run\\.ts$' },
    },
    {
      name: 'planner-core-no-node',
      comment: "The planner's core imports no node:* module (it is synchronous and pure).",
      severity: 'error',
      from: { path: '^src/plan/', pathNot: '^src/plan/run\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'drift-core-is-pure',
      comment: 'drift/ (minus its edge run.ts) compares what it is given: no I/O module, no adapter, no planner or rollout edge, no renderer.',
      severity: 'error',
      from: { path: '^src/drift/', pathNot: '^src/drift/run\\.ts$' },
      to: { path: [NODE_IO, EDGES, '^src/render/', '^src/(plan|rollout|drift)/run\\.ts$'] },
    },
    {
      name: 'render-is-pure',
      comment: 'render/ is pure functions of a plan: no I/O module, no adapter, no planner edge.',
      severity: 'error',
      from: { path: '^src/render/' },
      to: { path: [NODE_IO, EDGES, '^src/plan/run\\.ts$'] },
    },
    {
      name: 'rules-model-no-io',
      comment: 'model/, rules/ and util/ do no I/O.',
      severity: 'error',
      from: { path: '^src/(model|rules|util)/' },
      to: { path: NODE_IO },
    },
    {
      name: 'targets-are-adapters',
      comment: 'targets/ implements the Target port on model/ and rules/; it knows nothing of manifests, plans, rendering or the CLI.',
      severity: 'error',
      from: { path: '^src/targets/' },
      to: { path: '^src/(manifest|git|github|plan|planfile|render|apply|cli)/' },
    },
    {
      name: 'fs-is-a-leaf',
      comment: 'fs/ holds file-system helpers for the edges that write files (mkdir -p that cannot hang); it imports nothing of ours but util/ and errors.ts.',
      severity: 'error',
      from: { path: '^src/fs/' },
      to: { path: '^src/', pathNot: '^src/(fs|util)/|^src/errors\\.ts$' },
    },
    {
      name: 'git-is-an-adapter',
      comment: 'git/ reads refs and blobs; the manifest sources use it, not the other way round.',
      severity: 'error',
      from: { path: '^src/git/' },
      to: { path: '^src/', pathNot: '^src/(git|util)/|^src/errors\\.ts$' },
    },
    {
      name: 'manifest-loads-only',
      comment: 'manifest/ loads and writes manifests: no target, planner, renderer, apply or CLI.',
      severity: 'error',
      from: { path: '^src/manifest/' },
      to: { path: '^src/(targets|plan|planfile|render|apply|cli|github)/' },
    },
    {
      name: 'planfile-is-a-format',
      comment: 'planfile/ reads and writes the Plan JSON (through the one JSON writer in render/); no adapter.',
      severity: 'error',
      from: { path: '^src/planfile/' },
      to: { path: '^src/(targets|manifest|git|github|plan|apply|cli)/' },
    },
    {
      name: 'apply-below-cli',
      comment: 'apply/ carries a plan out through the Target port; it does not reach into the CLI or GitHub.',
      severity: 'error',
      from: { path: '^src/apply/' },
      to: { path: '^src/(cli|github)/' },
    },
    {
      name: 'github-below-cli',
      comment: 'github/ renders and posts; it does not reach into the CLI, targets or apply.',
      severity: 'error',
      from: { path: '^src/github/' },
      to: { path: '^src/(cli|targets|apply|manifest)/' },
    },
    {
      name: 'arguments-are-pure',
      comment:
        "A command's argument parser (cli/arguments/, on the engine cli/args.ts) turns argv into a typed struct: no I/O, no target, no manifest loader, no command.",
      severity: 'error',
      from: { path: '^src/cli/(arguments/|args\\.ts$)' },
      to: {
        path: [
          NODE_IO,
          '^src/(targets|manifest|git|apply|planfile)/',
          '^src/plan/run\\.ts$',
          '^src/rollout/run\\.ts$',
          '^src/cli/(commands/|target-flag|secret-map|package|main)',
        ],
      },
    },
    {
      name: 'studio-below-cli',
      comment:
        "studio/ (connectorops studio's server and page) reads through the planner's and the rollout's edges and the Target port, and changes state only through rollout/run.ts: never the CLI, apply, GitHub or a target's adapter.",
      severity: 'error',
      from: { path: '^src/studio/' },
      to: { path: ['^src/(cli|apply|github|planfile|fs)/', '^src/targets/(?!target\\.ts$)'] },
    },
    {
      name: 'studio-page-is-browser-code',
      comment:
        "The studio's page (studio/web/, bundled for the browser) imports only the API's shapes (studio/api.ts, render/graph.ts types) and browser libraries: no node:* module, no other module of ours.",
      severity: 'error',
      from: { path: '^src/studio/web/' },
      to: { path: '^src/', pathNot: '^src/studio/(web/|api\\.ts$)|^src/render/graph\\.ts$' },
    },
    {
      name: 'studio-page-no-node',
      comment: "The studio's page runs in a browser: no node:* module.",
      severity: 'error',
      from: { path: '^src/studio/web/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'cli-is-the-top',
      comment: 'Only cli/ (and the package entry) imports cli/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli/|index\\.ts$)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other cannot be understood (or tested) one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
