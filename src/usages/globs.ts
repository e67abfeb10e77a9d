/**
 * Which files `usages.from` selects (picomatch). Kept out of index.ts: only plan, apply and
 * usages read code, and they import this module when they do (manifest/load.ts), so that
 * `validate` never loads picomatch at start-up (docs/install.md, "Start-up").
 */
import picomatch from 'picomatch';
import { SKIPPED_DIRS } from './scan-files.js';

/**
 * A predicate over `/`-separated paths relative to the manifest directory: true for a file one
 * of `globs` matches (picomatch; `**` spans directories, dot-files only when a pattern names them),
 * outside node_modules/ and .git/.
 */
export function usageMatcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const match = picomatch([...globs]);
  return (path) => match(path) && !path.split('/').some((segment) => SKIPPED_DIRS.has(segment));
}

/**
 * The directories that hold every file `globs` can match (`''`: the whole tree), none inside
 * another: a working-tree listing walks only these (`apps/**\/*.ds` never walks `test/`).
 */
export function usageRoots(globs: readonly string[]): string[] {
  const bases = globs.map((g) => {
    const { base, isGlob } = picomatch.scan(g);
    // A plain path names a file: its directory holds it.
    return isGlob ? base : base.split('/').slice(0, -1).join('/');
  });
  const sorted = [...new Set(bases)].sort();
  return sorted.filter((b) => !sorted.some((other) => other !== b && (other === '' || b.startsWith(`${other}/`))));
}
