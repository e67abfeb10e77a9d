/**
 * The apply workflow (docs/apply.md), for the CLI and the library alike: a function with typed
 * options and a typed result, reporting progress as events. It writes nothing to any stream.
 *
 * The order matters and is the point of this file:
 *   1. resolve the target and take its lock, BEFORE planning or checking a saved plan, so that
 *      nothing changes between "this plan is fresh" and "carried out";
 *   2. a saved plan is checked for staleness (serial, digest, manifests, target, secrets) or
 *      recognised as a resume of its own partial run; without one, plan now, show it (a `plan`
 *      event), and ask (`confirm`, or `autoApprove`). Either way a blocked plan is refused;
 *   3. execute over the dependsOn graph, through the journal (a ledger target: open a rollout);
 *   4. converge: re-plan; `unconverged` lists what is left.
 * The lock is released in `finally`. `signal` stops new actions from starting; the ones in flight
 * finish first (the CLI aborts it on SIGINT/SIGTERM).
 */
import { resolve } from 'node:path';
import { UserError, type Diagnostic } from '../errors.js';
import { resolveTargetSpec } from '../manifest/config.js';
import { planId } from '../model/plan-document.js';
import type { Plan } from '../model/plan.js';
import type { State } from '../model/types.js';
import { loadForPlan, planAgainst, type LoadedForPlan } from '../plan/run.js';
import { readPlanFile } from '../planfile/file.js';
import { nothingToCarryOut, progressOf, type Rollout } from '../rollout/model.js';
import { openRolloutFor, openRolloutOf } from '../rollout/run.js';
import { openTarget as defaultOpenTarget, type OpenTargetOptions, type RetryEvent } from '../targets/index.js';
import { newLocalFile, removeNewLocalFile, stillUnused } from '../targets/new-local-file.js';
import type { JournaledExecutor, LockInfo, RolloutStore, StateReader, StateSnapshot, Target, TargetMode } from '../targets/target.js';
import { targetFlagsText } from '../util/shell.js';
import { targetIdentity } from '../util/target-identity.js';
import { plural } from '../util/text.js';
import { unconverged } from './converge.js';
import { defaultConcurrency, executePlan, type ApplyEvent, type ExecutionResult } from './executor.js';
import { takeLock } from './lock.js';
import { StalePlanError, checkFreshness } from './stale.js';

export interface ApplyOptions {
  /** The directory relative paths are taken from (`--dir`, a plan file, a `local:` target). */
  cwd: string;
  /** Where secrets, tokens and the configured targets' variables are read from. */
  env: NodeJS.ProcessEnv;
  /** The directory that holds connectors/ and connections/ (default: `cwd`). */
  dir?: string;
  /** A target spec or a name from connectorops.yaml (default: the configuration's). */
  target?: string;
  /** A saved plan (`plan --out FILE`) to carry out exactly; without one, plan now. */
  planFile?: string;
  /** Carry out a fresh plan without asking. */
  autoApprove?: boolean;
  /** Asks a person whether to carry out the fresh plan just shown (a `plan` event). Without it (and without autoApprove), a fresh plan is refused. */
  confirm?: (signal: AbortSignal) => Promise<boolean>;
  allowReplace?: boolean;
  allowEmpty?: boolean;
  /** Independent actions in flight at once (default: 64 for local:, in groups; 1 for PostgreSQL; 4 for HTTP). */
  concurrency?: number;
  /** Wait up to this long for a held lock (default: fail at once). */
  lockTimeoutSeconds?: number;
  /** Who opens a rollout on a ledger target. */
  actor: string;
  /** Stops new actions from starting; those in flight finish. */
  signal?: AbortSignal;
  onEvent?: (event: ApplyWorkflowEvent) => void;
  /** How a target spec becomes a Target (default: the real one; tests wrap it). */
  openTarget?: (spec: string, options: OpenTargetOptions) => Promise<Target>;
}

