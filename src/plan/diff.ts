/**
 * Stage 1, diff: desired × current → what differs, field by field, per resource, and whether
 * the difference can be made in place. Nothing here decides what to *do* about a replacement
 * (consequences.ts) or in which order (steps.ts, order.ts).
 *
 * Defaults are applied on both sides by the model (an absent description is ""), scopes compare
 * as sets (compare.ts), and secrets compare by fingerprint only (S2).
 */
import type { ConnectorSpec, FieldChange, PlannedSecret } from '../model/actions.js';
import { SENSITIVE, SENSITIVE_CHANGED, SENSITIVE_NOT_RECORDED } from '../model/actions.js';
import { fingerprintsComparable } from '../model/fingerprint.js';
import type { PlanWarning } from '../model/plan.js';
import type { Authentication, ConnectionRecord, ConnectorRecord, DesiredConnection, DesiredConnector, DesiredState, SecretName, State } from '../model/types.js';
import { flattenAuthentication, SECRET_PARAMETERS } from '../model/types.js';
import { removedScopes } from '../rules/authentication.js';
import { byString } from '../util/text.js';
import { addedScopes, needsIndexedParameters, sameAuthentication, sameValue, scopesOf } from './equality.js';
import { sameSet } from '../util/sets.js';

export type Change = 'create' | 'delete' | 'replace' | 'update' | 'none';

/** Why a resource cannot be changed in place: the rule, the fields that force it, in words. */
export interface Forced {
  rule: 'R2' | 'R3' | 'R4' | 'R12' | 'R19';
  /** Field paths, e.g. `authentication.type`, `connector`. */
  cause: string[];
  message: string;
}

export interface ConnectorDiff {
  kind: 'Connector';
  linkName: string;
  current: ConnectorRecord | null;
  desired: DesiredConnector | null;
  change: Change;
  /** R2, R3, R4: why it must be replaced; empty when it can change in place. */
  forced: Forced[];
  /**
   * What connector.update sets (update), or the whole spec that connector.create sends (create,
   * replace). Null for delete, and for an update that changes only stage or enabled.
   */
  set: Partial<ConnectorSpec> | null;
  spec: ConnectorSpec | null;
  /** The field changes of that update or create (stage and enabled are separate actions). */
  specChanges: FieldChange[];
  /** R3: the type changes in place (draft only). */
  typeChanged: boolean;
  /** R4: scopes the update adds, which connections may then ask for. */
  scopesAdded: ReadonlySet<string>;
}

export interface ConnectionDiff {
  kind: 'Connection';
  linkName: string;
  current: ConnectionRecord | null;
  desired: DesiredConnection | null;
  change: Change;
  /** R12: its connector changes. */
  forced: readonly Forced[];
  /** What connection.create sets (create), or name and scopes (in place; enabled is a separate action). */
  changes: readonly FieldChange[];
}

export interface Diff {
  connectors: ConnectorDiff[];
  /** Every connection that differs, and the unchanged ones that matter to a later stage (see diff). */
  connections: ConnectionDiff[];
  warnings: PlanWarning[];
}

type Secrets = Map<string, Partial<Record<SecretName, PlannedSecret>>>;

/**
 * Every resource of either side (but the unchanged connections that nothing needs): the desired
 * ones, then those only the target has. The order
 * carries no meaning (order.ts sorts the actions; make.ts sorts every list it outputs), so it
 * is not sorted here: at 100k resources that sort would be a tenth of the plan's time.
 */
