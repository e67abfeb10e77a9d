/**
 * Where manifest files come from: the working tree (here) or a git ref (git-source.ts).
 * Loading only ever lists and reads through this interface, so both feed the same pure core.
 */
import { lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, isAbsolute, sep } from 'node:path';
import { UserError, type Diagnostic } from '../errors.js';
import { headAndPrefix } from '../git/repo.js';
import { SKIPPED_DIRS } from '../usages/scan-files.js';
import { quoteTerminal } from '../util/terminal.js';
import { CONFIG_FILE } from './config.js';

export interface ManifestSource {
  /** The git ref as given, or null for the working tree. */
  readonly ref: string | null;
  /** What a person reads in a summary: `working tree`, or `ref main at 1a2b3c4`. */
  readonly label: string;
  /** The commit the files come from: the ref's, or HEAD's for a working tree in git; null outside git. */
  commit(): Promise<string | null>;
  /** Where the manifest dir sits in its git repository (`infra/`, '' at the top); null outside git. */
  prefix(): Promise<string | null>;
  /** Manifest files and `connectorops.yaml`, relative to the manifest dir, `/`-separated, sorted. */
  list(): Promise<string[]>;
  /**
   * Every other file `match` accepts (usages: Deluge code), relative to the manifest dir,
   * `/`-separated, sorted. `roots` are the directories that may hold one (`''`: all); a
   * working tree walks only those. node_modules/ and .git/ are never entered.
   */
  listUsageFiles(match: (path: string) => boolean, roots?: readonly string[]): Promise<string[]>;
  /**
   * The text of listed files (manifests or usage files), all in one batch. Manifests: a file over
   * 1 MiB or not UTF-8 is an error. Code (`CODE_READ`): up to 32 MiB, and a file it cannot read is
   * told to `skip` as a warning and left out, never an error.
   */
  read(paths: readonly string[], options?: ReadOptions): Promise<Map<string, string>>;
}

export interface ReadOptions {
  /** The largest file read, in bytes (default 1 MiB, a manifest's limit). */
  maxBytes: number;
  /** Given: a file too large or not UTF-8 is told here (as a warning) and left out, instead of failing the read. */
  skip: (warning: Diagnostic) => void;
  /** Given: each text is handed here as it is read, and left out of the map `read` returns (code is scanned file by file). */
  each?: (path: string, text: string) => void;
}

/**
 * Deluge code: Creator exports of a large application run to several MiB, so code files get their
 * own limit, 32 MiB, and a file over it is skipped with a warning: the usages scan never fails a plan.
 */
export const MAX_CODE_BYTES = 32 * 1024 * 1024;

