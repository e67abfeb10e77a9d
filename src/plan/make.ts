/**
 * makePlan: the pure core, end to end. Synchronous, total (a desired state Creator does not allow
 * is a UserError, a planner bug an InternalError), no I/O.
 *
 *   diff → consequences → steps → blocked + scope → order → proof → the Plan document
 */
import type { PlannedAction } from '../model/actions.js';
import type { Blocked, Impact, Plan, PlanSummary, PlanWarning, RevokedAuthorization } from '../model/plan.js';
import type { ConnectionRecord, Environment, RuleId } from '../model/types.js';
import { DEFAULT_ENVIRONMENTS, describeAuthorization, environmentsLacking, isAuthorized, revokedEntries } from '../model/authorizations.js';
import { neededAuthorizations } from './authorizations.js';
import { accessWarnings } from './access.js';
import { consequences } from './consequences.js';
import { agree, byString, plural } from '../util/text.js';
import { sameSet } from '../util/sets.js';
import { checkDesired } from './desired.js';
import { diff } from './diff.js';
import { resourceKey, type PlanInput } from './input.js';
import { propagateBlocked, topologicalOrder, type BlockedVia } from './order.js';
import { prove } from './proof.js';
import { matchLinkNameChanges, type NamedConnection } from './renames.js';
import { scopeClosure } from './scope.js';
import { steps, type Node } from './steps.js';
import { capitalize } from '../util/text.js';
import { canBeAuthorizedNow } from '../rules/index.js';
import type { State } from '../model/types.js';
import { mergeUsages } from './usages.js';
import { compareRules, sortRules } from './rule-order.js';
import { sortedUnique } from './sorted.js';

export function makePlan(input: PlanInput): Plan {
  try {
    return plan(input);
  } catch (error) {
    // The manifest loader has validated the desired state already (with positions), so it is not
    // checked up front, at every plan's cost. A plan that fails — its proof, most likely — is
    // checked here: when the desired state is one Creator does not allow, that is the user's
    // to fix (UserError), not a bug.
    checkDesired(input.desired);
    throw error;
  }
}