/** Progress, in the order it happens. `start`/`done`/`failed`/`skipped` are the executor's, per action. */
export type ApplyWorkflowEvent =
  | { type: 'diagnostic'; diagnostic: Diagnostic }
  /** The target's lock is ours; `release` lets go of it at once (a second SIGINT). */
  | { type: 'locked'; lock: LockInfo; release: () => Promise<void> }
  /** Waiting for the lock, or a dead holder's lock taken over: a line for people. */
  | { type: 'note'; line: string }
  /** A request to the target failed for the network's sake and is being retried. */
  | { type: 'retried'; retry: RetryEvent }
  /** A saved plan's earlier, partial run: what it did is skipped. */
  | { type: 'resuming'; runId: string; planFile: string; done: number; total: number; fromSerial: number; toSerial: number }
  /** A plan to show: a fresh one before it is approved, or a blocked one before it is refused. */
  | { type: 'plan'; plan: Plan }
  | { type: 'started'; plan: Plan; runId: string; concurrency: number }
  | ApplyEvent
  | { type: 'finished'; result: ApplyResult };

export type ApplyResult =
  /** Nothing to carry out. `saved`: a saved plan's (then convergence was checked: `unconverged`). */
  | { kind: 'nothing-to-do'; saved: boolean; unconverged: string[] }
  /** Stopped (`signal`) before anything was carried out. */
  | { kind: 'interrupted' }
  /** The person did not approve the fresh plan. */
  | { kind: 'declined' }
  /** A ledger target: the plan became a rollout, for people to carry out. */
  | { kind: 'rollout-opened'; rollout: Rollout; targetName: string }
  /**
   * Carried out (perhaps partly). `unconverged` is null when convergence was not checked (an
   * action failed or was not started, or the run was cancelled).
   */
  | { kind: 'executed'; plan: Plan; runId: string; execution: ExecutionResult; after: State; retries: number; unconverged: string[] | null };

interface Run {
  options: ApplyOptions;
  dir: string;
  /** Under the lock: read, executed and journaled, a rollout opened (the lock and closing stay with `applyPlan`). */
  target: StateReader & JournaledExecutor & RolloutStore;
  loaded: LoadedForPlan;
  planFile: string | undefined;
  signal: AbortSignal;
  emit: (event: ApplyWorkflowEvent) => void;
  retries: { count: number };
}

