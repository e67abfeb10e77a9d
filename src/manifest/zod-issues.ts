/**
 * zod issues → diagnostics that a person can act on: the position of the offending key or value,
 * a message in our words, the rule id where one applies, and a hint.
 *
 * S1: a value under a secret parameter is never quoted, whatever the issue.
 */
import type { z } from 'zod';
import type { Diagnostic } from '../errors.js';
import type { RuleId } from '../model/types.js';
import type { ParsedDocument } from './yaml.js';
import { closest } from '../util/text.js';

type Issue = z.core.$ZodIssue;

const SECRET_KEYS = new Set(['clientSecret', 'consumerSecret']);

/** The diagnostics for a failed parse of `doc.value` against `schema`. */
export function issuesToDiagnostics(issues: readonly Issue[], doc: ParsedDocument, schema: z.ZodType): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) out.push(...toDiagnostics(issue, doc, schema));
  return out;
}

function toDiagnostics(issue: Issue, doc: ParsedDocument, schema: z.ZodType): Diagnostic[] {
  const path = issue.path;
  const value = valueAt(doc.value, path);
  const secret = path.some((p) => SECRET_KEYS.has(String(p)));
  const label = pathLabel(path);
  const error = (at: 'key' | 'value', code: Diagnostic['code'], message: string, hint?: string, p: readonly PropertyKey[] = path): Diagnostic => ({
    ...doc.locate(p, at),
    severity: 'error',
    code,
    message,
    ...(hint ? { hint } : {}),
  });

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, path, doc.value);
      return issue.keys.map((key) => {
        // Under a secret even a key may be the secret (`clientSecret: { s3cret }`): do not repeat it.
        if (secret) return error('key', 'schema', `unknown key in ${label}`, `a secret reference holds only fromEnv: { fromEnv: NAME }`, [...path, key]);
        const near = allowed ? closest(key, allowed) : undefined;
        const where = path.length ? ` in ${label}` : '';
        const hint = [near ? `did you mean '${near}'?` : '', allowed ? `allowed keys here: ${allowed.join(', ')}` : ''].filter(Boolean).join(' ');
        return error('key', 'schema', `unknown key '${key}'${where}`, hint || undefined, [...path, key]);
      });
    }
    case 'invalid_type': {
      if (value === undefined) return [error('key', 'schema', `missing required key '${String(path.at(-1))}'${parentLabel(path)}`)];
      if (issue.path.length > 0 && SECRET_KEYS.has(String(path.at(-1)))) {
        return [error('value', 'S1', issue.message, `set the secret in an environment variable and write ${String(path.at(-1))}: { fromEnv: NAME }`)];
      }
      if (value === null) return [error('value', 'schema', `${label} is empty`, 'give it a value, or remove the key')];
      return [error('value', 'schema', `${label} must be ${expected(issue.expected)}, not ${describe(value)}`, typeHint(issue.expected, value))];
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
      const got = secret ? '' : ` (got ${JSON.stringify(value)})`;
      return [error('value', 'schema', `${label} must be one of ${options}${got}`)];
    }
    case 'invalid_union': {
      const discriminator = (issue as { discriminator?: string }).discriminator;
      if (discriminator) {
        const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
        if (value === undefined) {
          return [error('key', 'schema', `missing required key '${discriminator}'${parentLabel(path)}`, `one of: ${options.join(', ')}`)];
        }
        return [error('value', 'schema', `${label} must be one of ${options.join(', ')}${secret ? '' : ` (got ${JSON.stringify(value)})`}`)];
      }
      return [error('value', 'schema', `${label} does not match any allowed form`)];
    }
    case 'too_small': {
      if (issue.origin === 'array') return [error('value', 'schema', `${label} needs at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}`)];
      if (issue.origin === 'string') return [error('value', 'schema', `${label} must not be empty`)];
      return [error('value', 'schema', `${label}: ${issue.message}`)];
    }
    case 'custom': {
      const params = (issue.params ?? {}) as { rule?: RuleId; at?: 'key' | 'value' };
      return [error(params.at ?? 'value', params.rule ?? 'schema', `${label}: ${issue.message}`)];
    }
    case 'invalid_key':
      return [error('key', 'schema', `key ${JSON.stringify(path.at(-1))}${parentLabel(path)}: ${issue.issues[0]?.message ?? issue.message}`)];
    default:
      // invalid_format and the rest: our schemas word these messages themselves.
      return [error('value', 'schema', `${label}: ${issue.message}`)];
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** `authentication.parameters[0].addTo` */
function pathLabel(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || 'the document';
}

function parentLabel(path: readonly PropertyKey[]): string {
  return path.length > 1 ? ` in ${pathLabel(path.slice(0, -1))}` : '';
}

function expected(type: string): string {
  switch (type) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'number':
      return 'a number';
    default:
      return type;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

function typeHint(type: string, value: unknown): string | undefined {
  if (type === 'boolean' && typeof value === 'string') return 'YAML 1.2 reads yes, no, on and off as text: write true or false';
  if (type === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return 'quote it to make it a string';
  if (type === 'array' && typeof value === 'string') return 'write a list: [a, b] or one "- item" per line';
  return undefined;
}

/** The keys the schema allows at `path`, or undefined when the path cannot be followed. */
function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[], root: unknown): string[] | undefined {
  let s: unknown = schema;
  for (let i = 0; i <= path.length; i++) {
    s = unwrap(s, valueAt(root, path.slice(0, i)));
    if (i === path.length) break;
    const def = defOf(s);
    const seg = path[i];
    if (def?.type === 'object') s = (def.shape as Record<string, unknown>)[String(seg)];
    else if (def?.type === 'array') s = def.element;
    else if (def?.type === 'record') s = def.valueType;
    else return undefined;
  }
  const def = defOf(s);
  return def?.type === 'object' ? Object.keys(def.shape as object) : undefined;
}

interface LooseDef {
  type: string;
  shape?: unknown;
  element?: unknown;
  valueType?: unknown;
  innerType?: unknown;
  in?: unknown;
  options?: unknown[];
  discriminator?: string;
}

function defOf(s: unknown): LooseDef | undefined {
  return (s as { _zod?: { def?: LooseDef } } | undefined)?._zod?.def;
}

/** Through optional/default/pipe wrappers, and into the discriminated-union option `value` picks. */
function unwrap(s: unknown, value: unknown): unknown {
  for (;;) {
    const def = defOf(s);
    if (!def) return s;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else if (def.type === 'union' && def.discriminator) {
      const want = (value as Record<string, unknown> | null)?.[def.discriminator];
      const option = def.options?.find((o) => {
        const literal = defOf((defOf(o)?.shape as Record<string, unknown> | undefined)?.[def.discriminator!]) as { values?: unknown[] } | undefined;
        return literal?.values?.includes(want);
      });
      if (!option) return undefined;
      s = option;
    } else return s;
  }
}
