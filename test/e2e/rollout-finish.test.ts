/**
 * A rollout a person can finish (issue 24), through the real CLI on the example repository of
 * this project (its connectors/, connections/ and connectorops.yaml, copied to a temp folder):
 * the whole rollout walked to the end on a ledger closes with an empty re-plan; a connection that
 * cannot be authorized gets no step; an abandoned rollout's re-authorizations come back; a step is
 * not recorded with another secret than the plan's.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useExampleRepository } from '../support/example-cli.js';

const SECRETS = { CRM_CLIENT_SECRET: 'crm-s3cret-ONE', BILLING_CLIENT_SECRET: 'billing-s3cret-ONE', LEGACY_ERP_CONSUMER_SECRET: 'erp-s3cret-ONE' };
const ENV: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1', USER: 'ops-runner', ...SECRETS };

const { dir, cli, ok } = useExampleRepository('connectorops-rollout-finish-', ENV);

interface PlanJson {
  actions: Array<{ id: string; op: string; linkName: string }>;
  needsAuthorization: string[];
  authorizationsNeeded: Array<{ connection: string; environment: string }>;
  warnings?: Array<{ code: string; linkName?: string; message: string }>;
}
interface NextJson {
  steps: Array<{ id: string; kind: string; connection?: string; environment?: string }>;
}

const T = ['--target', 'local:ex.db'];
const plan = (env: NodeJS.ProcessEnv = ENV): PlanJson => JSON.parse(ok(['plan', ...T, '--json'], env).stdout) as PlanJson;
const next = (): NextJson => JSON.parse(ok(['rollout', 'next', ...T, '--format', 'json']).stdout) as NextJson;

/** Records every step `rollout next` offers, in order, until the rollout closes. */
function finishRollout(env: NodeJS.ProcessEnv = ENV): string[] {
  const recorded: string[] = [];
  for (let round = 0; round < 50; round++) {
    const status = cli(['rollout', ...T], env);
    if (!status.stdout.includes('→')) break;
    const ready = next().steps;
    expect(ready.length).toBeGreaterThan(0);
    for (const step of ready) {
      ok(['rollout', 'done', step.id, ...T, '--by', 'Dana'], env);
      recorded.push(step.id);
    }
  }
  return recorded;
}

