/**
 * Loading manifests: the public entry the CLI and the planner call. A thin I/O shell around the
 * pure `validateManifests`.
 */
import { resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import type { DesiredState } from '../model/types.js';
import { gitSource } from './git-source.js';
import type { ProjectConfig } from './config.js';
import { fsSource, type ManifestSource } from './source.js';
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
  /** The ref's commit, or HEAD's for a working tree inside git; null outside git. */
  commit: string | null;
  /** How many files were read (manifests and connectorops.yaml). */
  files: number;
  config: ProjectConfig;
  /** `working tree` or `ref main at 1a2b3c4`, for summaries. */
  label: string;
}

/**
 * Loads and validates the manifests under `dir`, from the working tree or, with `ref`, from that
 * git ref. Bad manifests come back as `errors`; only an unusable `dir` or `ref` throws (UserError).
 */
export async function loadManifests(opts: { dir: string; ref?: string }): Promise<LoadedManifests> {
  const dir = resolve(opts.dir);
  const source = opts.ref !== undefined ? await gitSource(dir, opts.ref) : await fsSource(dir);
  return loadFrom(source);
}

/** Loads and validates whatever `source` holds. */
export async function loadFrom(source: ManifestSource): Promise<LoadedManifests> {
  // The commit lookup is a git process of its own: let it run while the files are read.
  const [commit, texts] = await Promise.all([source.commit(), source.list().then((paths) => source.read(paths))]);
  const files = [...texts].map(([path, text]) => ({ path, text }));
  const { desired, errors, warnings, config } = validateManifests(files);
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
    commit,
    files: files.length,
    config,
    label: source.label,
  };
}

export { validateManifests, manifestDigest, type ManifestText, type Validation } from './validate.js';
export { fsSource, isManifestPath, type ManifestSource } from './source.js';
export { gitSource } from './git-source.js';
export { resolveTargetSpec, parseConfig, CONFIG_FILE, DEFAULT_TARGET, type ProjectConfig, type TargetConfig } from './config.js';
export { jsonSchemas, ConnectorDoc, ConnectionDoc, ManifestDoc, ConfigDoc } from './schema.js';