export function diff(desired: DesiredState, current: State, secrets: Secrets): Diff {
  const warnings: PlanWarning[] = [];
  const connectors: ConnectorDiff[] = [];
  for (const [linkName, d] of desired.connectors) connectors.push(diffConnector(linkName, current.connectors.get(linkName) ?? null, d, secrets, warnings));
  for (const [linkName, c] of current.connectors) if (!desired.connectors.has(linkName)) connectors.push(diffConnector(linkName, c, null, secrets, warnings));
  // An unchanged connection matters to a later stage only when its connector is replaced (R10:
  // it is recreated with it) or its manifest lists access (A1 warns of its usages). The others
  // are left out: at 100k resources, most of them, each a diff and a fate kept to the end of the
  // plan for nothing (copied by every young-generation GC).
  const replaced = new Set<string>();
  for (const cd of connectors) if (cd.change === 'replace') replaced.add(cd.linkName);
  const connections: ConnectionDiff[] = [];
  for (const [linkName, d] of desired.connections) {
    const cd = diffConnection(linkName, current.connections.get(linkName) ?? null, d);
    if (cd.change !== 'none' || d.access !== undefined || replaced.has(cd.current!.connector)) connections.push(cd);
  }
  for (const [linkName, c] of current.connections) if (!desired.connections.has(linkName)) connections.push(diffConnection(linkName, c, null));
  warnings.sort((a, b) => byString(a.linkName ?? '', b.linkName ?? ''));
  return { connectors, connections, warnings };
}

const NO_SCOPES: ReadonlySet<string> = new Set();

function connectorDiff(
  linkName: string,
  current: ConnectorRecord | null,
  desired: DesiredConnector | null,
  change: Change,
  more: Partial<ConnectorDiff> = {},
): ConnectorDiff {
  return {
    kind: 'Connector',
    linkName,
    current,
    desired,
    change,
    forced: [],
    set: null,
    spec: null,
    specChanges: [],
    typeChanged: false,
    scopesAdded: NO_SCOPES,
    ...more,
  };
}

function diffConnector(linkName: string, current: ConnectorRecord | null, desired: DesiredConnector | null, secrets: Secrets, warnings: PlanWarning[]): ConnectorDiff {
  if (!desired) return connectorDiff(linkName, current, null, 'delete');
  const planned = plannedSecretsOf(linkName, desired, secrets);
  if (!current) {
    const fresh = freshSpec(linkName, desired, planned, null, warnings, 'create');
    return connectorDiff(linkName, null, desired, 'create', { spec: fresh.spec, specChanges: fresh.changes });
  }

  const forced = forcedReplacement(current, desired);
  if (forced.length) {
    const fresh = freshSpec(linkName, desired, planned, null, warnings, 'replace');
    return connectorDiff(linkName, current, desired, 'replace', { forced, spec: fresh.spec, specChanges: fresh.changes });
  }

  // In place. R3: in draft the type may change; it discards every parameter, secrets included,
  // so the new type's secrets are all sent again.
  const typeChanged = current.authentication.type !== desired.authentication.type;
  const set: Partial<ConnectorSpec> = {};
  const changes: FieldChange[] = [];
  if (current.name !== desired.name) {
    set.name = desired.name;
    changes.push({ path: 'name', from: current.name, to: desired.name });
  }
  if (current.description !== desired.description) {
    set.description = desired.description;
    changes.push({ path: 'description', from: current.description, to: desired.description });
  }
  let scopesAdded = NO_SCOPES;
  if (!sameAuthentication(current.authentication, desired.authentication)) {
    set.authentication = structuredClone(desired.authentication);
    changes.push(...authenticationChanges(current.authentication, desired.authentication));
    const added = addedScopes(scopesOf(current.authentication), scopesOf(desired.authentication));
    if (added.length) scopesAdded = new Set(added);
  }
  const sent = typeChanged ? freshSecrets(linkName, desired, planned, current, warnings, 'update') : changedSecrets(linkName, desired, planned, current, warnings);
  changes.push(...sent.changes);
  if (Object.keys(sent.secrets).length) set.secrets = sent.secrets;

  const hasSet = Object.keys(set).length > 0;
  const change: Change = hasSet || current.enabled !== desired.enabled || current.stage !== desired.stage ? 'update' : 'none';
  return connectorDiff(linkName, current, desired, change, { set: hasSet ? set : null, specChanges: changes, typeChanged, scopesAdded });
}

