/**
 * The authorizations a connection holds (Creator 6): one shared by every environment, or one per
 * environment, and for a logged-in user connection one per user. Pure functions over the model,
 * shared by the rules, the planner, the targets and the CLI.
 */
import type { RevokedAuthorization } from './plan.js';
import { ENVIRONMENTS, type Authorization, type AuthorizationEnvironment, type ConnectionRecord, type Environment, type RuleId } from './types.js';

/** An account that does not use environments has one: production (connectorops.yaml's default). */
export const DEFAULT_ENVIRONMENTS: readonly Environment[] = ['production'];

/** The connection fields that decide which authorizations it can hold. */
type Shape = Pick<ConnectionRecord, 'authorizationOwner' | 'sameAuthorizationForAllEnvironments'>;

/** True when the connection holds at least one authorization. */
export function isAuthorized(c: Pick<ConnectionRecord, 'authorizations'>): boolean {
  return c.authorizations.length > 0;
}

/** Two authorizations are the same slot when environment and user agree (the account may differ). */
export function sameSlot(a: Pick<Authorization, 'environment' | 'user'>, b: Pick<Authorization, 'environment' | 'user'>): boolean {
  return a.environment === b.environment && (a.user ?? null) === (b.user ?? null);
}

/** The environments `environments` in Creator's order, each once. */
export function orderedEnvironments(environments: readonly Environment[]): Environment[] {
  return ENVIRONMENTS.filter((e) => environments.includes(e));
}

/**
 * The environments a connection's authorizations are given for: `all` for a shared one, else each
 * of the account's environments.
 */
function authorizationEnvironments(c: Shape, environments: readonly Environment[]): AuthorizationEnvironment[] {
  return c.sameAuthorizationForAllEnvironments ? ['all'] : orderedEnvironments(environments);
}

/**
 * The environments of `environments` where an admin connection holds no authorization (for a
 * shared connection: `['all']` or nothing). A user connection lacks nothing: each user authorizes
 * on first use.
 */
export function environmentsLacking(c: Shape & Pick<ConnectionRecord, 'authorizations'>, environments: readonly Environment[]): AuthorizationEnvironment[] {
  if (c.authorizationOwner === 'user') return [];
  // A shared connection (R18) lacks `all` or nothing: answered without the list and its filter (a
  // 100k plan asks this of every unauthorized connection).
  if (c.sameAuthorizationForAllEnvironments) return c.authorizations.some((a) => a.environment === 'all') ? [] : ['all'];
  return authorizationEnvironments(c, environments).filter((env) => !c.authorizations.some((a) => a.environment === env));
}

/** The connection with `auth` recorded: it takes the place of the one in the same slot. */
export function withAuthorization<C extends Pick<ConnectionRecord, 'authorizations'>>(c: C, auth: Authorization): C {
  return { ...c, authorizations: sortAuthorizations([...c.authorizations.filter((a) => !sameSlot(a, auth)), auth]) };
}

/** Authorizations in a stable order: environment in Creator's order (`all` first), then user. */
export function sortAuthorizations(list: Authorization[]): Authorization[] {
  const rank = (e: AuthorizationEnvironment) => (e === 'all' ? -1 : ENVIRONMENTS.indexOf(e));
  return list.sort((a, b) => rank(a.environment) - rank(b.environment) || (a.user ?? '').localeCompare(b.user ?? ''));
}

/**
 * The authorizations kept when `sameAuthorizationForAllEnvironments` changes (readings in
 * docs/contract-readings.md): true → false, each environment keeps the shared account (nothing is
 * lost; the shared authorization served all three of Creator's environments, so each of the three
 * keeps it); false → true, the production authorization becomes the shared one and the others are gone.
 */
export function reshapeAuthorizations(current: Authorization[], toShared: boolean): { kept: Authorization[]; lost: Authorization[] } {
  if (toShared) {
    const production = current.filter((a) => a.environment === 'production' || a.environment === 'all');
    const kept = production.map((a) => ({ ...a, environment: 'all' as const }));
    const lost = current.filter((a) => !production.includes(a));
    return { kept: dedupe(kept), lost };
  }
  const kept: Authorization[] = [];
  for (const a of current) {
    if (a.environment !== 'all') kept.push(a);
    else for (const env of ENVIRONMENTS) kept.push({ ...a, environment: env });
  }
  return { kept: dedupe(kept), lost: [] };
}

