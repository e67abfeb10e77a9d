/** Whether a connection can be authorized now: the quick answer and the refusal agree. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord, ConnectorRecord, State } from '../../src/model/types.js';
import { authorizationRefusal, canBeAuthorizedNow } from '../../src/rules/index.js';

const connector = (linkName: string, enabled: boolean): ConnectorRecord => ({
  linkName,
  name: linkName,
  description: '',
  stage: 'ready',
  enabled,
  authentication: { type: 'basic' },
  secretFingerprints: {},
});

const connection = (linkName: string, of: string, enabled: boolean): ConnectionRecord => ({
  linkName,
  name: linkName,
  connector: of,
  enabled,
  scopes: [],
  authorizationOwner: 'admin',
  sameAuthorizationForAllEnvironments: true,
  authorizations: [],
  usages: [],
});

describe('canBeAuthorizedNow', () => {
  it('is true exactly when authorizationRefusal finds nothing (missing, disabled, of a disabled or missing connector)', () => {
    const connectors = fc.dictionary(fc.constantFrom('c1', 'c2'), fc.boolean());
    const connections = fc.dictionary(fc.constantFrom('x1', 'x2', 'x3'), fc.tuple(fc.constantFrom('c1', 'c2', 'c3'), fc.boolean()));
    fc.assert(
      fc.property(connectors, connections, fc.constantFrom('x1', 'x2', 'x3', 'x4'), (cs, xs, asked) => {
        const state: State = {
          connectors: new Map(Object.entries(cs).map(([l, enabled]) => [l, connector(l, enabled)])),
          connections: new Map(Object.entries(xs).map(([l, [of, enabled]]) => [l, connection(l, of, enabled)])),
        };
        expect(canBeAuthorizedNow(state, asked)).toBe(authorizationRefusal(state, asked) === null);
      }),
      { numRuns: 300 },
    );
  });
});
