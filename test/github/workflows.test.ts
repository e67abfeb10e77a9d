/**
 * The GitHub workflows (.github/workflows/), which cannot run here: parsed with the `yaml`
 * package, and checked for what docs/github.md promises: triggers, permissions, concurrency, the
 * CLI commands and flags (against the built CLI's own help), and where secrets go.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { BIN, ensureBuilt, ROOT } from '../support/dist.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'continue-on-error'?: unknown;
}
interface Job {
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

const DIR = join(ROOT, '.github/workflows');
const MANIFEST_PATHS = ['connectors/**', 'connections/**', 'connectorops.yaml'];

function load(name: string): Workflow {
  const text = readFileSync(join(DIR, name), 'utf8');
  // Strict: a duplicate key or a second document would be a silent mistake on GitHub's side.
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  expect(docs).toHaveLength(1);
  expect(docs[0]!.errors).toEqual([]);
  return parse(text, { uniqueKeys: true }) as Workflow;
}

const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const stepRunning = (w: Workflow, pattern: RegExp) => {
  const found = steps(w).filter((s) => s.run !== undefined && pattern.test(s.run));
  expect(found, `a step running ${pattern}`).toHaveLength(1);
  return found[0]!;
};

/** Every `fromEnv` the repository's connectors name: the workflows must pass each one. */
function manifestSecrets(): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'fromEnv' && typeof v === 'string') names.add(v);
        else walk(v);
      }
    }
  };
  for (const file of readdirSync(join(ROOT, 'connectors'), { recursive: true, encoding: 'utf8' })) {
    if (!/\.ya?ml$/.test(file)) continue;
    for (const doc of parseAllDocuments(readFileSync(join(ROOT, 'connectors', file), 'utf8'))) walk(doc.toJS());
  }
  return [...names].sort();
}