/** How `read` treats a file it cannot take: fails the read, or (code) skips it with a warning. */
export function readProblem(problems: Diagnostic[], options: ReadOptions | undefined, problem: Diagnostic): void {
  if (options) options.skip({ ...problem, severity: 'warning', message: `${problem.message}; its usages are not counted` });
  else problems.push(problem);
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
  // The commit and the prefix from one git process, asked once, when the first of them is.
  let git: ReturnType<typeof headAndPrefix> | undefined;
  const asked = () => (git ??= headAndPrefix(dir));
  const root = realpathSync(dir);
  return {
    ref: null,
    label: 'working tree',
    commit: () => asked().then((g) => g.commit),
    prefix: () => asked().then((g) => g.prefix),
    async list() {
      const out: string[] = [];
      const refused: Diagnostic[] = [];
      for (const folder of ['connectors', 'connections']) {
        const info = lstatSync(join(dir, folder), { throwIfNoEntry: false });
        // A linked folder could be any folder on this machine: it is named, never read.
        if (info?.isSymbolicLink())
          refused.push(
            linkProblem(
              folder,
              'is a symbolic link to a folder; manifest folders must be real folders under --dir',
              'replace the link with the folder itself, or point --dir at the folder that holds connectors/ and connections/',
            ),
          );
        else walk(dir, root, folder, out, refused);
      }
      const config = lstatSync(join(dir, CONFIG_FILE), { throwIfNoEntry: false });
      if (config?.isFile()) out.push(CONFIG_FILE);
      else if (config?.isSymbolicLink()) checkLinkedFile(dir, root, CONFIG_FILE, out, refused);
      if (refused.length)
        throw new UserError(`${refused.length === 1 ? 'a symbolic link was' : `${refused.length} symbolic links were`} not followed`, { diagnostics: refused });
      return out.filter(isManifestPath).sort();
    },
    async listUsageFiles(match, roots = ['']) {
      const out: string[] = [];
      const refused: Diagnostic[] = [];
      for (const from of roots) walk(dir, root, from, out, refused, match);
      if (refused.length)
        throw new UserError(`${refused.length === 1 ? 'a symbolic link was' : `${refused.length} symbolic links were`} not followed`, { diagnostics: refused });
      return out.sort();
    },
    async read(paths, options) {
      const limit = options?.maxBytes ?? MAX_MANIFEST_BYTES;
      const texts = new Map<string, string>();
      const problems: Diagnostic[] = [];
      for (let i = 0; i < paths.length; i++) {
        // Let timers, signals and child processes (the commit lookup) get a turn now and then.
        if (i > 0 && i % READ_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        const path = paths[i]!;
        const full = join(dir, path);
        let decoded: string | Diagnostic;
        try {
          // Checked before reading: a 50 MB file is refused without being read.
          const size = statSync(full).size;
          if (size > limit) {
            readProblem(problems, options, tooLarge(path, size, limit));
            continue;
          }
          decoded = readText(full, path, limit);
        } catch (error) {
          // Listed, yet not there: a name that is not UTF-8 comes out of readdir with U+FFFD in it,
          // which names no file. Said as the encoding problem it is, not as "ENOENT".
          if ((error as NodeJS.ErrnoException).code === 'ENOENT' && path.includes('\uFFFD')) {
            readProblem(problems, options, badFileName(path));
            continue;
          }
          throw new UserError(`cannot read ${quoteTerminal(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        if (typeof decoded !== 'string') readProblem(problems, options, decoded);
        else if (options?.each) options.each(path, decoded);
        else texts.set(path, decoded);
      }
      if (problems.length) throw unreadable(problems);
      return texts;
    },
  };
}

/**
 * The largest manifest file read: 1 MiB, a hundred times the largest real manifest. Parsing a
 * 50 MB scalar takes the YAML parser a minute and gigabytes; a limit keeps hostile input cheap.
 */
const MAX_MANIFEST_BYTES = 1024 * 1024;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A file's text as `decodeManifest` gives it, read the cheap way: Node decodes the file itself,
 * with no buffer handed to JavaScript (bytes + the strict decoder cost ~25% more CPU on the
 * usages bench's 2,000 files). Bytes that are not UTF-8 come out as U+FFFD: a text that holds one
 * (or a real U+FFFD) is read again as bytes, for the strict decoder to judge.
 */
function readText(full: string, path: string, limit: number): string | Diagnostic {
  const text = readFileSync(full, 'utf8');
  if (text.includes('\uFFFD')) return decodeManifest(path, readFileSync(full), limit);
  // The strict decoder drops a byte order mark; this one keeps it.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * A manifest file's bytes as text (a byte order mark is dropped), or the diagnostic that refuses
 * them: larger than MAX_MANIFEST_BYTES, or not UTF-8 (at the first bad byte: a value silently
 * turned into U+FFFD would reach Creator as something nobody wrote).
 */
export function decodeManifest(path: string, bytes: Uint8Array, limit = MAX_MANIFEST_BYTES): string | Diagnostic {
  if (bytes.length > limit) return tooLarge(path, bytes.length, limit);
  try {
    return UTF8.decode(bytes);
  } catch {
    const bad = firstInvalidByte(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad));
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = before.split('\n').length;
    return {
      file: path,
      line,
      col: before.length - lineStart + 1,
      severity: 'error',
      code: 'encoding',
      message: `byte ${bad} (0x${bytes[bad]!.toString(16).padStart(2, '0')}) is not valid UTF-8; connectorops reads manifests and code as UTF-8 text`,
      hint: 'save the file as UTF-8 (an editor\'s "Save with encoding"), or retype the character',
    };
  }
}

/** The offset of the first byte that makes `bytes` invalid UTF-8 (binary search on prefixes, streamed). */
function firstInvalidByte(bytes: Uint8Array): number {
  // A prefix that ends inside a character is not an error when streaming; one with a bad byte is.
  const fails = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  if (!fails(hi)) return Math.max(0, hi - 1); // Only the end is cut short: the last character is incomplete.
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (fails(mid)) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/** Why a folder could not be listed, in words. */
function listProblem(code: string | undefined, error: unknown): string {
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENAMETOOLONG') return 'its path is longer than the file system allows (folders nested too deep)';
  return code ?? (error as Error).message;
}

/** A path short enough for one line of an error: its start and its end, for a folder nested thousands deep. */
function shortened(path: string): string {
  return path.length > 120 ? `${path.slice(0, 60)}…${path.slice(-50)}` : path;
}

function badFileName(path: string): Diagnostic {
  return {
    file: path,
    line: 1,
    col: 1,
    severity: 'error',
    code: 'encoding',
    message: 'the file name is not valid UTF-8 (shown with \uFFFD in its place); file names are read as UTF-8',
    hint: 'rename the file to a UTF-8 name (git mv), e.g. with letters a-z, digits, _ and -',
  };
}

function tooLarge(path: string, size: number, limit = MAX_MANIFEST_BYTES): Diagnostic {
  return {
    file: path,
    line: 1,
    col: 1,
    severity: 'error',
    code: 'size',
    message:
      limit === MAX_MANIFEST_BYTES
        ? `the file has ${size} bytes; a manifest file may have at most ${MAX_MANIFEST_BYTES} (1 MiB)`
        : `the file has ${size} bytes; a code file is read up to ${limit} (${limit / 1024 / 1024} MiB)`,
    hint: 'split it into several files, one resource per file',
  };
}

/** The UserError for files that cannot be read as manifests. */
export function unreadable(problems: Diagnostic[]): UserError {
  return new UserError(`${problems.length === 1 ? 'a file' : `${problems.length} files`} could not be read as manifests`, { diagnostics: problems });
}

function linkProblem(path: string, message: string, hint: string): Diagnostic {
  return { file: path, line: 1, col: 1, severity: 'error', code: 'symlink', message, hint };
}

/**
 * A symlinked manifest file is read only when it resolves to a file inside the manifest
 * directory: one that points elsewhere could be any file on this machine, and its lines would
 * be quoted in errors. Problems name the link, never its target.
 */
function checkLinkedFile(dir: string, root: string, path: string, out: string[], refused: Diagnostic[]): void {
  let real: string;
  try {
    real = realpathSync(join(dir, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') refused.push(linkProblem(path, 'is a symbolic link that loops (it leads back to itself)', 'replace it with the file it should point to'));
    else refused.push(linkProblem(path, 'is a symbolic link to nothing (its target does not exist)', 'remove the link, or restore its target'));
    return;
  }
  const inside = relative(root, real);
  if (inside === '' || inside.startsWith('..' + sep) || inside === '..' || isAbsolute(inside)) {
    refused.push(
      linkProblem(
        path,
        'is a symbolic link to a file outside the manifest directory; it was not read',
        'copy the file into the manifest directory instead of linking to it',
      ),
    );
    return;
  }
  if (statSync(real).isFile()) out.push(path);
}

const READ_SLICE = 512;

/**
 * `connectorops.yaml` in `dir` as text, or null when there is none: under the same rules as the
 * manifests (a link must stay inside `dir`, at most 1 MiB, UTF-8). For commands that read only
 * the config (the target of `target export`, say).
 */
export async function readConfigText(dir: string): Promise<string | null> {
  const info = lstatSync(join(dir, CONFIG_FILE), { throwIfNoEntry: false });
  if (!info) return null;
  if (info.isSymbolicLink()) {
    const refused: Diagnostic[] = [];
    checkLinkedFile(dir, realpathSync(dir), CONFIG_FILE, [], refused);
    if (refused.length) throw new UserError('a symbolic link was not followed', { diagnostics: refused });
  }
  const file = statSync(join(dir, CONFIG_FILE));
  if (!file.isFile()) throw new UserError(`${CONFIG_FILE} in ${quoteTerminal(dir)} is not a file`);
  const size = file.size;
  if (size > MAX_MANIFEST_BYTES) throw unreadable([tooLarge(CONFIG_FILE, size)]);
  const decoded = decodeManifest(CONFIG_FILE, readFileSync(join(dir, CONFIG_FILE)));
  if (typeof decoded !== 'string') throw unreadable([decoded]);
  return decoded;
}

/** UserError unless `dir` is a directory: a mistyped --dir must not pass as "no manifests". */
export async function assertDirectory(dir: string): Promise<void> {
  // Sync, as this module reads: node:fs/promises is not loaded at start-up for this one call
  // (validate on Node 24, 40 runs interleaved: ~1–2 ms, bench/startup.bench.js).
  let info;
  try {
    info = statSync(dir, { throwIfNoEntry: false });
  } catch {
    info = undefined;
  }
  if (!info?.isDirectory()) throw new UserError(`manifest directory '${dir}' does not exist or is not a directory`, { hint: 'check --dir' });
}

/**
 * The files under `rel` (every file, or those `match` accepts), depth first. `rel` '' is the root.
 * node_modules/ and .git/ are never entered.
 */
function walk(
  dir: string,
  root: string,
  rel: string,
  out: string[],
  refused: Diagnostic[],
  match: (path: string) => boolean = isManifestPath,
  all = match === isManifestPath,
): void {
  let entries;
  try {
    entries = readdirSync(join(dir, rel), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw new UserError(`cannot list ${quoteTerminal(shortened(rel || '.'))}: ${listProblem(code, error)}`, {
      hint: 'every folder under --dir is read (the manifests, and code for usages): make this one readable, or move it out of --dir',
    });
  }
  for (const e of entries) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) walk(dir, root, path, out, refused, match, all);
    } else if (e.isFile()) {
      if (all || match(path)) out.push(path);
    }
    // A symlinked file counts as the file when it stays inside; symlinked directories are not followed (no cycles).
    else if (e.isSymbolicLink() && match(path)) checkLinkedFile(dir, root, path, out, refused);
  }
}
