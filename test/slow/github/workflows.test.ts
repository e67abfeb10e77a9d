/**
 * The GitHub Action (action.yml) and the workflows that use it (.github/workflows/, and the ones
 * `connectorops init` writes), which cannot run here: parsed with the `yaml` package, and checked
 * for what docs/github.md promises: inputs documented and used, triggers, permissions,
 * concurrency, the CLI commands and flags (against the built CLI's own help), and where secrets go.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { partMarker } from '../../../src/github/rollout-issue.js';
import { scaffoldFiles } from '../../../src/init/scaffold.js';
import { parseConfig } from '../../../src/manifest/config.js';
import { BIN, ensureBuilt, ROOT } from '../../support/dist.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'working-directory'?: string;
  'continue-on-error'?: unknown;
}
interface Job {
  if?: string;
  'runs-on': string;
  'timeout-minutes'?: number;
  environment?: string;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}
interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const DIR = join(ROOT, '.github/workflows');
const MANIFEST_PATHS = ['connectors/**', 'connections/**', 'connectorops.yaml'];
const SECRETS_MAP = '${{ toJSON(secrets) }}';
/** The commands the action runs (its `command` input). */
const ACTION_COMMANDS = ['plan', 'apply', 'comment', 'validate', 'rollout-issue', 'rollout-sync', 'drift'];

/** Strict: a duplicate key or a second document would be a silent mistake on GitHub's side. */
function parseStrict<T>(text: string): T {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  expect(docs).toHaveLength(1);
  expect(docs[0]!.errors).toEqual([]);
  return parse(text, { uniqueKeys: true }) as T;
}

