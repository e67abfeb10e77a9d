/**
 * What a plan does to each resource, as every human format shows it: the resources and their
 * symbols, the field changes to show (secrets masked), and step titles. Formats differ only in how
 * they quote and decorate these; keeping the derivation here keeps the text, Markdown and runbook
 * telling the same story. (The plan's summary lines are in summary.ts; who authorizes what is the
 * rollout's model, rollout/authorizations.ts.)
 */
import { actionSecrets, type Op, type PlannedAction } from '../model/actions.js';
import { SENSITIVE, SENSITIVE_CHANGED } from '../model/actions.js';
import type { Plan, RevokedAuthorization } from '../model/plan.js';
import { flattenAuthentication, type RuleId } from '../model/types.js';
import type { AuthorizationTask } from '../rollout/authorizations.js';
import { isSecretPath, isSecretValue, secretDisplay } from './secret-display.js';

export type Kind = 'Connector' | 'Connection';

/** Terraform's symbols: create, update in place, delete, replace (delete then create). */
export type ResourceSymbol = '+' | '~' | '-' | '-/+';
type ChangeSymbol = '+' | '~' | '-';

/** `connector "crm"` / `connection "crm_sales"`, with the link name quoted by the format. */
export function resourceLabel(kind: Kind, linkName: string, quote: (s: string) => string): string {
  return `${kind === 'Connector' ? 'connector' : 'connection'} ${quote(linkName)}`;
}

/** One field change as a format shows it. Secrets are already reduced to markers. */
export interface DisplayChange {
  symbol: ChangeSymbol;
  path: string;
  /** Undefined together with `fromKnown: false` when the plan did not say what the value was. */
  from: unknown;
  to: unknown;
  fromKnown: boolean;
  /** Set for a secret: its values are markers, and `fromEnv` names where apply reads it. */
  secret?: { fromEnv?: string };
}

/** Rules whose blocked entries mean "this change forces a replacement that was not allowed". */
export const REPLACEMENT_RULES: ReadonlySet<string> = new Set(['R3', 'R4', 'R10', 'R12']);

function isAbsent(v: unknown): boolean {
  return v === null || v === undefined;
}

function changeSymbol(from: unknown, to: unknown): ChangeSymbol {
  if (isAbsent(from) && !isAbsent(to)) return '+';
  if (!isAbsent(from) && isAbsent(to)) return '-';
  return '~';
}

/** The secret references an action carries (`spec.secrets` / `set.secrets`), by secret name. */
export function secretReferences(action: PlannedAction): Record<string, { fromEnv?: string }> {
  return Object.fromEntries(actionSecrets(action).map(([name, s]) => [name, { fromEnv: s.fromEnv }]));
}

/** The fields a create action sets (its whole spec), when the planner listed no changes for it. */
function specFields(action: PlannedAction): Array<[string, unknown]> {
  if (action.op === 'connector.create') {
    const { spec } = action;
    const out: Array<[string, unknown]> = [['name', spec.name]];
    if (spec.description) out.push(['description', spec.description]);
    if (spec.authentication) out.push(...flattenAuthentication(spec.authentication));
    for (const name of Object.keys(spec.secrets ?? {})) out.push([`authentication.${name}`, SENSITIVE]);
    return out;
  }
  if (action.op === 'connection.create') {
    const { spec } = action;
    const out: Array<[string, unknown]> = [
      ['name', spec.name],
      ['connector', spec.connector],
    ];
    if (spec.scopes?.length) out.push(['scopes', spec.scopes]);
    return out;
  }
  return [];
}

/** The fields an update action sets, when the planner listed no changes for it (old values unknown). */
function setFields(action: PlannedAction): Array<[string, unknown]> {
  if (action.op !== 'connector.update' && action.op !== 'connection.update') return [];
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(action.set)) {
    if (value === undefined) continue;
    if (key === 'authentication' && action.op === 'connector.update' && action.set.authentication) out.push(...flattenAuthentication(action.set.authentication));
    else if (key === 'secrets') for (const name of Object.keys(value as object)) out.push([`authentication.${name}`, SENSITIVE_CHANGED]);
    else out.push([key, value]);
  }
  return out;
}

/** The state change that enable / disable / markReady make, shown as a field change. */
const LIFECYCLE_CHANGE: Partial<Record<Op, { path: string; from: unknown; to: unknown }>> = {
  'connector.enable': { path: 'enabled', from: false, to: true },
  'connection.enable': { path: 'enabled', from: false, to: true },
  'connector.disable': { path: 'enabled', from: true, to: false },
  'connection.disable': { path: 'enabled', from: true, to: false },
  'connector.markReady': { path: 'stage', from: 'draft', to: 'ready' },
};