function plan(input: PlanInput): Plan {
  // The target's usages and those found in code, one list per connection, each with its source.
  const withUsages = mergeUsages(input.current.state, input.desired, input.usages ?? []);
  const state = withUsages.state;
  const d = diff(input.desired, state, input.secrets);
  const c = consequences(d, input.allowReplace, input.protect ?? []);
  const nodes = steps(c);
  const blocked = propagateBlocked(nodes);

  // --base: only the change's own resources, and what they need.
  let relevant: ReadonlySet<Node> | null = null;
  let outside = 0;
  if (input.scope) {
    relevant = scopeClosure(nodes, input.scope);
    const left = new Set<string>();
    for (const n of nodes) if (!relevant.has(n)) left.add(n.resource);
    outside = left.size;
  }
  const isRelevant = (n: Node) => !relevant || relevant.has(n);

  const ordered = topologicalOrder(nodes.filter((n) => !blocked.has(n) && isRelevant(n)));
  // Action ids by Node.index: an array rather than a Map keyed by node, read once per action and per edge.
  const ids: string[] = new Array<string>(nodes.length);
  for (let i = 0; i < ordered.length; i++) ids[ordered[i]!.index] = `a${i + 1}`;
  // An edge's rules justify both of its ends (R8 is cited on the connection
  // disabled before its connector).
  const addRules = (n: Node, rules: readonly RuleId[]) => {
    for (const r of rules) if (!n.rules.includes(r)) n.rules.push(r);
  };
  for (const n of ordered) {
    for (const dep of n.deps) {
      addRules(n, dep.rules);
      addRules(dep.node, dep.rules);
    }
  }
  const actions: PlannedAction[] = ordered.map((n) => plannedAction(n, ids));

  const blockedEntries = blockedList(
    nodes.filter((n) => blocked.has(n) && isRelevant(n)),
    blocked,
  );
  const proof = prove(state, actions, blockedEntries.length ? null : { desired: input.desired, secrets: input.secrets, ...(input.scope ? { only: input.scope } : {}) });

  const revokedAuthorizations = revocations(ordered, actions, proof.revoked);
  const created = new Set(actions.filter((a) => a.op === 'connection.create').map((a) => a.linkName));
  const revokedNames = new Set(revokedAuthorizations.map((r) => r.connection));
  const environments = input.environments ?? DEFAULT_ENVIRONMENTS;
  // Which connections need an authorization (i24: only those that can be authorized now; the
  // others wait until enabled), then what each lacks per environment and user (Creator 6).
  const changed = new Set([...created, ...revokedNames]);
  // A scoped plan's resources: what the change touches, and what its actions act on (a set of
  // every action's resource is made only for a scoped plan: a full one needs no such test).
  const scope = input.scope;
  const touched = scope ? new Set(ordered.map((n) => n.resource)) : null;
  const inScope = (key: string) => !scope || !touched || scope.has(key) || touched.has(key);
  const authorizations = unauthorizedAfter(proof.final, input, environments, changed, (link) => !scope || changed.has(link) || inScope(resourceKey('Connection', link)));
  const authorizationsNeeded = neededAuthorizations(authorizations.now, proof.final, environments, revokedAuthorizations);
  const needsAuthorization = sortedUnique(authorizationsNeeded.map((n) => n.connection));

  const impact: Impact[] = [];
  for (const a of actions) {
    if (a.op !== 'connection.disable') continue;
    const usages = state.connections.get(a.linkName)?.usages ?? [];
    if (usages.length) impact.push({ connection: a.linkName, usages: usages.map((u) => ({ ...u })), rule: 'R15' });
  }
  impact.sort((x, y) => byString(x.connection, y.connection));

  // A scoped plan keeps the warnings about what it touches.
  const warnings: PlanWarning[] = d.warnings.filter((w) => !scope || !w.kind || !w.linkName || inScope(resourceKey(w.kind, w.linkName)));
  warnings.push(...withUsages.warnings);
  // Said where this plan makes the need (a new or revoked connection that stays disabled); one that
  // was unauthorized and disabled already, and that someone disables on purpose, is no news.
  // Asked of them all at once: one call per connection indexed every revocation again each time.
  const onceEnabledChanged = authorizations.onceEnabled.filter((link) => changed.has(link));
  const lacking = new Set(neededAuthorizations(onceEnabledChanged, proof.final, environments, revokedAuthorizations).map((n) => n.connection));
  for (const link of onceEnabledChanged) if (lacking.has(link)) warnings.push(onceEnabledWarning(proof.final, link));
  // A1: usages from applications without Connection Access (those A2 blocks are listed there).
  const accessBlocked = new Set(blockedEntries.filter((b) => b.rule === 'A2').map((b) => b.linkName));
  warnings.push(
    ...accessWarnings(
      // Only those whose manifest lists access have any (no object per connection for the others).
      d.connections.filter((cd) => cd.desired?.access !== undefined).map((cd) => ({ desired: cd.desired, usages: cd.current?.usages ?? [] })),
      accessBlocked,
    ),
  );
  if (outside > 0) {
    warnings.push({
      code: 'outside-change',
      message: `${plural(outside, 'resource')} ${agree(outside, 'differs', 'differ')} from the target outside this change; ${agree(outside, 'it is', 'they are')} left out of this plan (plan without --base to see ${agree(outside, 'it', 'them')})`,
    });
  }

  return {
    formatVersion: 2,
    target: input.target,
    base: { stateSerial: input.current.serial, stateDigest: input.current.digest },
    source: { ...input.source },
    actions,
    revokedAuthorizations,
    impact,
    blocked: blockedEntries,
    needsAuthorization,
    authorizationsNeeded,
    summary: summarize(ordered, revokedAuthorizations.length, blockedEntries.length),
    warnings,
  };
}

/**
 * Whether a connection the plan does not create or revoke still needs authorizing: an admin
 * connection that lacks an authorization in one of the account's environments (a shared one: it
 * holds none; separate ones: authorized in production, say, but not in stage). A logged-in user
 * connection held so is no news: its users authorize it each on first use, which the target does
 * not record until they do (`target authorize --user`).
 */
