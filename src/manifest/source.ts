/**
 * Where manifest files come from: the working tree (here) or a git ref (git-source.ts).
 * Loading only ever lists and reads through this interface, so both feed the same pure core.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { headCommit } from '../git/repo.js';
import { SKIPPED_DIRS } from '../usages/index.js';
import { CONFIG_FILE } from './config.js';

export interface ManifestSource {
  /** The git ref as given, or null for the working tree. */
  readonly ref: string | null;
  /** What a person reads in a summary: `working tree`, or `ref main at 1a2b3c4`. */
  readonly label: string;
  /** The commit the files come from: the ref's, or HEAD's for a working tree in git; null outside git. */
  commit(): Promise<string | null>;
  /** Manifest files and `connectorops.yaml`, relative to the manifest dir, `/`-separated, sorted. */
  list(): Promise<string[]>;
  /**
   * Every other file `match` accepts (usages: Deluge code), relative to the manifest dir,
   * `/`-separated, sorted. `roots` are the directories that may hold one (`''`: all); a
   * working tree walks only those. node_modules/ and .git/ are never entered.
   */
  listUsageFiles(match: (path: string) => boolean, roots?: readonly string[]): Promise<string[]>;
  /** The text of listed files (manifests or usage files), all in one batch. */
  read(paths: readonly string[]): Promise<Map<string, string>>;
}

const MANIFEST_PATH = /^(connectors|connections)\/(?:.+\/)?[^/]+\.ya?ml$/;

/** `connectors/**\/*.yaml|yml`, `connections/**\/*.yaml|yml`, and `connectorops.yaml` at the root. */
export function isManifestPath(path: string): boolean {
  return path === CONFIG_FILE || MANIFEST_PATH.test(path);
}

export const MANIFEST_ROOTS = ['connectors', 'connections', CONFIG_FILE] as const;

/**
 * The working tree under `dir`. Fails (UserError) when `dir` is not a directory.
 *
 * It reads with synchronous calls, in slices that yield to the event loop in between. Measured on
 * 12,000 small manifests (bench/validate.bench.js): fs.promises.readFile with 64 reads in flight
 * took ~450 ms, the callback API ~160 ms, readFileSync ~45 ms. For files this small the cost is
 * the round trip through the thread pool (open, fstat, read, close: four hops per file), not the
 * disk; the same holds for readdir against readdirSync.
 */
export async function fsSource(dir: string): Promise<ManifestSource> {
  await assertDirectory(dir);
  let commit: Promise<string | null> | undefined;
  return {
    ref: null,
    label: 'working tree',
    commit: () => (commit ??= headCommit(dir)),
    async list() {
      const out: string[] = [];
      walk(dir, 'connectors', out);
      walk(dir, 'connections', out);
      if (statSync(join(dir, CONFIG_FILE), { throwIfNoEntry: false })?.isFile()) out.push(CONFIG_FILE);
      return out.filter(isManifestPath).sort();
    },
    async listUsageFiles(match, roots = ['']) {
      const out: string[] = [];
      for (const root of roots) walk(dir, root, out, match);
      return out.sort();
    },
    async read(paths) {
      const texts = new Map<string, string>();
      for (let i = 0; i < paths.length; i++) {
        // Let timers, signals and child processes (the commit lookup) get a turn now and then.
        if (i > 0 && i % READ_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        const path = paths[i]!;
        try {
          texts.set(path, readFileSync(join(dir, path), 'utf8'));
        } catch (error) {
          throw new UserError(`cannot read ${path}: ${(error as Error).message}`);
        }
      }
      return texts;
    },
  };
}

const READ_SLICE = 512;

/** UserError unless `dir` is a directory: a mistyped --dir must not pass as "no manifests". */
export async function assertDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new UserError(`manifest directory '${dir}' does not exist or is not a directory`, { hint: 'check --dir' });
}

/**
 * The files under `rel` (every file, or those `match` accepts), depth first. `rel` '' is the root.
 * node_modules/ and .git/ are never entered.
 */
function walk(root: string, rel: string, out: string[], match: (path: string) => boolean = isManifestPath, all = match === isManifestPath): void {
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw new UserError(`cannot list ${rel || '.'}: ${(error as Error).message}`);
  }
  for (const e of entries) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) walk(root, path, out, match, all);
    } else if (e.isFile()) {
      if (all || match(path)) out.push(path);
    }
    // A symlinked file counts as the file; symlinked directories are not followed (no cycles).
    else if (e.isSymbolicLink() && match(path) && statSync(join(root, path), { throwIfNoEntry: false })?.isFile()) out.push(path);
  }
}
