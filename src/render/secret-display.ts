/**
 * S2 for renderers. A plan never holds a secret value: secrets travel as `{fromEnv, fingerprint}`
 * and field changes as `(sensitive…)` markers. Fingerprints may appear in the JSON plan (apply
 * needs them to refuse a stale secret), but the human formats never print one: a fingerprint
 * says nothing useful to a reader, and keeping them out of PR comments and terminals keeps the
 * keyed hashes out of places they could be collected from. This module is the second line of that
 * defence; the first is that the renderers format secrets as markers and never look inside them.
 */
import { SENSITIVE, SENSITIVE_CHANGED, SENSITIVE_NOT_RECORDED } from '../model/actions.js';
import type { Plan } from '../model/plan.js';
import { SECRET_PARAMETERS } from '../model/types.js';
import { escapeMarkdown } from './escape.js';
import { redact } from '../model/redact.js';

/** The names of secret parameters, from the model (clientSecret, consumerSecret). */
const SECRET_NAMES: ReadonlySet<string> = new Set(Object.values(SECRET_PARAMETERS).flat());

/** The markers a field change may carry in place of a secret (docs/rules.md, S2). */
export const SENSITIVE_MARKERS: ReadonlySet<string> = new Set([SENSITIVE, SENSITIVE_CHANGED, SENSITIVE_NOT_RECORDED]);

/**
 * Fingerprints shorter than this are not redacted from output: a real one is a keyed hash of
 * dozens of characters, and blanking a short string (say `crm`) would mangle unrelated text.
 */
const MIN_REDACTED_FINGERPRINT_LENGTH = 8;

/** True when a field path names a secret parameter (`authentication.clientSecret`, `secrets.consumerSecret`). */
export function isSecretPath(path: string): boolean {
  const last = path.split('.').pop() ?? path;
  return SECRET_NAMES.has(last.replace(/\[\d+\]$/, ''));
}

/** True for a value shaped like a planned secret: an object with `fingerprint` or `fromEnv`. */
export function isSecretValue(value: unknown): value is { fromEnv?: unknown; fingerprint?: unknown } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && ('fingerprint' in value || 'fromEnv' in value);
}

/**
 * What a human format may show for one side of a change to a secret: the plan's marker when it
 * is one, `null` when the secret was or will be unset, and `(sensitive)` for anything else
 * (a planner bug that put something else there must not leak it).
 */
export function secretDisplay(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && SENSITIVE_MARKERS.has(value)) return value;
  return SENSITIVE;
}

/** Every fingerprint string held anywhere in the plan (any key named `fingerprint`, at any depth). */
export function collectFingerprints(plan: Plan): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'fingerprint' && typeof inner === 'string' && inner.length >= MIN_REDACTED_FINGERPRINT_LENGTH) found.add(inner);
        else walk(inner);
      }
    }
  };
  walk(plan);
  // Longest first, so that a fingerprint that contains another is blanked whole.
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each fingerprint (raw, Markdown-escaped or JSON-escaped) by `(sensitive)`. */
export function redactFingerprints(output: string, fingerprints: readonly string[]): string {
  return redact(
    output,
    fingerprints.flatMap((fp) => [fp, escapeMarkdown(fp), JSON.stringify(fp).slice(1, -1)]),
  );
}

/** Redacts a single user string before it is escaped and printed. */
export function makeRedactor(plan: Plan): (value: string) => string {
  const fingerprints = collectFingerprints(plan);
  if (fingerprints.length === 0) return (value) => value;
  return (value) => redactFingerprints(value, fingerprints);
}
