/**
 * The few questions connectorops asks a git repository, through simple-git. Bulk reading of a
 * tree lives in batch.ts: it needs raw byte streams, which simple-git does not give.
 *
 * simple-git (and its `debug` dependency) is imported on first use, not at start-up: `validate`
 * of a working tree never asks git anything, and its start-up time counts (docs/install.md).
 */
import type { SimpleGit } from 'simple-git';
import { UserError } from '../errors.js';

async function simpleGit(baseDir: string): Promise<SimpleGit> {
  const { simpleGit: create } = await import('simple-git');
  return create({ baseDir });
}

/** HEAD's commit for a directory inside a git work tree; null outside git or before the first commit. */
async function headCommit(dir: string): Promise<string | null> {
  try {
    const out = await (await simpleGit(dir)).revparse(['--verify', '--quiet', 'HEAD^{commit}']);
    return out.trim() || null;
  } catch {
    return null;
  }
}

/**
 * Where `dir` sits in its git work tree, `/`-terminated (`infra/creator/`), '' at the top; null
 * outside git. Paths that leave connectorops for the code host (a usage's link) start from the
 * repository's root, not from --dir.
 */
export async function repositoryPrefix(dir: string): Promise<string | null> {
  try {
    return (await (await simpleGit(dir)).revparse(['--show-prefix'])).trim();
  } catch {
    return null;
  }
}

/**
 * HEAD's commit and where `dir` sits in its work tree (headCommit's and repositoryPrefix's
 * answers) from one git process: a plan of a working tree with Deluge code asks both, and each
 * process is a share of a plan's time (issue 25). `git rev-parse --show-prefix --verify --quiet
 * HEAD^{commit}` prints the prefix's line, then the commit's; whatever else it says (no commit yet,
 * outside git) is asked again the careful way, one question each.
 */
export async function headAndPrefix(dir: string): Promise<{ commit: string | null; prefix: string | null }> {
  try {
    const lines = (await (await simpleGit(dir)).raw(['rev-parse', '--show-prefix', '--verify', '--quiet', 'HEAD^{commit}'])).split('\n');
    if (lines.length === 3 && lines[2] === '' && /^[0-9a-f]{40,64}$/.test(lines[1]!)) return { commit: lines[1]!, prefix: lines[0]!.trim() };
  } catch {
    // Below.
  }
  const [commit, prefix] = await Promise.all([headCommit(dir), repositoryPrefix(dir)]);
  return { commit, prefix };
}

/**
 * The commit `ref` names, seen from `dir`. UserError when `dir` is not in a git repository or the
 * ref names no commit.
 */
export async function resolveCommit(dir: string, ref: string, flag = '--ref'): Promise<string> {
  // A ref that looks like an option would be read as one by git.
  if (ref === '' || ref.startsWith('-')) throw new UserError(`'${ref}' is not a git ref`, { hint: `give a branch, tag or commit, e.g. ${flag} main` });
  const git = await simpleGit(dir);
  try {
    const commit = (await git.revparse(['--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim();
    if (/^[0-9a-f]{40,64}$/.test(commit)) return commit;
  } catch {
    // Below: git's own words are less clear than ours. Only a failure pays for the second question.
  }
  const inRepo = await git.checkIsRepo().catch(() => false);
  if (!inRepo) {
    throw new UserError(`${flag} needs a git repository, and '${dir}' is not in one`, {
      hint:
        flag === '--base'
          ? 'plan --base REF compares the manifests with those at REF in git; outside git, plan without --base'
          : 'outside git, leave out --ref to read the working tree',
    });
  }
  throw new UserError(`unknown git ref '${ref}'`, { hint: 'give a branch, tag or commit that exists in this repository (git fetch first?)' });
}

/** git's `user.name` seen from `dir` (the repository's config, then the global one); null when unset. */
export async function gitUserName(dir: string): Promise<string | null> {
  try {
    return (await (await simpleGit(dir)).raw(['config', '--get', 'user.name'])).trim() || null;
  } catch {
    return null;
  }
}
