/**
 * Drift (docs/drift.md), pure: what Git (the manifests at a ref), the ledger (a target's state and
 * its open rollout) and the team's Deluge code (usages) say when read side by side. Creator itself
 * has no API to read, so every finding is evidence from these three, never from the account.
 *
 * The findings are a typed list, one kind per way things drift apart. A new kind is a new member of
 * `DriftFinding` with its `key` (what the GitHub issue compares to tell "the findings changed") and
 * its words in render/drift.ts; the compiler then names every place that must handle it.
 */
import type { Diagnostic } from '../errors.js';
import type { PlannedAction } from '../model/actions.js';
import type { Plan } from '../model/plan.js';
import type { DesiredConnection, DesiredState, State } from '../model/types.js';
import type { CodeUsage } from '../model/usages.js';
import type { Rollout } from '../rollout/model.js';
import { readySteps, type RolloutStep } from '../rollout/model.js';
import { stateAfterRollout } from '../rollout/simulate.js';
import { byString } from '../util/text.js';

const DAY_MS = 86_400_000;

/** A resource as a finding names it. */
interface ResourceRef {
  resource: 'Connector' | 'Connection';
  linkName: string;
}

/** Where code calls a connection. */
export interface UsageRef {
  app: string;
  component: string;
  file: string;
  line: number;
  col: number;
}

/** A rollout step, as a finding lists it. */
interface StepRef {
  id: string;
  /** `connection.create`, `connector.update`, … or `authorize`. */
  op: string;
  /** The resource it is about (for `authorize`, the connection). */
  linkName: string;
}

/** (1) The manifests at the ref want changes that the ledger does not have, and no rollout carries them. */
interface NotRolledOut {
  kind: 'not-rolled-out';
  /** What apply would do, in order (deletions of ledger-only resources are their own finding). */
  actions: Array<{ id: string; op: string } & ResourceRef>;
  /** What the plan refuses (a rule), which apply would refuse too. */
  blocked: Array<ResourceRef & { rule: string }>;
}

/** (2) A rollout open longer than the limit. */
interface StaleRollout {
  kind: 'stale-rollout';
  rollout: string;
  openedBy: string;
  openedAt: string;
  /** Whole days it has been open. */
  days: number;
  done: number;
  total: number;
  /** The steps that can be done now. */
  ready: StepRef[];
  /** The last step recorded, or null when none was. */
  last: { step: string; by: string; at: string } | null;
}

/** (3a) Deluge code calls a connection that no manifest and no ledger knows: made by hand in Creator? */
interface UnknownConnection {
  kind: 'unknown-connection';
  connection: string;
  usages: UsageRef[];
}

/** (3b) The ledger holds a resource that no manifest defines: recorded by hand, or a deletion not carried out. */
interface LedgerOnly extends ResourceRef {
  kind: 'ledger-only';
}

/**
 * (3c) Code in an application calls a connection whose manifest grants Connection Access
 * (`access: [apps]`) to other applications only. Found only where the model has the field.
 */
interface UsageWithoutAccess {
  kind: 'usage-without-access';
  connection: string;
  app: string;
  /** The applications the manifest grants access to. */
  access: string[];
  usages: UsageRef[];
}

export type DriftFinding = NotRolledOut | StaleRollout | UnknownConnection | LedgerOnly | UsageWithoutAccess;

/** What a drift check found, and what the next-step commands need to name. */
export interface DriftReport {
  /** The target as the user named it (or the default). */
  target: string;
  /** `--dir` as typed, when given: the next-step commands repeat it. */
  dir: string | null;
  /** The manifests' ref and commit (null: the working tree). */
  ref: string | null;
  commit: string | null;
  checkedAt: string;
  staleAfterDays: number;
  findings: DriftFinding[];
  /** Warnings about the manifests and the code, for stderr. */
  diagnostics: Diagnostic[];
  /** Warnings about the check itself (a target that does not exist yet, a rollout that cannot be simulated), for stderr. */
  warnings: string[];
}

export interface DriftInput {
  desired: DesiredState;
  /** The target's state as recorded. */
  ledger: State;
  /** The target's open rollout, if any. */
  rollout: Rollout | null;
  /** The plan from the ledger (after the open rollout's remaining steps) to the manifests. */
  plan: Plan;
  usages: readonly CodeUsage[];
  now: Date;
  staleAfterDays: number;
}

/** Every finding, in a stable order: by kind (as the union lists them), then by what they name. */
export function findDrift(input: DriftInput): DriftFinding[] {
  const { desired, rollout } = input;
  const reached = rollout ? stateAfterRollout(input.ledger, rollout) : null;
  const after = reached?.ok ? reached.state : input.ledger;
  const ledgerOnly = ledgerOnlyResources(after, desired);
  const findings: DriftFinding[] = [];
  if (!rollout) {
    const onlyHere = new Set(ledgerOnly.map(resourceKey));
    const actions = input.plan.actions
      .filter((a) => !(isDelete(a) && onlyHere.has(resourceKey({ resource: a.kind, linkName: a.linkName }))))
      .map((a) => ({ id: a.id, op: a.op, resource: a.kind, linkName: a.linkName }));
    const blocked = input.plan.blocked.map((b) => ({ resource: b.kind, linkName: b.linkName, rule: b.rule }));
    if (actions.length || blocked.length) findings.push({ kind: 'not-rolled-out', actions, blocked });
  } else {
    const stale = staleRollout(rollout, input.now, input.staleAfterDays);
    if (stale) findings.push(stale);
  }
  findings.push(...unknownConnections(input), ...ledgerOnly.map((r): LedgerOnly => ({ kind: 'ledger-only', ...r })), ...usagesWithoutAccess(input));
  return findings;
}

