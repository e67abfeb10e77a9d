/**
 * The order of rule ids in a plan: the insertion sort with parsed ids (rule-order.ts, issue 25)
 * against the simple version it replaced, Array#sort with a regex per comparison.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuleIdSchema } from '../../src/model/types.js';
import { compareRules, sortRules } from '../../src/plan/rule-order.js';
import { byString } from '../../src/util/text.js';

const RULE = /^([A-Z])(\d+)([a-z]?)$/;

function simpleCompare(a: string, b: string): number {
  const ma = RULE.exec(a);
  const mb = RULE.exec(b);
  if (!ma || !mb) return byString(a, b);
  return byString(ma[1]!, mb[1]!) || Number(ma[2]) - Number(mb[2]) || byString(ma[3]!, mb[3]!);
}

describe('rule order', () => {
  it('sortRules sorts as Array#sort with the simple comparison did, and leaves its input as it was', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...RuleIdSchema.options), { maxLength: 8 }), (rules) => {
        const before = [...rules];
        expect(sortRules(rules)).toEqual([...rules].sort(simpleCompare));
        expect(rules).toEqual(before);
      }),
      { numRuns: 500 },
    );
  });

  it('compareRules agrees with the simple comparison, ids of another shape included', () => {
    const id = fc.oneof(fc.constantFrom(...RuleIdSchema.options), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(Math.sign(compareRules(a, b))).toBe(Math.sign(simpleCompare(a, b)));
      }),
      { numRuns: 500 },
    );
  });

  it('reads numbers as numbers and suffixes after the plain id', () => {
    expect(sortRules(['R10', 'R2b', 'S1', 'R2', 'N3', 'R9', 'R2a'])).toEqual(['N3', 'R2', 'R2a', 'R2b', 'R9', 'R10', 'S1']);
  });
});
