/**
 * The plan document of docs/planning.md ("Plan files"): what `plan --json` prints and `--out` writes, and what `apply`
 * reads back. Keys come in the contract's order so that diffs of saved plans stay readable;
 * fields the contract does not name (warnings, and anything a newer planner adds) follow.
 */
import type { FieldChange, PlannedAction } from '../model/actions.js';
import type { Plan } from '../model/plan.js';
import { isSecretPath, isSecretValue, secretDisplay } from './secret-display.js';

const PLAN_KEYS = ['formatVersion', 'target', 'base', 'source', 'actions', 'revokedAuthorizations', 'impact', 'blocked', 'needsAuthorization', 'summary'] as const;
const ACTION_KEYS = ['id', 'op', 'kind', 'linkName', 'dependsOn', 'rules', 'replace', 'changes', 'reason', 'spec', 'set'] as const;
const NESTED_KEYS: Record<string, readonly string[]> = {
  base: ['stateSerial', 'stateDigest'],
  source: ['ref', 'commit', 'manifestDigest'],
  summary: ['create', 'update', 'delete', 'replace', 'revokes', 'blocked'],
  rollout: ['id', 'done', 'total'],
  revokedAuthorizations: ['connection', 'connector', 'environment', 'account', 'user', 'cause', 'rule', 'replacedBy', 'everyUser', 'users'],
  authorizationsNeeded: ['connection', 'environment', 'account', 'everyUser', 'users'],
  impact: ['connection', 'usages', 'rule'],
  usages: ['app', 'component', 'kind', 'source', 'file', 'line', 'col'],
  blocked: ['kind', 'linkName', 'rule', 'message', 'hint'],
  warnings: ['code', 'message', 'kind', 'linkName'],
};

/** A copy of `value` with `order` keys first (those present), then the rest in their own order. */
function ordered(value: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) if (key in value && value[key] !== undefined) out[key] = value[key];
  for (const [key, inner] of Object.entries(value)) if (!(key in out) && inner !== undefined) out[key] = inner;
  return out;
}

function orderedList(list: unknown, keys: readonly string[], inner?: (item: Record<string, unknown>) => Record<string, unknown>): unknown {
  if (!Array.isArray(list)) return list;
  return (list as unknown[]).map((item) => {
    if (item === null || typeof item !== 'object') return item;
    const o = ordered(item as Record<string, unknown>, keys);
    return inner ? inner(o) : o;
  });
}

/**
 * S2, defensively: a secret in a payload is written as `{fromEnv, fingerprint}` and nothing else,
 * whatever else a planner bug may have attached to it.
 */
function scrubSecrets(payload: unknown): unknown {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  const out: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  const secrets = out.secrets;
  if (secrets && typeof secrets === 'object' && !Array.isArray(secrets)) {
    const clean: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(secrets)) {
      if (ref && typeof ref === 'object') {
        const r = ref as Record<string, unknown>;
        clean[name] = { fromEnv: r.fromEnv, fingerprint: r.fingerprint ?? null };
      }
    }
    out.secrets = clean;
  }
  return out;
}

/** A field change with `from`/`to` always present (null for absent), secrets only as markers. */
function change(c: FieldChange): Record<string, unknown> {
  const secret = isSecretPath(c.path) || isSecretValue(c.from) || isSecretValue(c.to);
  const from = secret ? secretDisplay(c.from) : (c.from ?? null);
  const to = secret ? secretDisplay(c.to) : (c.to ?? null);
  return ordered({ ...c, from, to }, ['path', 'from', 'to']);
}

function action(a: PlannedAction): Record<string, unknown> {
  const o = ordered(a, ACTION_KEYS);
  o.changes = a.changes.map(change);
  if ('spec' in o) o.spec = scrubSecrets(o.spec);
  if ('set' in o) o.set = scrubSecrets(o.set);
  return o;
}

/** The plan as the contract's JSON document: 2-space indentation, trailing newline. */
export function renderJson(plan: Plan): string {
  const raw: Record<string, unknown> = plan;
  const doc = ordered(raw, [...PLAN_KEYS, 'authorizationsNeeded', 'rollout', 'warnings']);
  for (const key of ['base', 'source', 'summary', 'rollout'] as const) {
    const v = doc[key];
    if (v && typeof v === 'object') doc[key] = ordered(v as Record<string, unknown>, NESTED_KEYS[key]!);
  }
  doc.actions = plan.actions.map(action);
  doc.revokedAuthorizations = orderedList(plan.revokedAuthorizations, NESTED_KEYS.revokedAuthorizations!);
  doc.authorizationsNeeded = orderedList(plan.authorizationsNeeded, NESTED_KEYS.authorizationsNeeded!);
  doc.impact = orderedList(plan.impact, NESTED_KEYS.impact!, (i) => ({ ...i, usages: orderedList(i.usages, NESTED_KEYS.usages!) }));
  doc.blocked = orderedList(plan.blocked, NESTED_KEYS.blocked!, (b) => (Array.isArray(b.usages) ? { ...b, usages: orderedList(b.usages, NESTED_KEYS.usages!) } : b));
  if ('warnings' in doc) doc.warnings = orderedList(doc.warnings, NESTED_KEYS.warnings!);
  return JSON.stringify(doc, null, 2) + '\n';
}
