/**
 * The studio's page as data (api.ts `View`): the account as Creator shows it, what the current
 * plan does to each connector and connection, the open rollout's steps with the runbook's
 * instructions cut into text and values to type, and the log. Pure: the server reads the target
 * and plans, then calls `buildView`. Secrets never appear: a fingerprint's state only, and every
 * string goes through the plan's redactor (S2).
 */
import type { PlannedAction } from '../model/actions.js';
import type { Plan, RevokedAuthorization } from '../model/plan.js';
import { flattenAuthentication, SECRET_PARAMETERS, type ConnectionRecord, type ConnectorRecord, type State, type Usage } from '../model/types.js';
import { usageLocation, type CodeUsage } from '../model/usages.js';
import { progressOf, remainingSteps, statusOf, type Rollout } from '../rollout/model.js';
import { actionTone, layoutGraph, planGraphNodes, type GraphNode } from '../render/graph.js';
import { makeRedactor } from '../render/secret-display.js';
import { plural } from '../util/text.js';
import { rolloutLogEntries, rolloutStepTitle, stepInstructions } from '../render/rollout.js';
import { AUTH_TYPE_LABELS, labelOf } from '../render/runbook.js';
import { displayChanges, stepTitle } from '../render/resources.js';
import { causeText, footerLine } from '../render/summary.js';
import type { AuthorizationView, ConnectionView, ConnectorView, LogEntry, Mark, Revocation, RolloutView, RuleRef, Segment, UsageView, View } from './api.js';

export interface ViewInput {
  by: string;
  target: string;
  mode: string;
  account: string | null;
  serial: number;
  state: State;
  /** The current plan, or why there is none. */
  plan: Plan | { error: string };
  /** Connection usages found in the code kept in Git (the manifests' scan). */
  codeUsages: readonly CodeUsage[];
  rollout: Rollout | null;
  /** Every rollout, oldest first (the log). */
  rollouts: readonly Rollout[];
}

/** Where docs/rules.md explains a rule, on the studio (it serves the page). */
export function ruleRef(id: string): RuleRef {
  return { id, href: `/docs/rules.md#${id.toLowerCase()}` };
}

/**
 * A connection's authorizations, as the page lists them: one per environment and user it holds
 * (a shared one, for `all` environments, names none), or one "unauthorized" when it holds none.
 * The one place that reads them from the model.
 */
export function authorizationsOf(connection: ConnectionRecord): AuthorizationView[] {
  if (!connection.authorizations.length) return [{ status: 'unauthorized', account: null }];
  return connection.authorizations.map((a) => ({
    status: 'authorized',
    account: a.account,
    ...(a.environment !== 'all' ? { environment: a.environment } : {}),
    ...(a.user !== undefined ? { user: a.user } : {}),
  }));
}

const show = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * An instruction line cut into text and the values to type: the runbook puts every value a person
 * types in Creator between plain double quotes (render/runbook.ts).
 */
