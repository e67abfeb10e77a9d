/**
 * The executor on real local targets: secrets (S1, S2), real refusals by the target, the
 * journal's pending entries, concurrency. Plans come from the real planner.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_LIMIT, defaultConcurrency, executePlan, type ApplyEvent } from '../../src/apply/executor.js';
import { effectPresent } from '../../src/apply/confirm.js';
import { StalePlanError } from '../../src/apply/stale.js';
import { runApply } from '../../src/cli/commands/apply.js';
import { TargetError, UserError } from '../../src/errors.js';
import type { Plan } from '../../src/model/plan.js';
import { loadForPlan, planAgainst } from '../../src/plan/run.js';
import { planId } from '../../src/model/plan-document.js';
import { openTarget } from '../../src/targets/index.js';
import type { ExecuteResult, JournaledExecutor, JournalEntry, RolloutStore, StateReader, Target } from '../../src/targets/target.js';
import { state } from '../support/builders.js';
import { openSqlite, sqlValue } from '../support/sqlite.js';
import { tempDir } from '../support/target.js';
import { FaultyTarget, SCENARIO_ENV, copyTarget, manifestsV1, manifestsV2, memIo, seedTarget, writeManifests } from './support.js';

let root: { dir: string; cleanup: () => void };
let template: string;
let v2: string;
let n = 0;

beforeAll(async () => {
  root = tempDir('apply-exec-');
  const v1 = join(root.dir, 'v1');
  v2 = join(root.dir, 'v2');
  writeManifests(v1, manifestsV1());
  writeManifests(v2, manifestsV2());
  template = join(root.dir, 'template.db');
  await seedTarget(template, () => runApply(['--dir', v1, '--target', `local:${template}`, '--auto-approve'], memIo(root.dir, SCENARIO_ENV), { handleSignals: false }));
});

afterAll(() => root?.cleanup());

/** A fresh copy of the seeded target, and the real plan of v2 against it. */
async function setup(env: NodeJS.ProcessEnv = SCENARIO_ENV): Promise<{ target: Target; plan: Plan; file: string }> {
  const dir = join(root.dir, `case-${n++}`);
  mkdirSync(dir);
  const file = join(dir, 'target.db');
  copyTarget(template, file);
  const loaded = await loadForPlan({ cwd: dir, dir: v2, target: `local:${file}` });
  const target = await openTarget(loaded.targetSpec, { name: loaded.targetName });
  const plan = await planAgainst(target, loaded, { allowReplace: false, env });
  return { target, plan, file };
}

/** A view of `target` with only the members `keys` names (methods bound): what a role-typed caller may touch. */
function view<K extends keyof Target>(target: Target, keys: readonly K[]): Pick<Target, K> {
  const out: Partial<Pick<Target, K>> = {};
  for (const k of keys) {
    const member = target[k];
    out[k] = (typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member) as Target[K];
  }
  return out as Pick<Target, K>;
}

const READER = ['name', 'read', 'serial', 'fingerprintSecrets', 'info'] as const;
const ROLLOUTS = ['name', 'journal', 'openRollout', 'currentRollout', 'closeRollout', 'rollouts'] as const;
const EXECUTOR = ['name', 'journal', 'execute', 'authorize', 'deauthorize'] as const;

describe("the target port's roles", () => {
  it('the planner and the executor ask only for the roles they use: a view with just those members serves them', async () => {
    const { target, plan } = await setup();
    try {
      const loaded = await loadForPlan({ cwd: root.dir, dir: v2, target: target.name });
      const reader: StateReader & RolloutStore = view(target, [...READER, ...ROLLOUTS]);
      expect(await planAgainst(reader, loaded, { allowReplace: false, env: SCENARIO_ENV })).toEqual(plan);
      const executor: StateReader & JournaledExecutor = view(target, [...READER, ...EXECUTOR]);
      const r = await executePlan(executor, plan, { runId: planId(plan), concurrency: 1, env: SCENARIO_ENV });
      expect(r.failed).toEqual([]);
      expect(r.done.map((d) => d.action.id)).toEqual(plan.actions.map((a) => a.id));
    } finally {
      await target.close();
    }
  });
});

