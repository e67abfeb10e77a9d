/**
 * Word diffs for long text fields (a description): a reader sees which words changed instead of
 * comparing two long strings by eye. Built on `diffWords` of the `diff` package.
 */
import { diffWords } from 'diff';

export interface DiffPart {
  type: 'same' | 'removed' | 'added';
  value: string;
}

/** Fields shown as a word diff whatever their length. */
const LONG_TEXT_FIELDS = /(^|\.)description$/;
/** Any other string field is word-diffed from this length on. */
const LONG_TEXT_LENGTH = 60;

/** True when a change of `path` from `from` to `to` reads better as a word diff. */
export function wantsWordDiff(path: string, from: unknown, to: unknown): from is string {
  if (typeof from !== 'string' || typeof to !== 'string' || from === '' || to === '') return false;
  return LONG_TEXT_FIELDS.test(path) || Math.max(from.length, to.length) >= LONG_TEXT_LENGTH;
}

/**
 * The word diff of two strings, or null when they share no word: then "old → new" is clearer
 * than a diff that is all deletions and insertions.
 */
export function wordDiff(from: string, to: string): DiffPart[] | null {
  const parts: DiffPart[] = diffWords(from, to).map((c) => ({
    type: c.added ? 'added' : c.removed ? 'removed' : 'same',
    value: c.value,
  }));
  if (!parts.some((p) => p.type === 'same' && p.value.trim() !== '')) return null;
  return parts;
}

/**
 * Splits a fragment into leading whitespace, core and trailing whitespace, so that a format can
 * mark only the core (`[-old-]`, `<del>old</del>`) and keep the spacing outside the marks.
 */
export function splitSpace(value: string): { lead: string; core: string; trail: string } {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(value)!;
  return { lead: m[1]!, core: m[2]!, trail: m[3]! };
}
