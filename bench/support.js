// What bench modules share: timing, the floors' bare git reads, and writing a generated tree once.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Milliseconds `fn` takes. */
export async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** git's stdout as a Buffer; rejects when git fails. */
function git(cwd, args, input) {
  return new Promise((resolve, reject) => {
    // No stdin unless there is input: git may exit before an empty write reaches it (EPIPE, an
    // unhandled error that ended a whole bench run); a write error is git's exit code's business.
    const child = spawn('git', args, { cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git ${args[0]} exit ${code}`))));
    if (input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

/**
 * The floor's read of a commit: one `ls-tree -r` (of `pathspecs`), one `cat-file --batch` of the
 * blobs whose path `keep` accepts; their texts, in tree order.
 */
export async function blobTexts(dir, pathspecs, keep = () => true) {
  const tree = await git(dir, ['ls-tree', '-r', '-z', 'HEAD', '--', ...pathspecs]);
  const oids = [];
  for (const entry of tree.toString('utf8').split('\0')) if (entry && keep(entry.slice(entry.indexOf('\t') + 1))) oids.push(entry.split(/[ \t]/)[2]);
  const out = await git(dir, ['cat-file', '--batch', '--buffer'], oids.join('\n') + '\n');
  const texts = [];
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(10, pos);
    const size = Number(out.toString('latin1', pos, nl).split(' ')[2]);
    texts.push(out.toString('utf8', nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return texts;
}

/** Writes `writes` ([path, text] pairs) into a fresh `dir` and commits them; `.complete` marks it done. */
export async function writeAndCommit(dir, writes, message) {
  await rm(dir, { recursive: true, force: true });
  for (const d of new Set(writes.map(([p]) => join(dir, p, '..')))) await mkdir(d, { recursive: true });
  for (let i = 0; i < writes.length; i += 256) {
    await Promise.all(writes.slice(i, i + 256).map(([p, text]) => writeFile(join(dir, p), text)));
  }
  const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-q', '-m', message], { cwd: dir, env });
  await writeFile(join(dir, '.complete'), '');
}