describe('executePlan', () => {
  it('carries out every action once, in an order the dependencies allow, and lists them done', async () => {
    const { target, plan } = await setup();
    const events: ApplyEvent[] = [];
    const r = await executePlan(target, plan, { runId: planId(plan), concurrency: 1, env: SCENARIO_ENV, onEvent: (e) => events.push(e) });
    expect(r.failed).toEqual([]);
    expect(r.notStarted).toEqual([]);
    expect(r.done.map((d) => d.action.id)).toEqual(plan.actions.map((a) => a.id));
    expect(r.done.every((d) => d.how === 'executed')).toBe(true);
    // The revocations the target reported are the ones the plan announced (R5, R13); the plan also
    // lists the authorizations its deletions lose, which no action "revokes".
    const announced = plan.revokedAuthorizations.filter((x) => !x.cause.includes('deleted'));
    expect(new Set(r.revoked.map((x) => x.connection))).toEqual(new Set(announced.map((x) => x.connection)));
    expect(events.filter((e) => e.type === 'start')).toHaveLength(plan.actions.length);
    const journal = await target.journal(planId(plan));
    expect(journal.every((e) => e.status === 'done')).toBe(true);
    await target.close();
  });

  it('runs independent actions concurrently and still converges (concurrency 4 on SQLite)', async () => {
    const { target, plan } = await setup();
    const r = await executePlan(target, plan, { runId: planId(plan), concurrency: 4, env: SCENARIO_ENV });
    expect(r.failed).toEqual([]);
    expect(r.done).toHaveLength(plan.actions.length);
    await target.close();
  });

  it('S1: refuses before carrying anything out when a secret variable is missing, naming it', async () => {
    const { target, plan } = await setup();
    const before = await target.read();
    const env = { ...SCENARIO_ENV };
    delete env.NEW_SECRET;
    const error = await executePlan(target, plan, { runId: planId(plan), concurrency: 1, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).details.rule).toBe('S1');
    expect((error as Error).message).toMatch(/NEW_SECRET \(for connector 'new1', .*\) is not set; nothing was carried out/);
    expect((await target.read()).serial).toBe(before.serial);
    expect(await target.journal(planId(plan))).toEqual([]);
    await target.close();
  });

  it('refuses as stale when a secret value changed since the plan was made, and never shows a value (S2)', async () => {
    const { target, plan } = await setup();
    const env = { ...SCENARIO_ENV, NEW_SECRET: 'a-rotated-s3cret-value' };
    const error = await executePlan(target, plan, { runId: planId(plan), concurrency: 1, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StalePlanError);
    expect((error as Error).message).toContain('the value of NEW_SECRET changed since the plan was made');
    const shown = JSON.stringify(error) + (error as Error).message + ((error as UserError).details.hint ?? '');
    for (const v of [env.NEW_SECRET, SCENARIO_ENV.NEW_SECRET]) expect(shown).not.toContain(v);
    await target.close();
  });

  it('a refusal by the target (R14: someone added a usage after the plan) fails that action; its dependents do not start; the rest finish', async () => {
    const { target, plan } = await setup();
    // An application starts using old1_a after the plan was reviewed: Creator (the target) refuses the delete.
    const snap = await target.exportSnapshot();
    snap.connections.find((c) => c.linkName === 'old1_a')!.usages = [{ app: 'crm', component: 'workflow:sync', kind: 'deluge-invokeurl' }];
    await target.importSnapshot(snap, { force: true });

    const r = await executePlan(target, plan, { runId: planId(plan), concurrency: 2, env: SCENARIO_ENV });
    const del = plan.actions.find((a) => a.op === 'connection.delete' && a.linkName === 'old1_a')!;
    const connectorDelete = plan.actions.find((a) => a.op === 'connector.delete' && a.linkName === 'old1')!;
    expect(r.failed.map((f) => [f.action.id, f.rule])).toEqual([[del.id, 'R14']]);
    expect(r.failed[0]!.error).toMatch(/^R14: connection 'old1_a' is used by 1 application component/);
    expect(r.notStarted).toEqual([{ action: connectorDelete, reason: { kind: 'dependency-failed', failed: del.id, via: del.id } }]);
    expect(r.done).toHaveLength(plan.actions.length - 2);
    const { state: after } = await target.read();
    expect(after.connections.has('old1_a')).toBe(true);
    expect(after.connectors.has('old1')).toBe(true);
    await target.close();
  });

  it('confirms pending journal entries against the real state: an effect in place is not carried out again', async () => {
    const { target, plan } = await setup();
    const runId = planId(plan);
    // Carry out the first action outside the executor, as a run that died before learning the
    // outcome would have left it on a target whose journal is not atomic with its effects.
    const first = plan.actions[0]!;
    await target.execute(first, {});
    const second = plan.actions[1]!;
    const journal: JournalEntry[] = [
      { runId, actionId: first.id, op: first.op, linkName: first.linkName, status: 'pending', serial: null, at: new Date().toISOString() },
      { runId, actionId: second.id, op: second.op, linkName: second.linkName, status: 'pending', serial: null, at: new Date().toISOString() },
    ];
    const watched = new FaultyTarget(target, -1, 'before', false);
    const r = await executePlan(watched, plan, { runId, concurrency: 1, env: SCENARIO_ENV, journal });
    expect(r.failed).toEqual([]);
    expect(r.done.find((d) => d.action.id === first.id)!.how).toBe('confirmed');
    // The second was pending but never happened: it is carried out.
    expect(r.done.find((d) => d.action.id === second.id)!.how).toBe('executed');
    expect(watched.observed.executed.map((a) => `${a.op} ${a.linkName}`)).not.toContain(`${first.op} ${first.linkName}`);
    expect(watched.observed.executed).toHaveLength(plan.actions.length - 1);
    await target.close();
  });

  it('skips actions journaled done by an earlier run of the same plan', async () => {
    const { target, plan } = await setup();
    const runId = planId(plan);
    for (const a of plan.actions.slice(0, 3)) await target.execute(a, {}, { runId, actionId: a.id });
    const watched = new FaultyTarget(target, -1, 'before', false);
    const r = await executePlan(watched, plan, { runId, concurrency: 1, env: SCENARIO_ENV });
    expect(r.done.filter((d) => d.how === 'journal').map((d) => d.action.id)).toEqual(plan.actions.slice(0, 3).map((a) => a.id));
    expect(watched.observed.executed).toHaveLength(plan.actions.length - 3);
    await target.close();
  });

  it('S2: a secret value in a target error is blanked before anyone sees it', async () => {
    const { target, plan } = await setup();
    const leaky = new (class extends FaultyTarget {
      override async execute(...args: Parameters<Target['execute']>): Promise<ExecuteResult> {
        const [action, secrets] = args;
        if (secrets.clientSecret) throw new TargetError(`upstream said: bad client secret ${secrets.clientSecret} for ${action.linkName}`);
        return super.execute(...args);
      }
    })(target, -1, 'before', false);
    const r = await executePlan(leaky, plan, { runId: planId(plan), concurrency: 1, env: SCENARIO_ENV });
    expect(r.failed.length).toBeGreaterThan(0);
    for (const f of r.failed) {
      expect(f.error).not.toContain(SCENARIO_ENV.NEW_SECRET);
      expect(f.error).toContain('(sensitive)');
    }
    await target.close();
  });

  it('refuses a blocked plan outright', async () => {
    const { target, plan } = await setup();
    const blocked: Plan = { ...plan, blocked: [{ kind: 'Connection', linkName: 'x', rule: 'R14', message: 'used' }] };
    await expect(executePlan(target, blocked, { runId: 'r', concurrency: 1, env: SCENARIO_ENV })).rejects.toThrow(/blocked .*nothing was carried out/);
    await target.close();
  });
});

describe('groups on the local target (group commit)', () => {
  /** `n` apiKey connectors, nothing in the target: a plan of `n` independent creates. */
  async function independent(n: number): Promise<{ target: Target; plan: Plan; file: string }> {
    const dir = join(root.dir, `case-${n}-${Math.random().toString(36).slice(2)}`);
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++)
      files[`connectors/c${i}.yaml`] = `kind: Connector\nlinkName: c${i}\nname: Connector ${i}\nauthentication:\n  type: apiKey\n  parameterKey: key\n`;
    writeManifests(dir, files);
    const file = join(dir, 'target.db');
    const loaded = await loadForPlan({ cwd: dir, dir, target: `local:${file}` });
    const target = await openTarget(loaded.targetSpec, { name: loaded.targetName });
    const plan = await planAgainst(target, loaded, { allowReplace: false, env: {} });
    return { target, plan, file };
  }

  /** The events cut into groups: a run of starts, then the reports of those actions. */
  function groupsOf(seen: Array<{ type: string; id: string; version: unknown; serial: unknown }>) {
    const out: Array<{ starts: typeof seen; reports: typeof seen }> = [];
    for (const e of seen) {
      if (e.type === 'start' && (!out.length || out[out.length - 1]!.reports.length)) out.push({ starts: [], reports: [] });
      const g = out[out.length - 1]!;
      (e.type === 'start' ? g.starts : g.reports).push(e);
    }
    return out;
  }

  async function watched(n: number, concurrency: (target: Target) => number) {
    const { target, plan, file } = await independent(n);
    // Another connection to the file watches it: PRAGMA data_version changes when someone else commits.
    const watcher = openSqlite(file, { readOnly: true });
    const seen: Array<{ type: string; id: string; version: unknown; serial: unknown }> = [];
    try {
      const r = await executePlan(target, plan, {
        runId: planId(plan),
        concurrency: concurrency(target),
        env: {},
        onEvent: (e) =>
          seen.push({
            type: e.type,
            id: e.action.id,
            version: sqlValue(watcher, 'PRAGMA data_version'),
            serial: sqlValue(watcher, "SELECT value FROM meta WHERE key = 'serial'"),
          }),
      });
      return { r, plan, seen, journal: await target.journal(planId(plan)), target };
    } finally {
      watcher.close();
      await target.close();
    }
  }

  it('the actions ready together commit as one transaction, and none is reported done before that commit', async () => {
    // 12 apiKey connectors: 12 creates, ready at once; then the 12 mark-readies they unblock.
    const { r, plan, seen, journal, target } = await watched(12, (t) => defaultConcurrency(t.name, t));
    expect(target.groupCommit).toBe(true);
    expect(defaultConcurrency(target.name, target)).toBe(GROUP_LIMIT);
    expect(r.done).toHaveLength(24);
    const groups = groupsOf(seen);
    expect(groups.map((g) => [g.starts.length, g.reports.length])).toEqual([
      [12, 12],
      [12, 12],
    ]);
    let committed = 0;
    for (const g of groups) {
      // Nothing of the group was in the file when it started; all of it when its first action was
      // reported done; and no commit at all between its reports (one data_version for them all).
      expect(new Set(g.starts.map((e) => e.serial))).toEqual(new Set([committed]));
      committed += g.starts.length;
      expect(new Set(g.reports.map((e) => e.serial))).toEqual(new Set([committed]));
      expect(new Set(g.reports.map((e) => e.version)).size).toBe(1);
      expect(g.reports[0]!.version).not.toBe(g.starts[0]!.version);
      expect(g.reports.map((e) => e.type)).toEqual(Array(12).fill('done'));
    }
    // Each action still has its own serial and entry, in the order the groups carried them out.
    const order = groups.flatMap((g) => g.starts.map((e) => e.id));
    expect(journal.map((e) => [e.actionId, e.status, e.serial])).toEqual(order.map((id, i) => [id, 'done', i + 1]));
    expect(new Set(order)).toEqual(new Set(plan.actions.map((a) => a.id)));
  });

  it('a group holds at most --concurrency actions: with 5 in flight, groups of at most 5, each its own commit', async () => {
    const { r, seen } = await watched(12, () => 5);
    expect(r.done).toHaveLength(24);
    const groups = groupsOf(seen);
    expect(Math.max(...groups.map((g) => g.starts.length))).toBe(5);
    let committed = 0;
    for (const g of groups) {
      expect(g.reports).toHaveLength(g.starts.length);
      committed += g.starts.length;
      expect(new Set(g.reports.map((e) => e.serial))).toEqual(new Set([committed]));
    }
  });

  it("a refusal in a group (R14) fails that action alone: the group's others are done, its dependents do not start", async () => {
    const { target, plan } = await setup();
    const snap = await target.exportSnapshot();
    snap.connections.find((c) => c.linkName === 'old1_a')!.usages = [{ app: 'crm', component: 'workflow:sync', kind: 'deluge-invokeurl' }];
    await target.importSnapshot(snap, { force: true });
    const events: ApplyEvent[] = [];
    const runId = planId(plan);
    const r = await executePlan(target, plan, { runId, concurrency: defaultConcurrency(target.name, target), env: SCENARIO_ENV, onEvent: (e) => events.push(e) });
    const del = plan.actions.find((a) => a.op === 'connection.delete' && a.linkName === 'old1_a')!;
    const connectorDelete = plan.actions.find((a) => a.op === 'connector.delete' && a.linkName === 'old1')!;
    expect(r.failed.map((f) => [f.action.id, f.rule])).toEqual([[del.id, 'R14']]);
    expect(r.notStarted).toEqual([{ action: connectorDelete, reason: { kind: 'dependency-failed', failed: del.id, via: del.id } }]);
    expect(r.done).toHaveLength(plan.actions.length - 2);
    // The refused one went in a group with others (all started before any report), and they stand.
    const firstReport = events.findIndex((e) => e.type !== 'start');
    const group = events.slice(0, firstReport).map((e) => e.action.id);
    expect(group).toContain(del.id);
    expect(group.length).toBeGreaterThan(1);
    const journal = new Map((await target.journal(runId)).map((e) => [e.actionId, e.status]));
    for (const id of group) expect(journal.get(id)).toBe(id === del.id ? 'failed' : 'done');
    expect(journal.has(connectorDelete.id)).toBe(false);
    expect(events.filter((e) => e.type === 'start').map((e) => e.action.id)).not.toContain(connectorDelete.id);
    await target.close();
  });

  it('confirms a pending entry inside a group: an effect in place is not carried out again; the others of the group are', async () => {
    const { target, plan } = await setup();
    const runId = planId(plan);
    const first = plan.actions[0]!;
    await target.execute(first, {});
    const journal: JournalEntry[] = [
      { runId, actionId: first.id, op: first.op, linkName: first.linkName, status: 'pending', serial: null, at: new Date().toISOString() },
    ];
    const before = await target.serial();
    const r = await executePlan(target, plan, { runId, concurrency: defaultConcurrency(target.name, target), env: SCENARIO_ENV, journal });
    expect(r.failed).toEqual([]);
    expect(r.done.find((d) => d.action.id === first.id)!.how).toBe('confirmed');
    expect(r.done.filter((d) => d.how === 'executed')).toHaveLength(plan.actions.length - 1);
    expect(await target.serial()).toBe(before + plan.actions.length - 1);
    await target.close();
  });
});

