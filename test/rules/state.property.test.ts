/**
 * checkState's connection checks, written to make nothing for a sound connection (issue 25: 100k
 * of them on every import), against the simple form they had before, on accounts broken at random.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkState, linkNameProblem, nameProblem, type Violation } from '../../src/rules/index.js';
import { availableScopes } from '../../src/rules/authentication.js';
import type { AuthorizationEnvironment, ConnectionRecord, State } from '../../src/model/types.js';
import { validState } from '../support/arbitraries.js';

/** checkState's connection loop as it was written before (the oracle). */
function connectionViolationsBefore(state: State): Violation[] {
  const v: Violation[] = [];
  for (const [key, c] of state.connections) {
    const at = { kind: 'Connection' as const, linkName: c.linkName };
    if (key !== c.linkName) v.push({ ...at, rule: 'N3', message: `connection keyed '${key}' has link name '${c.linkName}'` });
    const lp = linkNameProblem(c.linkName);
    if (lp) v.push({ ...at, rule: 'N3', message: `link name '${c.linkName}': ${lp}` });
    const np = nameProblem(c.name);
    if (np) v.push({ ...at, rule: 'N1', message: `connection '${c.linkName}': ${np}` });
    for (const problem of authorizationProblemsBefore(c)) v.push({ ...at, rule: 'R18', message: `connection '${c.linkName}': ${problem}` });
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

function authorizationProblemsBefore(c: ConnectionRecord): string[] {
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

/** One way to break a connection (or its connector), or none. */
const change = fc.oneof(
  fc.constant({ what: 'none' as const }),
  fc.record({ what: fc.constant('scopes' as const), scopes: fc.array(fc.constantFrom('contacts.read', 'a.read', 'b.write', 'x', ''), { maxLength: 4 }) }),
  fc.record({ what: fc.constant('connector' as const), name: fc.constantFrom('missing', 'Bad', '') }),
  fc.record({ what: fc.constant('name' as const), name: fc.constantFrom('', ' x', 'a#b', 'x'.repeat(51), 'Fine') }),
  fc.record({ what: fc.constant('linkName' as const), name: fc.constantFrom('', 'Bad', 'other_key', 'x'.repeat(51)) }),
  fc.record({ what: fc.constant('enabled' as const) }),
  fc.record({
    what: fc.constant('connectorState' as const),
    stage: fc.constantFrom('draft' as const, 'ready' as const),
    enabled: fc.boolean(),
    type: fc.constantFrom('as it is', 'basic', 'oauth2'),
  }),
  fc.record({
    what: fc.constant('authorizations' as const),
    owner: fc.constantFrom('admin' as const, 'user' as const),
    same: fc.boolean(),
    list: fc.array(
      fc.record({
        environment: fc.constantFrom<AuthorizationEnvironment>('all', 'development', 'stage', 'production'),
        account: fc.constantFrom('a', 'b'),
        user: fc.option(fc.constantFrom('u', 'v'), { nil: undefined }),
      }),
      { maxLength: 4 },
    ),
  }),
);

describe('checkState (property)', () => {
  it("reports every connection's violations exactly as the simple form did, in the same order, on accounts broken at random", () => {
    fc.assert(
      fc.property(validState(4, 10), fc.array(change, { minLength: 1, maxLength: 10 }), (s, changes) => {
        const connections = [...s.connections.values()];
        connections.forEach((c, i) => {
          const ch = changes[i % changes.length]!;
          if (ch.what === 'scopes') c.scopes = [...c.scopes.slice(0, 1), ...ch.scopes];
          if (ch.what === 'connector') c.connector = ch.name;
          if (ch.what === 'name') c.name = ch.name;
          if (ch.what === 'linkName') c.linkName = ch.name;
          if (ch.what === 'enabled') c.enabled = !c.enabled;
          if (ch.what === 'connectorState') {
            const connector = s.connectors.get(c.connector);
            if (connector) {
              connector.stage = ch.stage;
              connector.enabled = ch.enabled;
              if (ch.type === 'basic') connector.authentication = { type: 'basic' };
              if (ch.type === 'oauth2') connector.authentication = { type: 'oauth2', scopes: ['contacts.read', 'a.read'], scopeSeparator: ',' };
            }
          }
          if (ch.what === 'authorizations') {
            c.authorizationOwner = ch.owner;
            c.sameAuthorizationForAllEnvironments = ch.same;
            c.authorizations = ch.list.map(({ user, ...a }) => (user === undefined ? a : { ...a, user }));
          }
        });
        const connectionViolations = checkState(s).filter((v) => v.kind === 'Connection');
        // The same objects, field for field and in the same key order.
        expect(JSON.stringify(connectionViolations)).toBe(JSON.stringify(connectionViolationsBefore(s)));
      }),
      { numRuns: 500 },
    );
  });
});