function heldUnauthorized(connection: ConnectionRecord, environments: readonly Environment[]): boolean {
  if (connection.authorizationOwner === 'user') return false;
  // The common case without a list per connection (a 100k-connection plan asks this of each):
  // a shared authorization holds for `all` (R18), so a shared connection lacks one iff it holds none.
  if (connection.sameAuthorizationForAllEnvironments) return !isAuthorized(connection);
  return environmentsLacking(connection, environments).length > 0;
}

/**
 * The connections the manifests define (those `relevant` to a scoped plan) that are unauthorized
 * once the plan is carried out: whether the plan creates them, revokes them, or the target holds
 * them unauthorized already (an abandoned rollout's re-authorizations, say). `now`: those a person
 * can authorize after apply (they get a rollout step); `onceEnabled`: those that cannot be while
 * they or their connector are disabled (R11), which the plan names in a warning instead when it
 * creates or revokes them.
 */
function unauthorizedAfter(
  final: State,
  input: PlanInput,
  environments: readonly Environment[],
  changed: ReadonlySet<string>,
  relevant: (link: string) => boolean,
): { now: string[]; onceEnabled: string[] } {
  const now: string[] = [];
  const onceEnabled: string[] = [];
  for (const link of input.desired.connections.keys()) {
    const connection = final.connections.get(link);
    if (!connection || !relevant(link) || (!changed.has(link) && !heldUnauthorized(connection, environments))) continue;
    (canBeAuthorizedNow(final, link) ? now : onceEnabled).push(link);
  }
  return { now: now.sort(byString), onceEnabled: onceEnabled.sort(byString) };
}

function onceEnabledWarning(final: State, link: string): PlanWarning {
  const connection = final.connections.get(link)!;
  const connector = final.connectors.get(connection.connector);
  const why = connector && !connector.enabled ? `its connector '${connection.connector}' is disabled` : 'it is disabled';
  return {
    code: 'authorize-once-enabled',
    kind: 'Connection',
    linkName: link,
    message: `connection '${link}' is unauthorized and cannot be authorized while ${why} (R11): it will need authorization once enabled`,
  };
}

function plannedAction(n: Node, ids: readonly string[]): PlannedAction {
  const deps = n.deps;
  const dependsOn = deps.length > 1 ? [...new Set(deps.map((d) => ids[d.node.index]!))].sort(byId) : deps.length === 1 ? [ids[deps[0]!.node.index]!] : [];
  const body = n.body;
  // Key order as docs/planning.md shows it, then ours, then the action's payload. Built in place
  // rather than spread from a head object: two objects fewer per action of a 100k plan.
  const action: Record<string, unknown> = {
    id: ids[n.index]!,
    op: body.op,
    kind: body.kind,
    linkName: body.linkName,
    dependsOn,
    rules: sortRules(n.rules),
    replace: n.replace,
    changes: n.changes,
  };
  if (n.reason !== undefined) action.reason = n.reason;
  if (body.op === 'connector.create' || body.op === 'connection.create') action.spec = body.spec;
  else if (body.op === 'connector.update' || body.op === 'connection.update') action.set = body.set;
  return action as PlannedAction;
}

/**
 * Every authorization the plan destroys, one entry per authorization (each environment's, each
 * user's), whatever the cause: those the simulated actions revoke (R5, R13, R20), those a
 * replacement deletes (R10, R12, R19), and those of authorized connections the manifests drop
 * (`deleted`; R11: only a person gives it back). A dropped connection whose place a new link name
 * takes under the same connector reads as what it is, a linkName change (R12): the old one is
 * deleted, the new one created, and the account must authorize it again.
 */
