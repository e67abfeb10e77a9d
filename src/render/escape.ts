/**
 * Escaping for the two kinds of output a person reads: a terminal (text, runbook) and GitHub
 * Markdown (PR comments). Every user-written string goes through one of these before it is printed;
 * the renderers never concatenate a raw user string into their output.
 */

export { quoteTerminal, sanitizeLines, sanitizeTerminal } from '../util/terminal.js';
import { quoteTerminal } from '../util/terminal.js';

/** The inside of `quoteTerminal`, for a string shown in pieces (a word diff). */
export function quoteTerminalInner(value: string): string {
  return quoteTerminal(value).slice(1, -1);
}

/**
 * Markdown metacharacters that get a backslash. CommonMark lets any ASCII punctuation be escaped;
 * these are the ones that start or end inline constructs (emphasis, links, code, strikethrough,
 * math `$`), block constructs at a line start (`#`, `+`, `-`, `.` after a number, `!`), or table
 * cells (`|`). `<`, `>` and `&` become HTML entities instead (see below).
 */
const MARKDOWN_PUNCTUATION = new Set(['\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '.', '!', '|', '~', '$']);

/** U+200B ZERO WIDTH SPACE: after `@` it stops GitHub from turning `@team` into a mention. */
export const ZWSP = '\u200b';

/** Line breaks inside one value would end a table row or a list item: they become spaces. */
const LINE_BREAK = /\r\n|[\r\n\t\u2028\u2029]/g;
/** What remains of the unsafe set after line breaks: shown as U+FFFD so that it is visible. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this strips
const UNSAFE_FOR_MARKDOWN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Escapes a user string for GitHub-flavoured Markdown, anywhere inline: paragraph text, list
 * items, table cells, emphasis. The result renders as exactly the input's characters:
 *
 * - `& < >` become `&amp; &lt; &gt;`: no HTML can be injected, and no entity is decoded.
 * - Markdown punctuation gets a backslash, so no emphasis, link, image, code span, heading,
 *   strikethrough or math starts, and a `|` does not split a table cell.
 * - `@` is followed by a zero-width space, so `@team` notifies nobody.
 * - Line breaks become spaces and other control or bidi characters become U+FFFD: a value stays
 *   on its line (lossy, by design: names and descriptions are single-line).
 */
export function escapeMarkdown(value: string): string {
  let out = '';
  for (const ch of value.replace(LINE_BREAK, ' ').replace(UNSAFE_FOR_MARKDOWN, '\ufffd')) {
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '@') out += '@' + ZWSP;
    else if (MARKDOWN_PUNCTUATION.has(ch)) out += '\\' + ch;
    else out += ch;
  }
  return out;
}

/**
 * The inverse of `escapeMarkdown` for strings that hold no line breaks or control characters
 * (those are replaced, not escaped). It exists so that tests can state the round trip; renderers
 * never need it.
 */
export function unescapeMarkdown(escaped: string): string {
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const rest = escaped.slice(i);
    if (rest.startsWith('&amp;')) {
      out += '&';
      i += 4;
      continue;
    }
    if (rest.startsWith('&lt;')) {
      out += '<';
      i += 3;
      continue;
    }
    if (rest.startsWith('&gt;')) {
      out += '>';
      i += 3;
      continue;
    }
    const ch = escaped[i]!;
    if (ch === '\\' && i + 1 < escaped.length) {
      out += escaped[i + 1];
      i += 1;
      continue;
    }
    if (ch === '@' && escaped[i + 1] === ZWSP) {
      out += '@';
      i += 1;
      continue;
    }
    out += ch;
  }
  return out;
}
