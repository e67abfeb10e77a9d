/**
 * `checkTargetRecords` (src/targets/snapshot.ts) runs on every load, with an ASCII fast path for
 * N1 and N2: it refuses exactly the records the rules refuse, never fewer, never more.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { ConnectionRecord, ConnectorRecord, State } from '../../src/model/types.js';
import { descriptionProblem, linkNameProblem, nameProblem } from '../../src/rules/names.js';
import { checkTargetRecords } from '../../src/targets/snapshot.js';

const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...'aZ09_ *-@/!:|&~\\+(),.é\u0301\n'), maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
);

it('refuses a record exactly when the manifest rules (N1-N3) refuse one of its fields', () => {
  fc.assert(
    fc.property(text, text, text, text, (linkName, name, description, connector) => {
      const state: State = {
        connectors: new Map([[linkName, { linkName, name, description } as ConnectorRecord]]),
        connections: new Map([['sales', { linkName: 'sales', connector, name: 'Sales' } as ConnectionRecord]]),
      };
      const broken = [linkNameProblem(linkName), nameProblem(name), description ? descriptionProblem(description) : null, linkNameProblem(connector)].some(
        (p) => p !== null,
      );
      let refused = false;
      try {
        checkTargetRecords(state, 'local:t.db');
      } catch {
        refused = true;
      }
      expect(refused).toBe(broken);
    }),
    { numRuns: 2000 },
  );
});
