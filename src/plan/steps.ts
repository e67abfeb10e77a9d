/**
 * Stage 3a, steps: the actions that carry out the consequences, and the dependency edges
 * between them, each edge justified by a rule of docs/rules.md ("Ordering")
 * or by what correctness needs. order.ts sorts them; it knows no rules.
 *
 * For one connector, the actions chain as
 *
 *   delete (replacement) → create → update → enable → markReady → [connections] → disable
 *
 * where "enable" may be temporary: a connector that is disabled and stays disabled is enabled
 * for as long as it must be (R7: to be marked ready or to get new connections), then disabled
 * again once its connections are (R8).
 */
import type { ActionBody, ConnectionSpec, FieldChange } from '../model/actions.js';
import type { Blocked } from '../model/plan.js';
import type { RuleId } from '../model/types.js';
import type { ConnectionFate, ConnectorFate, Consequences } from './consequences.js';
import { connectionCreateChanges, type Change } from './diff.js';
import { resourceKey } from './input.js';

interface Dep {
  node: Node;
  /** The rules that make `node` come first. */
  rules: RuleId[];
}

export interface Node {
  /** Position in the step list, for the graph algorithms. */
  index: number;
  body: ActionBody;
  /** `resourceKey` of the resource it acts on. */
  resource: string;
  /** What happens to that resource as a whole (for the summary); `none` for a temporary step. */
  change: Change;
  replace: boolean;
  changes: FieldChange[];
  /** The rules that justify the action itself (no duplicates; callers give none); edge rules are added when the plan is assembled. */
  rules: RuleId[];
  reason: string | undefined;
  /** Set when this action itself may not happen (a root of `blocked`). Never changed: shared. */
  blocked: readonly Blocked[];
  deps: Dep[];
  /** A temporary enable's disable: whoever keeps the one must keep the other (scope.ts). */
  pair: Node | undefined;
  /** A connection's action: that connection's fate (make.ts reads what was current); null for a connector's. */
  connection: ConnectionFate | null;
}

interface ConnectorNodes {
  delete?: Node;
  create?: Node;
  update?: Node;
  enable?: Node;
  markReady?: Node;
  disable?: Node;
}

interface ConnectionNodes {
  delete?: Node;
  create?: Node;
  update?: Node;
  enable?: Node;
  disable?: Node;
}

const NO_BLOCKED: readonly Blocked[] = [];

// The changes of enable, disable and markReady are always the same: one frozen copy each, shared
// by every action (at 100k resources, tens of thousands of identical little objects otherwise).
const frozen = (change: FieldChange): FieldChange[] => Object.freeze([Object.freeze(change)]) as FieldChange[];
const ENABLE = frozen({ path: 'enabled', from: false, to: true });
const DISABLE = frozen({ path: 'enabled', from: true, to: false });
const MARK_READY = frozen({ path: 'stage', from: 'draft', to: 'ready' });

const TEMPORARY_ENABLE = 'enabled for the time being: a disabled connector cannot be marked ready or get new connections (R7); it is disabled again afterwards';
const DISABLE_AGAIN = 'disabled again after the steps that needed it enabled (R7, R8)';

