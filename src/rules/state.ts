/**
 * The invariants every account satisfies, whatever actions led there. `target import` refuses a
 * snapshot that breaks one, and the property tests check them after every simulated action.
 */
import type { ConnectionRecord, SecretName, State } from '../model/types.js';
import { SECRET_PARAMETERS } from '../model/types.js';
import { availableScopes, missingMandatory } from './authentication.js';
import { descriptionProblem, linkNameProblem, nameProblem } from './names.js';
import type { Violation } from './transition.js';

export function checkState(state: State): Violation[] {
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
  for (const [key, c] of state.connections) {
    const at = { kind: 'Connection' as const, linkName: c.linkName };
    if (key !== c.linkName) v.push({ ...at, rule: 'N3', message: `connection keyed '${key}' has link name '${c.linkName}'` });
    const lp = linkNameProblem(c.linkName);
    if (lp) v.push({ ...at, rule: 'N3', message: `link name '${c.linkName}': ${lp}` });
    const np = nameProblem(c.name);
    if (np) v.push({ ...at, rule: 'N1', message: `connection '${c.linkName}': ${np}` });
    for (const problem of authorizationProblems(c)) v.push({ ...at, rule: 'R18', message: `connection '${c.linkName}': ${problem}` });
    const connector = state.connectors.get(c.connector);
    if (!connector) {
      v.push({ ...at, rule: 'R9', message: `connection '${c.linkName}' refers to connector '${c.connector}', which does not exist` });
      continue;
    }
    if (connector.stage === 'draft') v.push({ ...at, rule: 'R6', message: `connection '${c.linkName}' belongs to connector '${c.connector}', which is in draft` });
    if (c.enabled && !connector.enabled) v.push({ ...at, rule: 'R16', message: `connection '${c.linkName}' is enabled but its connector '${c.connector}' is disabled` });
    const available = availableScopes(connector.authentication);
    if (!available && c.scopes.length) v.push({ ...at, rule: 'scopes', message: `connection '${c.linkName}' has scopes, but connector '${c.connector}' is not OAuth2` });
    if (available) {
      const extra = c.scopes.filter((s) => !available.has(s));
      if (extra.length)
        v.push({ ...at, rule: 'scopes', message: `connection '${c.linkName}' has scopes ${extra.join(', ')} that connector '${c.connector}' does not offer` });
    }
  }
  return v;
}

/**
 * R18: what a connection's authorizations may be, given its settings. A shared connection's are
 * for `all` environments, a separate one's each for one environment; an admin connection holds one
 * per environment and no user, a logged-in user connection one per user and environment.
 */
function authorizationProblems(c: ConnectionRecord): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const a of c.authorizations) {
    const key = `${a.environment}\u0000${a.user ?? ''}`;
    const who = a.user !== undefined ? ` by user '${a.user}'` : '';
    if (seen.has(key)) problems.push(`two authorizations for environment '${a.environment}'${who}`);
    seen.add(key);
    if (c.sameAuthorizationForAllEnvironments && a.environment !== 'all') {
      problems.push(`it uses the same authorization for all environments, but holds one for '${a.environment}' only`);
    }
    if (!c.sameAuthorizationForAllEnvironments && a.environment === 'all') problems.push("it has one authorization per environment, but holds one for 'all'");
    if (c.authorizationOwner === 'admin' && a.user !== undefined) problems.push(`it is an admin connection, but holds an authorization by user '${a.user}'`);
    if (c.authorizationOwner === 'user' && a.user === undefined)
      problems.push(`it is a logged-in user connection, but holds an authorization (account '${a.account}') without its user`);
  }
  return problems;
}
