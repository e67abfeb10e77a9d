/**
 * The walls of docs/design.md ("Layers"), checked on every `npm run lint`. Deny by default: a
 * module under src/ may import only what its unit's block below allows (of ours; libraries are
 * open, minus the I/O ones for the pure units). A file in a folder that no unit holds fails the
 * lint, whatever it imports, and so does an import of it.
 *
 * A new folder: add one block to UNITS (its path, what it may import, and `pure: true` when it
 * may not reach I/O), add it to the `may` of the units that use it, and add its row to the table
 * in docs/design.md. The units' graph must be acyclic (checked below, when this file loads), so no
 * cycle between folders can creep in.
 */

/** I/O modules: Node's file system, processes, network, and the libraries that talk to a store, git or GitHub. */
const IO = [
  '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|readline|worker_threads|cluster)$',
  '^node_modules/(pg|pg-[^/]+|better-sqlite3|simple-git|octokit|@octokit/[^/]+)/',
];

/**
 * The units of src/: name → { path (and pathNot) of the modules it holds, the units it may import,
 * pure: may not reach an I/O module, even through another module }.
 */
const UNITS = {
  util: {
    path: '^src/util/',
    may: [],
    pure: true,
    why: 'small pure helpers (a heap, set equality, wording): nothing of ours',
  },
  model: {
    path: '^src/(model/|errors\\.ts$)',
    may: ['util'],
    pure: true,
    why: 'the vocabulary every layer shares (zod schemas, the plan document, the error kinds)',
  },
  rules: {
    path: '^src/rules/',
    may: ['model', 'util'],
    pure: true,
    why: "Creator's rules as pure checks",
  },
  usages: {
    path: '^src/usages/',
    may: ['model', 'util'],
    pure: true,
    why: 'the usages scanner (tokenizer, bracket stack): the manifest sources read the files',
  },
  'plan-core': {
    path: '^src/plan/',
    pathNot: '^src/plan/run\\.ts$',
    may: ['model', 'rules', 'util'],
    pure: true,
    why: "the planner's core: diff, consequences, steps, order, proof",
  },
  'target-port': {
    path: '^src/targets/target\\.ts$',
    may: ['model', 'util'],
    pure: true,
    why: "the Target port's interface and records (no adapter)",
  },
  'rollout-model': {
    path: '^src/rollout/(model|simulate|adopt|authorizations)\\.ts$',
    may: ['model', 'rules', 'util', 'target-port'],
    pure: true,
    why: "a rollout's steps, their status, who authorizes what, the state it reaches",
  },
  render: {
    path: '^src/render/',
    may: ['model', 'rules', 'util', 'plan-core', 'rollout-model', 'drift-core'],
    pure: true,
    why: 'pure functions of a plan (text, json, markdown, runbook, rollouts)',
  },
  init: {
    path: '^src/init/',
    may: ['model', 'util'],
    pure: true,
    why: 'what `connectorops init` writes, as path → text; the command is its edge',
  },
  fs: {
    path: '^src/fs/',
    may: ['model', 'util'],
    why: 'file-system helpers for the edges that write files',
  },
  git: {
    path: '^src/git/',
    may: ['model', 'util'],
    why: 'reads refs and blobs; the manifest sources use it, not the other way round',
  },
  planfile: {
    path: '^src/planfile/',
    may: ['model', 'render', 'fs', 'util'],
    why: 'reads and writes plan files (through the one JSON writer in render/)',
  },
  manifest: {
    path: '^src/manifest/',
    may: ['model', 'rules', 'git', 'usages', 'util'],
    why: 'loads and writes manifests: no target, planner, renderer, apply or CLI',
  },
  targets: {
    path: '^src/targets/',
    pathNot: '^src/targets/target\\.ts$',
    may: ['target-port', 'model', 'rules', 'fs', 'util'],
    why: 'the adapters (local, http, postgres, the engine): nothing of manifests, plans, rendering or the CLI',
  },
  'rollout-edge': {
    path: '^src/rollout/run\\.ts$',
    may: ['rollout-model', 'target-port', 'model', 'rules', 'util'],
    why: 'a rollout on its target: open, record, abandon',
  },
  'plan-edge': {
    path: '^src/plan/run\\.ts$',
    may: ['plan-core', 'manifest', 'targets', 'target-port', 'rollout-model', 'rollout-edge', 'render', 'model', 'rules', 'util'],
    why: 'loading and reading for a plan',
  },
  apply: {
    path: '^src/apply/',
    may: ['plan-edge', 'plan-core', 'planfile', 'manifest', 'targets', 'target-port', 'rollout-model', 'rollout-edge', 'render', 'model', 'rules', 'util'],
    why: 'carries a plan out through the Target port: no CLI, no GitHub',
  },
  github: {
    path: '^src/github/',
    may: ['render', 'rollout-model', 'drift-core', 'model', 'util'],
    why: 'the pull-request comment and the rollout issue: no CLI, target, planner edge or manifest loader',
  },
  'cli-base': {
    path: '^src/cli/(actor|io)\\.ts$',
    may: ['model', 'util'],
    why: 'what the parsers share with the commands: who runs the command (the default --by), the streams interface',
  },
  'cli-arguments': {
    path: '^src/cli/(arguments/|args\\.ts$)',
    may: ['cli-base', 'render', 'github', 'rollout-model', 'plan-core', 'rules', 'model', 'util'],
    why: "a command's pure argument parser: no I/O of its own, no target, no manifest loader, no command",
  },
  'rollout-issue': {
    path: '^src/rollout/issue\\.ts$',
    may: ['rollout-edge', 'rollout-model', 'github', 'target-port', 'render', 'model', 'util'],
    why: "the rollout issue's workflows (publish, sync): the rollout edge and the GitHub adapter",
  },
  'drift-core': {
    path: '^src/drift/',
    pathNot: '^src/drift/run\\.ts$',
    may: ['rollout-model', 'plan-core', 'model', 'rules', 'util'],
    pure: true,
    why: 'drift findings: a pure comparison of what it is given',
  },
  'drift-edge': {
    path: '^src/drift/run\\.ts$',
    may: ['drift-core', 'plan-edge', 'plan-core', 'manifest', 'targets', 'target-port', 'rollout-edge', 'rollout-model', 'usages', 'model', 'rules', 'util'],
    why: 'the drift workflow: reads the manifests, the code and the target, then compares',
  },
  'studio-api': {
    path: '^src/studio/api\\.ts$',
    may: ['render', 'model', 'util'],
    pure: true,
    why: "the shapes the studio's server sends its page",
  },
  'studio-web': {
    path: '^src/studio/web/',
    may: ['studio-api', 'render'],
    why: "the studio's page, bundled for the browser: the API's shapes and browser libraries",
  },
  studio: {
    path: '^src/studio/',
    pathNot: '^src/studio/(web/|api\\.ts$)',
    may: ['studio-api', 'plan-edge', 'plan-core', 'rollout-edge', 'rollout-model', 'target-port', 'targets', 'manifest', 'render', 'model', 'rules', 'util'],
    why: 'the studio: a local web page over the same workflows and the Target port; no CLI, apply or GitHub',
  },
  library: {
    path: '^src/index\\.ts$',
    may: [
      'apply',
      'plan-edge',
      'plan-core',
      'planfile',
      'manifest',
      'targets',
      'target-port',
      'rollout-edge',
      'rollout-issue',
      'rollout-model',
      'drift-edge',
      'drift-core',
      'render',
      'model',
      'util',
    ],
    why: "the package's entry (docs/library.md): re-exports the workflows the CLI uses, nothing of the CLI",
  },
  cli: {
    path: '^src/cli/',
    pathNot: '^src/cli/(arguments/|args\\.ts$|actor\\.ts$|io\\.ts$)',
    may: ['*'],
    why: 'argv → one workflow → rendering → exit code',
  },
};

