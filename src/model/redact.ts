/**
 * The last line of defence for S2: text that leaves connectorops (an error, a log line, a
 * response) has the secret values it might carry replaced. Nothing quotes a secret on purpose;
 * this catches a bug, or a server or library that echoes one.
 */
import { SENSITIVE } from './actions.js';

/** Values shorter than this are left alone: blanking `ab` would mangle unrelated text. */
const MIN_REDACTED_LENGTH = 4;

/** `text` with each of `values` replaced by `marker`, longest first (a value may contain another). */
export function redact(text: string, values: readonly string[], marker: string = SENSITIVE): string {
  let out = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (value.length >= MIN_REDACTED_LENGTH && out.includes(value)) out = out.split(value).join(marker);
  }
  return out;
}
