/**
 * N1–N3: what names, descriptions and link names may contain. The manifest schema (and the JSON
 * Schema generated from it) and the targets all use these, so the rules live once.
 */

/**
 * The patterns as strings (JSON Schema `pattern`s take the `u` flag's syntax).
 * N1 deviation, written down in docs/manifests.md: Creator's help lists * _ - @ / ! : | & ~ \ + and
 * space as a name's specials, but our own examples name a connection `CRM (sales team)`.
 * A user copying them expects that to be valid, so parentheses are allowed in names too.
 */
export const NAME_PATTERNS = {
  // N1: 1–50 characters; starts with a letter, a digit or `_`.
  name: '^[\\p{L}\\p{N}_][\\p{L}\\p{N}\\p{M}*_\\-@/!:|&~\\\\+() ]{0,49}$',
  // N2: at most 255 characters; specials limited to , . ( ) - _ * @ / \ ! : | ~ &
  description: '^[\\p{L}\\p{N}\\p{M} ,.()\\-_*@/\\\\!:|~&]{0,255}$',
  // N3 (assumed): lower-case identifier.
  linkName: '^[a-z][a-z0-9_]{0,49}$',
} as const;

const NAME = new RegExp(NAME_PATTERNS.name, 'u');
const NAME_CHAR = /[\p{L}\p{N}\p{M}*_\-@/!:|&~\\+() ]/u;
const DESCRIPTION = new RegExp(NAME_PATTERNS.description, 'u');
const DESCRIPTION_CHAR = /[\p{L}\p{N}\p{M} ,.()\-_*@/\\!:|~&]/u;
const LINK_NAME = new RegExp(NAME_PATTERNS.linkName);
/*
 * ASCII-only forms of N1 and N2: what they accept, the full patterns accept too (A-Z, a-z and 0-9
 * are letters and digits, and an ASCII string's length in code points is its length), without
 * splitting the text into code points: checking a 100k-connection snapshot's names spent ~0.1 s
 * in that split alone (issue 25). Anything they refuse goes through the full checks below.
 */
const ASCII_NAME = /^[A-Za-z0-9_][A-Za-z0-9*_\-@/!:|&~\\+() ]{0,49}$/;
const ASCII_DESCRIPTION = /^[A-Za-z0-9 ,.()\-_*@/\\!:|~&]{0,255}$/;

/** Why `name` breaks N1, or null when it is fine. */
export function nameProblem(name: string): string | null {
  if (ASCII_NAME.test(name)) return null;
  const length = [...name].length;
  if (length === 0) return 'a name cannot be empty';
  if (length > 50) return `a name is at most 50 characters long (this one has ${length})`;
  if (NAME.test(name)) return null;
  if (!/^[\p{L}\p{N}_]/u.test(name)) return 'a name starts with a letter, a digit or _';
  const bad = firstOffending(name, NAME_CHAR);
  return `a name may not contain ${quoteChar(bad)}; its special characters are limited to * _ - @ / ! : | & ~ \\ + ( ) and space`;
}

/** Why `description` breaks N2, or null when it is fine. */
export function descriptionProblem(description: string): string | null {
  if (ASCII_DESCRIPTION.test(description)) return null;
  const length = [...description].length;
  if (length > 255) return `a description is at most 255 characters long (this one has ${length})`;
  if (DESCRIPTION.test(description)) return null;
  const bad = firstOffending(description, DESCRIPTION_CHAR);
  return `a description may not contain ${quoteChar(bad)}; its special characters are limited to , . ( ) - _ * @ / \\ ! : | ~ &`;
}

/** Why `linkName` breaks N3, or null when it is fine. */
export function linkNameProblem(linkName: string): string | null {
  if (LINK_NAME.test(linkName)) return null;
  if (linkName.length === 0) return 'a link name cannot be empty';
  if (linkName.length > 50) return `a link name is at most 50 characters long (this one has ${linkName.length})`;
  return 'a link name starts with a lower-case letter and holds only a-z, 0-9 and _';
}

function firstOffending(text: string, allowed: RegExp): string {
  for (const ch of text) if (!allowed.test(ch)) return ch;
  return '';
}

function quoteChar(ch: string): string {
  if (ch === '\n') return 'a line break';
  if (ch === '\t') return 'a tab';
  return `'${ch}'`;
}
