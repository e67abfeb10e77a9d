/**
 * The lifecycle rules as one pure function: given a world and an action, either the rules it
 * breaks, or the effects it has. The local target commits the effects; the planner simulates
 * its whole plan through here before printing it (docs/planning.md, "Proof").
 */
import type { ActionBody } from '../model/actions.js';
import type { Authentication, ConnectionRecord, ConnectorRecord, RefusalCode, RuleId, SecretName } from '../model/types.js';
import { SECRET_PARAMETERS } from '../model/types.js';
import { availableScopes, missingMandatory, removedScopes, revokingChanges } from './authentication.js';
import { descriptionProblem, linkNameProblem, nameProblem } from './names.js';
import { noEffects, type Effects, type World } from './world.js';
import { sameSet } from '../util/sets.js';
import { isAuthorized, reshapeAuthorizations, revokedEntries } from '../model/authorizations.js';
import { agree, plural } from '../util/text.js';

/** A broken rule. `rule` is a rule id of docs/rules.md, or `exists` / `scopes` for the unnumbered basics. */
export interface Violation {
  rule: RefusalCode;
  kind: 'Connector' | 'Connection';
  linkName: string;
  message: string;
  /** What to do instead. */
  hint?: string;
}

/** The fingerprints a connector holds, by secret name: the model's own type (model/types.ts). */
export type SecretFingerprints = ConnectorRecord['secretFingerprints'];

export type Transition = { ok: true; effects: Effects } | { ok: false; violations: Violation[] };

/**
 * Checks `action` against every rule on `world` and returns its effects. `fingerprints` are the
 * fingerprints of the secrets the action sends (the target computes them from the values).
 * Pure: `world` is not changed; call `world.apply(effects)` to commit.
 */
export function transition(world: World, action: ActionBody, fingerprints: SecretFingerprints = {}): Transition {
  const violations: Violation[] = [];
  const fail: Fail = (rule, message, hint) => violations.push({ rule, kind: action.kind, linkName: action.linkName, message, ...(hint ? { hint } : {}) });
  const effects = noEffects();
  // The table is keyed by op, so each entry takes its own action; TypeScript cannot see that the
  // lookup and the argument agree, hence the one widening here.
  (OPS[action.op] as OpRules<ActionBody>)({ world, action, fingerprints, effects, fail });
  return violations.length ? { ok: false, violations } : { ok: true, effects };
}

/** Records a broken rule: `hint` says what to do instead. */
type Fail = (rule: RefusalCode, message: string, hint?: string) => void;

type Op = ActionBody['op'];
type ActionOf<O extends Op> = Extract<ActionBody, { op: O }>;

/** What the rules of one op are given: the world before, the action, and where to put effects and violations. */
interface Step<A extends ActionBody> {
  world: World;
  action: A;
  fingerprints: SecretFingerprints;
  effects: Effects;
  fail: Fail;
}
type OpRules<A extends ActionBody> = (step: Step<A>) => void;

/** Every op's rules, one small function each (docs/rules.md names the rules). */
const OPS: { [O in Op]: OpRules<ActionOf<O>> } = {
  'connector.create': connectorCreate,
  'connector.update': onConnector(connectorUpdate),
  'connector.markReady': onConnector(connectorMarkReady),
  'connector.enable': onConnector(connectorEnable),
  'connector.disable': onConnector(connectorDisable),
  'connector.delete': onConnector(connectorDelete),
  'connection.create': connectionCreate,
  'connection.update': onConnection(connectionUpdate),
  'connection.enable': onConnection(connectionEnable),
  'connection.disable': onConnection(connectionDisable),
  'connection.delete': onConnection(connectionDelete),
};

/**
 * An op that needs the connector to exist: refused (`exists`) when it does not; otherwise its rules
 * get the connector as it is. (An argument rather than a copy of the step with one more field: the
 * planner's proof calls this for every action of a 100k plan, issue 25.)
 */
