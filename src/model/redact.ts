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

/**
 * The shortest part of a token that is redacted on its own. A run of 8 characters of a random
 * token is already more than a reader should learn of it; shorter runs (`ghs_`, `Bearer`) are too
 * likely to be ordinary words.
 */
export const MIN_REDACTED_PART = 8;

/**
 * `text` with every part of each of `values` (a run of at least MIN_REDACTED_PART characters that
 * the value holds, anywhere in `text`) replaced by `marker`; a value shorter than that is
 * redacted whole, as by `redact`. For words a server sends back, which may quote a token cut,
 * split or wrapped ("Bearer ghs_…", the first 20 characters): no part of it is ever printed
 * (issue 18, item 6). Linear in `text`: each window of MIN_REDACTED_PART characters is looked up
 * in the set of the values' windows, and the covered characters are replaced run by run.
 */
export function redactParts(text: string, values: readonly string[], marker: string = SENSITIVE): string {
  const short = values.filter((v) => v.length < MIN_REDACTED_PART);
  const out = redact(text, short, marker);
  const windows = new Set<string>();
  for (const value of values) {
    for (let i = 0; i + MIN_REDACTED_PART <= value.length; i++) windows.add(value.slice(i, i + MIN_REDACTED_PART));
  }
  if (windows.size === 0) return out;
  const covered = new Uint8Array(out.length);
  let any = false;
  for (let i = 0; i + MIN_REDACTED_PART <= out.length; i++) {
    if (!windows.has(out.slice(i, i + MIN_REDACTED_PART))) continue;
    covered.fill(1, i, i + MIN_REDACTED_PART);
    any = true;
  }
  if (!any) return out;
  let result = '';
  for (let i = 0; i < out.length; i++) {
    if (!covered[i]) result += out[i];
    else if (i === 0 || !covered[i - 1]) result += marker;
  }
  return result;
}
