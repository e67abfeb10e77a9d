/**
 * Apply's group commit on the local target (docs/apply.md, "Groups"): the actions ready together go
 * to `executeBatch` as one group, one transaction. Whatever the plan, and whatever the target
 * refuses, a run in groups leaves what a run of one action at a time (`--concurrency 1`: one
 * `execute`, one transaction, each) leaves: the same state and serial, the same result (done,
 * failed with the same error and rule, not started with the same reason), and a journal with
 * the same status for every action whose serials follow the dependencies. Real plans from the
 * real planner, on copies of one real target file. (The slow tier: 40 rounds.)
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executePlan, type ExecutionResult } from '../../../src/apply/executor.js';
import { planId } from '../../../src/model/plan-document.js';
import type { Plan } from '../../../src/model/plan.js';
import { loadForPlan, planAgainst } from '../../../src/plan/run.js';
import { openTarget } from '../../../src/targets/index.js';
import type { JournalEntry } from '../../../src/targets/target.js';
import { writeManifests } from '../../apply/support.js';
import { tempDir } from '../../support/target.js';

let root: ReturnType<typeof tempDir>;
beforeAll(() => {
  root = tempDir('connectorops-groups-');
});
afterAll(() => root?.cleanup());

const CONNECTORS = ['k0', 'k1', 'k2', 'k3', 'k4'];
const SUFFIXES = ['a', 'b', 'c'];

interface Account {
  connectors: Array<{ link: string; enabled: boolean; name: number; connections: Array<{ suffix: string; enabled: boolean; name: number }> }>;
}

const accountArb: fc.Arbitrary<Account> = fc.record({
  connectors: fc.subarray(CONNECTORS).chain((links) =>
    fc.tuple(
      ...links.map((link) =>
        fc.record({
          link: fc.constant(link),
          enabled: fc.boolean(),
          name: fc.integer({ min: 0, max: 1 }),
          connections: fc
            .subarray(SUFFIXES)
            .chain((sufs) => fc.tuple(...sufs.map((suffix) => fc.record({ suffix: fc.constant(suffix), enabled: fc.boolean(), name: fc.integer({ min: 0, max: 1 }) })))),
        }),
      ),
    ),
  ),
});

/** The account as manifests (a connection of a disabled connector is disabled: R16). */
function files(account: Account): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of account.connectors) {
    out[`connectors/${c.link}.yaml`] =
      `kind: Connector\nlinkName: ${c.link}\nname: Connector ${c.link} ${c.name}\nenabled: ${c.enabled}\nauthentication:\n  type: apiKey\n  parameterKey: key\n`;
    if (c.connections.length) {
      out[`connections/${c.link}.yaml`] = c.connections
        .map(
          (x) => `kind: Connection\nlinkName: ${c.link}_${x.suffix}\nname: Connection ${x.suffix} ${x.name}\nconnector: ${c.link}\nenabled: ${x.enabled && c.enabled}\n`,
        )
        .join('---\n');
    }
  }
  return out;
}

async function planOf(dir: string, manifests: Record<string, string>, file: string): Promise<Plan> {
  writeManifests(dir, manifests);
  const loaded = await loadForPlan({ cwd: dir, dir, target: `local:${file}` });
  const target = await openTarget(loaded.targetSpec, { name: loaded.targetName });
  try {
    return await planAgainst(target, loaded, { allowReplace: true, allowEmpty: true, env: {} });
  } finally {
    await target.close();
  }
}

const untimed = (text: string) => text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<at>');
/** What a run reports, in plan order, without its times. */
function reported(r: ExecutionResult) {
  return {
    done: r.done.map((d) => [d.action.id, d.how]),
    failed: r.failed.map((f) => [f.action.id, untimed(f.error), f.rule, f.hint]),
    notStarted: r.notStarted.map((n) => [n.action.id, n.reason]),
    cancelled: r.cancelled,
  };
}