function dedupe(list: Authorization[]): Authorization[] {
  const out: Authorization[] = [];
  for (const a of list) if (!out.some((b) => sameSlot(a, b))) out.push(a);
  return sortAuthorizations(out);
}

/** An authorization in words: `account 'alice'` (shared), `account 'alice' (production)`, `user 'bob' with account 'b@x' (stage)`. */
export function describeAuthorization(a: Authorization): string {
  const where = a.environment === 'all' ? '' : ` (${a.environment})`;
  return a.user !== undefined ? `user '${a.user}' with account '${a.account}'${where}` : `account '${a.account}'${where}`;
}

/**
 * One revocation entry per authorization `c` holds, each lost for `cause` under `rule`. A logged-in
 * user connection's entries say that every user must authorize again, and list the users known.
 */
export function revokedEntries(c: ConnectionRecord, cause: string[], rule: RuleId, lost: Authorization[] = c.authorizations): RevokedAuthorization[] {
  const users = c.authorizationOwner === 'user' ? [...new Set(c.authorizations.flatMap((a) => (a.user !== undefined ? [a.user] : [])))].sort() : [];
  return lost.map((a) => ({
    connection: c.linkName,
    connector: c.connector,
    environment: a.environment,
    account: a.account,
    ...(a.user !== undefined ? { user: a.user } : {}),
    cause: [...cause],
    rule,
    ...(c.authorizationOwner === 'user' ? { everyUser: true as const, users } : {}),
  }));
}

/** Which authorization a person gave or revoked: the environment and, for a user connection, the user. */
export interface AuthorizationWhere {
  environment?: AuthorizationEnvironment;
  user?: string;
  /**
   * A rollout's step for a logged-in user connection: its users were told to authorize it, each
   * for themselves. Nothing is authorized; the step is journaled done (the account is who confirmed it).
   */
  announced?: true;
}

/**
 * The slot an authorization of `c` goes to, or why `where` does not name one: a connection with
 * separate authorizations needs its environment (`needs: 'environment'`), a shared one takes
 * `all` (or no environment); a logged-in user connection needs the user, an admin one refuses one.
 */
export function authorizationSlot(
  c: Pick<ConnectionRecord, 'linkName' | 'authorizationOwner' | 'sameAuthorizationForAllEnvironments'>,
  where: AuthorizationWhere,
): { ok: true; environment: AuthorizationEnvironment; user?: string } | { ok: false; needs?: 'environment'; message: string } {
  let environment: AuthorizationEnvironment;
  if (c.sameAuthorizationForAllEnvironments) {
    if (where.environment !== undefined && where.environment !== 'all') {
      return {
        ok: false,
        message: `connection '${c.linkName}' uses the same authorization for all environments: give no environment (or 'all'), not '${where.environment}'`,
      };
    }
    environment = 'all';
  } else {
    if (where.environment === undefined) {
      return { ok: false, needs: 'environment', message: `connection '${c.linkName}' has one authorization per environment: name the environment` };
    }
    if (where.environment === 'all') {
      return { ok: false, needs: 'environment', message: `connection '${c.linkName}' has one authorization per environment: name one, not 'all'` };
    }
    environment = where.environment;
  }
  if (c.authorizationOwner === 'user') {
    if (where.user === undefined) return { ok: false, message: `connection '${c.linkName}' is a logged-in user connection: name the user who authorized it` };
    return { ok: true, environment, user: where.user };
  }
  if (where.user !== undefined) {
    return { ok: false, message: `connection '${c.linkName}' is an admin connection: an admin authorizes it once, not user '${where.user}'` };
  }
  return { ok: true, environment };
}

/** The authorizations of `c` that `where` names (no environment or user: any). */
export function matchingAuthorizations(c: Pick<ConnectionRecord, 'authorizations'>, where: AuthorizationWhere): Authorization[] {
  return c.authorizations.filter((a) => (where.environment === undefined || a.environment === where.environment) && (where.user === undefined || a.user === where.user));
}