export function steps(c: Consequences): Node[] {
  const list = new StepList();
  const nodes = list.nodes;
  const dep = (node: Node | undefined, on: Node | undefined, ...rules: RuleId[]) => {
    if (node && on) node.deps.push({ node: on, rules });
  };

  // What the connections ask of their connectors: new connections and enabled connections need
  // the connector ready and enabled at that moment (R6, R7, R16).
  const needsEnabled = new Set<string>();
  for (const g of c.connections) {
    const d = g.diff.desired;
    if (!d) continue;
    if (g.fate === 'create' || g.fate === 'replace') needsEnabled.add(d.connector);
    if (g.fate === 'update' && g.diff.current && !g.diff.current.enabled && d.enabled) needsEnabled.add(d.connector);
  }

  const cn = new Map<string, ConnectorNodes>();
  for (const f of c.connectors.values()) cn.set(f.diff.linkName, connectorSteps(f, needsEnabled.has(f.diff.linkName), list));
  // Each changed connection with its steps, in the order of c.connections, for the edges below
  // (a list rather than a Map by link name: one lookup fewer per connection of a 100k plan).
  const xn: Array<[ConnectionFate, ConnectionNodes]> = [];
  for (const g of c.connections) if (g.fate !== 'none') xn.push([g, connectionSteps(g, list)]);

  for (const n of cn.values()) {
    dep(n.create, n.delete, 'R10');
    dep(n.markReady, n.create, 'R1');
    dep(n.markReady, n.update, 'R2a');
    dep(n.markReady, n.enable, 'R2b', 'R7');
    // A disable that follows markReady or a temporary enable follows the create through them.
    if (n.markReady) dep(n.disable, n.markReady, 'R7');
    else if (n.enable) dep(n.disable, n.enable, 'R7');
    else dep(n.disable, n.create, 'R1');
  }

  // A connection to which nothing happens has no actions, so no edges: it is not in `xn`.
  for (const [g, x] of xn) {
    const cur = g.diff.current;
    const des = g.diff.desired;
    if (cur && x.delete) {
      const old = cn.get(cur.connector);
      // R9: a connector is deleted only once it has no connections.
      dep(old?.delete, x.delete, 'R9');
      // R8: a connector is disabled only once its connections are disabled (or gone).
      if (cur.enabled) dep(old?.disable, x.delete, 'R8');
    }
    // R10, R12: a replacement deletes before it recreates (one link name).
    if (g.replaceRule) dep(x.create, x.delete, g.replaceRule);
    if (!des) continue;
    const parent = cn.get(des.connector);
    if (!parent) continue;
    const usesAdded = parent.update !== undefined && des.scopes.some((s) => c.connectors.get(des.connector)!.diff.scopesAdded.has(s));
    if (x.create) {
      // R6: connections only of a ready connector; R7: only of an enabled one. markReady comes
      // after create, update and enable, so it stands for all of them when it is there.
      // (A new or recreated connector always has a markReady: its connections need it ready.)
      if (parent.markReady) dep(x.create, parent.markReady, 'R6');
      else {
        dep(x.create, parent.enable, 'R7');
        // R4: the connector offers a scope only once the update that adds it is done.
        if (usesAdded) dep(x.create, parent.update, 'R4');
      }
    }
    if (x.update && usesAdded && x.update.body.op === 'connection.update' && x.update.body.set.scopes) dep(x.update, parent.update, 'R4');
    // R16: a connection is enabled only while its connector is.
    dep(x.enable, parent.enable, 'R16');
    // R11: a new connection starts enabled; disabling it comes after.
    dep(x.disable, x.create, 'R11');
    // R8: its connector is disabled only after it.
    dep(parent.disable, x.disable, 'R8');
  }
  return nodes;
}

type StepInit = Partial<Pick<Node, 'replace' | 'changes' | 'blocked' | 'connection'>> & { rules?: RuleId[]; reason?: string };

/**
 * The step list being built. A class rather than a closure made per plan: connectorSteps and
 * connectionSteps call the same `add` every plan, so V8 keeps their optimized code (a new closure
 * each plan threw it away: "wrong call target"). Every node gets every field, in one order, so
 * that the stages after see one shape of node.
 */
class StepList {
  readonly nodes: Node[] = [];
  private last: Node | null = null;

  add(body: ActionBody, change: Change, init: StepInit = {}): Node {
    const last = this.last;
    const node: Node = {
      index: this.nodes.length,
      body,
      // A resource's actions are added one after another: they share one key string (one string
      // and one hash fewer per action for the sets and maps keyed by resource downstream).
      resource: last && last.body.linkName === body.linkName && last.body.kind === body.kind ? last.resource : resourceKey(body.kind, body.linkName),
      change,
      replace: init.replace ?? false,
      changes: init.changes ?? [],
      rules: init.rules ? [...init.rules] : [],
      reason: init.reason || undefined,
      blocked: init.blocked ?? NO_BLOCKED,
      deps: [],
      pair: undefined,
      connection: init.connection ?? null,
    };
    this.nodes.push(node);
    this.last = node;
    return node;
  }
}

