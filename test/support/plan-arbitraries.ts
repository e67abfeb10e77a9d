/**
 * fast-check generators of valid current states and valid desired states over small pools of
 * link names, names, scopes and secret values, so that the two sides overlap often: renames,
 * type changes, scope edits, moves, stage and enabled flips, secret rotations and adoptions,
 * usages and authorizations all come up within a few hundred runs.
 */
import fc from 'fast-check';
import type { Authentication, ConnectionRecord, ConnectorRecord, DesiredConnection, DesiredConnector, DesiredState, SecretName, State } from '../../src/model/types.js';
import { SECRET_PARAMETERS } from '../../src/model/types.js';
import { missingMandatory } from '../../src/rules/index.js';
import { envName } from './desired.js';
import type { PlannedSecret } from '../../src/model/actions.js';
import type { PlanInput } from '../../src/plan/core.js';

const CONNECTORS = ['c1', 'c2', 'c3', 'c4'];
const CONNECTIONS = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];
const SCOPES = ['s1', 's2', 's3'];
/** Secret values: the env var holds one of them (or is unset); the target may have recorded another. */
type SecretValue = 'v1' | 'v2';

const url = (p: string) => `https://auth.example.com/${p}`;

/** Authentication of any type; `complete` ones have every mandatory parameter (R2a). */
function authArb(complete: boolean): fc.Arbitrary<Authentication> {
  const maybe = <T>(a: fc.Arbitrary<T>) => (complete ? a : fc.option(a, { nil: undefined }));
  return fc.oneof(
    fc
      .record({
        type: fc.constant('oauth2' as const),
        grantType: maybe(fc.constantFrom('authorization_code' as const, 'client_credentials' as const)),
        clientId: maybe(fc.constantFrom('id1', 'id2')),
        authorizeUrl: maybe(fc.constantFrom(url('a'), url('a2'))),
        accessTokenUrl: maybe(fc.constant(url('t'))),
        refreshTokenUrl: fc.option(fc.constant(url('r')), { nil: undefined }),
        scopes: fc.subarray(SCOPES),
        scopeSeparator: fc.constantFrom(',' as const, ' ' as const),
        addTo: fc.option(fc.constant('header' as const), { nil: undefined }),
      })
      .map(dropUndefined),
    fc.record({
      type: fc.constant('apiKey' as const),
      parameters: fc.uniqueArray(fc.record({ parameterKey: fc.constantFrom('key', 'X-Key', 'client') }), {
        minLength: 1,
        maxLength: 2,
        selector: (p) => p.parameterKey,
      }),
    }),
    fc.constant({ type: 'basic' as const }),
    fc
      .record({
        type: fc.constant('oauth1' as const),
        consumerKey: maybe(fc.constantFrom('k1', 'k2')),
        requestTokenUrl: maybe(fc.constant(url('rq'))),
        authorizeUrl: maybe(fc.constant(url('a'))),
        accessTokenUrl: maybe(fc.constant(url('t'))),
      })
      .map(dropUndefined),
  );
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

interface RawConnector {
  linkName: string;
  name: string;
  description: string;
  ready: boolean;
  enabled: boolean;
  auth: Authentication;
}

const rawConnectorArb: fc.Arbitrary<RawConnector> = fc
  .record({
    linkName: fc.constantFrom(...CONNECTORS),
    name: fc.constantFrom('Alpha', 'Beta'),
    description: fc.constantFrom('', 'Some text'),
    ready: fc.boolean(),
    enabled: fc.boolean(),
  })
  .chain((c) => authArb(c.ready).map((auth) => ({ ...c, auth })));

interface RawConnection {
  linkName: string;
  connector: number;
  name: string;
  enabled: boolean;
  scopes: string[];
}

const rawConnectionArb: fc.Arbitrary<RawConnection> = fc.record({
  linkName: fc.constantFrom(...CONNECTIONS),
  connector: fc.nat(3),
  name: fc.constantFrom('One', 'Two'),
  enabled: fc.boolean(),
  scopes: fc.subarray(SCOPES),
});

/** Turns raw connections into valid ones for `connectors`: only of ready ones (R6), enabled only under enabled ones (R16), scopes within the connector's. */
function fitConnections<T>(
  raws: RawConnection[],
  connectors: { linkName: string; stage: string; enabled: boolean; authentication: Authentication }[],
  make: (raw: RawConnection, connector: string, enabled: boolean, scopes: string[]) => T,
): T[] {
  const out: T[] = [];
  const ready = connectors.filter((c) => c.stage === 'ready');
  if (!ready.length) return out;
  for (const raw of raws) {
    const c = ready[raw.connector % ready.length]!;
    const offered = c.authentication.type === 'oauth2' ? new Set(c.authentication.scopes) : new Set<string>();
    out.push(
      make(
        raw,
        c.linkName,
        raw.enabled && c.enabled,
        raw.scopes.filter((s) => offered.has(s)),
      ),
    );
  }
  return out;
}

export interface CurrentCase {
  state: State;
  /** Per connector: which secret value its recorded fingerprint is of; `foreign`: made under another key; absent: not recorded. */
  recorded: Record<string, SecretValue | 'foreign' | undefined>;
}

/** A valid current state. Fingerprints are filled in by the test, with the target's own key. */
const currentArb: fc.Arbitrary<CurrentCase> = fc
  .record({
    connectors: fc.uniqueArray(rawConnectorArb, { maxLength: 4, selector: (c) => c.linkName }),
    connections: fc.uniqueArray(rawConnectionArb, { maxLength: 6, selector: (c) => c.linkName }),
    recorded: fc.dictionary(fc.constantFrom(...CONNECTORS), fc.constantFrom('v1' as const, 'v2' as const, 'foreign' as const, undefined), { maxKeys: 4 }),
    authorized: fc.array(fc.option(fc.constantFrom('alice', 'bob'), { nil: null }), { minLength: 6, maxLength: 6 }),
    used: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  })
  .map(({ connectors, connections, recorded, authorized, used }) => {
    const state: State = { connectors: new Map(), connections: new Map() };
    const cs: ConnectorRecord[] = connectors.map((c) => ({
      linkName: c.linkName,
      name: c.name,
      description: c.description,
      // A ready connector lacking a secret would break R2a; one type has none at all.
      stage: c.ready ? 'ready' : 'draft',
      enabled: c.enabled,
      authentication: c.auth,
      secretFingerprints: {},
    }));
    for (const c of cs) {
      // A ready connector needs its secret recorded unless it was imported (then anything goes for the target, but keep it simple).
      if (c.stage === 'ready' && SECRET_PARAMETERS[c.authentication.type].length && recorded[c.linkName] === undefined) recorded[c.linkName] = 'v1';
      state.connectors.set(c.linkName, c);
    }
    fitConnections<ConnectionRecord>(connections, cs, (raw, connector, enabled, scopes) => ({
      linkName: raw.linkName,
      name: raw.name,
      connector,
      enabled,
      scopes,
      authorizationOwner: 'admin',
      sameAuthorizationForAllEnvironments: true,
      authorizations: authorized[CONNECTIONS.indexOf(raw.linkName)] ? [{ environment: 'all', account: authorized[CONNECTIONS.indexOf(raw.linkName)]! }] : [],
      usages: used[CONNECTIONS.indexOf(raw.linkName)] && raw.linkName === 'x1' ? [{ app: 'sales', component: 'workflow:w1', kind: 'deluge-invokeurl' }] : [],
    })).forEach((c) => state.connections.set(c.linkName, c));
    const recordedFor: CurrentCase['recorded'] = {};
    for (const c of cs) if (SECRET_PARAMETERS[c.authentication.type].length) recordedFor[c.linkName] = recorded[c.linkName];
    return { state, recorded: recordedFor };
  });

export interface DesiredCase {
  desired: DesiredState;
  /** Per connector with a secret: the env var's value now, or undefined (unset). */
  env: Record<string, SecretValue | undefined>;
}

/** The env var a generated manifest names for a secret (the fixtures' convention). */
export const envVar = envName;

/** A valid desired state (what the manifest loader would accept). */
const desiredArb: fc.Arbitrary<DesiredCase> = fc
  .record({
    connectors: fc.uniqueArray(rawConnectorArb, { maxLength: 4, selector: (c) => c.linkName }),
    connections: fc.uniqueArray(rawConnectionArb, { maxLength: 6, selector: (c) => c.linkName }),
    env: fc.dictionary(fc.constantFrom(...CONNECTORS), fc.constantFrom('v1' as const, 'v2' as const, undefined), { maxKeys: 4 }),
    namesSecret: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  })
  .map(({ connectors, connections, env, namesSecret }) => {
    const desired: DesiredState = { connectors: new Map(), connections: new Map() };
    const cs: DesiredConnector[] = connectors.map((c, i) => {
      const secrets: DesiredConnector['secrets'] = {};
      // A ready connector names its secret (R2a); a draft may not yet.
      for (const name of SECRET_PARAMETERS[c.auth.type]) if (c.ready || namesSecret[i]) secrets[name] = { fromEnv: envVar(c.linkName, name) };
      return {
        linkName: c.linkName,
        name: c.name,
        description: c.description,
        stage: c.ready ? 'ready' : 'draft',
        enabled: c.enabled,
        authentication: c.auth,
        secrets,
        source: { file: `connectors/${c.linkName}.yaml`, line: 1, col: 1 },
      };
    });
    for (const c of cs) {
      if (c.stage === 'ready' && missingMandatory(c.authentication, new Set(Object.keys(c.secrets) as SecretName[])).length) throw new Error('generator bug');
      desired.connectors.set(c.linkName, c);
    }
    fitConnections<DesiredConnection>(connections, cs, (raw, connector, enabled, scopes) => ({
      linkName: raw.linkName,
      name: raw.name,
      connector,
      enabled,
      scopes,
      authorizationOwner: 'admin',
      sameAuthorizationForAllEnvironments: true,
      source: { file: `connections/${raw.linkName}.yaml`, line: 1, col: 1 },
    })).forEach((c) => desired.connections.set(c.linkName, c));
    return { desired, env };
  });

const CONNECTOR_EDITS = ['keep', 'keep', 'rename', 'disable', 'enable', 'clientId', 'addScope', 'removeScope', 'toType', 'toReady', 'toDraft', 'delete'] as const;
const CONNECTION_EDITS = ['keep', 'keep', 'rename', 'toggle', 'scopes', 'move', 'delete'] as const;

/**
 * A desired state made from the current one by a few edits per resource, then made valid again
 * (R2a, R6, R16, scopes within the connector's): in-place updates, enables, disables, secret
 * rotations, scope changes of authorized connections and the like come up far more often than
 * between two independent states.
 */
function mutatedDesiredArb(cur: CurrentCase): fc.Arbitrary<DesiredCase> {
  const connectors = [...cur.state.connectors.values()];
  const connections = [...cur.state.connections.values()];
  return fc
    .record({
      connectorEdits: fc.array(fc.constantFrom(...CONNECTOR_EDITS), { minLength: connectors.length, maxLength: connectors.length }),
      connectionEdits: fc.array(fc.record({ edit: fc.constantFrom(...CONNECTION_EDITS), pick: fc.nat(3), scopes: fc.subarray(SCOPES) }), {
        minLength: connections.length,
        maxLength: connections.length,
      }),
      newType: authArb(true),
      env: fc.dictionary(fc.constantFrom(...CONNECTORS), fc.constantFrom('v1' as const, 'v2' as const, undefined), { maxKeys: 4 }),
    })
    .map(({ connectorEdits, connectionEdits, newType, env }) => {
      const desired: DesiredState = { connectors: new Map(), connections: new Map() };
      connectors.forEach((c, i) => {
        const edit = connectorEdits[i]!;
        if (edit === 'delete') return;
        let authentication = structuredClone(c.authentication);
        let stage = c.stage;
        if (edit === 'clientId' && authentication.type === 'oauth2') authentication.clientId = authentication.clientId === 'id1' ? 'id2' : 'id1';
        if (edit === 'addScope' && authentication.type === 'oauth2') authentication.scopes = [...new Set([...authentication.scopes, 's3'])];
        if (edit === 'removeScope' && authentication.type === 'oauth2') authentication.scopes = authentication.scopes.slice(1);
        if (edit === 'toType') authentication = structuredClone(newType);
        if (edit === 'toReady') stage = 'ready';
        if (edit === 'toDraft') stage = 'draft';
        const secrets: DesiredConnector['secrets'] = {};
        for (const name of SECRET_PARAMETERS[authentication.type]) secrets[name] = { fromEnv: envVar(c.linkName, name) };
        // R2a: a ready connector has every mandatory parameter; otherwise it stays a draft.
        if (stage === 'ready' && missingMandatory(authentication, new Set(Object.keys(secrets) as SecretName[])).length) stage = 'draft';
        desired.connectors.set(c.linkName, {
          linkName: c.linkName,
          name: edit === 'rename' ? `${c.name} renamed` : c.name,
          description: c.description,
          stage,
          enabled: edit === 'disable' ? false : edit === 'enable' ? true : c.enabled,
          authentication,
          secrets,
          source: { file: `connectors/${c.linkName}.yaml`, line: 1, col: 1 },
        });
      });
      const ready = [...desired.connectors.values()].filter((c) => c.stage === 'ready');
      connections.forEach((x, i) => {
        const { edit, pick, scopes } = connectionEdits[i]!;
        if (edit === 'delete') return;
        const connector = edit === 'move' && ready.length ? ready[pick % ready.length]!.linkName : x.connector;
        const parent = desired.connectors.get(connector);
        // R6: only connections of a ready connector.
        if (!parent || parent.stage !== 'ready') return;
        const offered = new Set(parent.authentication.type === 'oauth2' ? parent.authentication.scopes : []);
        desired.connections.set(x.linkName, {
          linkName: x.linkName,
          name: edit === 'rename' ? `${x.name} renamed` : x.name,
          connector,
          // R16: enabled only under an enabled connector.
          enabled: (edit === 'toggle' ? !x.enabled : x.enabled) && parent.enabled,
          scopes: (edit === 'scopes' ? scopes : x.scopes).filter((s) => offered.has(s)),
          authorizationOwner: x.authorizationOwner,
          sameAuthorizationForAllEnvironments: x.sameAuthorizationForAllEnvironments,
          source: { file: `connections/${x.linkName}.yaml`, line: 1, col: 1 },
        });
      });
      // Mostly the value the target recorded, so that a rotation is an occasional edit.
      const envFor: DesiredCase['env'] = {};
      for (const c of desired.connectors.values()) {
        const recorded = cur.recorded[c.linkName];
        envFor[c.linkName] = c.linkName in env ? env[c.linkName] : recorded === 'v1' || recorded === 'v2' ? recorded : 'v1';
      }
      return { desired, env: envFor };
    });
}

/** A current state and a desired state: independent, or one made from the other by edits. */
export const casesArb: fc.Arbitrary<[CurrentCase, DesiredCase]> = currentArb.chain((cur) =>
  fc.tuple(fc.constant(cur), fc.oneof(desiredArb, mutatedDesiredArb(cur), mutatedDesiredArb(cur))),
);

// ---------------------------------------------------------------------------------------------
// Plan inputs from the cases above (shared by the planner's and the rollouts' properties)

const FOREIGN = 'hmac-sha256:ffff0000:someoneelseskey';

/** The secrets a plan input carries for `desired`, each fingerprinted by `fingerprint` from `env`. */
export function plannedSecretsOf(desired: DesiredState, env: DesiredCase['env'], fingerprint: (value: string) => string): PlanInput['secrets'] {
  const out: PlanInput['secrets'] = new Map();
  for (const c of desired.connectors.values()) {
    const entry: Partial<Record<SecretName, PlannedSecret>> = {};
    for (const [name, ref] of Object.entries(c.secrets) as Array<[SecretName, { fromEnv: string }]>) {
      const value = env[c.linkName];
      entry[name] = { fromEnv: ref.fromEnv, fingerprint: value === undefined ? null : fingerprint(value) };
    }
    out.set(c.linkName, entry);
  }
  return out;
}

/** The case's state with its recorded fingerprints filled in. */
export function withFingerprints(cur: CurrentCase, fingerprint: (value: string) => string): State {
  const state = structuredClone(cur.state);
  for (const c of state.connectors.values()) {
    const r = cur.recorded[c.linkName];
    if (r === undefined) continue;
    const name = c.authentication.type === 'oauth1' ? 'consumerSecret' : 'clientSecret';
    c.secretFingerprints = { [name]: r === 'foreign' ? FOREIGN : fingerprint(r) };
  }
  return state;
}

/** A plan input over `current` (serial 3) for `desired`. */
export function input(current: State, desired: DesiredState, secrets: PlanInput['secrets'], allowReplace: boolean): PlanInput {
  return {
    desired,
    current: { state: current, serial: 3, digest: 'sha256:x' },
    secrets,
    allowReplace,
    target: 'local:test.db',
    source: { ref: null, commit: null, manifestDigest: 'sha256:m' },
  };
}

/** A fingerprint that needs no target: enough for the pure core. */
export const pureFingerprint = (v: string) => `fp-${v}`;