describe('the example repository on a ledger', () => {
  it('rolls out to the end: the disabled connection gets no authorize step, the rollout closes, the re-plan is empty', () => {
    ok(['target', 'init', ...T, '--mode', 'ledger', '--account', 'X']);
    const first = plan();
    // legacy_erp_sync stays disabled with its connector: it cannot be authorized (R11).
    expect(first.needsAuthorization).not.toContain('legacy_erp_sync');
    expect(first.needsAuthorization).toContain('crm_sales');
    expect(first.warnings?.find((w) => w.code === 'authorize-once-enabled')?.linkName).toBe('legacy_erp_sync');
    const text = ok(['plan', ...T]).stdout;
    expect(text).toMatch(/legacy_erp_sync.*will need authorization once enabled/);

    ok(['apply', ...T, '--auto-approve']);
    const recorded = finishRollout();
    expect(recorded.length).toBeGreaterThan(0);
    const log = ok(['rollout', 'log', ...T]).stdout;
    expect(log).toContain('closed: every step done');
    expect(ok(['rollout', 'log', ...T]).stdout).not.toMatch(/legacy_erp_sync.*authoriz/);

    const again = plan();
    expect(again.actions).toEqual([]);
    expect(again.needsAuthorization).toEqual([]);
    expect(ok(['plan', ...T]).stdout).toContain('No changes.');
  }, 300_000);

  it('after an abandoned rollout, the next plan and rollout ask again for the authorizations it owed', () => {
    ok(['target', 'init', ...T, '--mode', 'ledger', '--account', 'X']);
    ok(['apply', ...T, '--auto-approve']);
    finishRollout();
    // Rotate the CRM's client secret: an update that revokes both CRM connections (R5).
    const rotated = { ...ENV, CRM_CLIENT_SECRET: 'crm-s3cret-TWO' };
    ok(['apply', ...T, '--auto-approve'], rotated);
    const steps = next().steps;
    const update = steps.find((s) => s.kind === 'action')!;
    ok(['rollout', 'done', update.id, ...T], rotated);
    ok(['rollout', 'abandon', ...T]);

    const after = plan(rotated);
    expect(after.actions).toEqual([]);
    expect(after.needsAuthorization).toEqual(['crm_sales', 'crm_support']);
    expect(ok(['plan', ...T], rotated).stdout).toMatch(/crm_sales/);

    // The next apply opens a rollout with their steps, and finishing it leaves nothing to do.
    ok(['apply', ...T, '--auto-approve'], rotated);
    const owed = next().steps;
    // crm_support has one authorization per environment (issue 19): one step for each.
    expect(owed.map((s) => `${s.kind} ${s.connection} ${s.environment}`)).toEqual([
      'authorize crm_sales all',
      'authorize crm_support development',
      'authorize crm_support stage',
      'authorize crm_support production',
    ]);
    finishRollout(rotated);
    expect(plan(rotated)).toMatchObject({ actions: [], needsAuthorization: [] });
  }, 300_000);

  it('rollout done refuses a step whose secret is not the plan’s, naming the variable and never the value', () => {
    ok(['target', 'init', ...T, '--mode', 'ledger', '--account', 'X']);
    ok(['apply', ...T, '--auto-approve']);
    finishRollout();
    const rotated = { ...ENV, CRM_CLIENT_SECRET: 'crm-s3cret-TWO' };
    ok(['apply', ...T, '--auto-approve'], rotated);
    const update = next().steps.find((s) => s.kind === 'action')!;

    const wrong = cli(['rollout', 'done', update.id, ...T], { ...ENV, CRM_CLIENT_SECRET: 'wrong-value-9' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('CRM_CLIENT_SECRET');
    expect(wrong.stderr).toContain('nothing was recorded');
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-value-9');
    expect(wrong.stdout + wrong.stderr).not.toContain('crm-s3cret-TWO');
    // Nothing was recorded: the step is still ready, and the plan's value is accepted.
    expect(next().steps.map((s) => s.id)).toContain(update.id);

    // walk goes through the same check: the step fails, says why, and the person may stop.
    const walk = cli(['rollout', 'walk', ...T], { ...ENV, CRM_CLIENT_SECRET: 'wrong-value-9' }, 'd\nq\n');
    expect(walk.stdout + walk.stderr).toContain('CRM_CLIENT_SECRET');
    expect(walk.stdout + walk.stderr).not.toContain('wrong-value-9');
    expect(next().steps.map((s) => s.id)).toContain(update.id);

    ok(['rollout', 'done', update.id, ...T], rotated);
  }, 300_000);
});

describe('the example repository on a simulated target', () => {
  it('does not list a connection that cannot be authorized, and lists those left unauthorized by an earlier apply', () => {
    ok(['apply', ...T, '--auto-approve']);
    const after = plan();
    expect(after.actions).toEqual([]);
    expect(after.needsAuthorization).not.toContain('legacy_erp_sync');
    // One authorization per environment where the manifests ask for it (crm_support, issue 19).
    for (const need of after.authorizationsNeeded) {
      const where = need.environment === 'all' ? [] : ['--environment', need.environment];
      ok(['target', 'authorize', need.connection, '--account', 'alice', ...where, ...T]);
    }
    expect(plan().needsAuthorization).toEqual([]);
    const refused = cli(['target', 'authorize', 'legacy_erp_sync', '--account', 'alice', ...T]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('R11');

    // A rotated secret revokes the CRM's connections; they stay listed until authorized again.
    const rotated = { ...ENV, CRM_CLIENT_SECRET: 'crm-s3cret-TWO' };
    ok(['apply', ...T, '--auto-approve'], rotated);
    expect(plan(rotated).needsAuthorization).toEqual(['crm_sales', 'crm_support']);
    expect(existsSync(join(dir(), 'ex.db'))).toBe(true);
  }, 300_000);
});