const names = Object.keys(UNITS);
for (const [name, unit] of Object.entries(UNITS)) {
  for (const m of unit.may) if (m !== '*' && !UNITS[m]) throw new Error(`.dependency-cruiser.cjs: unit ${name} may import ${m}, which is no unit`);
}
assertAcyclic();

/** Matches a module of the unit (path and pathNot in one expression). */
function modules(unit) {
  return unit.pathNot ? `^(?!${unit.pathNot.slice(1)})${unit.path.slice(1)}` : unit.path;
}
const allUnits = names.map((n) => modules(UNITS[n]));

/** No cycle between units: a unit may not (through others) import itself. */
function assertAcyclic() {
  const state = new Map();
  const visit = (name, trail) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') throw new Error(`.dependency-cruiser.cjs: the units form a cycle: ${[...trail, name].join(' → ')}`);
    state.set(name, 'open');
    for (const m of UNITS[name].may) if (m !== '*') visit(m, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of names) visit(name, []);
}

module.exports = {
  // Deny by default: a dependency that no rule here allows is an error (`not-in-allowed`).
  allowed: [
    ...names.map((name) => {
      const unit = UNITS[name];
      const to = unit.may.includes('*') ? allUnits : [modules(unit), ...unit.may.map((m) => modules(UNITS[m]))];
      return { comment: `${name}: ${unit.why}`, from: { path: modules(unit) }, to: { path: to } };
    }),
    {
      comment: 'Every unit may use libraries and Node (the pure ones minus I/O: pure-units-reach-no-io).',
      from: { path: allUnits },
      to: { pathNot: '^src/' },
    },
  ],
  allowedSeverity: 'error',
  forbidden: [
    {
      name: 'pure-units-reach-no-io',
      comment: `The pure units (${names.filter((n) => UNITS[n].pure).join(', ')}) reach no I/O module, not even through another module.`,
      severity: 'error',
      from: { path: names.filter((n) => UNITS[n].pure).map((n) => modules(UNITS[n])) },
      to: { path: IO, reachable: true },
    },
    {
      name: 'arguments-do-no-io',
      comment: "A command's argument parser opens no file, process or socket itself (what it may import may, e.g. github/context.ts for --pr).",
      severity: 'error',
      from: { path: modules(UNITS['cli-arguments']) },
      to: { path: IO },
    },
    {
      name: 'every-module-has-a-unit',
      comment: 'A module under src/ that no unit of .dependency-cruiser.cjs holds: give its folder a block in UNITS.',
      severity: 'error',
      from: { path: '^src/', pathNot: allUnits },
      to: {},
    },
    {
      name: 'no-orphan-folder',
      comment: 'A module under src/ that no unit holds, imported by another: give its folder a block in UNITS.',
      severity: 'error',
      from: {},
      to: { path: '^src/', pathNot: allUnits },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other cannot be understood (or tested) one at a time.',
      severity: 'error',
      from: {},
      // An interface file that names its implementations' types is no cycle at run time.
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
