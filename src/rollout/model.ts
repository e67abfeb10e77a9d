/**
 * A rollout (docs/rollouts.md): a plan carried out by a person in Creator's UI, one confirmed step
 * at a time, on a ledger target. Pure: the steps a plan makes, where each step stands, what a
 * `done` request may record, and the state the rollout will reach. The target stores the rollout's
 * document as it is (targets/target.ts `StoredRollout`); step confirmations are its journal.
 */
import * as z from 'zod';
import { UserError } from '../errors.js';
import type { PlannedAction } from '../model/actions.js';
import type { Plan } from '../model/plan.js';
import type { AuthorizationEnvironment, RuleId } from '../model/types.js';
import { parsePlan } from '../model/plan-document.js';
import type { JournalEntry, RolloutEvent, StoredRollout, TargetMode } from '../targets/target.js';
import { authorizationRule, authorizationTasks } from './authorizations.js';
import { agree } from '../util/text.js';
import { safeParse } from '../util/safe-parse.js';

/** What `apply` stores on the target when it opens a rollout. */
export interface RolloutDocument {
  formatVersion: 1;
  id: string;
  /** The plan it carries out (its actions are the steps; no secret values, S2). */
  plan: Plan;
  /** The plan's id (sha256 of its canonical JSON). */
  planId: string;
}

export type RolloutStep =
  | { id: string; kind: 'action'; action: PlannedAction; dependsOn: string[] }
  | {
      id: string;
      kind: 'authorize';
      connection: string;
      /** Where: `all` environments (a shared connection) or one; absent in rollouts opened before environments (`all`). */
      environment?: AuthorizationEnvironment;
      /** Who must authorize: the account whose authorization the plan revokes; null for a new one. */
      account: string | null;
      /**
       * A logged-in user connection: every user authorizes it for themselves, on first use; the step
       * is done when someone confirms that the users were told. `users`: those the target knew.
       */
      everyUser?: { users: string[] };
      rule: RuleId;
      /** Why: revoked (and by what), or new. */
      revoked: boolean;
      dependsOn: string[];
    };

/** A done step: who confirmed it, when, with what note (from the target's journal). */
interface Confirmation {
  by: string;
  at: string;
  note?: string;
}

export type StepStatus = { state: 'done'; confirmation: Confirmation } | { state: 'ready' } | { state: 'waiting'; on: string[] };

/** A rollout as the commands see it: its document, its events, and its done steps. */
export interface Rollout {
  id: string;
  open: boolean;
  plan: Plan;
  planId: string;
  steps: RolloutStep[];
  events: RolloutEvent[];
  done: ReadonlyMap<string, Confirmation>;
}

/** A change recorded on a ledger outside any rollout (`target authorize`), for `rollout log`. */
export interface LedgerEvent {
  at: string;
  by: string;
  op: string;
  linkName: string;
  /** The account that authorized (`connection.authorize`). */
  account?: string;
}

export interface RolloutProgress {
  id: string;
  done: number;
  total: number;
}

/** The id of the n-th authorization step (1-based); action steps keep the plan's ids (a1, a2, …). */
function authorizationStepId(n: number): string {
  return `auth${n}`;
}

/**
 * The steps of a plan: its actions in order with their dependencies, then one step per connection
 * and environment that needs authorization afterwards (new, revoked or replaced; a shared
 * connection: one step; a logged-in user connection: one step for all its users), depending on every action on
 * that connection or its connector, since Creator asks for consent only once they are in place (R11).
 */
export function rolloutSteps(plan: Plan): RolloutStep[] {
  const steps: RolloutStep[] = plan.actions.map((action) => ({ id: action.id, kind: 'action', action, dependsOn: [...action.dependsOn] }));
  const connectorOf = new Map<string, string>();
  for (const a of plan.actions) if (a.op === 'connection.create') connectorOf.set(a.linkName, a.spec.connector);
  for (const r of plan.revokedAuthorizations) if (!connectorOf.has(r.connection)) connectorOf.set(r.connection, r.connector);
  authorizationTasks(plan).forEach((task, i) => {
    const connector = connectorOf.get(task.connection);
    const dependsOn = plan.actions
      .filter((a) => (a.kind === 'Connection' && a.linkName === task.connection) || (a.kind === 'Connector' && connector !== undefined && a.linkName === connector))
      .map((a) => a.id);
    steps.push({
      id: authorizationStepId(i + 1),
      kind: 'authorize',
      connection: task.connection,
      environment: task.environment,
      account: task.everyUser ? null : (task.revoked?.account ?? task.account ?? null),
      ...(task.everyUser ? { everyUser: task.everyUser } : {}),
      rule: authorizationRule(task),
      revoked: task.revoked !== undefined,
      dependsOn,
    });
  });
  return steps;
}

/**
 * Whether apply has nothing to carry out: no action and, on a ledger, no authorization to ask of
 * a person either (a connection left unauthorized, by an abandoned rollout say, gets its step).
 */
export function nothingToCarryOut(plan: Plan, mode: TargetMode): boolean {
  return plan.actions.length === 0 && (mode !== 'ledger' || plan.needsAuthorization.length === 0);
}

