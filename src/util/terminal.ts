/**
 * Escaping for a terminal, for every layer that prints a user string (errors, manifest
 * diagnostics, target messages, the renderers through render/escape.ts).
 */

/**
 * Characters that can change how a terminal or a reader sees the surrounding text: C0/C1 controls
 * (ANSI escapes, carriage returns that overwrite a line), DEL, the line/paragraph separators, and the
 * bidirectional overrides and isolates ("Trojan Source" reordering).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `\u001b` style, so that a hostile string shows what it holds instead of acting on the terminal. */
function codePointEscape(ch: string): string {
  return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * Makes a user string safe for a terminal without quoting it: control and bidi characters become
 * visible `\uXXXX` escapes. Used for unquoted values (runbook values, word-diff fragments).
 */
export function sanitizeTerminal(value: string): string {
  return value.replace(UNSAFE_FOR_TERMINAL, codePointEscape);
}

/**
 * A user string as a double-quoted literal for a terminal, Terraform style: `"Acme CRM"`.
 * JSON quoting escapes `"`, `\` and C0 controls; the rest of the unsafe set is escaped after it.
 */
export function quoteTerminal(value: string): string {
  return sanitizeTerminal(JSON.stringify(value));
}

/**
 * `sanitizeTerminal` line by line: for a block of text (a log line, a summary) that may quote a
 * target's or a server's words, and whose own line breaks must stay line breaks.
 */
export function sanitizeLines(text: string): string {
  return text.split('\n').map(sanitizeTerminal).join('\n');
}
