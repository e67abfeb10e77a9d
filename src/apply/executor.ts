/**
 * The executor: carries out a plan's actions on a target over their `dependsOn` graph, each
 * through the target's journal, and reports exactly what happened to each action: done, failed
 * (with the error and rule id), or not started (with the failure that stopped it). That report is
 * what Terraform cannot give after a failed run (hashicorp/terraform#17681).
 *
 * It carries out only the plan's own actions, never anything else: when an action fails, its
 * dependents are not attempted, and nothing is re-planned here (the caller re-plans afterwards
 * to tell whether the target converged).
 */
import { TargetError, UserError } from '../errors.js';
import { actionSecrets, type ActionBody, type PlannedAction } from '../model/actions.js';
import type { Plan, RevokedAuthorization } from '../model/plan.js';
import { redact } from '../model/redact.js';
import type { SecretName } from '../model/types.js';
import type { JournaledExecutor, JournalEntry, StateReader } from '../targets/target.js';
import { effectPresent } from './confirm.js';
import { runGraph, type NotStartedReason } from './scheduler.js';
import { resolveSecrets } from './resolve-secrets.js';
import { journaledDone, journaledPending } from './stale.js';

/** Concurrency when `--concurrency` is not given (docs/apply.md, "Concurrency"). */
export function defaultConcurrency(targetName: string): number {
  // SQLite takes one writer at a time and the local target commits each action in one
  // transaction: more than one in flight only adds contention. Over HTTP, round trips dominate,
  // and a few actions in flight hide them without hammering the server. A PostgreSQL target
  // orders its writers with a lock of its own, one action at a time, like SQLite.
  return targetName.startsWith('local:') || /^postgres(ql)?:/i.test(targetName) ? 1 : 4;
}

export type ApplyEvent =
  | { type: 'start'; action: PlannedAction; started: number; total: number }
  | { type: 'done'; action: PlannedAction; ms: number; revoked: RevokedAuthorization[]; confirmed: boolean }
  | { type: 'failed'; action: PlannedAction; ms: number; error: string; rule: string | undefined }
  /** Journaled `done` by an earlier run of the same plan: skipped. */
  | { type: 'skipped'; action: PlannedAction };

interface DoneAction {
  action: PlannedAction;
  ms: number;
  /** The target's serial after it; null when the effect was found already in place. */
  serial: number | null;
  revoked: RevokedAuthorization[];
  /**
   * `executed`: now. `journal`: an earlier run of the plan did it. `confirmed`: found in effect
   * after a `pending` entry. `answer-lost`: the call failed, but the target's journal has the
   * action done (the target committed it and the answer never arrived).
   */
  how: 'executed' | 'journal' | 'confirmed' | 'answer-lost';
  /** For `answer-lost`: the error the call ended with. */
  error?: string;
}

interface FailedAction {
  action: PlannedAction;
  ms: number;
  error: string;
  rule: string | undefined;
  hint: string | undefined;
}

interface NotStartedAction {
  action: PlannedAction;
  reason: NotStartedReason;
}

export interface ExecutionResult {
  runId: string;
  total: number;
  /** In plan order; includes actions an earlier run of the plan did (`how: 'journal'`). */
  done: DoneAction[];
  failed: FailedAction[];
  notStarted: NotStartedAction[];
  cancelled: boolean;
  /** Every authorization the actions of this run revoked, as the target reported it. */
  revoked: RevokedAuthorization[];
}

export interface ExecuteOptions {
  /** The journal run id: the plan's id (sha256 of the canonical plan). */
  runId: string;
  concurrency: number;
  env: NodeJS.ProcessEnv;
  /** Stops new actions from starting (SIGINT/SIGTERM); the ones in flight finish. */
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
  /** Action ids known done from the journal (a resume). Read from the target when absent. */
  journal?: readonly JournalEntry[];
}

/**
 * A failed call is not always a failed action: a target can commit an action and lose the answer.
 * The journal entry commits with the effect, so it is the truth: move such actions to `done`.
 * (Their dependents were not started; a rerun of the plan resumes there.)
 */
async function reconcileWithJournal(target: JournaledExecutor, runId: string, result: ExecutionResult): Promise<void> {
  let entries: JournalEntry[];
  try {
    entries = await target.journal(runId);
  } catch {
    return; // The target is unreachable: report the failures as the calls saw them.
  }
  const done = journaledDone(entries);
  result.failed = result.failed.filter((f) => {
    const entry = done.get(f.action.id);
    if (!entry) return true;
    result.done.push({ action: f.action, ms: f.ms, serial: entry.serial, revoked: [], how: 'answer-lost', error: f.error });
    return false;
  });
}