const load = (name: string) => parseStrict<Workflow>(readFileSync(join(DIR, name), 'utf8'));
const action = parseStrict<Action>(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
const scaffolded = Object.fromEntries(
  scaffoldFiles({ action: 'acme/connectorops@v1.2.3', version: '1.2.3' })
    .filter((f) => f.path.startsWith('.github/workflows/'))
    .map((f) => [f.path.slice('.github/workflows/'.length), parseStrict<Workflow>(f.text)]),
);

const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const actionStep = (name: string) => {
  const found = action.runs.steps.filter((s) => s.name === name);
  expect(found, `the action's step '${name}'`).toHaveLength(1);
  return found[0]!;
};
/** The steps of a workflow that run the connectorops action (`./` here, OWNER/REPO@REF elsewhere). */
const actionUses = (w: Workflow) => steps(w).filter((s) => s.uses === './' || s.uses?.startsWith('acme/connectorops@'));

/** The `--flags` a command's help lists. */
const helpCache = new Map<string, string>();
function help(command: string): string {
  if (!helpCache.has(command)) {
    const r = spawnSync(process.execPath, [BIN, command, '--help'], { encoding: 'utf8' });
    expect(r.status, `connectorops ${command} --help`).toBe(0);
    helpCache.set(command, r.stdout);
  }
  return helpCache.get(command)!;
}

/**
 * Checks every `connectorops COMMAND [SUBCOMMAND] --flag` in a script against that command's own
 * `--help` (a subcommand's flags are in its command's help); returns how many calls it checked.
 */
function checkFlags(script: string): number {
  let calls = 0;
  for (const m of script.matchAll(/(?:^|[\s"/])connectorops (\w+)([^\n]*)/g)) {
    const [, command, rest] = m;
    if (command === 'init') continue;
    calls++;
    for (const flag of rest!.match(/--[a-z-]+/g) ?? []) expect(help(command!), `${command} ${flag}`).toContain(flag);
  }
  return calls;
}

/** The action's steps that run for `command` (their `if:` names it, or they run for every command). */
function actionStepsFor(command: string): Step[] {
  return action.runs.steps.filter((s) => {
    const named = [...(s.if ?? '').matchAll(/inputs\.command == '([\w-]+)'/g)].map((m) => m[1]);
    return named.length === 0 || named.includes(command);
  });
}

beforeAll(() => ensureBuilt());

describe('action.yml', () => {
  it('is a composite action whose every input and output is documented', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.description.length).toBeGreaterThan(20);
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description?.length, `input ${name}`).toBeGreaterThan(20);
    for (const [name, output] of Object.entries(action.outputs)) expect(output.description?.length, `output ${name}`).toBeGreaterThan(20);
    expect(action.inputs.command!.required).toBe(true);
  });

  it('runs connectorops on Node 24 unless told otherwise, and the workflows init writes do not tell it otherwise', () => {
    expect(action.inputs['node-version']!.default).toBe('24');
    expect(action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe('${{ inputs.node-version }}');
    for (const [file, w] of Object.entries(scaffolded)) {
      for (const job of Object.values(w.jobs)) {
        for (const step of job.steps) expect(step.with?.['node-version'], `${file}: a step's node-version`).toBeUndefined();
      }
    }
  });

  it('documents every input in docs/github.md, and uses every input it declares', () => {
    const docs = readFileSync(join(ROOT, 'docs/github.md'), 'utf8');
    const text = JSON.stringify(action.runs) + JSON.stringify(action.outputs);
    for (const name of Object.keys(action.inputs)) {
      expect(docs, `docs/github.md on input ${name}`).toMatch(new RegExp(`\\| \`${name}\` +\\|`));
      expect(text, `input ${name} used`).toContain(`inputs.${name}`);
    }
  });

  it('accepts exactly the commands it documents, and refuses any other', () => {
    const check = actionStep('Check the command');
    expect(check.run).toContain(`${ACTION_COMMANDS.join('|')}) ;;`);
    for (const c of ACTION_COMMANDS) expect(action.inputs.command!.description).toContain(`\`${c}\``);
    expect(check.run).toMatch(/\*\) echo "::error[^\n]*"; exit 1 ;;/);
  });

  it('installs connectorops from its own checkout, built and packed, never from the registry', () => {
    const install = actionStep("Install connectorops (from the action's checkout)");
    expect(install['working-directory']).toBe('${{ github.action_path }}');
    expect(install.run).toContain('npm ci ');
    expect(install.run).toContain('npm pack --ignore-scripts');
    expect(install.run).toMatch(/npm install --prefix "\$install" [^\n]*"\$RUNNER_TEMP\/\$tarball"/);
    expect(install.run).not.toMatch(/npm install[^\n]* connectorops|npx|npm exec/);
    expect(install.env ?? {}).not.toHaveProperty('CONNECTOROPS_SECRETS');
  });

  it('runs the CLI with flags it knows, and never interpolates an expression into a script', () => {
    let calls = 0;
    for (const s of action.runs.steps) {
      if (s.run === undefined) continue;
      expect(s.shell).toBe('bash');
      // Inputs reach scripts through env: only (no script injection from an input or an event).
      expect(s.run).not.toContain('${{');
      expect(s.run).not.toMatch(/npx|npm exec/);
      calls += checkFlags(s.run);
    }
    expect(calls).toBeGreaterThanOrEqual(4);
  });

  it('gives the secrets map to the steps that reach the target only, and the GitHub token to the steps that talk to GitHub only', () => {
    const rollout = ['Rollout issue', 'Rollout sync', 'Drift'];
    for (const s of action.runs.steps) {
      const env = s.env ?? {};
      if (['Plan', 'Apply', ...rollout].includes(s.name ?? '')) expect(env.CONNECTOROPS_SECRETS).toBe('${{ inputs.secrets }}');
      else expect(JSON.stringify(env)).not.toContain('inputs.secrets');
      if (['Comment on the pull request', ...rollout].includes(s.name ?? '')) expect(env.GITHUB_TOKEN).toBe('${{ inputs.github-token }}');
      else expect(env).not.toHaveProperty('GITHUB_TOKEN');
    }
  });

  it('plans a pull request scoped to its change, keeping exit 1 from stopping the upload and the comment', () => {
    const plan = actionStep('Plan');
    expect(plan.id).toBe('plan');
    expect(plan.run).toContain('scope=(--ref HEAD --base "$BASE_REF")');
    expect(plan.run).toContain('connectorops plan "${scope[@]}" --target "$TARGET" --out "$PLAN_FILE" --detailed-exitcode');
    expect(plan.env?.BASE_REF).toContain("format('origin/{0}', github.base_ref)");
    expect(plan.run).toMatch(/set \+e[\s\S]*code=\$\?[\s\S]*echo "exitcode=\$code" >> "\$GITHUB_OUTPUT"/);
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    const comment = actionStep('Comment on the pull request');
    for (const s of [upload, comment]) {
      expect(s.if).toContain('!cancelled()');
      expect(s.if).toContain("hashFiles(format('{0}/{1}', inputs.working-directory, inputs.plan-file)) != ''");
    }
    expect(comment.run).toBe('connectorops comment "$PLAN_FILE" --pr "$PR_NUMBER"');
    // A fork's read-only token cannot comment: that must not fail the job.
    expect(comment['continue-on-error']).toContain('github.event.pull_request.head.repo.full_name != github.repository');
    const fail = actionStep('Fail when the plan failed or is blocked');
    expect(fail.if).toContain("steps.plan.outputs.exitcode != '0' && steps.plan.outputs.exitcode != '2'");
    const order = ['Validate the manifests', 'Plan', 'Upload the plan', 'Comment on the pull request', 'Fail when the plan failed or is blocked'];
    const at = order.map((n) => action.runs.steps.findIndex((s) => s.name === n));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('applies with --auto-approve under the lock, waiting lock-timeout seconds for a held lock', () => {
    expect(actionStep('Apply').run).toBe('connectorops apply --auto-approve --target "$TARGET" --lock-timeout "$LOCK_TIMEOUT"');
  });

  it('pins the actions it uses to a major version', () => {
    for (const s of action.runs.steps) if (s.uses) expect(s.uses).toMatch(/^actions\/(setup-node|upload-artifact)@v4$/);
  });
});

describe('every workflow', () => {
  const files = readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const all: [string, Workflow][] = [
    ...files.map((f): [string, Workflow] => [f, load(f)]),
    ...Object.entries(scaffolded).map(([f, w]): [string, Workflow] => [`init: ${f}`, w]),
  ];

  it('is plan.yml, apply.yml, rollout.yml, drift.yml and ci.yml here; init writes connectorops-plan.yml, -apply.yml, -rollout.yml and -drift.yml', () => {
    expect(files).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'plan.yml', 'rollout.yml']);
    expect(Object.keys(scaffolded).sort()).toEqual(['connectorops-apply.yml', 'connectorops-drift.yml', 'connectorops-plan.yml', 'connectorops-rollout.yml']);
  });

  it.each([
    ['plan.yml', 'connectorops-plan.yml'],
    ['apply.yml', 'connectorops-apply.yml'],
    ['rollout.yml', 'connectorops-rollout.yml'],
    ['drift.yml', 'connectorops-drift.yml'],
  ])('init writes %s as %s: the same workflow, with the pinned action for ./', (here, written) => {
    const pinned = JSON.parse(JSON.stringify(load(here)).replaceAll('"uses":"./"', '"uses":"acme/connectorops@v1.2.3"')) as Workflow;
    expect(scaffolded[written]).toEqual(pinned);
  });

  it.each(all)('%s: parses, pins actions, has a timeout', (_file, w) => {
    for (const job of Object.values(w.jobs)) {
      expect(job['runs-on']).toBe('ubuntu-latest');
      expect(job['timeout-minutes']).toBeGreaterThan(0);
    }
    for (const s of steps(w)) if (s.uses) expect(s.uses).toMatch(/^(actions\/(checkout|setup-node)@v4|\.\/|acme\/connectorops@v1\.2\.3)$/);
  });

  it.each(all)('%s: secrets only as the map given to the action; never in a command line or at job level', (_file, w) => {
    for (const job of Object.values(w.jobs)) expect(JSON.stringify(job.env ?? {})).not.toContain('secrets');
    for (const s of steps(w)) {
      expect(s.run ?? '').not.toMatch(/secrets|\$\{\{/);
      expect(JSON.stringify(s.env ?? {})).not.toContain('secrets');
      for (const [key, value] of Object.entries(s.with ?? {})) {
        if (String(value).includes('secrets')) expect([key, value]).toEqual(['secrets', SECRETS_MAP]);
      }
    }
  });

  it.each(all)('%s: gives the action only inputs it declares, and a command it runs', (_file, w) => {
    for (const s of actionUses(w)) {
      for (const key of Object.keys(s.with ?? {})) expect(Object.keys(action.inputs), key).toContain(key);
      expect(ACTION_COMMANDS).toContain(s.with?.command);
    }
  });

  // The flags check, through the action: what a workflow's `command:` makes the action run, and any
  // `connectorops` a workflow runs itself, passes only flags the CLI's --help lists.
  it.each(all)('%s: runs connectorops, through the action or itself, with flags the CLI knows', (_file, w) => {
    let calls = 0;
    for (const s of actionUses(w)) for (const step of actionStepsFor(String(s.with?.command))) calls += checkFlags(step.run ?? '');
    for (const s of steps(w)) calls += checkFlags(s.run ?? '');
    expect(calls > 0 || w.name === 'ci').toBe(true);
  });
});

describe.each([
  ['plan.yml', load('plan.yml')],
  ['init: connectorops-plan.yml', scaffolded['connectorops-plan.yml']!],
])('%s', (_file, w) => {
  it('runs on pull requests that touch the manifests, the config or Deluge code (usages)', () => {
    expect(w.on).toEqual({ pull_request: { paths: [...MANIFEST_PATHS, '**/*.ds', '**/*.dg', '**/*.deluge'] } });
  });

  it('may read the code and write the comment, nothing more', () => {
    expect(w.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('cancels the running plan of the same pull request on a new push', () => {
    expect(w.concurrency).toEqual({ group: 'plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
  });

  it('checks out with history (for --base), then plans production through the action with the secrets map', () => {
    const all = steps(w);
    expect(all[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    expect(actionUses(w)).toHaveLength(1);
    expect(actionUses(w)[0]!.with).toEqual({ command: 'plan', target: 'production', secrets: SECRETS_MAP });
  });
});

describe.each([
  ['apply.yml', load('apply.yml')],
  ['init: connectorops-apply.yml', scaffolded['connectorops-apply.yml']!],
])('%s', (_file, w) => {
  it('runs on a push to main that touches the manifests, and by hand', () => {
    expect(w.on).toEqual({ push: { branches: ['main'], paths: MANIFEST_PATHS }, workflow_dispatch: null });
  });

  it('never cancels an apply midway, and never runs two at once', () => {
    expect(w.concurrency).toEqual({ group: 'apply-production', 'cancel-in-progress': false });
  });

  it('reads the repository and writes the rollout issue, nothing more, in the production environment', () => {
    expect(w.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(Object.values(w.jobs)[0]!.environment).toBe('production');
  });

  it('applies production through the action, waiting up to 600 s for a held lock, with the secrets map, then opens the rollout issue', () => {
    const uses = actionUses(w);
    expect(uses[0]!.with).toEqual({ command: 'apply', target: 'production', 'lock-timeout': 600, secrets: SECRETS_MAP });
    // A ledger target: apply opened a rollout, whose issue comes next (a simulated target has none).
    expect(uses.slice(1).map((u) => u.with)).toEqual([{ command: 'rollout-issue', target: 'production', secrets: SECRETS_MAP }]);
  });
});

describe.each([
  ['rollout.yml', load('rollout.yml')],
  ['init: connectorops-rollout.yml', scaffolded['connectorops-rollout.yml']!],
])('%s', (_file, w) => {
  const job = (name: string) => w.jobs[name]!;

  it('runs when an issue or one of its comments is edited, and by hand; one at a time, never cancelled', () => {
    expect(w.on).toEqual({ issues: { types: ['edited'] }, issue_comment: { types: ['edited'] }, workflow_dispatch: null });
    expect(w.concurrency).toEqual({ group: 'rollout-production', 'cancel-in-progress': false });
    expect(w.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(Object.keys(w.jobs)).toEqual(['sync', 'issue']);
    for (const j of Object.values(w.jobs)) expect(j.environment).toBe('production');
  });

  it('syncs only on an edit of a labelled rollout issue, or of one of its continuation comments (marked), never a pull request', () => {
    const condition = job('sync').if!;
    expect(condition).toMatch(/^\$\{\{ .* \}\}$/s);
    for (const part of [
      "github.event_name != 'workflow_dispatch'",
      '!github.event.issue.pull_request',
      "contains(github.event.issue.labels.*.name, 'connectorops-rollout')",
      // The marker of a continuation comment (rollout-issue.ts partMarker) starts so; any other comment's edit is ignored.
      "(github.event_name == 'issues' || startsWith(github.event.comment.body, '<!-- connectorops:rollout '))",
    ]) {
      expect(condition.replace(/\s+/g, ' ')).toContain(part);
    }
    expect(partMarker('production', 'r-1', 2).startsWith('<!-- connectorops:rollout ')).toBe(true);
    expect(job('issue').if).toBe("${{ github.event_name == 'workflow_dispatch' }}");
  });

  it('syncs as the actor through the action, with the secrets map (a step may record a fingerprint)', () => {
    const sync = job('sync').steps.filter((s) => s.uses === './' || s.uses?.startsWith('acme/connectorops@'));
    expect(sync.map((s) => s.with)).toEqual([
      {
        command: 'rollout-sync',
        target: 'production',
        issue: '${{ github.event.issue.number }}',
        actor: '${{ github.actor }}',
        secrets: SECRETS_MAP,
      },
    ]);
  });

  it('by hand, creates or updates the open rollout issue through the action', () => {
    const issue = job('issue').steps.filter((s) => s.uses === './' || s.uses?.startsWith('acme/connectorops@'));
    expect(issue.map((s) => s.with)).toEqual([{ command: 'rollout-issue', target: 'production', secrets: SECRETS_MAP }]);
  });
});

describe.each([
  ['drift.yml', load('drift.yml')],
  ['init: connectorops-drift.yml', scaffolded['connectorops-drift.yml']!],
])('%s', (_file, w) => {
  it('runs on a daily schedule and by hand, one at a time, never cancelled', () => {
    expect(Object.keys(w.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const schedule = w.on.schedule as Array<{ cron: string }>;
    expect(schedule).toHaveLength(1);
    // minute hour * * *: once a day.
    expect(schedule[0]!.cron).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
    expect(w.concurrency).toEqual({ group: 'drift-production', 'cancel-in-progress': false });
  });

  it('may read the code and write issues, nothing more', () => {
    expect(w.permissions).toEqual({ contents: 'read', issues: 'write' });
  });

  it('checks production through the action with the secrets map (the target URL is a secret)', () => {
    expect(actionUses(w).map((s) => s.with)).toEqual([{ command: 'drift', target: 'production', secrets: SECRETS_MAP }]);
    expect(steps(w)[0]).toEqual({ uses: 'actions/checkout@v4' });
  });
});

describe("the action's drift step", () => {
  it('keeps the drift issue of this repository, writes the findings to the job summary, and fails the job on an error only', () => {
    const drift = actionStep('Drift');
    expect(drift.run).toContain('connectorops drift --target "$TARGET" --repo "$GITHUB_REPOSITORY" --stale-after "$STALE_AFTER" --format markdown');
    expect(drift.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(drift.run).toMatch(/2\) echo "Drift found[^\n]*;;/);
    expect(drift.run).toMatch(/\*\) echo "::error[^\n]*exit 1 ;;/);
    expect(drift.env?.STALE_AFTER).toBe('${{ inputs.stale-after }}');
  });
});

describe('ci.yml', () => {
  const w = load('ci.yml');

  it('runs .ci/run on pushes to main and on pull requests, on Node 20 with the npm cache', () => {
    expect(Object.keys(w.on).sort()).toEqual(['pull_request', 'push']);
    expect(w.permissions).toEqual({ contents: 'read' });
    expect(steps(w).find((s) => s.uses?.startsWith('actions/setup-node@'))?.with).toEqual({ 'node-version': 20, cache: 'npm' });
    expect(steps(w).find((s) => s.run !== undefined)?.run).toBe('bash .ci/run');
  });
});

describe('connectorops.yaml', () => {
  it('names production, a PostgreSQL target whose URL the workflows take from a secret', () => {
    const config = parseConfig('connectorops.yaml', readFileSync(join(ROOT, 'connectorops.yaml'), 'utf8'));
    expect(config.errors).toEqual([]);
    expect(config.config.targets.production).toEqual({ url: { fromEnv: 'PRODUCTION_TARGET_URL' } });
  });
});
