/**
 * How an SQLite database file begins (its header's first 16 bytes). Two edges read it: the local
 * target checks a file before SQLite opens it, and `plan --out` refuses to write a plan over a
 * database (a target it would destroy).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether `head`, a file's first bytes, begins as an SQLite database does. */
export function isSqliteHeader(head: Uint8Array): boolean {
  return head.length >= SQLITE_MAGIC.length && SQLITE_MAGIC.equals(head.subarray(0, SQLITE_MAGIC.length));
}

/** Whether `path` is a regular file that begins as an SQLite database does; false when there is none, or it cannot be read. */
export function isSqliteFile(path: string): boolean {
  let fd: number;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, 'r');
  } catch {
    return false; // None there (or unreadable): whoever writes it says what is wrong, if anything.
  }
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    return isSqliteHeader(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
