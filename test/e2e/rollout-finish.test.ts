/**
 * A rollout a person can finish (issue 24), through the CLI (in-process) on the example repository of
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
const plan = async (env: NodeJS.ProcessEnv = ENV): Promise<PlanJson> => JSON.parse((await ok(['plan', ...T, '--json'], env)).stdout) as PlanJson;
const next = async (): Promise<NextJson> => JSON.parse((await ok(['rollout', 'next', ...T, '--format', 'json'])).stdout) as NextJson;

/** Records every step `rollout next` offers, in order, until the rollout closes. */
async function finishRollout(env: NodeJS.ProcessEnv = ENV): Promise<string[]> {
  const recorded: string[] = [];
  for (let round = 0; round < 50; round++) {
    const status = await cli(['rollout', ...T], env);
    if (!status.stdout.includes('→')) break;
    const ready = (await next()).steps;
    expect(ready.length).toBeGreaterThan(0);
    for (const step of ready) {
      await ok(['rollout', 'done', step.id, ...T, '--by', 'Dana'], env);
      recorded.push(step.id);
    }
  }
  return recorded;
}

describe('the example repository on a ledger', () => {
  it('rolls out to the end: the disabled connection gets no authorize step, the rollout closes, the re-plan is empty', async () => {
    await ok(['target', 'init', ...T, '--mode', 'ledger', '--account', 'X']);
    const first = await plan();
    // legacy_erp_sync stays disabled with its connector: it cannot be authorized (R11).
    expect(first.needsAuthorization).not.toContain('legacy_erp_sync');
    expect(first.needsAuthorization).toContain('crm_sales');
    expect(first.warnings?.find((w) => w.code === 'authorize-once-enabled')?.linkName).toBe('legacy_erp_sync');
    const text = (await ok(['plan', ...T])).stdout;
    expect(text).toMatch(/legacy_erp_sync.*will need authorization once enabled/);

    await ok(['apply', ...T, '--auto-approve']);
    const recorded = await finishRollout();
    expect(recorded.length).toBeGreaterThan(0);
    const log = (await ok(['rollout', 'log', ...T])).stdout;
    expect(log).toContain('closed: every step done');
    expect((await ok(['rollout', 'log', ...T])).stdout).not.toMatch(/legacy_erp_sync.*authoriz/);

    const again = await plan();
    expect(again.actions).toEqual([]);
    expect(again.needsAuthorization).toEqual([]);
    expect((await ok(['plan', ...T])).stdout).toContain('No changes.');
  }, 300_000);

  it('after an abandoned rollout, the next plan and rollout ask again for the authorizations it owed', async () => {
    await ok(['target', 'init', ...T, '--mode', 'ledger', '--account', 'X']);
    await ok(['apply', ...T, '--auto-approve']);
    await finishRollout();
    // Rotate the CRM's client secret: an update that revokes both CRM connections (R5).
    const rotated = { ...ENV, CRM_CLIENT_SECRET: 'crm-s3cret-TWO' };
    await ok(['apply', ...T, '--auto-approve'], rotated);
    const steps = (await next()).steps;
    const update = steps.find((s) => s.kind === 'action')!;
    await ok(['rollout', 'done', update.id, ...T], rotated);
    await ok(['rollout', 'abandon', ...T]);

    const after = await plan(rotated);
    expect(after.actions).toEqual([]);
    expect(after.needsAuthorization).toEqual(['crm_sales', 'crm_support']);
    expect((await ok(['plan', ...T], rotated)).stdout).toMatch(/crm_sales/);

    // The next apply opens a rollout with their steps, and finishing it leaves nothing to do.
    await ok(['apply', ...T, '--auto-approve'], rotated);
    const owed = (await next()).steps;
    // crm_support has one authorization per environment (issue 19): one step for each.
    expect(owed.map((s) => `${s.kind} ${s.connection} ${s.environment}`)).toEqual([
      'authorize crm_sales all',
      'authorize crm_support development',
      'authorize crm_support stage',
      'authorize crm_support production',
    ]);
    await finishRollout(rotated);
    expect(await plan(rotated)).toMatchObject({ actions: [], needsAuthorization: [] });
  }, 300_000);

  it('rollout done refuses a step whose secret is not the plan’s, naming the variable and never the value', async () => {
    await ok(['target', 'init', ...T, '--mode', 'ledger', '--account', 'X']);
    await ok(['apply', ...T, '--auto-approve']);
    await finishRollout();
    const rotated = { ...ENV, CRM_CLIENT_SECRET: 'crm-s3cret-TWO' };
    await ok(['apply', ...T, '--auto-approve'], rotated);
    const update = (await next()).steps.find((s) => s.kind === 'action')!;

    const wrong = await cli(['rollout', 'done', update.id, ...T], { ...ENV, CRM_CLIENT_SECRET: 'wrong-value-9' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('CRM_CLIENT_SECRET');
    expect(wrong.stderr).toContain('nothing was recorded');
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-value-9');
    expect(wrong.stdout + wrong.stderr).not.toContain('crm-s3cret-TWO');
    // Nothing was recorded: the step is still ready, and the plan's value is accepted.
    expect((await next()).steps.map((s) => s.id)).toContain(update.id);

    // walk goes through the same check: the step fails, says why, and the person may stop.
    const walk = await cli(['rollout', 'walk', ...T], { ...ENV, CRM_CLIENT_SECRET: 'wrong-value-9' }, 'd\nq\n');
    expect(walk.stdout + walk.stderr).toContain('CRM_CLIENT_SECRET');
    expect(walk.stdout + walk.stderr).not.toContain('wrong-value-9');
    expect((await next()).steps.map((s) => s.id)).toContain(update.id);

    await ok(['rollout', 'done', update.id, ...T], rotated);
  }, 300_000);
});

describe('the example repository on a simulated target', () => {
  it('does not list a connection that cannot be authorized, and lists those left unauthorized by an earlier apply', async () => {
    await ok(['apply', ...T, '--auto-approve']);
    const after = await plan();
    expect(after.actions).toEqual([]);
    expect(after.needsAuthorization).not.toContain('legacy_erp_sync');
    // One authorization per environment where the manifests ask for it (crm_support, issue 19).
    for (const need of after.authorizationsNeeded) {
      const where = need.environment === 'all' ? [] : ['--environment', need.environment];
      await ok(['target', 'authorize', need.connection, '--account', 'alice', ...where, ...T]);
    }
    expect((await plan()).needsAuthorization).toEqual([]);
    const refused = await cli(['target', 'authorize', 'legacy_erp_sync', '--account', 'alice', ...T]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('R11');

    // A rotated secret revokes the CRM's connections; they stay listed until authorized again.
    const rotated = { ...ENV, CRM_CLIENT_SECRET: 'crm-s3cret-TWO' };
    await ok(['apply', ...T, '--auto-approve'], rotated);
    expect((await plan(rotated)).needsAuthorization).toEqual(['crm_sales', 'crm_support']);
    expect(existsSync(join(dir(), 'ex.db'))).toBe(true);
  }, 300_000);
});
