/** Whether `a` and `b` hold the same strings, ignoring order and repetition. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  // The common case, allocation-free: the same list in the same order.
  if (a.length === b.length && a.every((s, i) => s === b[i])) return true;
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const s of sa) if (!sb.has(s)) return false;
  return true;
}
