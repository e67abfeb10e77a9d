/**
 * Commands to paste: what a hint suggests must run as printed, on the target the person named.
 * Pure; terminal-safe (a word with a control character is quoted and its characters escaped).
 */
import { sanitizeTerminal } from './terminal.js';
import { targetIdentity } from './target-identity.js';

/** A word as a POSIX shell reads it back: as is when it is plain, else single-quoted. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./~-]+$/.test(word)) return word;
  return sanitizeTerminal(`'${word.replace(/'/g, `'\\''`)}'`);
}

/**
 * ` --target T --dir D`: the flags as the person typed them, to append to a suggested command
 * (nothing for a flag not given: the command finds the same default again). A URL's password is
 * left out (S2): a PostgreSQL target reads it from PGPASSWORD.
 */
export function targetFlagsText(where: { target?: string | undefined; dir?: string | undefined }): string {
  let out = '';
  if (where.target !== undefined) out += ` --target ${shellWord(targetIdentity(where.target))}`;
  if (where.dir !== undefined) out += ` --dir ${shellWord(where.dir)}`;
  return out;
}