/** The action as the target takes it: the body, without the plan's bookkeeping fields. */
export function actionBody(action: PlannedAction): ActionBody {
  const { id: _id, dependsOn: _dependsOn, rules: _rules, replace: _replace, changes: _changes, reason: _reason, ...body } = action;
  return body;
}

/**
 * Carries out `plan` on `target`. Throws before carrying anything out when a secret is missing
 * (UserError, S1) or changed since the plan (StalePlanError); otherwise it resolves with the
 * outcome of every action, failures included.
 */
export async function executePlan(target: StateReader & JournaledExecutor, plan: Plan, options: ExecuteOptions): Promise<ExecutionResult> {
  if (plan.blocked.length) {
    throw new UserError(`the plan is blocked (${plan.blocked.map((b) => `${b.rule}: ${b.kind.toLowerCase()} '${b.linkName}'`).join(', ')}); nothing was carried out`);
  }
  const byId = new Map(plan.actions.map((a) => [a.id, a]));
  const journal = options.journal ?? (await target.journal(options.runId));
  const planJournal = journal.filter((e) => byId.has(e.actionId));
  const doneEntries = journaledDone(planJournal);
  const pending = journaledPending(planJournal);

  const toRun = plan.actions.filter((a) => !doneEntries.has(a.id));
  // S1: every secret resolved (and checked against the plan's fingerprints) before anything runs.
  const secrets = await resolveSecrets(toRun, options.env, target);

  const result: ExecutionResult = {
    runId: options.runId,
    total: plan.actions.length,
    done: [],
    failed: [],
    notStarted: [],
    cancelled: false,
    revoked: [],
  };
  for (const a of plan.actions) {
    if (!doneEntries.has(a.id)) continue;
    result.done.push({ action: a, ms: 0, serial: doneEntries.get(a.id)!.serial, revoked: [], how: 'journal' });
    options.onEvent?.({ type: 'skipped', action: a });
  }

  let started = doneEntries.size;
  const runOne = async (id: string): Promise<void> => {
    const action = byId.get(id)!;
    started++;
    options.onEvent?.({ type: 'start', action, started, total: plan.actions.length });
    const t0 = performance.now();
    try {
      const values = secrets.values.get(id) ?? {};
      if (pending.has(id)) {
        // An earlier run started this action and never learnt the outcome: look before acting.
        const fingerprints: Partial<Record<SecretName, string>> = {};
        for (const [name, ref] of actionSecrets(action)) {
          const fp = secrets.fingerprints.get(ref.fromEnv);
          if (fp !== undefined) fingerprints[name] = fp;
        }
        const { state } = await target.read();
        if (effectPresent(state, action, fingerprints)) {
          const ms = performance.now() - t0;
          result.done.push({ action, ms, serial: null, revoked: [], how: 'confirmed' });
          options.onEvent?.({ type: 'done', action, ms, revoked: [], confirmed: true });
          return;
        }
      }
      const out = await target.execute(actionBody(action), values, { runId: options.runId, actionId: id });
      const ms = performance.now() - t0;
      result.done.push({ action, ms, serial: out.serial, revoked: out.revoked, how: 'executed' });
      result.revoked.push(...out.revoked);
      options.onEvent?.({ type: 'done', action, ms, revoked: out.revoked, confirmed: false });
    } catch (error) {
      const ms = performance.now() - t0;
      const message = redact(error instanceof Error ? error.message : String(error), secrets.all);
      const details = error instanceof TargetError || error instanceof UserError ? error.details : {};
      const rule = details.rule !== undefined ? String(details.rule) : undefined;
      const hint = details.hint !== undefined ? redact(details.hint, secrets.all) : undefined;
      result.failed.push({ action, ms, error: message, rule, hint });
      options.onEvent?.({ type: 'failed', action, ms, error: message, rule });
      throw error;
    }
  };

  const run = await runGraph(plan.actions, runOne, {
    concurrency: options.concurrency,
    alreadyDone: new Set(doneEntries.keys()),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  result.cancelled = run.cancelled;
  if (result.failed.length) await reconcileWithJournal(target, options.runId, result);
  result.notStarted = run.notStarted.map((n) => ({ action: byId.get(n.id)!, reason: n.reason }));
  const order = new Map(plan.actions.map((a, i) => [a.id, i]));
  const byOrder = (x: { action: PlannedAction }, y: { action: PlannedAction }) => order.get(x.action.id)! - order.get(y.action.id)!;
  result.done.sort(byOrder);
  result.failed.sort(byOrder);
  return result;
}
