/**
 * Loading manifests: the public entry the CLI and the planner call. A thin I/O shell around the
 * pure `validateManifests`.
 */
import { resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import type { DesiredState } from '../model/types.js';
import { gitSource } from './git-source.js';
import { DEFAULT_USAGE_GLOBS, usageScanner, type UsageScan } from '../usages/scan-files.js';
import type { ProjectConfig } from './config.js';
import { fsSource, MAX_CODE_BYTES, type ManifestSource } from './source.js';
import { manifestDigest, validateManifests } from './validate.js';

export interface LoadedManifests {
  /** The documents that passed validation; only meaningful when `errors` is empty. */
  desired: DesiredState;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** sha256 of `desired` without source locations: reformatting a file does not change it. */
  manifestDigest: string;
  /** The ref as given, or null for the working tree. */
  ref: string | null;
  /** The ref's commit, or HEAD's for a working tree inside git; null outside git (or not asked for: `commit: false`). */
  commit: string | null;
  /** How many files were read (manifests and connectorops.yaml). */
  files: number;
  config: ProjectConfig;
  /** `working tree` or `ref main at 1a2b3c4`, for summaries. */
  label: string;
  /**
   * With `usages: true`: the connection usages in the Deluge code that the config's `usages.from`
   * selects, read from the same working tree or ref as the manifests. Null when not asked for, or
   * when the manifests are invalid (the config that names the files may be wrong).
   */
  usages: UsageScan | null;
}

export interface LoadOptions {
  dir: string;
  ref?: string;
  /** The flag that gave `ref`, for its errors (default `--ref`; `plan --base` says `--base`). */
  refFlag?: string;
  /** Also read the usages from code (plan, apply, usages); validate does not. */
  usages?: boolean;
  /**
   * Look up the working tree's HEAD commit (a git process); default true. validate, which never
   * shows it, says false: `commit` is then null for a working tree (a ref's commit is known anyway).
   */
  commit?: boolean;
}

/**
 * Loads and validates the manifests under `dir`, from the working tree or, with `ref`, from that
 * git ref. Bad manifests come back as `errors`; only an unusable `dir` or `ref` throws (UserError).
 */
export async function loadManifests(opts: LoadOptions): Promise<LoadedManifests> {
  const dir = resolve(opts.dir);
  const source =
    opts.ref !== undefined
      ? await gitSource(dir, opts.ref, { wholeTree: opts.usages === true, ...(opts.refFlag !== undefined ? { flag: opts.refFlag } : {}) })
      : await fsSource(dir);
  return loadFrom(source, { usages: opts.usages === true, commit: opts.commit !== false });
}

/**
 * Loads and validates whatever `source` holds; with `usages`, then lists, reads and scans the
 * usage files that the config names (one listing for both, one batch read for the usage files).
 */
async function loadFrom(source: ManifestSource, options: { usages: boolean; commit: boolean }): Promise<LoadedManifests> {
  // The commit lookup is a git process of its own: it runs while the files are read, validated and
  // scanned, and is waited for only at the end (a failed lookup is then thrown, not left unhandled
  // meanwhile).
  const commit = options.commit || source.ref !== null ? source.commit() : Promise.resolve(null);
  commit.catch(() => {});
  const texts = await source.list().then((paths) => source.read(paths));
  const files = [...texts].map(([path, text]) => ({ path, text }));
  const { desired, errors, warnings, config } = validateManifests(files);
  let usages: UsageScan | null = null;
  if (options.usages && errors.length === 0) {
    const globs = config.usages?.from ?? DEFAULT_USAGE_GLOBS;
    // picomatch is loaded here, not at start-up: validate never reads code.
    const { usageMatcher, usageRoots } = await import('../usages/globs.js');
    const paths = await source.listUsageFiles(usageMatcher(globs), usageRoots(globs));
    // A usage's file is named from the repository's root (it links to the code host, and the
    // plan file does not know --dir); outside git, from the manifest dir. Known before reading:
    // each file is scanned as it is read (usageScanner), under that name. Asked only when there is
    // code to read: the prefix is a git process, which a plan or an apply without code (most of
    // them) would pay for nothing.
    const named = paths.length ? ((await source.prefix()) ?? '') : '';
    const skipped: Diagnostic[] = [];
    const scan = usageScanner();
    const read = { maxBytes: MAX_CODE_BYTES, skip: (w: Diagnostic) => skipped.push(w), each: (path: string, text: string) => scan.add(named + path, text) };
    if (paths.length) await source.read(paths, read);
    usages = scan.finish();
    for (const w of skipped) usages.warnings.push({ ...w, file: named + w.file });
  }
  let digest: string | undefined;
  return {
    desired,
    errors,
    warnings,
    // Computed on first read: hashing the whole state is a noticeable share of a large validate,
    // which never looks at it; plan does.
    get manifestDigest() {
      return (digest ??= manifestDigest(desired));
    },
    ref: source.ref,
    commit: await commit,
    files: files.length,
    config,
    label: source.label,
    usages,
  };
}

export { fsSource } from './source.js';
export { resolveTarget } from './config.js';
