/**
 * The last line of defence for S2 on the wire: whatever text leaves the server (a response, a log
 * line) or reaches the user from the client (an error) has the request's secret values, and the
 * bearer token, replaced. The target never quotes a secret on its own; this catches a bug that would.
 */

/** Values shorter than this are left alone: blanking `ab` would mangle unrelated text. */
const MIN_REDACTED_LENGTH = 4;

/** `text` with each of `values` replaced by `(sensitive)`, longest first (a value may contain another). */
export function redact(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (value.length >= MIN_REDACTED_LENGTH && out.includes(value)) out = out.split(value).join('(sensitive)');
  }
  return out;
}