function onConnector<A extends ActionBody>(rules: (step: Step<A>, current: ConnectorRecord) => void): OpRules<A> {
  return (step) => {
    const current = step.world.connector(step.action.linkName);
    if (!current) step.fail('exists', `connector '${step.action.linkName}' does not exist`);
    else rules(step, current);
  };
}

/** An op that needs the connection to exist: refused (`exists`) when it does not; otherwise its rules get the connection as it is and its connector (if it exists). */
function onConnection<A extends ActionBody>(rules: (step: Step<A>, current: ConnectionRecord, connector: ConnectorRecord | undefined) => void): OpRules<A> {
  return (step) => {
    const current = step.world.connection(step.action.linkName);
    if (!current) step.fail('exists', `connection '${step.action.linkName}' does not exist`);
    else rules(step, current, step.world.connector(current.connector));
  };
}

function connectorCreate({ world, action, fingerprints, effects, fail }: Step<ActionOf<'connector.create'>>): void {
  const problem = linkNameProblem(action.linkName);
  if (problem) fail('N3', `link name '${action.linkName}': ${problem}`);
  if (world.connector(action.linkName)) fail('N3', `a connector with link name '${action.linkName}' already exists`);
  checkNames(action.spec.name, action.spec.description, fail);
  checkSecretsBelong(action.spec.authentication, fingerprints, fail);
  // R1: a new connector starts in draft, enabled.
  effects.upsertConnectors.push({
    linkName: action.linkName,
    name: action.spec.name,
    description: action.spec.description,
    stage: 'draft',
    enabled: true,
    authentication: structuredClone(action.spec.authentication),
    secretFingerprints: pickSecrets(action.spec.authentication, fingerprints),
  });
}

function connectorUpdate({ world, action, fingerprints, effects, fail }: Step<ActionOf<'connector.update'>>, current: ConnectorRecord): void {
  const set = action.set;
  checkNames(set.name ?? current.name, set.description ?? current.description, fail);
  const auth = set.authentication ?? current.authentication;
  const typeChanged = auth.type !== current.authentication.type;
  if (typeChanged && current.stage === 'ready') {
    fail(
      'R3',
      `the authentication type of ready connector '${action.linkName}' cannot change (${current.authentication.type} → ${auth.type})`,
      'replace the connector (plan with --allow-replace)',
    );
  }
  if (current.stage === 'ready' && set.authentication) {
    const removed = removedScopes(current.authentication, auth);
    if (removed.length) {
      fail(
        'R4',
        `OAuth2 scopes of ready connector '${action.linkName}' cannot be edited or deleted (removed: ${removed.join(', ')})`,
        'replace the connector (plan with --allow-replace), or keep the scopes',
      );
    }
  }
  checkSecretsBelong(auth, fingerprints, fail);
  // R3: a type change discards every parameter, secrets included.
  const kept: SecretFingerprints = typeChanged ? {} : { ...current.secretFingerprints };
  const nextFingerprints = { ...kept, ...pickSecrets(auth, fingerprints) };
  if (current.stage === 'ready') {
    const missing = missingMandatory(auth, new Set(Object.keys(nextFingerprints) as SecretName[]));
    if (missing.length) fail('R2', `ready connector '${action.linkName}' would lack mandatory parameters: ${missing.join(', ')}`);
  }
  effects.upsertConnectors.push({
    ...current,
    name: set.name ?? current.name,
    description: set.description ?? current.description,
    authentication: structuredClone(auth),
    secretFingerprints: nextFingerprints,
  });
  // R5: a changed revoking parameter logs out every authorized connection.
  const causes = typeChanged
    ? []
    : revokingChanges({ authentication: current.authentication, fingerprints: current.secretFingerprints }, { authentication: auth, fingerprints: nextFingerprints });
  if (!causes.length) return;
  for (const c of world.connectionsOf(action.linkName)) {
    if (!isAuthorized(c)) continue;
    // One entry per authorization: every environment's, every user's.
    effects.revoked.push(...revokedEntries(c, causes, 'R5'));
    effects.upsertConnections.push({ ...c, authorizations: [] });
  }
}

