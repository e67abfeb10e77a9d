/**
 * The rollout's pure core (src/rollout): the steps a plan makes, where each stands, what a `done`
 * request may record, the state the rollout will reach; and, on a real local target, a step that
 * breaks a rule (the ledger and Creator diverged) refused with the rule and the hint.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TargetError, UserError } from '../../src/errors.js';
import type { Plan } from '../../src/model/plan.js';
import { makePlan } from '../../src/plan/core.js';
import { checkDoneRequest, readySteps, rolloutFrom, rolloutSteps, statusOf, type Rollout } from '../../src/rollout/model.js';
import { openRolloutFor, recordDone } from '../../src/rollout/run.js';
import { stateAfterRollout } from '../../src/rollout/simulate.js';
import { World, simulatedFingerprints, transition } from '../../src/rules/index.js';
import { renderNext, renderRolloutStatus } from '../../src/render/rollout.js';
import type { JournalEntry } from '../../src/targets/target.js';
import { casesArb, input, plannedSecretsOf, pureFingerprint, withFingerprints } from '../support/plan-arbitraries.js';
import { connectionCreate, connectorCreate, connectorSpec, connectionUpdate, lifecycle, makePlan as planOf } from '../support/plans.js';
import { state } from '../support/builders.js';
import { openLocal, tempDir } from '../support/target.js';

/** crm created, marked ready, crm_sales created on it; crm_old's scopes change (revoking alice's authorization, R13). */
function examplePlan(): Plan {
  return planOf({
    actions: [
      connectorCreate('a1', 'crm', connectorSpec({ secrets: { clientSecret: { fromEnv: 'CRM_SECRET', fingerprint: null } } })),
      lifecycle('a2', 'connector.markReady', 'crm', { dependsOn: ['a1'] }),
      connectionCreate('a3', 'crm_sales', { name: 'CRM sales', connector: 'crm', scopes: [] }, { dependsOn: ['a2'] }),
      connectionUpdate('a4', 'crm_old', { scopes: ['contacts.read', 'contacts.write'] }),
    ],
    revokedAuthorizations: [{ connection: 'crm_old', connector: 'legacy', environment: 'all', account: 'alice@acme.example', cause: ['scopes'], rule: 'R13' }],
    needsAuthorization: ['crm_sales', 'crm_old'],
  });
}

function rolloutOf(plan: Plan, done: string[] = []): Rollout {
  const journal: JournalEntry[] = done.map((id, i) => ({
    runId: 'r-1',
    actionId: id,
    op: 'x',
    linkName: 'x',
    status: 'done',
    serial: i + 1,
    at: `2026-11-30T10:0${i}:00.000Z`,
    by: 'bob',
  }));
  return rolloutFrom({ id: 'r-1', document: { formatVersion: 1, id: 'r-1', planId: 'sha256:p', plan }, open: true, events: [] }, journal);
}

describe('rollout steps', () => {
  it("the plan's actions in order, then one authorization per connection, after what creates or revokes it", () => {
    const steps = rolloutSteps(examplePlan());
    expect(steps.map((s) => [s.id, s.kind, s.dependsOn])).toEqual([
      ['a1', 'action', []],
      ['a2', 'action', ['a1']],
      ['a3', 'action', ['a2']],
      ['a4', 'action', []],
      // Revoked ones first (authorizationTasks' order), by the account that loses it (R13).
      ['auth1', 'authorize', ['a4']],
      // A new connection: after it and every action on its connector (R11).
      ['auth2', 'authorize', ['a1', 'a2', 'a3']],
    ]);
    expect(steps[4]).toMatchObject({ connection: 'crm_old', account: 'alice@acme.example', rule: 'R13', revoked: true });
    expect(steps[5]).toMatchObject({ connection: 'crm_sales', account: null, rule: 'R11', revoked: false });
  });

  it('status: done (by, when), ready, waiting for the steps not done', () => {
    const rollout = rolloutOf(examplePlan(), ['a1']);
    expect(rollout.steps.map((s) => statusOf(rollout, s).state)).toEqual(['done', 'ready', 'waiting', 'ready', 'waiting', 'waiting']);
    expect(statusOf(rollout, rollout.steps[2]!)).toEqual({ state: 'waiting', on: ['a2'] });
    expect(statusOf(rollout, rollout.steps[5]!)).toEqual({ state: 'waiting', on: ['a2', 'a3'] });
    const text = renderRolloutStatus(rollout, { color: false });
    expect(text).toContain('  ✓ a1 create connector "crm" done by bob at 2026-11-30T10:00:00.000Z');
    expect(text).toContain('  → a2 mark connector "crm" ready ready now');
    expect(text).toContain('  · auth2 authorize connection "crm_sales" (by the connection\'s owner) waiting for a2, a3');
  });
});

describe('checkDoneRequest', () => {
  const rollout = rolloutOf(examplePlan(), ['a1']);

  it('takes ready steps, and steps whose dependencies are named in the same request, in the rollout order', () => {
    expect(checkDoneRequest(rollout, ['a3', 'a2']).map((s) => s.id)).toEqual(['a2', 'a3']);
    expect(checkDoneRequest(rollout, ['a4', 'auth1']).map((s) => s.id)).toEqual(['a4', 'auth1']);
  });

  it('refuses out-of-order steps naming what they wait for, unknown steps and steps already done', () => {
    expect(() => checkDoneRequest(rollout, ['a3', 'auth1'])).toThrow('out of order: a3 waits for a2; auth1 waits for a4; nothing was recorded');
    expect(() => checkDoneRequest(rollout, ['a9'])).toThrow('rollout r-1 has no step a9 (its steps are a1, a2, a3, a4, auth1, auth2)');
    expect(() => checkDoneRequest(rollout, ['a1'])).toThrow('step a1 (by bob, 2026-11-30T10:00:00.000Z) is already done; nothing was recorded');
    expect(() => checkDoneRequest(rollout, [])).toThrow(UserError);
  });
});

