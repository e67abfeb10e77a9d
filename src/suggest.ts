/**
 * "Did you mean …?" for a mistyped name (a command, an option, a target): the closest known name
 * by edit distance (fastest-levenshtein), or the one the typed text abbreviates (`prod` →
 * `production`). Nothing when no name is close: a wild guess is worse than none.
 */
import { distance } from 'fastest-levenshtein';

function closestName(typed: string, known: readonly string[]): string | undefined {
  // Options compare without their dashes: `--dri` is two edits from `--dir`, not a new word.
  const bare = (s: string) => s.replace(/^-+/, '');
  const word = bare(typed);
  if (!word) return undefined;
  const prefixed = known.filter((k) => word.length >= 2 && (bare(k).startsWith(word) || word.startsWith(bare(k))));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(word, bare(k));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  // Two edits at most (one for short words): `plann` → `plan`, `dri` → `dir`, `exprot` → `export`.
  return bestDistance <= (word.length <= 3 ? Math.min(2, word.length - 1) : 2) ? best : undefined;
}

/** ` (did you mean 'plan'?)`, or nothing. */
export function didYouMean(typed: string, known: readonly string[], quote = (s: string) => `'${s}'`): string {
  const match = closestName(typed, known);
  return match === undefined ? '' : `did you mean ${quote(match)}?`;
}