function connectorSteps(f: ConnectorFate, connectionsNeedIt: boolean, list: StepList): ConnectorNodes {
  const d = f.diff;
  const linkName = d.linkName;
  const k = { kind: 'Connector' as const, linkName };
  const blocked = f.blocked;
  const out: ConnectorNodes = {};
  const forcedRules = d.forced.map((x) => x.rule);
  const replacing = f.fate === 'replace';

  if (f.fate === 'delete' || replacing) {
    out.delete = list.add({ op: 'connector.delete', ...k }, f.fate, {
      replace: replacing,
      blocked,
      ...(replacing ? { rules: ['R10', ...forcedRules], reason: f.reason! } : {}),
    });
  }
  if (f.fate === 'delete') return out;
  const desired = d.desired!;
  let stage: 'draft' | 'ready';
  let enabled: boolean;
  if (f.fate === 'create' || replacing) {
    out.create = list.add({ op: 'connector.create', ...k, spec: d.spec! }, f.fate, {
      replace: replacing,
      changes: d.specChanges,
      blocked,
      rules: replacing ? ['R1', 'R10', ...forcedRules] : ['R1'],
      ...(replacing ? { reason: f.reason! } : {}),
    });
    // R1: a new connector starts in draft, enabled.
    stage = 'draft';
    enabled = true;
  } else {
    const current = d.current!;
    if (d.set) {
      const rules: RuleId[] = [];
      if (d.typeChanged) rules.push('R3');
      if (d.scopesAdded.size) rules.push('R4');
      out.update = list.add({ op: 'connector.update', ...k, set: d.set }, f.fate, { changes: d.specChanges, rules, blocked });
    }
    stage = current.stage;
    enabled = current.enabled;
  }

  const markReady = stage === 'draft' && desired.stage === 'ready';
  const needsEnabled = markReady || connectionsNeedIt;
  if (!enabled && (desired.enabled || needsEnabled)) {
    out.enable = list.add({ op: 'connector.enable', ...k }, f.fate, {
      changes: ENABLE,
      blocked,
      ...(desired.enabled ? {} : { reason: TEMPORARY_ENABLE, rules: ['R7'] }),
    });
  }
  if (markReady) {
    out.markReady = list.add({ op: 'connector.markReady', ...k }, f.fate, { changes: MARK_READY, rules: ['R2'], blocked });
  }
  if (!desired.enabled && (enabled || out.enable)) {
    const temporary = !enabled;
    out.disable = list.add({ op: 'connector.disable', ...k }, f.fate, {
      changes: DISABLE,
      blocked,
      ...(temporary ? { reason: DISABLE_AGAIN, rules: ['R7'] } : {}),
    });
    if (temporary) out.enable!.pair = out.disable;
  }
  return out;
}

function connectionSteps(g: ConnectionFate, list: StepList): ConnectionNodes {
  const d = g.diff;
  const k = { kind: 'Connection' as const, linkName: d.linkName };
  const blocked = g.blocked;
  const out: ConnectionNodes = {};
  const replacing = g.fate === 'replace';
  const replaceRules: RuleId[] = replacing ? [g.replaceRule!] : [];

  if (g.fate === 'delete' || replacing) {
    out.delete = list.add({ op: 'connection.delete', ...k }, g.fate, {
      replace: replacing,
      blocked: g.deleteBlocked ? [...blocked, g.deleteBlocked] : blocked,
      connection: g,
      rules: replaceRules,
      ...(g.reason ? { reason: g.reason } : {}),
    });
  }
  if (g.fate === 'delete' || g.fate === 'none') return out;
  const desired = d.desired!;
  if (g.fate === 'create' || replacing) {
    const spec: ConnectionSpec = {
      name: desired.name,
      connector: desired.connector,
      scopes: [...desired.scopes],
      authorizationOwner: desired.authorizationOwner,
      sameAuthorizationForAllEnvironments: desired.sameAuthorizationForAllEnvironments,
      ...(desired.access !== undefined ? { access: [...desired.access] } : {}),
    };
    out.create = list.add({ op: 'connection.create', ...k, spec }, g.fate, {
      replace: replacing,
      changes: connectionCreateChanges(desired),
      blocked,
      connection: g,
      rules: ['R11', ...replaceRules],
      ...(g.reason ? { reason: g.reason } : {}),
    });
    if (!desired.enabled) {
      out.disable = list.add({ op: 'connection.disable', ...k }, g.fate, { changes: DISABLE, blocked, connection: g });
    }
    return out;
  }

  // In place.
  const current = d.current!;
  const set: { name?: string; scopes?: string[]; sameAuthorizationForAllEnvironments?: boolean; access?: string[] } = {};
  for (const ch of d.changes) {
    if (ch.path === 'name') set.name = desired.name;
    if (ch.path === 'scopes') set.scopes = [...desired.scopes];
    if (ch.path === 'sameAuthorizationForAllEnvironments') set.sameAuthorizationForAllEnvironments = desired.sameAuthorizationForAllEnvironments;
    if (ch.path === 'access' && desired.access !== undefined) set.access = [...desired.access];
  }
  if (d.changes.length) {
    // R13: a scope change sends the connection back through consent; R20: the authorizations follow the same-authorization flag.
    const rules: RuleId[] = [...(set.scopes ? (['R13'] as const) : []), ...(set.sameAuthorizationForAllEnvironments !== undefined ? (['R20'] as const) : [])];
    out.update = list.add({ op: 'connection.update', ...k, set }, g.fate, { changes: [...d.changes], rules, blocked, connection: g });
  }
  if (!current.enabled && desired.enabled) {
    out.enable = list.add({ op: 'connection.enable', ...k }, g.fate, { changes: ENABLE, rules: ['R17'], blocked, connection: g });
  }
  if (current.enabled && !desired.enabled) {
    // R15: disabling stops every application that uses it; R17: the authorization is kept.
    const rules: RuleId[] = current.usages.length ? ['R15', 'R17'] : ['R17'];
    out.disable = list.add({ op: 'connection.disable', ...k }, g.fate, { changes: DISABLE, rules, blocked, connection: g });
  }
  return out;
}