/**
 * The changes to show for one action: the plan's own `changes` when it has any; otherwise what
 * the op implies (a create's fields, an update's `set`, enable/disable/markReady as a state
 * change), so that every action says what it does. Secrets are masked here, once, for every format.
 */
export function displayChanges(action: PlannedAction): DisplayChange[] {
  const secrets = secretReferences(action);
  const secretInfo = (path: string) => {
    const name = path.split('.').pop() ?? path;
    const ref = secrets[name];
    return ref?.fromEnv ? { fromEnv: ref.fromEnv } : {};
  };
  const make = (path: string, from: unknown, to: unknown, fromKnown: boolean, forced?: ChangeSymbol): DisplayChange => {
    if (isSecretPath(path) || isSecretValue(from) || isSecretValue(to)) {
      const f = secretDisplay(from);
      const t = secretDisplay(to);
      return { symbol: forced ?? changeSymbol(f, t), path, from: f, to: t, fromKnown, secret: secretInfo(path) };
    }
    return { symbol: forced ?? changeSymbol(from, to), path, from, to, fromKnown };
  };

  const out: DisplayChange[] = [];
  if (action.changes.length > 0) {
    // A create's changes are usually additions; a replacement's create may show what forced it (from → to).
    for (const c of action.changes) out.push(make(c.path, c.from, c.to, true));
  } else if (action.op.endsWith('.create')) {
    for (const [path, value] of specFields(action)) out.push(make(path, null, value, true, '+'));
  } else {
    for (const [path, value] of setFields(action)) out.push(make(path, undefined, value, false, '~'));
  }
  const lifecycle = LIFECYCLE_CHANGE[action.op];
  if (lifecycle && !out.some((c) => c.path === lifecycle.path)) out.push(make(lifecycle.path, lifecycle.from, lifecycle.to, true));
  return out;
}

/**
 * Everything a create action sets, from its spec, whatever its `changes` say: a person creating
 * the resource by hand types every field, not only those that differ from a replaced one.
 */
export function specChanges(action: PlannedAction): DisplayChange[] {
  const secrets = secretReferences(action);
  return specFields(action).map(([path, to]) => {
    const name = path.split('.').pop() ?? path;
    if (isSecretPath(path)) {
      const ref = secrets[name];
      return { symbol: '+', path, from: null, to: secretDisplay(to), fromKnown: true, secret: ref?.fromEnv ? { fromEnv: ref.fromEnv } : {} };
    }
    return { symbol: '+', path, from: null, to, fromKnown: true };
  });
}

/** All the actions of one resource, and how the plan treats it as a whole. */
export interface ResourceGroup {
  kind: Kind;
  linkName: string;
  actions: PlannedAction[];
  symbol: ResourceSymbol;
  replace: boolean;
  /** "will be created and marked ready", "must be replaced", … */
  headline: string;
  /** The union of the actions' rule ids, in first-seen order. */
  rules: RuleId[];
  /** Why a replacement is forced: the actions' reasons and replacement-rule blocked messages. */
  replaceReasons: string[];
  /** Other reasons the actions carry (shown as notes). */
  reasons: string[];
}

const PAST: Record<string, string> = {
  create: 'created',
  update: 'updated',
  markReady: 'marked ready',
  enable: 'enabled',
  disable: 'disabled',
  delete: 'deleted',
};

