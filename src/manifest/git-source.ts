/** The manifests as a git commit holds them: `--ref REF`. */
import { InternalError } from '../errors.js';
import { assertDirectory, isManifestPath, MANIFEST_ROOTS, type ManifestSource } from './source.js';
import { catFileBatch, lsTree } from '../git/batch.js';
import { resolveCommit } from '../git/repo.js';

/**
 * The manifests under `dir` (a directory in a git work tree) as `ref` has them. The ref is
 * resolved at once, so an unknown ref fails here (UserError), before anything is read.
 * Only regular files count: symlinks and submodules in the tree are skipped.
 */
export async function gitSource(dir: string, ref: string): Promise<ManifestSource> {
  await assertDirectory(dir);
  const commit = await resolveCommit(dir, ref);
  let blobs: Map<string, string> | undefined;
  return {
    ref,
    label: `ref ${ref} at ${commit.slice(0, 7)}`,
    commit: async () => commit,
    async list() {
      const entries = await lsTree(dir, commit, MANIFEST_ROOTS);
      blobs = new Map();
      for (const e of entries) {
        if (e.type === 'blob' && (e.mode === '100644' || e.mode === '100755') && isManifestPath(e.path)) blobs.set(e.path, e.oid);
      }
      return [...blobs.keys()].sort();
    },
    async read(paths) {
      const listed = blobs ?? new Map();
      const oids = paths.map((p) => {
        const oid = listed.get(p);
        if (!oid) throw new InternalError(`${p} was not listed from ${ref}`);
        return oid;
      });
      const data = await catFileBatch(dir, oids);
      return new Map(paths.map((p, i) => [p, data.get(oids[i]!)!.toString('utf8')]));
    },
  };
}