describe('effectPresent', () => {
  const s = state()
    .connector('crm', { enabled: false })
    .connection('crm_sales', 'crm', { enabled: false, scopes: ['contacts.read'] })
    .build();
  it('answers from the state for every kind of action', () => {
    expect(effectPresent(s, { op: 'connector.disable', kind: 'Connector', linkName: 'crm' })).toBe(true);
    expect(effectPresent(s, { op: 'connector.enable', kind: 'Connector', linkName: 'crm' })).toBe(false);
    expect(effectPresent(s, { op: 'connector.markReady', kind: 'Connector', linkName: 'crm' })).toBe(true);
    expect(effectPresent(s, { op: 'connector.delete', kind: 'Connector', linkName: 'crm' })).toBe(false);
    expect(effectPresent(s, { op: 'connector.delete', kind: 'Connector', linkName: 'gone' })).toBe(true);
    expect(effectPresent(s, { op: 'connection.disable', kind: 'Connection', linkName: 'crm_sales' })).toBe(true);
    expect(effectPresent(s, { op: 'connection.update', kind: 'Connection', linkName: 'crm_sales', set: { scopes: ['contacts.read'] } })).toBe(true);
    expect(effectPresent(s, { op: 'connection.update', kind: 'Connection', linkName: 'crm_sales', set: { name: 'Other' } })).toBe(false);
    expect(
      effectPresent(s, {
        op: 'connection.create',
        kind: 'Connection',
        linkName: 'crm_sales',
        spec: { name: 'Connection crm_sales', connector: 'crm', scopes: ['contacts.read'] },
      }),
    ).toBe(true);
    expect(
      effectPresent(s, {
        op: 'connection.create',
        kind: 'Connection',
        linkName: 'crm_sales',
        spec: { name: 'Connection crm_sales', connector: 'other', scopes: ['contacts.read'] },
      }),
    ).toBe(false);
    const crm = s.connectors.get('crm')!;
    expect(effectPresent(s, { op: 'connector.update', kind: 'Connector', linkName: 'crm', set: { name: crm.name } }, { clientSecret: 'fp-crm' })).toBe(true);
    expect(effectPresent(s, { op: 'connector.update', kind: 'Connector', linkName: 'crm', set: { name: crm.name } }, { clientSecret: 'fp-other' })).toBe(false);
  });
});