const DocumentSchema = z.object({ formatVersion: z.literal(1), id: z.string().min(1), planId: z.string().min(1), plan: z.unknown() });

/** A stored rollout and its journal → a Rollout. A document this connectorops cannot read is a UserError. */
export function rolloutFrom(stored: StoredRollout, journal: readonly JournalEntry[]): Rollout {
  if (!ROLLOUT_ID.test(stored.id)) {
    throw new UserError(`the target holds a rollout whose id is not one connectorops makes (r- and up to 40 of a-z, 0-9); the target is damaged`, {
      hint: 'a rollout id is never edited: restore the target from a backup',
    });
  }
  const parsed = safeParse(DocumentSchema, stored.document);
  if (!parsed.success) {
    throw new UserError(`rollout ${stored.id} was stored by another connectorops: its document is not one this version reads`, {
      hint: 'use the connectorops that opened it, or abandon it with connectorops rollout abandon',
    });
  }
  const plan = parsePlan(parsed.data.plan, `rollout ${stored.id}`);
  const steps = rolloutSteps(plan);
  const ids = new Set(steps.map((s) => s.id));
  const done = new Map<string, Confirmation>();
  for (const e of journal) {
    if (e.status !== 'done' || !ids.has(e.actionId)) continue;
    done.set(e.actionId, { by: e.by ?? 'unknown', at: e.at, ...(e.note !== undefined ? { note: e.note } : {}) });
  }
  return { id: stored.id, open: stored.open, plan, planId: parsed.data.planId, steps, events: stored.events, done };
}

export function progressOf(rollout: Rollout): RolloutProgress {
  return { id: rollout.id, done: rollout.steps.filter((s) => rollout.done.has(s.id)).length, total: rollout.steps.length };
}

export function statusOf(rollout: Rollout, step: RolloutStep): StepStatus {
  const confirmation = rollout.done.get(step.id);
  if (confirmation) return { state: 'done', confirmation };
  const on = step.dependsOn.filter((d) => !rollout.done.has(d));
  return on.length ? { state: 'waiting', on } : { state: 'ready' };
}

/** The steps that can be done now, in order. */
export function readySteps(rollout: Rollout): RolloutStep[] {
  return rollout.steps.filter((s) => statusOf(rollout, s).state === 'ready');
}

export function remainingSteps(rollout: Rollout): RolloutStep[] {
  return rollout.steps.filter((s) => !rollout.done.has(s.id));
}

export function isComplete(rollout: Rollout): boolean {
  return rollout.steps.every((s) => rollout.done.has(s.id));
}

/**
 * Checks a `rollout done STEP…` request and returns the steps to record, in the rollout's order
 * (so that `done a2 a1` records a1 first). A step may depend on one done before it or on one
 * named in the same request. Unknown steps, steps already done and steps whose dependencies are
 * not done are refused, all at once, naming what is missing; nothing is recorded then.
 */
export function checkDoneRequest(rollout: Rollout, requested: readonly string[]): RolloutStep[] {
  if (requested.length === 0)
    throw new UserError('name the steps that are done, e.g. rollout done a1', { hint: 'connectorops rollout next shows the steps that can be done now' });
  const byId = new Map(rollout.steps.map((s) => [s.id, s]));
  const unknown = requested.filter((id) => !byId.has(id));
  if (unknown.length) {
    throw new UserError(`rollout ${rollout.id} has no step ${unknown.join(', ')} (its steps are ${describeIds(rollout.steps.map((s) => s.id))})`, {
      hint: 'connectorops rollout shows every step',
    });
  }
  const wanted = new Set(requested);
  const already = requested.filter((id) => rollout.done.has(id));
  if (already.length) {
    const who = already.map((id) => `${id} (by ${rollout.done.get(id)!.by}, ${rollout.done.get(id)!.at})`);
    throw new UserError(`${agree(already.length, 'step')} ${who.join(', ')} ${agree(already.length, 'is', 'are')} already done; nothing was recorded`);
  }
  const ordered = rollout.steps.filter((s) => wanted.has(s.id));
  const problems: string[] = [];
  for (const step of ordered) {
    const missing = step.dependsOn.filter((d) => !rollout.done.has(d) && !wanted.has(d));
    if (missing.length) problems.push(`${step.id} waits for ${missing.join(', ')}`);
  }
  if (problems.length) {
    throw new UserError(`out of order: ${problems.join('; ')}; nothing was recorded`, {
      hint: 'do those steps first (connectorops rollout next lists what can be done now), or name them in the same rollout done',
    });
  }
  return ordered;
}

function describeIds(ids: string[]): string {
  if (ids.length <= 8) return ids.join(', ');
  return `${ids.slice(0, 8).join(', ')}, … (${ids.length} in all)`;
}

/** A short random rollout id: people type it and GitHub shows it in titles. */
/** What a rollout id is: `r-` and a fixed alphabet. One read from a target is checked against it before it is shown anywhere. */
const ROLLOUT_ID = /^r-[a-z0-9]{1,40}$/;

export function newRolloutId(random: () => string): string {
  return `r-${random()}`;
}
