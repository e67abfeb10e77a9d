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
import { executeEach, type BatchAction, type BatchOutcome, type JournaledExecutor, type JournalEntry, type StateReader } from '../targets/target.js';
import { effectPresent } from './confirm.js';
import { runGroups, type NodeOutcome, type NotStartedReason } from './scheduler.js';
import { resolveSecrets } from './resolve-secrets.js';
import { journaledDone, journaledPending } from './stale.js';

/**
 * The most actions in one group on a target that commits groups (`Target.groupCommit`). The
 * commit is paid once a group: at 64 it is under a microsecond an action (~43 µs on the local
 * target), so larger groups gain nothing measurable, while a group holds the store's write lock
 * for its whole time (~2–4 ms: other writers of the file wait that long at most), is what a
 * SIGINT/SIGTERM waits for, what a kill -9 loses (and the resume redoes), and comes back as one
 * burst of progress. It is also `--concurrency`'s most, and the HTTP client's batch's.
 */
export const GROUP_LIMIT = 64;

/**
 * Concurrency when `--concurrency` is not given (docs/apply.md, "Concurrency"): the most actions
 * in flight (started, not yet answered).
 */
export function defaultConcurrency(targetName: string, target: Pick<JournaledExecutor, 'groupCommit' | 'executeBatch'>): number {
  // A target that commits groups (the local target) takes the actions ready together in one
  // transaction: as many in flight as a group may hold. Over HTTP, round trips dominate, and a few
  // actions in flight hide them without hammering the server. A PostgreSQL target orders its
  // writers with a lock of its own, one action at a time. A `local:` target that does not offer
  // groups (only a wrapper that hides them, as a test's does) takes one at a time, as SQLite takes
  // one writer at a time.
  if (groupsOf(target)) return GROUP_LIMIT;
  return targetName.startsWith('local:') || /^postgres(ql)?:/i.test(targetName) ? 1 : 4;
}

/** Whether `target` commits the actions of an `executeBatch` together: then apply hands it groups. */
function groupsOf(target: Pick<JournaledExecutor, 'groupCommit' | 'executeBatch'>): boolean {
  return target.groupCommit === true && typeof target.executeBatch === 'function';
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
  const begin = (action: PlannedAction) => {
    started++;
    options.onEvent?.({ type: 'start', action, started, total: plan.actions.length });
  };
  const executed = (action: PlannedAction, ms: number, out: { serial: number; revoked: RevokedAuthorization[] }) => {
    result.done.push({ action, ms, serial: out.serial, revoked: out.revoked, how: 'executed' });
    result.revoked.push(...out.revoked);
    options.onEvent?.({ type: 'done', action, ms, revoked: out.revoked, confirmed: false });
  };
  const confirmed = (action: PlannedAction, ms: number) => {
    result.done.push({ action, ms, serial: null, revoked: [], how: 'confirmed' });
    options.onEvent?.({ type: 'done', action, ms, revoked: [], confirmed: true });
  };
  const failed = (action: PlannedAction, ms: number, error: unknown) => {
    const message = redact(error instanceof Error ? error.message : String(error), secrets.all);
    const details = error instanceof TargetError || error instanceof UserError ? error.details : {};
    const rule = details.rule !== undefined ? String(details.rule) : undefined;
    const hint = details.hint !== undefined ? redact(details.hint, secrets.all) : undefined;
    result.failed.push({ action, ms, error: message, rule, hint });
    options.onEvent?.({ type: 'failed', action, ms, error: message, rule });
  };
  /** The fingerprints the plan recorded for the secrets `action` sends: what confirming its effect compares. */
  const fingerprintsOf = (action: PlannedAction) => {
    const fingerprints: Partial<Record<SecretName, string>> = {};
    for (const [name, ref] of actionSecrets(action)) {
      const fp = secrets.fingerprints.get(ref.fromEnv);
      if (fp !== undefined) fingerprints[name] = fp;
    }
    return fingerprints;
  };
  const journalOf = (id: string) => ({ runId: options.runId, actionId: id });

  const groups = groupsOf(target);
  /**
   * A group (runGroups: actions ready together, so independent of each other), carried out in
   * the group's order, each judged, journaled and answered on its own: on a target that commits
   * groups, in one `executeBatch` (one store transaction); on any other, one `execute` after
   * another (its groups are of one action). Each starts now and is reported done or failed only
   * once the target has answered, which is after its commit: nothing is reported done before it
   * is in the store. `ms` is the group's time, from its start to that answer, for each action of
   * it. A `pending` entry (an earlier run started the action and never learnt the outcome) is
   * looked at first, before acting, with one read for the group's (the other actions of the group
   * are independent of it, as those in flight beside it are at a concurrency above 1).
   */
  const runGroup = async (ids: readonly string[]): Promise<Array<NodeOutcome<void>>> => {
    const actions = ids.map((id) => byId.get(id)!);
    actions.forEach(begin);
    const t0 = performance.now();
    const looked = new Map<number, { confirmed: true } | { error: unknown }>();
    const pendingAt = ids.flatMap((id, i) => (pending.has(id) ? [i] : []));
    if (pendingAt.length) {
      try {
        const { state } = await target.read();
        for (const i of pendingAt) if (effectPresent(state, actions[i]!, fingerprintsOf(actions[i]!))) looked.set(i, { confirmed: true });
      } catch (error) {
        for (const i of pendingAt) looked.set(i, { error });
      }
    }
    const sent = ids.flatMap((_, i) => (looked.has(i) ? [] : [i]));
    const batch: BatchAction[] = sent.map((i) => ({ action: actionBody(actions[i]!), secrets: secrets.values.get(ids[i]!) ?? {}, journal: journalOf(ids[i]!) }));
    let answers: BatchOutcome[];
    try {
      answers = !batch.length ? [] : groups ? await target.executeBatch!(batch) : await executeEach(target, batch);
    } catch (error) {
      // Neither rejects; if one did, nothing of the group is known done.
      answers = batch.map(() => ({ ok: false, error }));
    }
    const ms = performance.now() - t0;
    const answerOf = new Map(sent.map((i, k) => [i, answers[k]]));
    return actions.map((action, i): NodeOutcome<void> => {
      const look = looked.get(i);
      const answer = look ? undefined : answerOf.get(i);
      if (look && 'confirmed' in look) {
        confirmed(action, ms);
        return { ok: true, value: undefined };
      }
      if (answer?.ok) {
        executed(action, ms, answer.result);
        return { ok: true, value: undefined };
      }
      const error = look ? look.error : answer ? answer.error : new TargetError(`the target did not answer for ${action.op} '${action.linkName}'`);
      failed(action, ms, error);
      return { ok: false, error };
    });
  };

  const run = await runGroups(plan.actions, runGroup, {
    // One group in flight at most: a second would only queue for the store's writer, its actions
    // reported started while they wait (the library's caller may ask for more than the CLI allows).
    concurrency: groups ? Math.min(options.concurrency, GROUP_LIMIT) : options.concurrency,
    groupLimit: groups ? GROUP_LIMIT : 1,
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
