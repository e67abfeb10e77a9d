/**
 * Who must authorize what after a plan is carried out (R11), per environment and user: every
 * revoked authorization (by its account) and every connection the plan lists as needing one. Pure: the rollout's authorize steps
 * (model.ts) and the renderers' "authorize" sections are made from it.
 */
import type { Plan, RevokedAuthorization } from '../model/plan.js';
import type { AuthorizationEnvironment, RuleId } from '../model/types.js';

/** True when the connection itself goes away with its authorization (the manifests drop it). */
export function isDeletion(revoked: RevokedAuthorization): boolean {
  return revoked.cause.includes('deleted');
}

/** How each connection in `needsAuthorization` gets authorized, in which environment, and by whom. */
export interface AuthorizationTask {
  connection: string;
  /** Where: `all` environments (a shared connection), or one environment. */
  environment: AuthorizationEnvironment;
  /** The account whose authorization was revoked: that person reauthorizes (Reuse the account). */
  account?: string;
  /** The connection is created by this plan (R11). */
  isNew: boolean;
  revoked?: RevokedAuthorization;
  /** A logged-in user connection: every user authorizes it for themselves; `users` are those the target knew. */
  everyUser?: { users: string[] };
}

/**
 * The authorizations a person must give after apply, one per connection and environment that
 * needs one (a logged-in user connection: one, for every user), revoked ones first. Only
 * connections the plan lists in `needsAuthorization` (plan/make.ts decides): a revoked connection
 * that stays disabled, or whose connector does, waits until it is enabled (R11). A version 1 plan
 * (no `authorizationsNeeded`) gets one per connection, for all environments.
 */
export function authorizationTasks(plan: Plan): AuthorizationTask[] {
  const created = new Set(plan.actions.filter((a) => a.op === 'connection.create').map((a) => a.linkName));
  const authorizable = new Set(plan.needsAuthorization);
  // A deleted connection needs nobody; the one that takes its place (a linkName change) does.
  const revokedFor = (connection: string, environment: AuthorizationEnvironment) => {
    const mine = plan.revokedAuthorizations.filter((r) => (isDeletion(r) ? r.replacedBy : r.connection) === connection);
    return mine.find((r) => r.environment === environment) ?? mine.find((r) => r.environment === 'all') ?? (environment === 'all' ? mine[0] : undefined);
  };
  // A connection listed without its environments (a version 1 plan): one task for all environments.
  const detailed = new Set(plan.authorizationsNeeded.map((n) => n.connection));
  const needed = [
    ...plan.authorizationsNeeded.map((n) => ({ connection: n.connection, environment: n.environment, everyUser: n.everyUser === true ? (n.users ?? []) : null })),
    ...legacyNeeded(plan).filter((n) => !detailed.has(n.connection)),
  ].filter((n) => authorizable.has(n.connection));
  const tasks: AuthorizationTask[] = needed.map((n) => {
    const revoked = revokedFor(n.connection, n.environment);
    return {
      connection: n.connection,
      environment: n.environment,
      ...(revoked && n.everyUser === null ? { account: revoked.account } : {}),
      isNew: created.has(n.connection),
      ...(revoked ? { revoked } : {}),
      ...(n.everyUser !== null ? { everyUser: { users: n.everyUser } } : {}),
    };
  });
  // Revoked ones first, in the plan's order otherwise.
  return [...tasks.filter((t) => t.revoked), ...tasks.filter((t) => !t.revoked)];
}

/** A version 1 plan's tasks: every revoked connection, then each one the plan lists, once, for all environments. */
function legacyNeeded(plan: Plan): Array<{ connection: string; environment: AuthorizationEnvironment; everyUser: null }> {
  const names = new Set<string>();
  for (const r of plan.revokedAuthorizations) {
    const connection = isDeletion(r) ? r.replacedBy : r.connection;
    if (connection !== undefined) names.add(connection);
  }
  for (const c of plan.needsAuthorization) names.add(c);
  return [...names].map((connection) => ({ connection, environment: 'all' as const, everyUser: null }));
}

/** The rule behind an authorization task, for the bracket after it. */
export function authorizationRule(task: AuthorizationTask): RuleId {
  // R11: authorizing is a person's step on the consent screen, whether the connection is new or not.
  return task.revoked?.rule ?? 'R11';
}
