/**
 * The order rule ids read in, in a plan's `rules` and `blocked`: by letter, number, then suffix
 * (N1 < … < R1 < R2 < R2a < R2b < R3 < … < R17 < S1 < S2), not as text (R10 after R9).
 */
import type { RuleId } from '../model/types.js';
import { byString } from '../util/text.js';

const RULE = /^([A-Z])(\d+)([a-z]?)$/;

/** A rule id's parts (letter, number, suffix), or null for one of another shape; parsed once per id. */
const ruleParts = new Map<string, readonly [string, number, string] | null>();

function partsOf(rule: string): readonly [string, number, string] | null {
  let parts = ruleParts.get(rule);
  if (parts === undefined) {
    const m = RULE.exec(rule);
    parts = m ? [m[1]!, Number(m[2]), m[3]!] : null;
    // Rule ids come from a fixed list; the bound only keeps a stream of odd ones from growing it.
    if (ruleParts.size < 1000) ruleParts.set(rule, parts);
  }
  return parts;
}

/** Rule ids by letter, number, then suffix; an id of another shape compares as text. */
export function compareRules(a: string, b: string): number {
  const pa = partsOf(a);
  const pb = partsOf(b);
  if (!pa || !pb) return byString(a, b);
  return byString(pa[0], pb[0]) || pa[1] - pb[1] || byString(pa[2], pb[2]);
}

/**
 * A sorted copy. An action cites a handful of rules: an insertion sort (stable, as Array#sort
 * is, so the order is the same) without the regex per comparison or Array#sort's work copy,
 * once per action of a 100k plan.
 */
export function sortRules(rules: readonly RuleId[]): RuleId[] {
  const out = rules.slice();
  for (let i = 1; i < out.length; i++) {
    const r = out[i]!;
    let j = i - 1;
    while (j >= 0 && compareRules(out[j]!, r) > 0) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = r;
  }
  return out;
}