/** Carries a plan out (the file's header). Throws UserError/TargetError for what stops it before the plan runs. */
export async function applyWorkflow(options: ApplyOptions): Promise<ApplyResult> {
  const emit = options.onEvent ?? (() => {});
  const planFile = options.planFile !== undefined ? resolve(options.cwd, options.planFile) : undefined;
  // A saved plan is read before anything else: a bad file should fail before we lock anything.
  const saved = planFile ? await readPlanFile(planFile) : undefined;
  const loaded = await loadForPlan({
    cwd: options.cwd,
    env: options.env,
    ...(options.dir !== undefined ? { dir: options.dir } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
    // A saved plan is carried out as it is: the commit of the manifests now would only name the
    // re-plan's source, which nothing shows; spawning git for it is a share of a large apply (issue 25).
    ...(saved ? { commit: false } : {}),
  });
  for (const diagnostic of loaded.diagnostics) emit({ type: 'diagnostic', diagnostic });

  // Over HTTP, requests that failed for the network's sake are retried (targets/http/client.ts).
  const retries = { count: 0 };
  const onRetry = (retry: RetryEvent) => {
    retries.count++;
    emit({ type: 'retried', retry });
  };
  const open = options.openTarget ?? defaultOpenTarget;
  // A local target this apply creates is removed again when nothing was carried out on it: a
  // command that says "nothing was carried out" leaves no file behind.
  const created = newLocalFile(loaded.targetSpec, options.cwd);
  let unused = false;
  const target = await open(loaded.targetSpec, { name: loaded.targetName, cwd: options.cwd, env: options.env, onRetry, create: true });
  try {
    const note = (line: string) => emit({ type: 'note', line });
    const lock = await takeLock(target, { ...(options.lockTimeoutSeconds !== undefined ? { timeoutSeconds: options.lockTimeoutSeconds } : {}), log: note });
    try {
      emit({ type: 'locked', lock, release: () => target.releaseLock(lock.id) });
      const signal = options.signal ?? new AbortController().signal;
      const result = await underLock({ options, dir: resolve(options.cwd, options.dir ?? '.'), target, loaded, planFile, signal, emit, retries }, saved);
      emit({ type: 'finished', result });
      return result;
    } finally {
      await target.releaseLock(lock.id);
      // Nothing recorded on it (serial 0, never initialized): nothing was carried out.
      if (created) unused = await stillUnused(target).catch(() => false);
    }
  } finally {
    await target.close();
    if (created && unused) removeNewLocalFile(created);
  }
}

async function underLock(run: Run, saved: Plan | undefined): Promise<ApplyResult> {
  // A ledger target stands for a real account: apply opens a rollout instead of executing, and
  // a target has at most one open rollout (docs/rollouts.md).
  const { mode } = await run.target.info();
  if (mode === 'ledger') await refuseOpenRollout(run);
  const decided = saved ? await checkSaved(run, saved, mode) : await planFresh(run, mode);
  if ('result' in decided) return decided.result;
  if (mode === 'ledger') {
    const rollout = await openRolloutFor(run.target, decided.plan, run.options.actor);
    return { kind: 'rollout-opened', rollout, targetName: run.loaded.targetName };
  }
  return execute(run, decided.plan, decided.runId);
}

/**
 * What a step before execution decided: carry `plan` out, or stop with this result. `runId`: the
 * plan's id, when the step computed it already (it hashes the whole plan).
 */
type Decision = { plan: Plan; runId?: string } | { result: ApplyResult };

async function refuseOpenRollout(run: Run): Promise<void> {
  const open = await openRolloutOf(run.target);
  if (!open) return;
  const p = progressOf(open);
  throw new UserError(`target ${run.loaded.targetName} has an open rollout, ${open.id} (${p.done} of ${p.total} steps done); nothing was opened`, {
    hint: `finish it (connectorops rollout next${where(run)}, then connectorops rollout done STEP…${where(run)}) or abandon it (connectorops rollout abandon${where(run)}); then run apply again`,
  });
}

/**
 * A saved plan: refused when stale, recognised as a resume of its own partial run (what is done is
 * skipped), refused when blocked. One with nothing to do goes straight to the convergence check.
 */
async function checkSaved(run: Run, plan: Plan, mode: TargetMode): Promise<Decision> {
  const { target, loaded } = run;
  const runId = planId(plan);
  const [now, journal] = await Promise.all([target.read(), target.journal(runId)]);
  // The plan names its target as the user typed it; the same target typed another way (a
  // relative path from another directory, a configured name) is still the same target.
  const resolved = resolvesTo(plan.target, run);
  const sameTarget = plan.target === loaded.targetName || (resolved !== null && targetIdentity(resolved) === targetIdentity(loaded.targetSpec));
  const freshness = checkFreshness(
    plan,
    {
      target: sameTarget ? plan.target : loaded.targetName,
      serial: now.serial,
      digest: now.digest,
      manifestDigest: loaded.manifests.manifestDigest,
      codeUsages: loaded.manifests.usages?.usages ?? [],
      secretRefs: new Map([...loaded.manifests.desired.connectors].map(([linkName, c]) => [linkName, c.secrets])),
    },
    journal,
  );
  if (freshness.kind === 'stale') throw new StalePlanError(freshness.reasons);
  if (freshness.kind === 'resume') {
    const { done, lastSerial } = freshness;
    run.emit({
      type: 'resuming',
      runId,
      planFile: run.planFile ?? '',
      done: done.size,
      total: plan.actions.length,
      fromSerial: plan.base.stateSerial,
      toSerial: lastSerial,
    });
  }
  refuseBlocked(run, plan, 'resolve what blocks it, then make a new plan');
  if (nothingToCarryOut(plan, mode)) return { result: { kind: 'nothing-to-do', saved: true, unconverged: await converge(run, plan, null) } };
  return { plan, runId };
}

/** No saved plan: plan now, under the lock; show the plan and ask (or take autoApprove). */
async function planFresh(run: Run, mode: TargetMode): Promise<Decision> {
  const { options, signal } = run;
  const plan = await planAgainst(run.target, run.loaded, { allowReplace: options.allowReplace ?? false, env: options.env, allowEmpty: options.allowEmpty ?? false });
  if (signal.aborted) return { result: { kind: 'interrupted' } };
  refuseBlocked(run, plan, 'resolve what blocks it (see above), then run apply again');
  if (nothingToCarryOut(plan, mode)) return { result: { kind: 'nothing-to-do', saved: false, unconverged: [] } };
  run.emit({ type: 'plan', plan });
  if (options.autoApprove) return { plan };
  if (!options.confirm) {
    throw new UserError('apply needs approval, and there is no terminal to ask on; nothing was carried out', {
      hint: 'review the plan above and run apply --auto-approve, or save it with plan --out FILE and apply that file',
    });
  }
  const approved = await options.confirm(signal);
  if (signal.aborted) return { result: { kind: 'interrupted' } };
  return approved ? { plan } : { result: { kind: 'declined' } };
}

/** A blocked plan is shown, then refused: nothing of it is carried out. `hint`: what to do next. */
function refuseBlocked(run: Run, plan: Plan, hint: string): void {
  if (!plan.blocked.length) return;
  run.emit({ type: 'plan', plan });
  throw new UserError(`the plan is blocked (${plural(plan.blocked.length, 'item')}); nothing was carried out`, { hint });
}

/** Step 3: carry the plan out over the dependsOn graph, through the journal; then converge. */
async function execute(run: Run, plan: Plan, knownRunId: string | undefined): Promise<ApplyResult> {
  const { target, options } = run;
  const runId = knownRunId ?? planId(plan);
  const concurrency = options.concurrency ?? defaultConcurrency(run.loaded.targetSpec, target);
  run.emit({ type: 'started', plan, runId, concurrency });
  const execution = await executePlan(target, plan, { runId, concurrency, env: options.env, signal: run.signal, onEvent: run.emit });
  const after = await target.read();
  const finished = !execution.cancelled && !execution.failed.length && !execution.notStarted.length;
  return {
    kind: 'executed',
    plan,
    runId,
    execution,
    after: after.state,
    retries: run.retries.count,
    unconverged: finished ? await converge(run, plan, after) : null,
  };
}

/** Step 4: plan again; what is left means the target did not converge. */
async function converge(run: Run, applied: Plan, after: StateSnapshot | null): Promise<string[]> {
  // The plan carried out was reviewed (a saved plan of empty manifests was made with --allow-empty):
  // what is left to check is convergence, not whether emptying the target was meant.
  const again = await planAgainst(run.target, run.loaded, {
    allowReplace: run.options.allowReplace ?? false,
    env: run.options.env,
    allowEmpty: true,
    ...(after ? { snapshot: after } : {}),
  });
  return unconverged(applied, again);
}

function resolvesTo(name: string, run: Run): string | null {
  try {
    return resolveTargetSpec(name, run.loaded.manifests.config, run.dir, run.options.cwd, run.options.env);
  } catch {
    return null;
  }
}

/** ` --target T --dir D` as given, for a command the person may paste (no password: util/shell.ts). */
function where(run: Run): string {
  return targetFlagsText({ target: run.options.target, dir: run.options.dir });
}