function verbOf(op: Op): string {
  return op.slice(op.indexOf('.') + 1);
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Groups the plan's actions by resource, in the order each resource first appears. */
export function groupByResource(plan: Plan): ResourceGroup[] {
  const groups = new Map<string, ResourceGroup>();
  for (const action of plan.actions) {
    const key = `${action.kind}\u0000${action.linkName}`;
    let g = groups.get(key);
    if (!g) {
      g = { kind: action.kind, linkName: action.linkName, actions: [], symbol: '~', replace: false, headline: '', rules: [], replaceReasons: [], reasons: [] };
      groups.set(key, g);
    }
    g.actions.push(action);
    for (const r of action.rules) if (!g.rules.includes(r)) g.rules.push(r);
  }
  for (const g of groups.values()) {
    const verbs = g.actions.map((a) => verbOf(a.op));
    const hasCreate = verbs.includes('create');
    const hasDelete = verbs.includes('delete');
    g.replace = g.actions.some((a) => a.replace) || (hasCreate && hasDelete);
    g.symbol = g.replace ? '-/+' : hasCreate ? '+' : hasDelete ? '-' : '~';
    const unique = [...new Set(verbs)];
    if (g.replace) g.headline = 'must be replaced';
    else if (unique.length === 1 && unique[0] === 'update') g.headline = 'will be updated in place';
    else g.headline = `will be ${joinWords(unique.map((v) => PAST[v] ?? v))}`;
    for (const a of g.actions) {
      if (!a.reason) continue;
      const bucket = g.replace && a.replace ? g.replaceReasons : g.reasons;
      if (!bucket.includes(a.reason)) bucket.push(a.reason);
    }
    for (const b of plan.blocked) {
      if (b.kind === g.kind && b.linkName === g.linkName && REPLACEMENT_RULES.has(b.rule) && !g.replaceReasons.includes(b.message)) {
        g.replaceReasons.push(b.message);
      }
    }
  }
  return [...groups.values()];
}

/**
 * A step's title: `disable connection "crm_sales"`, `update connector "crm" (name, description)`.
 * `quote` is the format's quoting of a link name, `field` of a field path.
 */
export function stepTitle(action: PlannedAction, quote: (s: string) => string, field: (s: string) => string = (s) => s): string {
  const target = resourceLabel(action.kind, action.linkName, quote);
  const verb = verbOf(action.op);
  let title: string;
  if (verb === 'markReady') title = `mark ${target} ready`;
  else if (verb === 'update') {
    const fields = [...new Set(displayChanges(action).map((c) => c.path.split('.')[0]!.replace(/\[\d+\]$/, '')))];
    title = fields.length ? `update ${target} (${fields.map(field).join(', ')})` : `update ${target}`;
  } else title = `${verb} ${target}`;
  return action.replace ? `${title} (replacement)` : title;
}

/**
 * How many usages of one connection a rendering for people lists (Markdown, runbook, the PR
 * comment); the rest are counted. The JSON lists every one.
 */
export const LISTED_USAGES = 10;

/** The first LISTED_USAGES of `items` through `line`, then `more("and 169,990 more")` when some are left. */
export function firstItems<T>(items: readonly T[], line: (item: T) => string, more: (text: string) => string, limit = LISTED_USAGES): string[] {
  const out = items.slice(0, limit).map(line);
  if (items.length > limit) out.push(more(`and ${(items.length - limit).toLocaleString('en-US')} more`));
  return out;
}

/** `out.push(...items)` without passing every item as an argument: a list of 170k would overflow the stack. */
export function append<T>(out: T[], items: readonly T[]): T[] {
  for (const item of items) out.push(item);
  return out;
}

/**
 * Whose authorization a revocation is, as a list cell: `alice` (shared), `alice, production`,
 * `user bob (bob@acme), stage`. Unescaped: callers escape it for their format.
 */
export function revokedWho(r: RevokedAuthorization): string {
  const who = r.user !== undefined ? `user ${r.user} (${r.account})` : r.account;
  return r.environment === 'all' ? who : `${who}, ${r.environment}`;
}

/**
 * The words a logged-in user connection gets, wherever a revocation or an authorization task
 * names it: every user authorizes again, and the users the target knows. Unescaped.
 */
export function everyUserText(users: readonly string[], isNew = false): string {
  const known = users.length ? `the users the target knows: ${users.join(', ')}` : 'the target knows no user of it';
  return isNew ? 'a logged-in user connection: each user authorizes it on first use' : `every user of the connection must authorize again (${known})`;
}

/** The logged-in user connections among the revocations, each once, with the users the target knew. */
export function everyUserRevocations(plan: Plan): Array<{ connection: string; users: string[] }> {
  const out = new Map<string, string[]>();
  for (const r of plan.revokedAuthorizations) if (r.everyUser && !out.has(r.connection)) out.set(r.connection, [...(r.users ?? [])]);
  return [...out].map(([connection, users]) => ({ connection, users }));
}

/**
 * Who gives an authorization task and where, in words, unescaped: `reauthorize as alice in
 * production`, `new connection: authorize as the connection's owner`, or for a logged-in user
 * connection everyUserText. `e` escapes the user-written parts.
 */
export function taskWho(task: AuthorizationTask, e: (s: string) => string, afterNew = ': '): string {
  if (task.everyUser) return e(everyUserText(task.everyUser.users, task.isNew && !task.revoked));
  const where = task.environment === 'all' ? '' : ` in ${task.environment}`;
  if (task.account !== undefined) return `reauthorize as ${e(task.account)}${where}`;
  return task.isNew ? `new connection${afterNew}authorize as the connection's owner${where}` : `authorize as the connection's owner${where}`;
}
