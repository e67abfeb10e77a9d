/** The sorted-list shortcuts of the planner (sorted.ts) against the simple versions they stand for. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSorted, sortedUnique } from '../../src/plan/sorted.js';
import { byString } from '../../src/util/text.js';

const names = fc.oneof(fc.array(fc.constantFrom('a', 'b', 'x1', 'x10', 'x2', 'B', 'é', '')), fc.array(fc.string({ maxLength: 3 })));

describe('sorted lists', () => {
  it('sortedUnique is [...new Set(names)].sort(byString), sorted input or not', () => {
    fc.assert(
      fc.property(names, fc.boolean(), (list, presort) => {
        const input = presort ? [...list].sort(byString) : list;
        expect(sortedUnique(input)).toEqual([...new Set(input)].sort(byString));
      }),
      { numRuns: 500 },
    );
  });

  it('isSorted is whether sorting changes nothing', () => {
    fc.assert(
      fc.property(names, fc.boolean(), (list, presort) => {
        const input = presort ? [...list].sort(byString) : list;
        expect(isSorted(input)).toBe(JSON.stringify([...input].sort(byString)) === JSON.stringify(input));
      }),
      { numRuns: 500 },
    );
  });
});