export function segments(line: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of line.matchAll(/"([^"]*)"/g)) {
    if (m.index > last) out.push({ text: line.slice(last, m.index) });
    out.push({ value: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push({ text: line.slice(last) });
  return out;
}

export function buildView(input: ViewInput): View {
  const plan = 'error' in input.plan ? null : input.plan;
  const redact = plan ? makeRedactor(plan) : (s: string) => s;
  const quote = (s: string) => `"${redact(s)}"`;
  const marks = plan ? marksOf(plan, redact) : new Map<string, Mark[]>();
  const revoked = plan ? plan.revokedAuthorizations.map((r) => revocation(r, redact)) : [];
  const revokedOf = (connection: string, connector?: string) =>
    revoked.filter((r, i) => r.connection === connection || (connector !== undefined && plan!.revokedAuthorizations[i]!.connector === connector));

  const usagesByConnection = new Map<string, UsageView[]>();
  for (const u of input.codeUsages) {
    const list = usagesByConnection.get(u.connection) ?? [];
    list.push({ app: u.app, component: u.component, kind: u.kind, where: `${u.file}:${u.line}:${u.col}` });
    usagesByConnection.set(u.connection, list);
  }

  const connectors = new Map<string, ConnectorView>();
  for (const c of input.state.connectors.values()) connectors.set(c.linkName, connectorView(c, marks, revokedOf));
  const connectionViews: Array<[string, ConnectionView]> = [];
  for (const c of input.state.connections.values()) {
    connectionViews.push([
      c.connector,
      {
        linkName: c.linkName,
        name: c.name,
        enabled: c.enabled,
        scopes: c.scopes,
        exists: true,
        authorizations: authorizationsOf(c),
        usages: [...c.usages.map(usageView), ...(usagesByConnection.get(c.linkName) ?? [])],
        pending: [],
        marks: marks.get(`Connection/${c.linkName}`) ?? [],
        revoked: revokedOf(c.linkName),
      },
    ]);
  }
  // What the open rollout and the plan create is not on the target yet: shown as new cards and
  // connections (the plan starts from the state the rollout reaches, so none is created twice).
  const pending = input.rollout ? remainingSteps(input.rollout) : [];
  const pendingActions = pending.flatMap((step) => (step.kind === 'action' ? [step.action] : []));
  for (const a of [...pendingActions, ...(plan?.actions ?? [])]) {
    if (a.op === 'connector.create' && !connectors.has(a.linkName)) {
      const { name, description, authentication } = a.spec;
      const record = { linkName: a.linkName, name, description, stage: 'draft', enabled: true, authentication, secretFingerprints: {} } as const;
      connectors.set(a.linkName, { ...connectorView(record, marks, revokedOf), exists: false });
    }
    if (a.op === 'connection.create' && !input.state.connections.has(a.linkName)) {
      connectionViews.push([
        a.spec.connector,
        {
          linkName: a.linkName,
          name: a.spec.name,
          enabled: true,
          scopes: a.spec.scopes,
          exists: false,
          authorizations: [{ status: 'unauthorized', account: null }],
          usages: usagesByConnection.get(a.linkName) ?? [],
          pending: [],
          marks: marks.get(`Connection/${a.linkName}`) ?? [],
          revoked: [],
        },
      ]);
    }
  }
  for (const [connector, view] of connectionViews) connectors.get(connector)?.connections.push(view);
  if (input.rollout) {
    const rollout = input.rollout;
    const rolloutQuote = (s: string) => `"${makeRedactor(rollout.plan)(s)}"`;
    for (const step of pending) {
      const title = `${step.id} ${rolloutStepTitle(step, rolloutQuote, makeRedactor(rollout.plan))}`;
      const kind = step.kind === 'action' ? step.action.kind : 'Connection';
      const linkName = step.kind === 'action' ? step.action.linkName : step.connection;
      if (kind === 'Connector') connectors.get(linkName)?.pending.push(title);
      else for (const c of connectors.values()) c.connections.find((x) => x.linkName === linkName)?.pending.push(title);
    }
  }

  return {
    by: input.by,
    target: input.target,
    mode: input.mode,
    account: input.account,
    serial: input.serial,
    connectors: [...connectors.values()].sort((a, b) => a.name.localeCompare(b.name) || a.linkName.localeCompare(b.linkName)),
    plan: plan
      ? {
          summary: footerLine(plan.summary),
          actions: plan.actions.map((a) => ({ id: a.id, title: stepTitle(a, quote), dependsOn: a.dependsOn })),
          blocked: plan.blocked.map((b) => ({
            kind: b.kind,
            linkName: b.linkName,
            rule: ruleRef(b.rule),
            message: redact(b.message),
            ...(b.hint !== undefined ? { hint: redact(b.hint) } : {}),
          })),
          revoked,
          warnings: plan.warnings.map((w) => redact(w.message)),
          graph: layoutGraph(planGraphNodes(plan, quote)),
        }
      : null,
    planError: 'error' in input.plan ? input.plan.error : null,
    rollout: input.rollout ? rolloutView(input.rollout) : null,
    log: logOf(input.rollouts),
  };
}

function connectorView(c: ConnectorRecord, marks: Map<string, Mark[]>, revokedOf: (connection: string, connector?: string) => Revocation[]): ConnectorView {
  return {
    linkName: c.linkName,
    name: c.name,
    description: c.description,
    stage: c.stage,
    enabled: c.enabled,
    authType: AUTH_TYPE_LABELS[c.authentication.type] ?? c.authentication.type,
    exists: true,
    parameters: parametersOf(c.authentication),
    secrets: SECRET_PARAMETERS[c.authentication.type].map((name) => ({
      name,
      label: labelOf(name, 'Connector'),
      state: c.secretFingerprints[name] !== undefined ? ('fingerprint recorded' as const) : ('not recorded' as const),
    })),
    connections: [],
    pending: [],
    marks: marks.get(`Connector/${c.linkName}`) ?? [],
    revoked: revokedOf('', c.linkName),
  };
}

function parametersOf(auth: ConnectorRecord['authentication']): ConnectorView['parameters'] {
  return flattenAuthentication(auth)
    .filter(([path]) => path !== 'authentication.type')
    .map(([path, value]) => ({
      key: path.replace(/^authentication\./, ''),
      label: labelOf(path, 'Connector'),
      value: Array.isArray(value) ? value.join(' ') : show(value),
    }));
}

function usageView(u: Usage): UsageView {
  const where = usageLocation(u);
  return { app: u.app, component: u.component, kind: u.kind, ...(where !== null ? { where } : {}) };
}

function markKind(a: PlannedAction): Mark['what'] {
  const tone = actionTone(a);
  return tone === 'create' ? 'created' : tone === 'delete' ? 'deleted' : tone === 'replace' ? 'replaced' : 'changed';
}

/** What the plan does to each resource, keyed `Connector/crm`; one mark per kind of thing done. */
function marksOf(plan: Plan, redact: (s: string) => string): Map<string, Mark[]> {
  const out = new Map<string, Mark[]>();
  const add = (key: string, mark: Mark) => {
    const list = out.get(key) ?? [];
    const same = list.find((m) => m.what === mark.what && mark.what !== 'blocked');
    if (same) {
      same.actions.push(...mark.actions);
      same.changes.push(...mark.changes);
      for (const r of mark.rules) if (!same.rules.some((x) => x.id === r.id)) same.rules.push(r);
    } else list.push(mark);
    out.set(key, list);
  };
  for (const a of plan.actions) {
    add(`${a.kind}/${a.linkName}`, {
      what: markKind(a),
      actions: [a.id],
      changes: displayChanges(a).map((c) => ({ symbol: c.symbol, path: c.path, from: redact(show(c.from)), to: redact(show(c.to)) })),
      rules: a.rules.map(ruleRef),
    });
  }
  for (const b of plan.blocked) {
    add(`${b.kind}/${b.linkName}`, {
      what: 'blocked',
      actions: [],
      changes: [],
      rules: [ruleRef(b.rule)],
      message: redact(b.message),
      ...(b.hint !== undefined ? { hint: redact(b.hint) } : {}),
    });
  }
  return out;
}

function revocation(r: RevokedAuthorization, redact: (s: string) => string): Revocation {
  return { connection: r.connection, account: r.account, cause: redact(causeText(r)), rule: ruleRef(r.rule) };
}

function rolloutView(rollout: Rollout): RolloutView {
  const redact = makeRedactor(rollout.plan);
  const quote = (s: string) => `"${redact(s)}"`;
  const instructions = stepInstructions(rollout);
  const p = progressOf(rollout);
  const opened = rollout.events.find((e) => e.type === 'opened');
  const nodes: GraphNode[] = [];
  const steps = rollout.steps.map((step) => {
    const status = statusOf(rollout, step);
    const title = rolloutStepTitle(step, quote, redact);
    nodes.push({
      id: step.id,
      label: title,
      tone: status.state === 'done' ? 'done' : step.kind === 'authorize' ? 'authorize' : actionTone(step.action),
      dependsOn: step.dependsOn,
    });
    return {
      id: step.id,
      title,
      state: status.state,
      ...(status.state === 'done'
        ? { by: status.confirmation.by, at: status.confirmation.at, ...(status.confirmation.note !== undefined ? { note: status.confirmation.note } : {}) }
        : {}),
      on: status.state === 'waiting' ? status.on : [],
      instructions: (instructions.get(step.id) ?? []).slice(1).map((line) => segments(line.trim())),
    };
  });
  return {
    id: rollout.id,
    open: rollout.open,
    done: p.done,
    total: p.total,
    ...(opened ? { openedBy: opened.by, openedAt: opened.at } : {}),
    steps,
    graph: layoutGraph(nodes),
  };
}

/** Every rollout event, newest first, in the words of `rollout log` (user text quoted, secrets redacted). */
function logOf(rollouts: readonly Rollout[]): LogEntry[] {
  const byId = new Map(rollouts.map((r) => [r.id, r]));
  return rolloutLogEntries(rollouts)
    .map((e) => {
      const note = e.note !== undefined ? ` ("${e.note}")` : '';
      const rollout = e.rollout !== null ? byId.get(e.rollout) : undefined;
      if (!rollout && e.event === 'deauthorized') return { at: e.at, by: e.by, text: `target deauthorize: connection "${e.connection ?? ''}" revoked in Creator${note}` };
      if (!rollout)
        return {
          at: e.at,
          by: e.by,
          text: `target authorize: connection "${e.connection ?? ''}" authorized${e.account !== undefined ? ` by account "${e.account}"` : ''}${note}`,
        };
      const redact = makeRedactor(rollout.plan);
      const step = e.step !== undefined ? rollout.steps.find((s) => s.id === e.step) : undefined;
      const what =
        e.event === 'opened'
          ? `opened (${plural(rollout.steps.length, 'step')}, plan of ${redact(rollout.plan.source.ref ?? 'the working tree')})`
          : e.event === 'abandoned'
            ? 'abandoned'
            : e.event === 'closed'
              ? 'closed: every step done'
              : `${e.step ?? ''} done: ${step ? rolloutStepTitle(step, (x: string) => `"${redact(x)}"`, redact) : ''}`;
      return { at: e.at, by: redact(e.by), text: `${rollout.id} ${what}${note}` };
    })
    .reverse();
}
