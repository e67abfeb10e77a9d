import { distance } from 'fastest-levenshtein';

/** `1 connector`, `2 connectors`: a count and its noun (`many` for an irregular plural). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${agree(n, one, many)}`;
}

/**
 * The word that agrees with `n`, without the count: `agree(n, 'connection')` before a list of
 * names, `agree(n, 'is', 'are')` for the verb. Where the count goes first, `plural`.
 */
export function agree(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** Code-unit order, the same on every machine (localeCompare is not): for sort(). */
export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `Connector crm` from `connector crm`. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The known name that `typed` most likely meant, if it is near enough to be a typo: the one name it
 * abbreviates (`prod` → `production`), else the nearest by edit distance (fastest-levenshtein),
 * else the one name it extends (`targets` → `target`), ignoring case and an option's leading dashes
 * (`--dri` is one edit from `--dir`). A near misspelling wins over a name it merely starts with
 * (`scopeSeperator` → `scopeSeparator`, not `scopes`). Nothing when no name is close: a wild guess
 * is worse than none.
 */
export function closest(typed: string, known: readonly string[]): string | undefined {
  const bare = (s: string) => s.replace(/^-+/, '').toLowerCase();
  const word = bare(typed);
  if (!word) return undefined;
  const abbreviates = known.filter((k) => word.length >= 2 && bare(k).startsWith(word));
  if (abbreviates.length === 1) return abbreviates[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(word, bare(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // Short words allow fewer edits (`dri` → `dir`, but not `ab` → `xy`); long ones a third of their length.
  const allowed = word.length <= 3 ? Math.min(2, word.length - 1) : Math.max(2, Math.floor(word.length / 3));
  if (bestDistance <= allowed) return best;
  const extends_ = known.filter((k) => bare(k).length >= 2 && word.startsWith(bare(k)));
  return extends_.length === 1 ? extends_[0] : undefined;
}

/** `did you mean 'plan'?`, or '' when no known name is close. */
export function didYouMean(typed: string, known: readonly string[], quote = (s: string) => `'${s}'`): string {
  const match = closest(typed, known);
  return match === undefined ? '' : `did you mean ${quote(match)}?`;
}