it('a plan carried out in groups leaves the state, serial, result and journal that one action at a time leaves', async () => {
  let round = 0;
  await fc.assert(
    fc.asyncProperty(
      accountArb,
      accountArb,
      fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
      fc.integer({ min: 2, max: 64 }),
      async (before, after, perturb, concurrency) => {
        const dir = join(root.dir, `round-${round++}`);
        mkdirSync(dir);
        const template = join(dir, 'template.db');
        // The account before: a real apply of its manifests.
        const seedPlan = await planOf(join(dir, 'v1'), files(before), template);
        const seed = await openTarget(`local:${template}`);
        try {
          expect((await executePlan(seed, seedPlan, { runId: 'seed', concurrency: 1, env: {} })).failed).toEqual([]);
          const plan = await planOf(join(dir, 'v2'), files(after), template);
          // The world moves after the plan, so that the target refuses some actions: an
          // application starts using a connection the plan deletes (R14), or someone creates a
          // connector the plan creates (it exists).
          const snap = await seed.exportSnapshot();
          let p = 0;
          let changed = false;
          for (const a of plan.actions) {
            const pick = perturb[p++ % perturb.length]!;
            if (!pick) continue;
            if (a.op === 'connection.delete') {
              const c = snap.connections.find((x) => x.linkName === a.linkName);
              if (c) c.usages = [{ app: 'crm', component: 'workflow:sync', kind: 'deluge-invokeurl' }];
              changed = true;
            }
            if (a.op === 'connector.create' && snap.connectors.length && !snap.connectors.some((x) => x.linkName === a.linkName)) {
              snap.connectors.push({ ...snap.connectors[0]!, linkName: a.linkName });
              changed = true;
            }
          }
          if (changed) await seed.importSnapshot(snap, { force: true });
          await seed.close();

          copyFileSync(template, join(dir, 'one.db'));
          copyFileSync(template, join(dir, 'groups.db'));
          const one = await openTarget(`local:${join(dir, 'one.db')}`);
          const groups = await openTarget(`local:${join(dir, 'groups.db')}`);
          try {
            const runId = planId(plan);
            const base = await one.serial();
            const r1 = await executePlan(one, plan, { runId, concurrency: 1, env: {} });
            let batches = 0;
            const executeBatch = groups.executeBatch!.bind(groups);
            // Counted, not changed: each call is one group the executor handed over.
            groups.executeBatch = (actions) => {
              batches++;
              return executeBatch(actions);
            };
            const r2 = await executePlan(groups, plan, { runId, concurrency, env: {} });
            expect(reported(r2)).toEqual(reported(r1));
            expect(await groups.serial()).toBe(await one.serial());
            expect(JSON.stringify(await groups.exportSnapshot())).toBe(JSON.stringify(await one.exportSnapshot()));
            if (plan.actions.length > 1) expect(batches).toBeGreaterThan(0);

            // The journal: the same status for every action; each done one a serial of its own,
            // base+1.. in a row; a dependency's serial before its dependent's.
            const j1 = await one.journal(runId);
            const j2 = await groups.journal(runId);
            const status = (j: JournalEntry[]) => new Map(j.map((e) => [e.actionId, [e.status, e.error && untimed(e.error)]]));
            expect(status(j2)).toEqual(status(j1));
            const serials = new Map(j2.filter((e) => e.status === 'done').map((e) => [e.actionId, e.serial!]));
            expect([...serials.values()].sort((a, b) => a - b)).toEqual([...serials.keys()].map((_, i) => base + i + 1));
            for (const a of plan.actions) {
              for (const d of a.dependsOn) if (serials.has(a.id)) expect(serials.get(d)).toBeLessThan(serials.get(a.id)!);
            }
          } finally {
            await one.close();
            await groups.close();
          }
        } finally {
          await seed.close();
        }
      },
    ),
    { numRuns: 40 },
  );
}, 180_000);