/** R2, R3, R4: the reasons a ready connector cannot become `desired` in place. */
function forcedReplacement(current: ConnectorRecord, desired: DesiredConnector): Forced[] {
  if (current.stage !== 'ready') return [];
  const forced: Forced[] = [];
  if (desired.stage === 'draft') {
    forced.push({
      rule: 'R2',
      cause: ['stage'],
      message: `connector '${current.linkName}' is ready and the manifests want it in draft; there is no way back to draft (R2)`,
    });
  }
  if (current.authentication.type !== desired.authentication.type) {
    forced.push({
      rule: 'R3',
      cause: ['authentication.type'],
      message: `the authentication type of ready connector '${current.linkName}' cannot change in place (${current.authentication.type} → ${desired.authentication.type}) (R3)`,
    });
  } else {
    const removed = removedScopes(current.authentication, desired.authentication);
    if (removed.length) {
      forced.push({
        rule: 'R4',
        cause: ['authentication.scopes'],
        message: `OAuth2 scopes of ready connector '${current.linkName}' cannot be edited or deleted (removed: ${removed.join(', ')}) (R4)`,
      });
    }
  }
  return forced;
}

/** Field changes from one authentication to another, secrets left out (they are compared apart). */
function authenticationChanges(from: Authentication | null, to: Authentication): FieldChange[] {
  const indexed = needsIndexedParameters(from, to);
  const before = new Map(from ? flattenAuthentication(from, indexed) : []);
  const after = new Map(flattenAuthentication(to, indexed));
  const changes: FieldChange[] = [];
  for (const [path, value] of after) {
    const old = before.has(path) ? before.get(path) : null;
    if (old === null || !sameValue(path, old, value)) changes.push({ path, from: old, to: value });
  }
  for (const [path, value] of before) {
    if (!after.has(path)) changes.push({ path, from: value, to: null });
  }
  return changes;
}

/** The secrets a manifest names, as planned: the fingerprint of the env var's value now, or null. */
function plannedSecretsOf(linkName: string, desired: DesiredConnector, secrets: Secrets): Partial<Record<SecretName, PlannedSecret>> {
  const known = secrets.get(linkName) ?? {};
  const out: Partial<Record<SecretName, PlannedSecret>> = {};
  for (const name of SECRET_PARAMETERS[desired.authentication.type]) {
    const ref = desired.secrets[name];
    if (!ref) continue;
    const p = known[name];
    out[name] = { fromEnv: ref.fromEnv, fingerprint: p && p.fromEnv === ref.fromEnv ? p.fingerprint : null };
  }
  return out;
}

function secretPath(name: SecretName): string {
  return `authentication.${name}`;
}

/** The whole spec of a connector.create (a new connector, or a replacement). */
function freshSpec(
  linkName: string,
  desired: DesiredConnector,
  planned: Partial<Record<SecretName, PlannedSecret>>,
  current: ConnectorRecord | null,
  warnings: PlanWarning[],
  why: 'create' | 'replace',
): { spec: ConnectorSpec; changes: FieldChange[] } {
  const changes: FieldChange[] = [
    { path: 'name', from: null, to: desired.name },
    { path: 'description', from: null, to: desired.description },
    // R1: a new connector starts in draft, enabled; markReady and disable are their own actions.
    { path: 'stage', from: null, to: 'draft' },
    { path: 'enabled', from: null, to: true },
    ...authenticationChanges(null, desired.authentication),
  ];
  const sent = freshSecrets(linkName, desired, planned, current, warnings, why);
  changes.push(...sent.changes);
  return {
    spec: { name: desired.name, description: desired.description, authentication: structuredClone(desired.authentication), secrets: sent.secrets },
    changes,
  };
}

/**
 * Every secret of the desired type: for a create, a replacement, and an in-place type change (R3
 * discards the old parameters). An unset env var still plans the send; apply needs the variable.
 */
