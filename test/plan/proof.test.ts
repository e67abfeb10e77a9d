/**
 * The proof's check (`differences`): what it says is left over is exactly what the state holds and
 * the desired state does not, scoped or not. (It skips that scan when it counted that nothing can
 * be left over, issue 25: this holds the shortcut to the plain scan.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resourceKey } from '../../src/plan/core.js';
import { differences } from '../../src/plan/proof.js';
import { casesArb, plannedSecretsOf, pureFingerprint, withFingerprints } from '../support/plan-arbitraries.js';

describe('differences', () => {
  it('lists as left over exactly the resources of the state that the desired state lacks (in scope)', () => {
    const keys = [...['c1', 'c2', 'c3', 'c4'].map((l) => resourceKey('Connector', l)), ...['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((l) => resourceKey('Connection', l))];
    fc.assert(
      fc.property(casesArb, fc.option(fc.array(fc.boolean(), { minLength: 10, maxLength: 10 })), ([cur, want], picks) => {
        const state = withFingerprints(cur, pureFingerprint);
        const only = picks ? new Set(keys.filter((_, i) => picks[i])) : undefined;
        const inScope = (kind: 'Connector' | 'Connection', l: string) => !only || only.has(resourceKey(kind, l));
        const expected = [
          ...[...state.connectors.keys()].filter((l) => inScope('Connector', l) && !want.desired.connectors.has(l)).map((l) => `connector '${l}' is left over`),
          ...[...state.connections.keys()].filter((l) => inScope('Connection', l) && !want.desired.connections.has(l)).map((l) => `connection '${l}' is left over`),
        ];
        const said = differences(state, want.desired, plannedSecretsOf(want.desired, want.env, pureFingerprint), only);
        expect(said.filter((m) => m.endsWith(' is left over'))).toEqual(expected);
        // And the state against itself as desired: nothing to say.
        const same = {
          connectors: new Map([...state.connectors].map(([l, c]) => [l, { ...c, secrets: {}, source: { file: 'x.yaml', line: 1, col: 1 } }])),
          connections: state.connections,
        };
        expect(differences(state, same as never, new Map())).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
