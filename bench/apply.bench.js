// apply: a 1,000-action plan carried out on a fresh local target (BENCH_APPLY_CONNECTORS × 4
// actions: create, mark ready, two connections), next to a floor measured in the same run: 1,000
// raw SQLite single-row transactions (the local target's own SQLite driver: node:sqlite on Node 22.13
// and later, better-sqlite3 on Node 20; the same pragmas as the local target). Rows:
// - the bare target (the same actions, one execute after another): what the executor adds is the
//   difference;
// - the executor alone (what apply does between "approved" and the summary: journal, scheduler,
//   secrets, and the target's transactions), at apply's default concurrency for the target: on
//   the local target, the actions ready together commit as one group (docs/apply.md, "Groups");
// - `apply PLANFILE` end to end in-process (lock, stale check, executor, summary, re-plan).
// BENCH_RUNS runs each (best counts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { actionBody, defaultConcurrency, executePlan } from '../dist/apply/executor.js';
import { runApply } from '../dist/cli/commands/apply.js';
import { planId } from '../dist/model/plan-document.js';
import { writePlanFile } from '../dist/planfile/file.js';
import { loadForPlan, planAgainst } from '../dist/plan/run.js';
import { openTarget } from '../dist/targets/index.js';
import { loadSqlite, transaction } from '../dist/targets/local/sqlite-driver.js';

const CONNECTORS = Number(process.env.BENCH_APPLY_CONNECTORS ?? 250);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET = 25;
/** `apply PLANFILE` within 8× of raw transactions (issue 25): the stale check and the re-plan read the target once each. */
const COMMAND_TARGET = 8;

export async function run(report) {
  const dir = fileURLToPath(new URL(`.work/apply-${CONNECTORS}`, import.meta.url));
  writeApplyManifests(dir, CONNECTORS);
  const actions = CONNECTORS * 4;
  report.log(`${CONNECTORS} connectors × (create, mark ready, 2 connections) = ${actions} actions; best of ${RUNS}`);

  const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });
  const io = { stdout: quiet(), stderr: quiet(), stdin: process.stdin, env: {}, cwd: dir };
  const best = { floor: Infinity, bare: Infinity, executor: Infinity, command: Infinity };
  for (let r = 0; r < RUNS; r++) {
    // Interleaved, so that a slow moment of the machine hits floor and subject alike.
    best.floor = Math.min(best.floor, floor(join(dir, `floor-${r}.db`), actions));

    // The bare target: the same plan's actions, one `execute` after another, no executor.
    const bareFile = join(dir, `bare-${r}.db`);
    const loaded0 = await loadForPlan({ cwd: dir, dir, target: `local:${bareFile}` });
    const t0 = await openTarget(loaded0.targetSpec, { name: loaded0.targetName });
    const plan0 = await planAgainst(t0, loaded0, { allowReplace: false, env: {} });
    const runId0 = planId(plan0);
    const b0 = performance.now();
    for (const a of plan0.actions) await t0.execute(actionBody(a), {}, { runId: runId0, actionId: a.id });
    best.bare = Math.min(best.bare, performance.now() - b0);
    await t0.close();

    const file = join(dir, `exec-${r}.db`);
    const loaded = await loadForPlan({ cwd: dir, dir, target: `local:${file}` });
    const target = await openTarget(loaded.targetSpec, { name: loaded.targetName });
    const plan = await planAgainst(target, loaded, { allowReplace: false, env: {} });
    if (plan.actions.length !== actions) throw new Error(`apply bench: the plan has ${plan.actions.length} actions, not ${actions}`);
    // The run id is the plan's hash, made by apply before the executor starts: not the executor's time.
    const runId = planId(plan);
    const start = performance.now();
    // Apply's own default (64 in flight, in groups, on the local target); the HTTP bench's floor
    // keeps concurrency 1.
    const concurrency = defaultConcurrency(loaded.targetSpec, target);
    const result = await executePlan(target, plan, { runId, concurrency, env: {} });
    best.executor = Math.min(best.executor, performance.now() - start);
    if (result.done.length !== actions) throw new Error('apply bench: not every action was done');
    await target.close();

    // The command: a plan file made beforehand, then `apply PLANFILE` as CI runs it.
    const cmdFile = join(dir, `cmd-${r}.db`);
    const loaded2 = await loadForPlan({ cwd: dir, dir, target: `local:${cmdFile}` });
    const t2 = await openTarget(loaded2.targetSpec, { name: loaded2.targetName });
    await writePlanFile(join(dir, `plan-${r}.json`), await planAgainst(t2, loaded2, { allowReplace: false, env: {} }));
    await t2.close();
    const s2 = performance.now();
    const code = await runApply([join(dir, `plan-${r}.json`), '--target', `local:${cmdFile}`], io, { handleSignals: false });
    best.command = Math.min(best.command, performance.now() - s2);
    if (code !== 0) throw new Error(`apply bench: apply PLANFILE exited ${code}`);
  }
  const per = (ms) => `${((ms / actions) * 1000).toFixed(0)} µs per action`;
  report.row(`local target.execute × ${actions}, no executor`, {
    ms: best.bare,
    floorMs: best.floor,
    note: `${per(best.bare)}; what the target alone costs (one transaction per action: the done check, the effect and the journal entry)`,
  });
  report.row(`apply executor, ${actions} actions (local)`, {
    ms: best.executor,
    floorMs: best.floor,
    target: TARGET,
    note: `${per(best.executor)}; floor: ${actions} raw SQLite single-row transactions (${per(best.floor)})`,
  });
  report.row(`apply PLANFILE, ${actions} actions (local)`, {
    ms: best.command,
    floorMs: best.floor,
    target: COMMAND_TARGET,
    note: `${per(best.command)}; lock, stale check, executor, summary, re-plan`,
  });
}

/**
 * The manifests of this bench in a fresh `dir`: `connectors` apiKey connectors with two
 * connections each, so a plan of 4 actions per connector (create, mark ready, 2 connections).
 * bench/http.bench.js carries out the same plan over HTTP, run after run (`run`): then the
 * manifests are those of every run before it (already applied) and `connectors` new ones,
 * r<run>c<i>, whose 4 actions each are the plan.
 */
export function writeApplyManifests(dir, connectors, run) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'connectors'), { recursive: true });
  mkdirSync(join(dir, 'connections'), { recursive: true });
  const runs = run === undefined ? [null] : Array.from({ length: run + 1 }, (_, r) => r);
  for (const r of runs) {
    for (let i = 0; i < connectors; i++) {
      const c = r === null ? `c${i}` : `r${r}c${i}`;
      const n = r === null ? `${i}` : `${r} ${i}`;
      writeFileSync(join(dir, `connectors/${c}.yaml`), `kind: Connector\nlinkName: ${c}\nname: Connector ${n}\nauthentication:\n  type: apiKey\n  parameterKey: key\n`);
      writeFileSync(
        join(dir, `connections/${c}.yaml`),
        `kind: Connection\nlinkName: ${c}_a\nname: A ${n}\nconnector: ${c}\n---\nkind: Connection\nlinkName: ${c}_b\nname: B ${n}\nconnector: ${c}\n`,
      );
    }
  }
}

/** The floor: one single-row INSERT per transaction, nothing else. */
function floor(path, n) {
  rmSync(path, { force: true });
  const db = loadSqlite(`local:${path}`).open(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
  const start = performance.now();
  for (let i = 0; i < n; i++) transaction(db, 'IMMEDIATE', () => insert.run(i, `{"linkName":"c${i}"}`));
  const ms = performance.now() - start;
  db.close();
  return ms;
}
