/** The manifests as a git commit holds them: `--ref REF`. */
import { InternalError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { assertDirectory, decodeManifest, isManifestPath, MANIFEST_ROOTS, readProblem, unreadable, type ManifestSource } from './source.js';
import { catFileBatch, lsTree, type TreeEntry } from '../git/batch.js';
import { repositoryPrefix, resolveCommit } from '../git/repo.js';

/**
 * The manifests under `dir` (a directory in a git work tree) as `ref` has them. The ref is
 * resolved at once, so an unknown ref fails here (UserError), before anything is read.
 * Only regular files count: symlinks and submodules in the tree are skipped.
 *
 * `wholeTree`: the usage files will be asked for too, so the one `ls-tree` lists the whole tree
 * under `dir` and both listings filter it; without it, `ls-tree` lists the manifest roots only.
 */
export async function gitSource(dir: string, ref: string, options: { wholeTree?: boolean; flag?: string } = {}): Promise<ManifestSource> {
  await assertDirectory(dir);
  const commit = await resolveCommit(dir, ref, options.flag);
  const blobs = new Map<string, string>();
  let tree: Promise<TreeEntry[]> | undefined;
  const files = async (match: (path: string) => boolean) => {
    tree ??= lsTree(dir, commit, options.wholeTree ? [] : MANIFEST_ROOTS);
    const out: string[] = [];
    for (const e of await tree) {
      if (e.type === 'blob' && (e.mode === '100644' || e.mode === '100755') && match(e.path)) {
        blobs.set(e.path, e.oid);
        out.push(e.path);
      }
    }
    return out.sort();
  };
  return {
    ref,
    label: `ref ${ref} at ${commit.slice(0, 7)}`,
    commit: () => Promise.resolve(commit),
    prefix: () => repositoryPrefix(dir),
    list: () => files(isManifestPath),
    async listUsageFiles(match) {
      if (!options.wholeTree) throw new InternalError('gitSource: usage files asked for without wholeTree');
      return files(match);
    },
    async read(paths, options) {
      const oids = paths.map((p) => {
        const oid = blobs.get(p);
        if (!oid) throw new InternalError(`${p} was not listed from ${ref}`);
        return oid;
      });
      const data = await catFileBatch(dir, oids);
      const texts = new Map<string, string>();
      const problems: Diagnostic[] = [];
      paths.forEach((p, i) => {
        const decoded = decodeManifest(p, data.get(oids[i]!)!, options?.maxBytes);
        if (typeof decoded !== 'string') readProblem(problems, options, decoded);
        else if (options?.each) options.each(p, decoded);
        else texts.set(p, decoded);
      });
      if (problems.length) throw unreadable(problems);
      return texts;
    },
  };
}