function connectorMarkReady({ action, effects, fail }: Step<ActionOf<'connector.markReady'>>, current: ConnectorRecord): void {
  if (current.stage === 'ready') fail('R2', `connector '${action.linkName}' is already ready`);
  // R2b / R7: a disabled connector cannot be marked ready.
  if (!current.enabled) fail('R7', `disabled connector '${action.linkName}' cannot be marked ready`, `enable connector '${action.linkName}' first`);
  const missing = missingMandatory(current.authentication, new Set(Object.keys(current.secretFingerprints) as SecretName[]));
  if (missing.length) fail('R2', `connector '${action.linkName}' cannot be marked ready: missing mandatory parameters ${missing.join(', ')}`);
  effects.upsertConnectors.push({ ...current, stage: 'ready' });
}

function connectorEnable({ effects }: Step<ActionOf<'connector.enable'>>, current: ConnectorRecord): void {
  // R8: enabling has no precondition.
  effects.upsertConnectors.push({ ...current, enabled: true });
}

function connectorDisable({ world, action, effects, fail }: Step<ActionOf<'connector.disable'>>, current: ConnectorRecord): void {
  const enabled = world
    .connectionsOf(action.linkName)
    .filter((c) => c.enabled)
    .map((c) => c.linkName);
  if (enabled.length) {
    fail('R8', `disable ${agree(enabled.length, 'connection')} ${quoteList(enabled)} before disabling connector '${action.linkName}'`);
  }
  // R8: disabling loses no authorization data.
  effects.upsertConnectors.push({ ...current, enabled: false });
}

function connectorDelete({ world, action, effects, fail }: Step<ActionOf<'connector.delete'>>): void {
  const refs = world.connectionsOf(action.linkName).map((c) => c.linkName);
  if (refs.length) fail('R9', `delete ${agree(refs.length, 'connection')} ${quoteList(refs)} before deleting connector '${action.linkName}'`);
  effects.deleteConnectors.push(action.linkName);
}

function connectionCreate({ world, action, effects, fail }: Step<ActionOf<'connection.create'>>): void {
  const problem = linkNameProblem(action.linkName);
  if (problem) fail('N3', `link name '${action.linkName}': ${problem}`);
  if (world.connection(action.linkName)) fail('N3', `a connection with link name '${action.linkName}' already exists`);
  const np = nameProblem(action.spec.name);
  if (np) fail('N1', np);
  const connector = world.connector(action.spec.connector);
  if (!connector) {
    fail('R6', `connector '${action.spec.connector}' of connection '${action.linkName}' does not exist`);
  } else {
    if (connector.stage !== 'ready') fail('R6', `connector '${connector.linkName}' is in draft: mark it ready before adding connection '${action.linkName}'`);
    if (!connector.enabled) fail('R7', `connector '${connector.linkName}' is disabled: enable it before adding connection '${action.linkName}'`);
    checkScopes(action.spec.scopes, connector.authentication, connector.linkName, fail);
  }
  // R11: a new connection starts enabled and unauthorized.
  effects.upsertConnections.push({
    linkName: action.linkName,
    name: action.spec.name,
    connector: action.spec.connector,
    enabled: true,
    scopes: [...action.spec.scopes],
    authorizationOwner: action.spec.authorizationOwner ?? 'admin',
    sameAuthorizationForAllEnvironments: action.spec.sameAuthorizationForAllEnvironments ?? true,
    ...(action.spec.access ? { access: [...action.spec.access] } : {}),
    authorizations: [],
    usages: [],
  });
}

