/**
 * Lists of link names that the planner's stages hand on sorted already (tens of thousands at 100k
 * resources): checked in one pass, and sorted (or made unique with a Set) only when they are not.
 * A property test holds each equal to the simple version.
 */
import { byString } from '../util/text.js';

/** Whether `list` is in `byString` order (repeats allowed). */
export function isSorted(list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if (byString(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}

/** The names each once, in `byString` order: `[...new Set(names)].sort(byString)`. */
export function sortedUnique(names: readonly string[]): string[] {
  if (!isSorted(names)) return [...new Set(names)].sort(byString);
  return names.filter((n, i) => i === 0 || n !== names[i - 1]);
}