describe('rollout next', () => {
  it('the ready steps with Creator UI instructions; a secret by its variable; who must authorize', () => {
    const rollout = rolloutOf(examplePlan(), ['a1', 'a2', 'a3', 'a4']);
    const text = renderNext(rollout, 'text');
    expect(text).toContain('auth1. Ask alice@acme.example to authorize connection "crm_old" again [R13].');
    expect(text).toContain('auth2. Authorize new connection "crm_sales" as the connection\'s owner [R11].');
    const json = JSON.parse(renderNext(rolloutOf(examplePlan()), 'json')) as { steps: Array<{ id: string; secrets: unknown; instructions: string[] }> };
    expect(json.steps.map((s) => s.id)).toEqual(['a1', 'a4']);
    expect(json.steps[0]!.secrets).toEqual([{ parameter: 'clientSecret', env: 'CRM_SECRET' }]);
    expect(json.steps[0]!.instructions.join('\n')).toContain('Client secret: paste the value of environment variable CRM_SECRET');
    // The create's instructions point at the step id that authorizes it.
    expect(renderNext(rolloutOf(examplePlan(), ['a1', 'a2']), 'text')).toContain('It starts unauthorized (R11): step auth2 authorizes it.');
  });

  it('Markdown: user strings cannot break out of the instructions block or mention anyone', () => {
    const plan = planOf({ actions: [connectorCreate('a1', 'crm', connectorSpec({ name: '@team ``` </details> **x**' }))] });
    const md = renderNext(rolloutOf(plan), 'markdown');
    const fence = /^ {2}(`{3,})text$/m.exec(md)![1]!;
    expect(fence.length).toBeGreaterThan(3);
    expect(md).toContain('- **a1** create connector "crm"');
  });
});

describe('stateAfterRollout (the state plan starts from while a rollout is open)', () => {
  it('the ledger plus the remaining steps; with any prefix of steps done on the ledger, the same end state', () => {
    fc.assert(
      fc.property(casesArb, fc.nat(), ([cur, want], cut) => {
        const current = withFingerprints(cur, pureFingerprint);
        const plan = makePlan(input(current, want.desired, plannedSecretsOf(want.desired, want.env, pureFingerprint), false));
        if (plan.blocked.length) return;
        const untouched = rolloutOf(plan);
        const end = stateAfterRollout(current, untouched);
        expect(end.ok).toBe(true);
        if (!end.ok) return;
        // From the end state, the same manifests plan nothing: a PR's plan shows only what is new.
        expect(makePlan(input(end.state, want.desired, plannedSecretsOf(want.desired, want.env, pureFingerprint), false)).actions).toEqual([]);

        // Carry out some steps, in an order the rollout allows, on the ledger itself.
        const world = World.copyOf(current);
        const done: string[] = [];
        let r = untouched;
        for (let i = 0; i < cut % (plan.actions.length + 1); i++) {
          const ready = readySteps(r).filter((s) => s.kind === 'action');
          const step = ready[(cut + i) % ready.length];
          if (!step || step.kind !== 'action') break;
          const t = transition(world, step.action, simulatedFingerprints(step.action));
          expect(t.ok).toBe(true);
          if (t.ok) world.apply(t.effects);
          done.push(step.id);
          r = rolloutOf(plan, done);
        }
        const fromPrefix = stateAfterRollout(world.state, r);
        expect(fromPrefix.ok).toBe(true);
        if (fromPrefix.ok) expect(fromPrefix.state).toEqual(end.state);
      }),
      { numRuns: Number(process.env.ROLLOUT_PROPERTY_RUNS ?? 300) },
    );
  });
});

describe('recording steps on a real local target', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('connectorops-rollout-');
  });
  afterEach(() => tmp.cleanup());

  it('a step that breaks a rule is refused with the rule and the hint that the ledger and Creator may have diverged', async () => {
    // The plan expects connector crm to exist; someone deleted it from the ledger by other means.
    const target = await openLocal(tmp.dir, state().connector('crm').build());
    try {
      const plan = planOf({ actions: [lifecycle('a1', 'connector.disable', 'crm'), lifecycle('a2', 'connector.enable', 'crm', { dependsOn: ['a1'] })] });
      const rollout = await openRolloutFor(target, plan, 'alice');
      await target.importSnapshot({ formatVersion: 1, connectors: [], connections: [] }, { force: true });
      const serial = (await target.read()).serial;
      const error = await recordDone(target, rollout, ['a1'], { by: 'bob', env: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TargetError);
      expect((error as TargetError).message).toContain("step a1 cannot be recorded: exists: connector 'crm' does not exist");
      expect((error as TargetError).details.hint).toContain('The ledger and Creator may have diverged');
      expect((await target.read()).serial).toBe(serial);
      expect((await target.journal(rollout.id)).map((e) => [e.actionId, e.status, e.by])).toEqual([['a1', 'failed', 'bob']]);
    } finally {
      await target.close();
    }
  });
});