function revocations(ordered: readonly Node[], actions: readonly PlannedAction[], simulated: ReadonlyArray<readonly RevokedAuthorization[]>): RevokedAuthorization[] {
  const plainlyDeleted: Node[] = [];
  const replaced: Node[] = [];
  for (const n of ordered) {
    if (n.body.op !== 'connection.delete') continue;
    if (n.replace) replaced.push(n);
    else plainlyDeleted.push(n);
  }
  const deletedNames = new Set(plainlyDeleted.map((n) => n.body.linkName));
  const bySlot = new Map<string, RevokedAuthorization>();
  const merge = (r: RevokedAuthorization) => {
    const key = `${r.connection}\u0000${r.environment}\u0000${r.user ?? ''}`;
    const seen = bySlot.get(key);
    if (!seen) {
      bySlot.set(key, { ...r, cause: [...r.cause], ...(r.users ? { users: [...r.users] } : {}) });
      return;
    }
    for (const cause of r.cause) if (!seen.cause.includes(cause)) seen.cause.push(cause);
  };
  actions.forEach((a, i) => {
    for (const r of simulated[i]!) {
      if (deletedNames.has(r.connection)) continue;
      merge(r);
      // The rules are the source of truth for what revokes: cite them on the action.
      if (!a.rules.includes(r.rule)) a.rules = sortRules([...a.rules, r.rule]);
    }
  });
  // R13 from the diff as well: when an R5 change revoked the connection first, the simulated
  // scope change finds it unauthorized, yet the scope change alone would have revoked it too.
  for (const n of ordered) {
    if (n.body.op !== 'connection.update' || !n.body.set.scopes) continue;
    const cur = n.connection!.diff.current!;
    if (!sameSet(cur.scopes, n.body.set.scopes)) revokedEntries(cur, ['scopes'], 'R13').forEach(merge);
  }
  for (const n of replaced) {
    const fate = n.connection!;
    const cur = fate.diff.current!;
    revokedEntries(cur, ['replaced', ...fate.cause], fate.replaceRule!).forEach(merge);
  }
  const successors = linkNameChanges(ordered, plainlyDeleted);
  // The actions a linkName change names, found only when there is one (most plans have none).
  let byId: Map<string, PlannedAction> | null = null;
  for (const n of plainlyDeleted) {
    const cur = n.connection!.diff.current!;
    if (!isAuthorized(cur)) continue;
    const next = successors.get(cur.linkName);
    if (next === undefined) {
      revokedEntries(cur, ['deleted'], 'R11').forEach(merge);
      continue;
    }
    for (const r of revokedEntries(cur, ['deleted', 'linkName'], 'R12')) merge({ ...r, replacedBy: next });
    byId ??= new Map(actions.map((a) => [`${a.op} ${a.linkName}`, a]));
    const say = (a: PlannedAction | undefined, reason: string) => {
      if (a && a.reason === undefined) a.reason = reason;
      if (a && !a.rules.includes('R12')) a.rules = sortRules([...a.rules, 'R12']);
    };
    const who = cur.authorizations.map(describeAuthorization).join(', ');
    const lost = cur.authorizations.length === 1 ? `the authorization of ${who}` : `its authorizations (${who})`;
    say(byId.get(`connection.delete ${cur.linkName}`), `its linkName changes to '${next}' (R12): it is deleted with ${lost}, and '${next}' is created in its place`);
    const again = cur.authorizationOwner === 'user' ? 'every user must authorize it again' : `${accountsOf(cur)} must authorize it again`;
    say(byId.get(`connection.create ${next}`), `takes the place of '${cur.linkName}' (a linkName change, R12): created unauthorized, ${again} (R11)`);
  }
  return [...bySlot.values()].sort(byRevocation);
}

/** `account 'alice'`, `accounts 'alice', 'bob'`: who held a connection's authorizations. */
function accountsOf(c: ConnectionRecord): string {
  const accounts = [...new Set(c.authorizations.map((a) => a.account))];
  return `${agree(accounts.length, 'account')} ${accounts.map((a) => `'${a}'`).join(', ')}`;
}

/** Revocations by connection, then environment in Creator's order, then user. */
function byRevocation(x: RevokedAuthorization, y: RevokedAuthorization): number {
  return (
    byString(x.connection, y.connection) || ENVIRONMENT_RANK.indexOf(x.environment) - ENVIRONMENT_RANK.indexOf(y.environment) || byString(x.user ?? '', y.user ?? '')
  );
}