function freshSecrets(
  linkName: string,
  desired: DesiredConnector,
  planned: Partial<Record<SecretName, PlannedSecret>>,
  current: ConnectorRecord | null,
  warnings: PlanWarning[],
  why: 'create' | 'replace' | 'update',
): { secrets: Partial<Record<SecretName, PlannedSecret>>; changes: FieldChange[] } {
  const secrets: Partial<Record<SecretName, PlannedSecret>> = {};
  const changes: FieldChange[] = [];
  for (const name of SECRET_PARAMETERS[desired.authentication.type]) {
    const p = planned[name];
    if (!p) continue;
    secrets[name] = p;
    changes.push({ path: secretPath(name), from: null, to: SENSITIVE });
    if (p.fingerprint === null) {
      const doing = why === 'create' ? 'created' : why === 'replace' ? 'recreated' : 'given its new authentication type';
      warnings.push({
        code: 'secret-unset',
        kind: 'Connector',
        linkName,
        message: `${p.fromEnv} is not set: connector '${linkName}' is ${doing} with its ${name}; apply needs ${p.fromEnv}`,
      });
    }
  }
  // A type change drops the old type's secrets.
  if (current && current.authentication.type !== desired.authentication.type) {
    for (const name of SECRET_PARAMETERS[current.authentication.type]) {
      if (current.secretFingerprints[name] !== undefined) changes.push({ path: secretPath(name), from: SENSITIVE, to: null });
    }
  }
  return { secrets, changes };
}

/**
 * Same type, in place: each secret is unchanged (same fingerprint), changed (R5: revoking),
 * adopted (the target has no comparable fingerprint: recorded, revokes nothing), or unknown (the
 * env var is unset: assumed unchanged). A secret the manifest stops naming is kept by the target.
 */
function changedSecrets(
  linkName: string,
  desired: DesiredConnector,
  planned: Partial<Record<SecretName, PlannedSecret>>,
  current: ConnectorRecord,
  warnings: PlanWarning[],
): { secrets: Partial<Record<SecretName, PlannedSecret>>; changes: FieldChange[] } {
  const secrets: Partial<Record<SecretName, PlannedSecret>> = {};
  const changes: FieldChange[] = [];
  for (const name of SECRET_PARAMETERS[desired.authentication.type]) {
    const p = planned[name];
    if (!p) continue;
    const now = current.secretFingerprints[name];
    if (p.fingerprint === null && now === undefined && current.stage === 'draft' && desired.stage === 'ready') {
      // R2a: marking ready needs the secret, and the target has none: send what apply will read.
      secrets[name] = p;
      changes.push({ path: secretPath(name), from: SENSITIVE_NOT_RECORDED, to: SENSITIVE });
      warnings.push({
        code: 'secret-unset',
        kind: 'Connector',
        linkName,
        message: `${p.fromEnv} is not set: connector '${linkName}' is marked ready with its ${name}, which the target has not recorded; apply needs ${p.fromEnv}`,
      });
      continue;
    }
    if (p.fingerprint === null) {
      warnings.push({
        code: 'secret-unset',
        kind: 'Connector',
        linkName,
        message: `${p.fromEnv} is not set: the ${name} of '${linkName}' is assumed unchanged; set it to detect a rotation (R5)`,
      });
      continue;
    }
    if (now === undefined || !fingerprintsComparable(now, p.fingerprint)) {
      secrets[name] = p;
      changes.push({ path: secretPath(name), from: SENSITIVE_NOT_RECORDED, to: SENSITIVE });
      warnings.push({
        code: 'secret-adopted',
        kind: 'Connector',
        linkName,
        message: `the target has no fingerprint of the ${name} of '${linkName}' that can be compared (an imported account?): the plan adopts the value of ${p.fromEnv}; nothing is revoked, and apply records its fingerprint`,
      });
      continue;
    }
    if (now !== p.fingerprint) {
      // R5: a changed secret revokes every authorized connection (the proof collects which).
      secrets[name] = p;
      changes.push({ path: secretPath(name), from: SENSITIVE, to: SENSITIVE_CHANGED });
    }
  }
  return { secrets, changes };
}

const NO_FORCED: readonly Forced[] = [];
const NO_CHANGES: readonly FieldChange[] = [];

