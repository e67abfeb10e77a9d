/**
 * Which authorizations a person must give after apply, per environment and per user (Creator 6).
 * Which connections are candidates (created, revoked, …) is decided by the caller; this expands
 * each one into what it lacks in the plan's final state, so the two can change independently.
 */
import { environmentsLacking, isAuthorized } from '../model/authorizations.js';
import type { NeededAuthorization, RevokedAuthorization } from '../model/plan.js';
import type { ConnectionRecord, Environment, State } from '../model/types.js';
import { byString } from '../util/text.js';
import { isSorted } from './sorted.js';

/**
 * For each candidate connection in `final`: an admin connection gets one entry per environment it
 * lacks (`all` for a shared one), with the account that held it when the plan revoked it; a
 * logged-in user connection that holds no authorization gets one entry: every user authorizes
 * it, each on first use.
 */
export function neededAuthorizations(
  candidates: readonly string[],
  final: State,
  environments: readonly Environment[],
  revoked: readonly RevokedAuthorization[],
): NeededAuthorization[] {
  // Indexed once: a scan of `revoked` per candidate made a large plan quadratic.
  const lostBy = new Map<string, RevokedAuthorization[]>();
  for (const r of revoked) {
    const list = lostBy.get(r.connection);
    if (list) list.push(r);
    else lostBy.set(r.connection, [r]);
  }
  const out: NeededAuthorization[] = [];
  // The planner hands them over sorted already (tens of thousands at 100k resources): sorted
  // again only when they are not.
  const sorted = isSorted(candidates) ? candidates : [...candidates].sort(byString);
  for (const linkName of sorted) {
    const c = final.connections.get(linkName);
    if (c) for (const need of neededFor(c, environments, lostBy.get(linkName) ?? [])) out.push(need);
  }
  return out;
}

/** What one connection lacks in `environments` (see neededAuthorizations); `lost`: its revoked authorizations. */
function neededFor(c: ConnectionRecord, environments: readonly Environment[], lost: readonly RevokedAuthorization[]): NeededAuthorization[] {
  if (c.authorizationOwner === 'user') {
    if (isAuthorized(c)) return [];
    const users = [...new Set(lost.flatMap((r) => (r.user !== undefined ? [r.user] : [])))].sort(byString);
    return [{ connection: c.linkName, environment: 'all', everyUser: true, users }];
  }
  return environmentsLacking(c, environments).map((environment) => {
    const before = lost.find((r) => r.environment === environment) ?? lost.find((r) => r.environment === 'all');
    return { connection: c.linkName, environment, ...(before ? { account: before.account } : {}) };
  });
}