function connectionUpdate({ action, effects, fail }: Step<ActionOf<'connection.update'>>, current: ConnectionRecord, connector: ConnectorRecord | undefined): void {
  const next: ConnectionRecord = { ...current };
  if (action.set.name !== undefined) {
    const np = nameProblem(action.set.name);
    if (np) fail('N1', np);
    next.name = action.set.name;
  }
  if (action.set.scopes !== undefined) {
    if (connector) checkScopes(action.set.scopes, connector.authentication, connector.linkName, fail);
    next.scopes = [...action.set.scopes];
    // R13: a scope change sends the connection back through consent, in every environment, for every user.
    if (!sameSet(current.scopes, action.set.scopes) && isAuthorized(current)) {
      effects.revoked.push(...revokedEntries(current, ['scopes'], 'R13'));
      next.authorizations = [];
    }
  }
  const same = action.set.sameAuthorizationForAllEnvironments;
  if (same !== undefined && same !== current.sameAuthorizationForAllEnvironments) {
    // R20 (a reading): true → false keeps the shared account in each environment; false → true
    // keeps production's as the shared one, and the others are gone.
    const { kept, lost } = reshapeAuthorizations(next.authorizations, same);
    if (lost.length) effects.revoked.push(...revokedEntries(current, ['sameAuthorizationForAllEnvironments'], 'R20', lost));
    next.sameAuthorizationForAllEnvironments = same;
    next.authorizations = kept;
  }
  if (action.set.access !== undefined) next.access = [...action.set.access];
  effects.upsertConnections.push(next);
}

function connectionEnable({ action, effects, fail }: Step<ActionOf<'connection.enable'>>, current: ConnectionRecord, connector: ConnectorRecord | undefined): void {
  if (connector && !connector.enabled) fail('R16', `connector '${connector.linkName}' is disabled: enable it before enabling connection '${action.linkName}'`);
  // R17: enabling keeps the authorization.
  effects.upsertConnections.push({ ...current, enabled: true });
}

function connectionDisable({ effects }: Step<ActionOf<'connection.disable'>>, current: ConnectionRecord): void {
  // R15 (impact on usages) is reported by the planner; R17: the authorization is kept.
  effects.upsertConnections.push({ ...current, enabled: false });
}

function connectionDelete({ action, effects, fail }: Step<ActionOf<'connection.delete'>>, current: ConnectionRecord): void {
  if (current.usages.length) {
    fail(
      'R14',
      `connection '${action.linkName}' is used by ${plural(current.usages.length, 'application component')} (${current.usages.map((u) => `${u.app}/${u.component}`).join(', ')})`,
      'remove these usages from the applications first; connectorops never edits applications',
    );
  }
  effects.deleteConnections.push(action.linkName);
}

function checkNames(name: string, description: string, fail: (rule: RuleId, message: string) => void): void {
  const np = nameProblem(name);
  if (np) fail('N1', np);
  const dp = descriptionProblem(description);
  if (dp) fail('N2', dp);
}

function checkScopes(scopes: string[], auth: Authentication, connector: string, fail: (rule: Violation['rule'], message: string) => void): void {
  const available = availableScopes(auth);
  if (!available) {
    if (scopes.length) fail('scopes', `connector '${connector}' is not OAuth2: its connections take no scopes`);
    return;
  }
  const extra = scopes.filter((s) => !available.has(s));
  if (extra.length) fail('scopes', `scopes ${quoteList(extra)} are not among connector '${connector}''s scopes`);
}

function checkSecretsBelong(auth: Authentication, fingerprints: SecretFingerprints, fail: (rule: RuleId, message: string) => void): void {
  for (const name of Object.keys(fingerprints) as SecretName[]) {
    if (!SECRET_PARAMETERS[auth.type].includes(name)) fail('S1', `secret '${name}' does not belong to authentication type ${auth.type}`);
  }
}

function pickSecrets(auth: Authentication, fingerprints: SecretFingerprints): SecretFingerprints {
  const out: SecretFingerprints = {};
  for (const name of SECRET_PARAMETERS[auth.type]) {
    const fp = fingerprints[name];
    if (fp !== undefined) out[name] = fp;
  }
  return out;
}

function quoteList(names: string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}