function connectionDiff(
  linkName: string,
  current: ConnectionRecord | null,
  desired: DesiredConnection | null,
  change: Change,
  changes: readonly FieldChange[],
  forced = NO_FORCED,
): ConnectionDiff {
  return { kind: 'Connection', linkName, current, desired, change, forced, changes };
}

/** What a connection.create sets (a new connection, or a recreated one). */
export function connectionCreateChanges(desired: DesiredConnection): FieldChange[] {
  return [
    { path: 'name', from: null, to: desired.name },
    { path: 'connector', from: null, to: desired.connector },
    // R11: a new connection starts enabled (and unauthorized); a disable follows when wanted.
    { path: 'enabled', from: null, to: true },
    { path: 'scopes', from: null, to: [...desired.scopes] },
    { path: 'authorizationOwner', from: null, to: desired.authorizationOwner },
    { path: 'sameAuthorizationForAllEnvironments', from: null, to: desired.sameAuthorizationForAllEnvironments },
    ...(desired.access !== undefined ? [{ path: 'access', from: null, to: [...desired.access] }] : []),
  ];
}

function diffConnection(linkName: string, current: ConnectionRecord | null, desired: DesiredConnection | null): ConnectionDiff {
  if (!desired) return connectionDiff(linkName, current, null, 'delete', NO_CHANGES);
  if (!current) return connectionDiff(linkName, null, desired, 'create', connectionCreateChanges(desired));
  const forced = connectionForced(linkName, current, desired);
  if (forced.length)
    return connectionDiff(
      linkName,
      current,
      desired,
      'replace',
      forced.map((f) => f.change),
      forced.map((f) => f.forced),
    );
  const changes: FieldChange[] = [];
  if (current.name !== desired.name) changes.push({ path: 'name', from: current.name, to: desired.name });
  if (!sameSet(current.scopes, desired.scopes)) changes.push({ path: 'scopes', from: [...current.scopes], to: [...desired.scopes] });
  if (current.sameAuthorizationForAllEnvironments !== desired.sameAuthorizationForAllEnvironments) {
    changes.push({ path: 'sameAuthorizationForAllEnvironments', from: current.sameAuthorizationForAllEnvironments, to: desired.sameAuthorizationForAllEnvironments });
  }
  // Connection Access is managed only where a manifest lists it.
  if (desired.access !== undefined && !(current.access !== undefined && sameSet(current.access, desired.access))) {
    changes.push({ path: 'access', from: current.access ? [...current.access] : null, to: [...desired.access] });
  }
  if (!changes.length) return connectionDiff(linkName, current, desired, current.enabled !== desired.enabled ? 'update' : 'none', NO_CHANGES);
  return connectionDiff(linkName, current, desired, 'update', changes);
}

/**
 * What forces a connection's replacement: its connector changes (R12), or its authorization owner
 * (R19, a reading: Creator's help does not say that it can be edited).
 */
function connectionForced(linkName: string, current: ConnectionRecord, desired: DesiredConnection): Array<{ change: FieldChange; forced: Forced }> {
  const out: Array<{ change: FieldChange; forced: Forced }> = [];
  if (current.connector !== desired.connector) {
    out.push({
      change: { path: 'connector', from: current.connector, to: desired.connector },
      forced: {
        rule: 'R12',
        cause: ['connector'],
        message: `connection '${linkName}' moves from connector '${current.connector}' to '${desired.connector}'; a connection's connector cannot change in place (R12)`,
      },
    });
  }
  if (current.authorizationOwner !== desired.authorizationOwner) {
    out.push({
      change: { path: 'authorizationOwner', from: current.authorizationOwner, to: desired.authorizationOwner },
      forced: {
        rule: 'R19',
        cause: ['authorizationOwner'],
        message: `connection '${linkName}' changes its authorization owner from ${current.authorizationOwner} to ${desired.authorizationOwner}; Creator cannot change it in place, so the connection is deleted and created again (R19)`,
      },
    });
  }
  return out;
}
