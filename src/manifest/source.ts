/**
 * Where manifest files come from: the working tree (here) or a git ref (src/git/source.ts).
 * Loading only ever lists and reads through this interface, so both feed the same pure core.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { headCommit } from '../git/repo.js';
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
  /** The text of listed files, all in one batch. */
  read(paths: readonly string[]): Promise<Map<string, string>>;
}

const MANIFEST_PATH = /^(connectors|connections)\/(?:.+\/)?[^/]+\.ya?ml$/;

/** `connectors/**\/*.yaml|yml`, `connections/**\/*.yaml|yml`, and `connectorops.yaml` at the root. */
export function isManifestPath(path: string): boolean {
  return path === CONFIG_FILE || MANIFEST_PATH.test(path);
}

export const MANIFEST_ROOTS = ['connectors', 'connections', CONFIG_FILE] as const;

/** Enough reads in flight to keep the thread pool busy, few enough to stay far from the fd limit. */
const READ_CONCURRENCY = 64;

/** The working tree under `dir`. Fails (UserError) when `dir` is not a directory. */
export async function fsSource(dir: string): Promise<ManifestSource> {
  await assertDirectory(dir);
  let commit: Promise<string | null> | undefined;
  return {
    ref: null,
    label: 'working tree',
    commit: () => (commit ??= headCommit(dir)),
    async list() {
      const out: string[] = [];
      await Promise.all([walk(dir, 'connectors', out), walk(dir, 'connections', out), configFile(dir, out)]);
      return out.filter(isManifestPath).sort();
    },
    async read(paths) {
      const texts = await mapLimit(paths, READ_CONCURRENCY, (p) => readFile(join(dir, p), 'utf8'));
      return new Map(paths.map((p, i) => [p, texts[i]!]));
    },
  };
}

/** UserError unless `dir` is a directory: a mistyped --dir must not pass as "no manifests". */
export async function assertDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new UserError(`manifest directory '${dir}' does not exist or is not a directory`, { hint: 'check --dir' });
}

async function configFile(dir: string, out: string[]): Promise<void> {
  const info = await stat(join(dir, CONFIG_FILE)).catch(() => null);
  if (info?.isFile()) out.push(CONFIG_FILE);
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  const subdirs: Promise<void>[] = [];
  for (const e of entries) {
    const path = `${rel}/${e.name}`;
    if (e.isDirectory()) subdirs.push(walk(root, path, out));
    else if (e.isFile()) out.push(path);
    // A symlinked file counts as the file; symlinked directories are not followed (no cycles).
    else if (e.isSymbolicLink() && isManifestPath(path)) {
      subdirs.push(stat(join(root, path)).then((s) => void (s.isFile() && out.push(path)), () => undefined));
    }
  }
  await Promise.all(subdirs);
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
