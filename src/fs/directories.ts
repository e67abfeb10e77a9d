/**
 * `mkdir -p` for the edges that write files (init, import, plan --out, a new local target).
 *
 * Not Node's `mkdir(…, { recursive: true })`: where a file system answers ENOENT for a directory
 * that cannot be made (/proc, say), that call loops forever inside libuv, at full CPU, and
 * connectorops would hang instead of failing. Here each missing directory is made in turn, once,
 * and the first that cannot be made throws Node's own error (with its `code`) for the caller to
 * put in words.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes `path` and its missing parents. Returns the directories it created, outermost first, so
 * that a caller that fails later can take them away again. A file where a directory should be
 * throws ENOTDIR.
 */
export function makeDirectories(path: string): string[] {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const info = statSync(at, { throwIfNoEntry: false });
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', path: at });
      break;
    }
    missing.push(at);
    if (dirname(at) === at) break;
  }
  const created: string[] = [];
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
      created.push(dir);
    } catch (error) {
      // Made by someone else in the meantime: as good as ours.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw error;
    }
  }
  return created;
}

/** Why a file could not be read, in words, from Node's error code (its message otherwise). */
export function readProblem(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return message;
  }
}

/** Why a file or folder could not be written, in words, from Node's error code (its message otherwise). */
export function writeProblem(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOENT':
      return 'a folder cannot be created there';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return message;
  }
}