/** Creator's order of environments (`all` first); one list, not one per comparison of a sort of thousands. */
const ENVIRONMENT_RANK: readonly string[] = ['all', 'development', 'stage', 'production'];

/** Dropped authorized connections whose place a newly created connection takes (renames.ts). Old link name → new one. */
function linkNameChanges(ordered: readonly Node[], deleted: readonly Node[]): Map<string, string> {
  const created: NamedConnection[] = [];
  for (const n of ordered) {
    if (n.body.op === 'connection.create' && !n.replace) created.push({ linkName: n.body.linkName, connector: n.body.spec.connector, name: n.body.spec.name });
  }
  if (!created.length) return new Map();
  const gone: NamedConnection[] = [];
  for (const n of deleted) {
    const cur = n.connection!.diff.current!;
    if (isAuthorized(cur)) gone.push(cur);
  }
  return matchLinkNameChanges(gone, created);
}

/**
 * `blocked`: one entry per resource and rule. A root says why (its own entries); an action that
 * waits for a blocked one says what it waits for, citing the rule of that edge.
 */
function blockedList(nodes: readonly Node[], blocked: ReadonlyMap<Node, BlockedVia | null>): Blocked[] {
  const out: Blocked[] = [];
  const seen = new Set<string>();
  const push = (b: Blocked) => {
    const key = `${resourceKey(b.kind, b.linkName)} ${b.rule}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(b);
  };
  for (const n of nodes) for (const b of n.blocked) push(b);
  // A resource that only waits says so once: for the first of its actions that waits for another
  // resource, else for the first that is held back with its replacement.
  const named = new Set(out.map((b) => resourceKey(b.kind, b.linkName)));
  const waiting = new Map<string, Node>();
  for (const n of nodes) {
    const via = blocked.get(n);
    if (!via || named.has(n.resource)) continue;
    const chosen = waiting.get(n.resource);
    if (!chosen || (blocked.get(chosen)!.via.resource === n.resource && via.via.resource !== n.resource)) waiting.set(n.resource, n);
  }
  for (const n of waiting.values()) {
    const via = blocked.get(n)!;
    let root = via.via;
    for (let v = blocked.get(root); v; v = blocked.get(root)) root = v.via;
    const rootRule = root.blocked[0]?.rule;
    const because = `${phrase(via.via)}, which is blocked${rootRule ? ` (${rootRule}: ${root.body.kind.toLowerCase()} '${root.body.linkName}')` : ''}`;
    push({
      kind: n.body.kind,
      linkName: n.body.linkName,
      rule: via.rules[0] ?? 'R10',
      message:
        via.via.resource === n.resource
          ? `${n.body.kind} '${n.body.linkName}' is not replaced, since its replacement cannot be carried out whole: ${because}`
          : `${capitalize(phrase(n))} waits for ${because}`,
    });
  }
  const kindRank = (k: Blocked['kind']) => (k === 'Connector' ? 0 : 1);
  return out.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || byString(a.linkName, b.linkName) || compareRules(a.rule, b.rule));
}

/** What an action does, in words: `the deletion of connection 'crm_old'`. */
function phrase(n: Node): string {
  const what = `${n.body.kind.toLowerCase()} '${n.body.linkName}'`;
  switch (n.body.op.split('.')[1]) {
    case 'create':
      return `the creation of ${what}`;
    case 'update':
      return `the update of ${what}`;
    case 'markReady':
      return `marking ${what} ready`;
    case 'enable':
      return `enabling ${what}`;
    case 'disable':
      return `disabling ${what}`;
    default:
      return `the deletion of ${what}`;
  }
}

/**
 * Terraform-style: resources, not actions. A resource counts once, by what happens to it, when
 * at least one of its actions is in the plan; actions that only pass through a resource (a
 * connector enabled for the time being, R7) change nothing about it and do not count.
 */
function summarize(ordered: readonly Node[], revokes: number, blocked: number): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, replace: 0, revokes, blocked };
  const counted = new Set<string>();
  for (const n of ordered) {
    if (n.change === 'none' || counted.has(n.resource)) continue;
    counted.add(n.resource);
    summary[n.change]++;
  }
  return summary;
}

function byId(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1));
}
