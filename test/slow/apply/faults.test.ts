/**
 * Fault injection: a failure at every action index of a 30-action plan, then a rerun, must
 * converge, and nothing the desired state keeps may ever be deleted.
 *
 * How faults are injected, and why this way: `FaultyTarget` (test/apply/support.ts) is a real
 * wrapper around the real LocalTarget. On the k-th `execute` it either throws before passing the
 * call on (`before`: the request never reached the target, so nothing changed and nothing was
 * journaled) or passes it on and then throws (`after`: the target committed the action and its
 * journal entry, and the answer was lost on the way back). Those are the two outcomes a caller
 * can see from a target that fails mid-run; a refusal by the target itself (a rule broken because
 * someone changed the account in between) is covered in executor.test.ts with real state changes.
 *
 * The whole CLI command runs in-process (`runApply`), lock, stale checks, journal and re-plan
 * included; only `openTarget` is wrapped.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApply } from '../../../src/cli/commands/apply.js';
import { run as runPlanCommand } from '../../../src/cli/commands/plan.js';
import type { Plan } from '../../../src/model/plan.js';
import { openTarget } from '../../../src/targets/index.js';
import type { Target } from '../../../src/targets/target.js';
import { tempDir } from '../../support/target.js';
import { FaultyTarget, SCENARIO_ENV, copyTarget, keptByV2, manifestsV1, manifestsV2, memIo, seedTarget, writeManifests, type FaultMode } from '../../apply/support.js';

let root: { dir: string; cleanup: () => void };
let template: string;
let v2: string;
let plan: Plan;
const planFile = () => join(root.dir, 'plan.json');
const kept = keptByV2();
const TARGET = 'local:target.db';

beforeAll(async () => {
  root = tempDir('apply-faults-');
  const v1 = join(root.dir, 'v1');
  v2 = join(root.dir, 'v2');
  writeManifests(v1, manifestsV1());
  writeManifests(v2, manifestsV2());
  const seedDir = join(root.dir, 'seed');
  mkdirSync(seedDir);
  template = join(seedDir, 'target.db');
  await seedTarget(template, () => runApply(['--dir', v1, '--target', TARGET, '--auto-approve'], memIo(seedDir, SCENARIO_ENV), { handleSignals: false }));
  const io = memIo(seedDir, SCENARIO_ENV);
  const code = await runPlanCommand(['--dir', v2, '--target', TARGET, '--out', planFile()], io);
  expect(code, io.err()).toBe(0);
  plan = JSON.parse(readFileSync(planFile(), 'utf8')) as Plan;
});

afterAll(() => root?.cleanup());

/** A case's own copy of the seeded target, in its own directory (the plan names `local:target.db`). */
function caseDir(name: string): string {
  const dir = join(root.dir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  copyTarget(template, join(dir, 'target.db'));
  return dir;
}

async function withTarget<T>(dir: string, fn: (t: Target) => Promise<T>): Promise<T> {
  const t = await openTarget(`local:${join(dir, 'target.db')}`);
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

describe('fault injection over a 30-action plan', () => {
  it('has the plan the scenario promises: 30 actions of every kind, not blocked', () => {
    expect(plan.blocked).toEqual([]);
    expect(plan.actions).toHaveLength(30);
    const ops = new Set(plan.actions.map((a) => a.op));
    for (const op of [
      'connector.create',
      'connector.markReady',
      'connector.update',
      'connector.enable',
      'connector.disable',
      'connector.delete',
      'connection.create',
      'connection.update',
      'connection.enable',
      'connection.disable',
      'connection.delete',
    ]) {
      expect(ops.has(op as never), op).toBe(true);
    }
    expect(plan.revokedAuthorizations.length).toBeGreaterThan(0);
  });

  for (const mode of ['before', 'after'] as FaultMode[]) {
    for (const rerun of ['same plan file', 'fresh plan'] as const) {
      it(`a fault (${mode} the target acts) at every index, then a rerun with the ${rerun}, converges and deletes nothing kept`, async () => {
        for (let k = 0; k < plan.actions.length; k++) {
          const dir = caseDir(`${mode}-${rerun.replace(/ /g, '-')}-${k}`);
          let faulty: FaultyTarget | undefined;
          const io1 = memIo(dir, SCENARIO_ENV);
          const code1 = await runApply([planFile(), '--dir', v2, '--target', TARGET], io1, {
            handleSignals: false,
            openTarget: async (spec, options) => (faulty = new FaultyTarget(await openTarget(spec, options), k, mode)),
          });
          const out1 = io1.out();
          expect(io1.err()).toMatch(/✗ a\d+ .*injected fault/);
          // When the lost answer was the only thing that went wrong (nothing else was left out),
          // every action is done: the run succeeds, because the journal (which commits with the
          // effect) says the action happened. The same plan is then "already applied in full" and
          // refused as stale, like any plan applied twice (#24078); a fresh plan is empty.
          const allLanded = mode === 'after' && /, 0 not started/.test(out1);
          expect(code1, `k=${k}\n${io1.err()}`).toBe(allLanded ? 0 : 1);
          if (mode === 'before') {
            // The report says exactly which action failed, and what did not start because of it.
            expect(out1).toMatch(/Apply failed: \d+ done, 1 failed, \d+ not started/);
          } else {
            expect(out1).toMatch(/\d+ done, 0 failed, \d+ not started/);
            expect(out1).toMatch(/the call failed: injected fault: the answer to .* was lost; but the target's journal has it done/);
          }

          // Rerun, without any fault.
          let watcher: FaultyTarget | undefined;
          const io2 = memIo(dir, SCENARIO_ENV);
          const args = rerun === 'same plan file' ? [planFile(), '--dir', v2, '--target', TARGET] : ['--dir', v2, '--target', TARGET, '--auto-approve'];
          const rerunOnce = () =>
            runApply(args, io2, {
              handleSignals: false,
              openTarget: async (spec, options) => (watcher = new FaultyTarget(await openTarget(spec, options), -1, 'before')),
            });
          if (allLanded && rerun === 'same plan file') {
            await expect(rerunOnce()).rejects.toThrow(/stale: it was already applied in full/);
            expect(watcher!.observed.executed).toEqual([]);
            const io3 = memIo(dir, SCENARIO_ENV);
            expect(await runApply(['--dir', v2, '--target', TARGET, '--auto-approve'], io3, { handleSignals: false })).toBe(0);
            expect(io3.out()).toContain('No changes.');
          } else {
            const code2 = await rerunOnce();
            expect(code2, `k=${k} rerun\n${io2.out()}\n${io2.err()}`).toBe(0);
            expect(io2.out()).toMatch(allLanded ? /No changes\./ : /The target now matches the manifests\./);
            if (rerun === 'same plan file' && (mode === 'after' || k > 0)) expect(io2.err()).toMatch(/Resuming run/);
          }

          // Nothing kept was ever deleted, in either run, at any moment.
          for (const t of [faulty!, watcher!]) {
            for (const a of t.observed.executed) {
              if (a.op === 'connector.delete') expect(kept.connectors.has(a.linkName), `k=${k} deleted ${a.linkName}`).toBe(false);
              if (a.op === 'connection.delete') expect(kept.connections.has(a.linkName), `k=${k} deleted ${a.linkName}`).toBe(false);
            }
          }
          // Every action of the plan took effect once: no action was carried out twice.
          const executed = [...faulty!.observed.executed, ...watcher!.observed.executed].map((a) => `${a.op} ${a.linkName}`);
          if (rerun === 'same plan file') {
            expect(executed.sort()).toEqual(plan.actions.map((a) => `${a.op} ${a.linkName}`).sort());
          }
          // The kept resources that existed before the run exist after every single step.
          for (const snap of [...faulty!.observed.afterEach, ...watcher!.observed.afterEach]) {
            for (const c of ['keep1', 'keep2', 'keep3']) expect(snap.state.connectors.has(c)).toBe(true);
            for (const c of ['keep1_a', 'keep1_b', 'keep2_a', 'keep3_a']) expect(snap.state.connections.has(c)).toBe(true);
          }
          // Converged: the usages on kept connections survived.
          await withTarget(dir, async (t) => {
            const { state } = await t.read();
            expect(state.connections.get('keep1_a')?.usages).toHaveLength(1);
            expect(state.connections.get('keep2_a')?.usages).toHaveLength(1);
            expect([...state.connectors.keys()].sort()).toEqual([...kept.connectors].sort());
            expect([...state.connections.keys()].sort()).toEqual([...kept.connections].sort());
            // The lock was released by both runs.
            const lock = await t.acquireLock({ holder: 'test@here', host: 'here', pid: process.pid, operation: 'test' });
            await t.releaseLock(lock.id);
          });
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});
