/**
 * Manifests that define nothing: an empty or mistyped `--dir` would otherwise plan the deletion of
 * a whole account (issue 8; Argo CD's `allowEmpty`). These helpers say where we looked and what we
 * found there, for `validate`'s warning and for the refusal of `plan` and `apply`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DesiredState } from '../model/types.js';
import { CONFIG_FILE } from './config.js';
import type { LoadedManifests } from './load.js';
import { plural } from '../util/text.js';

/** True when the manifests define no connector and no connection. */
export function definesNothing(desired: DesiredState): boolean {
  return desired.connectors.size === 0 && desired.connections.size === 0;
}

/** `/repo/connectors and /repo/connections`: the folders manifests are read from. */
export function manifestFolders(dir: string): string {
  return `${join(dir, 'connectors')} and ${join(dir, 'connections')}`;
}

/**
 * What the folder holds, in a few words: `no connectors/ or connections/ folder; it holds
 * crm_sales.yaml, billing.yaml and 2 more` or `2 manifest files that define nothing`. Reads the
 * folder's listing for the working tree only (a ref's files are what `loaded` counted).
 */
export function describeFound(dir: string, loaded: Pick<LoadedManifests, 'files' | 'ref' | 'config'>): string {
  const manifests = loaded.files - (loaded.config.file === CONFIG_FILE ? 1 : 0);
  if (manifests > 0) return `${plural(manifests, 'manifest file')} there, defining no connector or connection`;
  if (loaded.ref !== null) return `no connectors/ or connections/ YAML files at ${loaded.ref}`;
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
      .sort();
  } catch {
    entries = [];
  }
  const shown = entries.slice(0, 4).join(', ');
  const more = entries.length > 4 ? ` and ${entries.length - 4} more` : '';
  return entries.length ? `no connectors/ or connections/ YAML files; the folder holds ${shown}${more}` : 'an empty folder';
}
