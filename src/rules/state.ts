/**
 * The invariants every account satisfies, whatever actions led there. `target import` refuses a
 * snapshot that breaks one, and the property tests check them after every simulated action.
 */
import type { ConnectionRecord, ReadonlyState, SecretName } from '../model/types.js';
import { SECRET_PARAMETERS } from '../model/types.js';
import { availableScopes, missingMandatory } from './authentication.js';
import { descriptionProblem, linkNameProblem, nameProblem } from './names.js';
import type { Violation } from './transition.js';

export function checkState(state: ReadonlyState): Violation[] {
  const v: Violation[] = [];
  for (const [key, c] of state.connectors) {
    const at = { kind: 'Connector' as const, linkName: c.linkName };
    if (key !== c.linkName) v.push({ ...at, rule: 'N3', message: `connector keyed '${key}' has link name '${c.linkName}'` });
    const lp = linkNameProblem(c.linkName);
    if (lp) v.push({ ...at, rule: 'N3', message: `link name '${c.linkName}': ${lp}` });
    const np = nameProblem(c.name);
    if (np) v.push({ ...at, rule: 'N1', message: `connector '${c.linkName}': ${np}` });
    const dp = descriptionProblem(c.description);
    if (dp) v.push({ ...at, rule: 'N2', message: `connector '${c.linkName}': ${dp}` });
    for (const secret of Object.keys(c.secretFingerprints) as SecretName[]) {
      if (!SECRET_PARAMETERS[c.authentication.type].includes(secret)) {
        v.push({
          ...at,
          rule: 'S1',
          message: `connector '${c.linkName}' has a fingerprint for ${secret}, which authentication type ${c.authentication.type} does not have`,
        });
      }
    }
    if (c.stage === 'ready') {
      // Secret fingerprints are optional in a snapshot (an imported account): only the
      // non-secret mandatory parameters can be checked here.
      const secrets = new Set<SecretName>(['clientSecret', 'consumerSecret']);
      const missing = missingMandatory(c.authentication, secrets);
      if (missing.length) v.push({ ...at, rule: 'R2', message: `ready connector '${c.linkName}' lacks mandatory parameters: ${missing.join(', ')}` });
    }
  }
  // The connections are most of an account (100k on a big one, checked by every import): nothing
  // is made for a sound one (no object per violation site, no Set of scopes per connection).
  // forEach: no [key, record] pair made per connection either.
  state.connections.forEach((c, key) => {
    if (key !== c.linkName) v.push(connectionViolation(c, 'N3', `connection keyed '${key}' has link name '${c.linkName}'`));
    const lp = linkNameProblem(c.linkName);
    if (lp) v.push(connectionViolation(c, 'N3', `link name '${c.linkName}': ${lp}`));
    const np = nameProblem(c.name);
    if (np) v.push(connectionViolation(c, 'N1', `connection '${c.linkName}': ${np}`));
    if (c.authorizations.length) for (const problem of authorizationProblems(c)) v.push(connectionViolation(c, 'R18', `connection '${c.linkName}': ${problem}`));
    const connector = state.connectors.get(c.connector);
    if (!connector) {
      v.push(connectionViolation(c, 'R9', `connection '${c.linkName}' refers to connector '${c.connector}', which does not exist`));
      return;
    }
    if (connector.stage === 'draft') v.push(connectionViolation(c, 'R6', `connection '${c.linkName}' belongs to connector '${c.connector}', which is in draft`));
    if (c.enabled && !connector.enabled) v.push(connectionViolation(c, 'R16', `connection '${c.linkName}' is enabled but its connector '${c.connector}' is disabled`));
    if (!c.scopes.length) return;
    const auth = connector.authentication;
    if (auth.type !== 'oauth2') {
      v.push(connectionViolation(c, 'scopes', `connection '${c.linkName}' has scopes, but connector '${c.connector}' is not OAuth2`));
      return;
    }
    // availableScopes(auth) without its Set: a connector offers a few scopes.
    if (c.scopes.every((s) => auth.scopes.includes(s))) return;
    const available = availableScopes(auth)!;
    const extra = c.scopes.filter((s) => !available.has(s));
    v.push(connectionViolation(c, 'scopes', `connection '${c.linkName}' has scopes ${extra.join(', ')} that connector '${c.connector}' does not offer`));
  });
  return v;
}

/** A violation of connection `c` (the fields in the order every violation of checkState has them). */
function connectionViolation(c: ConnectionRecord, rule: Violation['rule'], message: string): Violation {
  return { kind: 'Connection', linkName: c.linkName, rule, message };
}

/** What authorizationProblems answers for a sound connection: one empty list, shared. */
const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/**
 * R18: what a connection's authorizations may be, given its settings. A shared connection's are
 * for `all` environments, a separate one's each for one environment; an admin connection holds one
 * per environment and no user, a logged-in user connection one per user and environment.
 */
function authorizationProblems(c: ConnectionRecord): readonly string[] {
  // Checked on every connection of every import (100k): a sound one makes nothing, neither the list
  // nor, with one authorization (most authorized connections), the set of those seen.
  let problems: string[] | undefined;
  const seen = c.authorizations.length > 1 ? new Set<string>() : undefined;
  for (let i = 0; i < c.authorizations.length; i++) {
    const a = c.authorizations[i]!;
    if (seen) {
      const key = `${a.environment}\u0000${a.user ?? ''}`;
      if (seen.has(key)) (problems ??= []).push(`two authorizations for environment '${a.environment}'${a.user !== undefined ? ` by user '${a.user}'` : ''}`);
      seen.add(key);
    }
    if (c.sameAuthorizationForAllEnvironments && a.environment !== 'all') {
      (problems ??= []).push(`it uses the same authorization for all environments, but holds one for '${a.environment}' only`);
    }
    if (!c.sameAuthorizationForAllEnvironments && a.environment === 'all') (problems ??= []).push("it has one authorization per environment, but holds one for 'all'");
    if (c.authorizationOwner === 'admin' && a.user !== undefined) (problems ??= []).push(`it is an admin connection, but holds an authorization by user '${a.user}'`);
    if (c.authorizationOwner === 'user' && a.user === undefined)
      (problems ??= []).push(`it is a logged-in user connection, but holds an authorization (account '${a.account}') without its user`);
  }
  return problems ?? NO_PROBLEMS;
}
