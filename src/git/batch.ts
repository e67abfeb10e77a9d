/**
 * Reading many files of a commit quickly: exactly one `git ls-tree -r -z` for the listing and one
 * `git cat-file --batch` for every blob, whatever the number of files. A process per file would
 * cost a few milliseconds each, which is most of the time for a repository of thousands of files.
 */
import { InternalError, UserError } from '../errors.js';

export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  /** Relative to the directory git ran in, `/`-separated. */
  path: string;
}

/** `git ls-tree -r -z <commit> -- <pathspecs>` run in `dir`: paths come back relative to `dir`. */
export async function lsTree(dir: string, commit: string, pathspecs: readonly string[]): Promise<TreeEntry[]> {
  const out = await runGit(dir, ['ls-tree', '-r', '-z', commit, '--', ...pathspecs]);
  const entries: TreeEntry[] = [];
  let start = 0;
  for (;;) {
    const end = out.indexOf(0, start);
    if (end === -1) break;
    // `<mode> SP <type> SP <oid> TAB <path>`: the path may hold any byte but NUL, so split at the first TAB only.
    const tab = out.indexOf(9, start);
    const [mode = '', type = '', oid = ''] = out.toString('latin1', start, tab).split(' ');
    entries.push({ mode, type, oid, path: out.toString('utf8', tab + 1, end) });
    start = end + 1;
  }
  return entries;
}

/** One object of `git cat-file --batch` output. A `missing` object has empty data. */
export interface BatchObject {
  oid: string;
  type: string;
  data: Buffer;
}

/**
 * An incremental parser of `git cat-file --batch` output: `<oid> SP <type> SP <size> LF <data> LF`
 * per object, or `<name> SP missing LF`. Lengths are bytes, so data is cut from Buffers, never
 * from decoded text; chunks may split anywhere, headers and data included.
 */
export class BatchParser {
  readonly objects: BatchObject[] = [];
  private header: Buffer[] = [];
  private current: { oid: string; type: string; size: number } | null = null;
  private body: Buffer | null = null;
  private filled = 0;

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.current === null) {
        const nl = chunk.indexOf(10, pos);
        if (nl === -1) {
          this.header.push(chunk.subarray(pos));
          return;
        }
        const line = this.header.length ? Buffer.concat([...this.header, chunk.subarray(pos, nl)]).toString('latin1') : chunk.toString('latin1', pos, nl);
        this.header = [];
        pos = nl + 1;
        this.startObject(line);
        continue;
      }
      const { size } = this.current;
      // The data, then the LF that closes it.
      const need = size + 1 - this.filled;
      const take = Math.min(need, chunk.length - pos);
      if (this.filled === 0 && take === need) {
        // The whole object is in this chunk: no copy.
        this.finish(chunk.subarray(pos, pos + size));
      } else {
        this.body ??= Buffer.allocUnsafe(size + 1);
        chunk.copy(this.body, this.filled, pos, pos + take);
        this.filled += take;
        if (this.filled === size + 1) this.finish(this.body.subarray(0, size));
      }
      pos += take;
    }
  }

  /** Throws when the output stopped in the middle of an object. */
  end(): void {
    if (this.current !== null || this.header.length > 0) throw new InternalError('git cat-file --batch output ended in the middle of an object');
  }

  private startObject(line: string): void {
    const parts = line.split(' ');
    if (parts[1] === 'missing' || parts[1] === 'ambiguous') {
      this.objects.push({ oid: parts[0] ?? '', type: parts[1], data: Buffer.alloc(0) });
      return;
    }
    const size = Number(parts[2]);
    if (parts.length !== 3 || !Number.isSafeInteger(size) || size < 0) throw new InternalError(`unexpected git cat-file --batch header: ${line}`);
    this.current = { oid: parts[0]!, type: parts[1]!, size };
    this.body = null;
    this.filled = 0;
  }

  private finish(data: Buffer): void {
    const { oid, type } = this.current!;
    this.objects.push({ oid, type, data });
    this.current = null;
    this.body = null;
    this.filled = 0;
  }
}

/** The contents of the given blobs, by object id, from one `git cat-file --batch` process. */
export async function catFileBatch(dir: string, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(oids)];
  const result = new Map<string, Buffer>();
  if (unique.length === 0) return result;
  const parser = new BatchParser();
  // --buffer: without it git flushes after every object, one pipe write (and one 'data' event) each.
  await runGit(dir, ['cat-file', '--batch', '--buffer'], unique.join('\n') + '\n', (chunk) => parser.push(chunk));
  parser.end();
  for (const o of parser.objects) {
    if (o.type === 'missing' || o.type === 'ambiguous')
      throw new UserError(`git object ${o.oid} is ${o.type}`, { hint: 'is the repository complete (a shallow or partial clone)?' });
    result.set(o.oid, o.data);
  }
  return result;
}

/**
 * Runs git in `dir`, feeding `input` to its stdin. Without `onData` the stdout comes back whole;
 * with it, stdout is streamed to it. Rejects with git's stderr when git fails.
 */
async function runGit(dir: string, args: string[], input?: string, onData?: (chunk: Buffer) => void): Promise<Buffer> {
  // Imported here: only a --ref reads through git, and validate of a working tree starts faster without it.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed: unknown = null;
    child.stdout.on('data', (chunk: Buffer) => {
      if (!onData) return void out.push(chunk);
      try {
        onData(chunk);
      } catch (error) {
        failed ??= error;
        child.kill();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // EPIPE when git exits before reading all of stdin: the exit status says why.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => reject(new UserError(`cannot run git: ${error.message}`, { hint: 'is git installed and on PATH?' })));
    child.on('close', (code) => {
      if (failed) return reject(failed instanceof Error ? failed : new InternalError(`reading the output of git ${args[0]} failed`));
      // The repository or the git installation, not connectorops: say what git said.
      if (code !== 0) return reject(new UserError(`git ${args[0]} failed (exit ${code}): ${Buffer.concat(err).toString('utf8').trim()}`));
      resolve(Buffer.concat(out));
    });
    child.stdin.end(input ?? '');
  });
}
