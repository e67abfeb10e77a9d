/**
 * Usages from code: which files are read (`usages: { from: [GLOB…] }` in connectorops.yaml) and
 * what they say. Pure: the manifest sources (working tree, git ref) list and read the files, in
 * the same pass as the manifests; this turns paths and texts into usages. See docs/usages.md.
 */
import type { Diagnostic } from '../errors.js';
import type { CodeUsage } from '../model/usages.js';
import { scanDeluge } from './scan.js';
import { byString } from '../util/text.js';

/** Creator application exports and loose Deluge scripts, anywhere under the manifest directory. */
export const DEFAULT_USAGE_GLOBS: readonly string[] = ['**/*.ds', '**/*.dg', '**/*.deluge'];

/** Directories never read for usages, whatever the patterns say: dependencies and git's own. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git']);

export interface UsageScan {
  /** Sorted by connection, then file and position. */
  usages: CodeUsage[];
  /** Unreadable code (`deluge`) and calls whose connection is not a literal (`usage-dynamic`), by position. */
  warnings: Diagnostic[];
  /** How many files were read. */
  files: number;
}

/** Scans every file. Never throws: a file it cannot read gives warnings and the usages it could read. */
export function scanUsages(files: ReadonlyArray<{ path: string; text: string }>): UsageScan {
  const scan = usageScanner();
  for (const f of files) scan.add(f.path, f.text);
  return scan.finish();
}

/**
 * `scanUsages` one file at a time: each is scanned as it is read and its text can go. Holding the
 * texts of a large tree until the last one is read (28 MB in bench/usages.bench.js) kept them
 * alive through every young-generation collection, which copied them twice.
 */
export function usageScanner(): { add(path: string, text: string): void; finish(): UsageScan } {
  const usages: CodeUsage[] = [];
  const warnings: Diagnostic[] = [];
  let files = 0;
  return {
    add(path, text) {
      files++;
      const r = scanDeluge(path, text);
      for (const u of r.usages) usages.push(u);
      for (const w of r.warnings) warnings.push(w);
    },
    finish() {
      return { usages: byConnection(usages), warnings: warnings.sort(byFilePosition), files };
    },
  };
}

/**
 * `usages` sorted by connection, then file and position: grouped by connection, each group
 * sorted on its own. They come file by file and in position order within one, so each group is
 * nearly sorted already and costs one comparison an element; one sort of the whole list by
 * connection first took ~13 ms of a 2,000-file scan (24,666 usages).
 */
function byConnection(usages: CodeUsage[]): CodeUsage[] {
  const groups = new Map<string, CodeUsage[]>();
  for (const u of usages) {
    const group = groups.get(u.connection);
    if (group) group.push(u);
    else groups.set(u.connection, [u]);
  }
  const out: CodeUsage[] = [];
  for (const connection of [...groups.keys()].sort(byString)) for (const u of groups.get(connection)!.sort(byFilePosition)) out.push(u);
  return out;
}

function byFilePosition(a: { file: string; line: number; col: number }, b: { file: string; line: number; col: number }): number {
  return byString(a.file, b.file) || a.line - b.line || a.col - b.col;
}

export { scanDeluge } from './scan.js';