/** The `--flags` a command's help lists. */
const helpCache = new Map<string, string>();
function help(command: string): string {
  if (!helpCache.has(command)) {
    const r = spawnSync(process.execPath, [BIN, command, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    helpCache.set(command, r.stdout);
  }
  return helpCache.get(command)!;
}

beforeAll(() => ensureBuilt());

describe('every workflow', () => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

  it('is plan.yml, apply.yml, rollout.yml and ci.yml', () => {
    expect(files).toEqual(['apply.yml', 'ci.yml', 'plan.yml', 'rollout.yml']);
  });

  it.each(files)('%s: parses, pins actions to a major version, runs Node 20 with the npm cache, has a timeout', (file) => {
    const w = load(file);
    for (const job of Object.values(w.jobs)) {
      expect(job['runs-on']).toBe('ubuntu-latest');
      expect(job['timeout-minutes']).toBeGreaterThan(0);
      const setup = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
      expect(setup?.with).toEqual({ 'node-version': 20, cache: 'npm' });
    }
    for (const s of steps(w)) if (s.uses) expect(s.uses).toMatch(/^actions\/(checkout|setup-node|upload-artifact)@v4$/);
  });

  it.each(files)('%s: secrets only in env:, never in a command line, never at job level', (file) => {
    const w = load(file);
    for (const job of Object.values(w.jobs)) expect(JSON.stringify(job.env ?? {})).not.toContain('secrets.');
    for (const s of steps(w)) {
      expect(s.run ?? '').not.toMatch(/secrets\.|\$\{\{/);
      for (const [name, value] of Object.entries(s.env ?? {})) {
        if (value.includes('secrets.')) expect(value).toBe(`\${{ secrets.${name} }}`);
      }
    }
  });

  it.each(files)('%s: runs the CLI as node bin/connectorops.js, with flags the CLI knows', (file) => {
    const w = load(file);
    for (const s of steps(w)) {
      const run = s.run ?? '';
      expect(run).not.toMatch(/npx|npm exec|\bconnectorops (?!plan|apply|comment|validate)/);
      for (const m of run.matchAll(/node bin\/connectorops\.js (\w+)([^\n]*)/g)) {
        const [, command, rest] = m;
        for (const flag of rest!.match(/--[a-z-]+/g) ?? []) expect(help(command!), `${command} ${flag}`).toContain(flag);
      }
    }
  });
});

describe('plan.yml', () => {
  const w = load('plan.yml');

  it('runs on pull requests that touch the manifests or the config', () => {
    expect(w.on).toEqual({ pull_request: { paths: MANIFEST_PATHS } });
  });

  it('may read the code and write the comment, nothing more', () => {
    expect(w.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('cancels the running plan of the same pull request on a new push', () => {
    expect(w.concurrency).toEqual({ group: 'plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
  });

  it('checks out with history (for --base), installs, validates, plans, uploads, comments, then fails if the plan did', () => {
    const all = steps(w);
    expect(all[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    const order = ['npm ci', 'connectorops.js validate', 'connectorops.js plan', 'upload-artifact', 'connectorops.js comment', 'exit 1'];
    const at = order.map((needle) => all.findIndex((s) => (s.run ?? s.uses ?? '').includes(needle)));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('plans the pull request against production, scoped to its change, keeping exit 1 from stopping the comment', () => {
    const plan = stepRunning(w, /connectorops\.js plan/);
    expect(plan.id).toBe('plan');
    expect(plan.run).toContain('node bin/connectorops.js plan --ref HEAD --base "origin/$BASE_REF" --target production --out plan.json --detailed-exitcode');
    expect(plan.env?.BASE_REF).toBe('${{ github.base_ref }}');
    expect(plan.run).toMatch(/set \+e[\s\S]*code=\$\?[\s\S]*echo "exitcode=\$code" >> "\$GITHUB_OUTPUT"/);
    expect(plan.run).toMatch(/\n\s*2\) echo "The plan has changes\." ;;/);
  });

  it('uploads the plan and comments whenever a plan file exists, even after a failed or blocked plan', () => {
    const upload = steps(w).find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({ name: 'connectorops-plan', path: 'plan.json' });
    const comment = stepRunning(w, /connectorops\.js comment/);
    for (const s of [upload, comment]) expect(s.if).toBe("${{ !cancelled() && hashFiles('plan.json') != '' }}");
    expect(comment.run).toBe('node bin/connectorops.js comment plan.json --pr "$PR_NUMBER"');
    expect(comment.env).toEqual({ GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}', PR_NUMBER: '${{ github.event.pull_request.number }}' });
    // A fork's read-only token cannot comment: that must not fail the job.
    expect(comment['continue-on-error']).toBe('${{ github.event.pull_request.head.repo.full_name != github.repository }}');
    const fail = stepRunning(w, /exit 1/);
    expect(fail.if).toBe("${{ !cancelled() && steps.plan.outputs.exitcode != '0' && steps.plan.outputs.exitcode != '2' }}");
  });

  it('gives the plan step the target token and every secret the manifests name, and no other step any secret', () => {
    const plan = stepRunning(w, /connectorops\.js plan/);
    const secrets = Object.keys(plan.env ?? {}).filter((k) => plan.env![k]!.includes('secrets.')).sort();
    expect(secrets).toEqual(['CONNECTOROPS_TOKEN', ...manifestSecrets()].sort());
    for (const s of steps(w)) {
      if (s === plan) continue;
      const names = Object.entries(s.env ?? {}).filter(([, v]) => v.includes('secrets.')).map(([k]) => k);
      expect(names.filter((n) => n !== 'GITHUB_TOKEN')).toEqual([]);
    }
  });
});

describe('apply.yml', () => {
  const w = load('apply.yml');

  it('runs on a push to main that touches the manifests, and by hand', () => {
    expect(w.on).toEqual({ push: { branches: ['main'], paths: MANIFEST_PATHS }, workflow_dispatch: null });
  });

  it('never cancels an apply midway, and never runs two at once', () => {
    expect(w.concurrency).toEqual({ group: 'apply-production', 'cancel-in-progress': false });
  });

  it('only reads the repository (and writes the rollout issue), in the production environment', () => {
    expect(w.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(Object.values(w.jobs)[0]!.environment).toBe('production');
  });

  it('creates or updates the rollout issue when production is a ledger with an open rollout', () => {
    const step = stepRunning(w, /connectorops\.js rollout issue/);
    expect(step.run).toContain('if node bin/connectorops.js rollout --target production > /dev/null; then');
    expect(Object.keys(step.env ?? {}).sort()).toEqual(['CONNECTOROPS_TOKEN', 'GITHUB_TOKEN']);
  });

  it('applies with --auto-approve under the lock, waiting for a held lock, with every secret', () => {
    const apply = stepRunning(w, /connectorops\.js apply/);
    expect(apply.run).toBe('node bin/connectorops.js apply --auto-approve --target production --lock-timeout 600');
    const secrets = Object.keys(apply.env ?? {}).sort();
    expect(secrets).toEqual(['CONNECTOROPS_TOKEN', ...manifestSecrets()].sort());
  });
});

describe('rollout.yml', () => {
  const w = load('rollout.yml');

  it('runs when a labelled rollout issue is edited, one sync at a time, never cancelled', () => {
    expect(w.on).toEqual({ issues: { types: ['edited'] } });
    expect((Object.values(w.jobs)[0] as Job & { if?: string }).if).toBe("contains(github.event.issue.labels.*.name, 'connectorops-rollout')");
    expect(w.concurrency).toEqual({ group: 'rollout-production', 'cancel-in-progress': false });
    expect(w.permissions).toEqual({ contents: 'read', issues: 'write' });
  });

  it('syncs as the actor, with the target token, the GitHub token and every secret (a step may record a fingerprint)', () => {
    const sync = stepRunning(w, /connectorops\.js rollout sync/);
    expect(sync.run).toBe('node bin/connectorops.js rollout sync --target production --issue "$ISSUE" --actor "$ACTOR"');
    expect(sync.env?.ISSUE).toBe('${{ github.event.issue.number }}');
    expect(sync.env?.ACTOR).toBe('${{ github.actor }}');
    const secrets = Object.keys(sync.env ?? {}).filter((k) => sync.env![k]!.includes('secrets.')).sort();
    expect(secrets).toEqual(['CONNECTOROPS_TOKEN', 'GITHUB_TOKEN', ...manifestSecrets()].sort());
  });
});

describe('ci.yml', () => {
  const w = load('ci.yml');

  it('runs .ci/run on pushes to main and on pull requests', () => {
    expect(Object.keys(w.on).sort()).toEqual(['pull_request', 'push']);
    expect(w.permissions).toEqual({ contents: 'read' });
    expect(stepRunning(w, /\.ci\/run/).run).toBe('bash .ci/run');
  });
});
