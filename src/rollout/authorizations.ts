/**
 * Who must authorize what after a plan is carried out (R11): every revoked authorization (by its
 * account) and every connection the plan lists as needing one. Pure: the rollout's authorize steps
 * (model.ts) and the renderers' "authorize" sections are made from it.
 */
import type { Plan, RevokedAuthorization } from '../model/plan.js';
import type { RuleId } from '../model/types.js';

/** True when the connection itself goes away with its authorization (the manifests drop it). */
export function isDeletion(revoked: RevokedAuthorization): boolean {
  return revoked.cause.includes('deleted');
}

/** How each connection in `needsAuthorization` gets authorized, and by whom. */
export interface AuthorizationTask {
  connection: string;
  /** The account whose authorization was revoked: that person reauthorizes. */
  account?: string;
  /** The connection is created by this plan (R11). */
  isNew: boolean;
  revoked?: RevokedAuthorization;
}

/**
 * The authorizations a person must give after apply: every connection the plan lists as needing
 * authorization, each once, revoked ones first (by the account whose authorization was revoked).
 */
export function authorizationTasks(plan: Plan): AuthorizationTask[] {
  const created = new Set(plan.actions.filter((a) => a.op === 'connection.create').map((a) => a.linkName));
  const tasks = new Map<string, AuthorizationTask>();
  // Only what can be authorized after apply (plan/make.ts decides): a revoked connection that
  // stays disabled, or whose connector does, waits until it is enabled (R11).
  const needed = new Set(plan.needsAuthorization);
  for (const r of plan.revokedAuthorizations) {
    // A deleted connection needs nobody; the one that takes its place (a linkName change) does.
    const connection = isDeletion(r) ? r.replacedBy : r.connection;
    if (connection !== undefined && needed.has(connection) && !tasks.has(connection))
      tasks.set(connection, { connection, account: r.account, isNew: created.has(connection), revoked: r });
  }
  for (const c of plan.needsAuthorization) {
    if (!tasks.has(c)) tasks.set(c, { connection: c, isNew: created.has(c) });
  }
  return [...tasks.values()];
}

/** The rule behind an authorization task, for the bracket after it. */
export function authorizationRule(task: AuthorizationTask): RuleId {
  // R11: authorizing is a person's step on the consent screen, whether the connection is new or not.
  return task.revoked?.rule ?? 'R11';
}