/** What identifies a finding across runs: a change in the set of keys is "the findings changed". */
export function findingKey(f: DriftFinding): string {
  switch (f.kind) {
    case 'not-rolled-out':
      return `not-rolled-out:${[...f.actions.map((a) => `${a.op} ${a.linkName}`), ...f.blocked.map((b) => `${b.rule} ${b.resource} ${b.linkName}`)].join(',')}`;
    case 'stale-rollout':
      return `stale-rollout:${f.rollout}`;
    case 'unknown-connection':
      return `unknown-connection:${f.connection}`;
    case 'ledger-only':
      return `ledger-only:${resourceKey(f)}`;
    case 'usage-without-access':
      return `usage-without-access:${f.connection}:${f.app}`;
  }
}

function resourceKey(r: ResourceRef): string {
  return `${r.resource}:${r.linkName}`;
}

function isDelete(a: PlannedAction): boolean {
  return a.op === 'connector.delete' || a.op === 'connection.delete';
}

function ledgerOnlyResources(state: State, desired: DesiredState): ResourceRef[] {
  const out: ResourceRef[] = [];
  for (const name of [...state.connectors.keys()].sort(byString)) if (!desired.connectors.has(name)) out.push({ resource: 'Connector', linkName: name });
  for (const name of [...state.connections.keys()].sort(byString)) if (!desired.connections.has(name)) out.push({ resource: 'Connection', linkName: name });
  return out;
}

function staleRollout(rollout: Rollout, now: Date, staleAfterDays: number): StaleRollout | null {
  const opened = rollout.events.find((e) => e.type === 'opened');
  if (!opened) return null;
  const openedMs = Date.parse(opened.at);
  if (Number.isNaN(openedMs)) return null;
  const age = now.getTime() - openedMs;
  if (age <= staleAfterDays * DAY_MS) return null;
  let last: StaleRollout['last'] = null;
  for (const [step, c] of rollout.done) if (!last || byString(c.at, last.at) > 0) last = { step, by: c.by, at: c.at };
  return {
    kind: 'stale-rollout',
    rollout: rollout.id,
    openedBy: opened.by,
    openedAt: opened.at,
    days: Math.floor(age / DAY_MS),
    done: rollout.done.size,
    total: rollout.steps.length,
    ready: readySteps(rollout).map(stepRef),
    last,
  };
}

function stepRef(step: RolloutStep): StepRef {
  return step.kind === 'action' ? { id: step.id, op: step.action.op, linkName: step.action.linkName } : { id: step.id, op: 'authorize', linkName: step.connection };
}

function usageRef(u: CodeUsage): UsageRef {
  return { app: u.app, component: u.component, file: u.file, line: u.line, col: u.col };
}

function byConnection(usages: readonly CodeUsage[]): Map<string, CodeUsage[]> {
  const out = new Map<string, CodeUsage[]>();
  for (const u of usages) {
    const list = out.get(u.connection);
    if (list) list.push(u);
    else out.set(u.connection, [u]);
  }
  return out;
}

function unknownConnections(input: DriftInput): UnknownConnection[] {
  const out: UnknownConnection[] = [];
  for (const [connection, list] of [...byConnection(input.usages)].sort(([a], [b]) => byString(a, b))) {
    if (input.desired.connections.has(connection) || input.ledger.connections.has(connection)) continue;
    out.push({ kind: 'unknown-connection', connection, usages: list.map(usageRef) });
  }
  return out;
}

/**
 * Connection Access, where the model has it: a connection whose manifest carries `access` (a list
 * of application names) is callable from those applications only. Until the model defines the
 * field, no manifest carries it and this finds nothing.
 */
function accessOf(connection: DesiredConnection): string[] | null {
  const access: unknown = (connection as { access?: unknown }).access;
  return Array.isArray(access) && access.every((a) => typeof a === 'string') ? access : null;
}

function usagesWithoutAccess(input: DriftInput): UsageWithoutAccess[] {
  const out: UsageWithoutAccess[] = [];
  for (const [connection, list] of [...byConnection(input.usages)].sort(([a], [b]) => byString(a, b))) {
    const desired = input.desired.connections.get(connection);
    const access = desired ? accessOf(desired) : null;
    if (!access) continue;
    const byApp = new Map<string, CodeUsage[]>();
    for (const u of list) if (!access.includes(u.app)) byApp.set(u.app, [...(byApp.get(u.app) ?? []), u]);
    for (const [app, usages] of [...byApp].sort(([a], [b]) => byString(a, b))) {
      out.push({ kind: 'usage-without-access', connection, app, access: [...access], usages: usages.map(usageRef) });
    }
  }
  return out;
}
