/**
 * Stage 4, proof: before a plan is output, it is carried out in simulation through the same
 * `transition` the local target enforces (docs/planning.md, "Proof"). A rule the plan breaks, or
 * a final state that is not the desired one, is a bug in the planner: InternalError, never a plan.
 *
 * The simulation also tells what the actions revoke (R5, R13): the rules are the single source
 * of truth for that, not a second reading of them here.
 */
import { InternalError } from '../errors.js';
import type { PlannedAction, PlannedSecret } from '../model/actions.js';
import type { RevokedAuthorization } from '../model/plan.js';
import type { DesiredState, SecretName, State } from '../model/types.js';
import { formatViolation, simulatedFingerprints, transition, World } from '../rules/index.js';
import { sameAuthentication } from './equality.js';
import { sameSet } from '../util/sets.js';
import { resourceKey } from './input.js';

export interface Proof {
  /** Per action, in plan order: the authorizations it revokes. */
  revoked: Array<readonly RevokedAuthorization[]>;
  /** The simulated state after the last action. */
  final: State;
}

/**
 * Simulates `actions` one by one on a copy of `state`. With `desired`, also checks that the
 * result is the desired state (restricted to `only` when given: the resources of a scoped plan).
 */
export function prove(
  state: State,
  actions: readonly PlannedAction[],
  check: { desired: DesiredState; secrets: PlannedSecrets; only?: ReadonlySet<string> } | null,
): Proof {
  // A copy of the maps, not of the records: `transition` never changes a record, it writes new
  // ones into its effects (the property tests check that makePlan leaves its input as it was).
  // Deep-copying 100k records would be most of the plan's time, for nothing.
  const world = new World({ connectors: copyMap(state.connectors), connections: copyMap(state.connections) });
  const revoked = simulate(world, actions);
  if (check) {
    const problems = differences(world.state, check.desired, check.secrets, check.only);
    if (problems.length) {
      throw new InternalError(
        `the plan does not reach the desired state: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`,
      );
    }
  }
  return { revoked, final: world.state };
}

/**
 * Carries out `actions` on `world`; per action, what it revoked. Its own function, apart from the
 * check that follows: V8 optimizes this loop while it runs (a plan calls it once), and code after
 * such a loop in the same function was thrown out again each plan ("insufficient type feedback").
 */
function simulate(world: World, actions: readonly PlannedAction[]): Array<readonly RevokedAuthorization[]> {
  const revoked: Array<readonly RevokedAuthorization[]> = [];
  for (const action of actions) {
    const t = transition(world, action, simulatedFingerprints(action));
    if (!t.ok) {
      throw new InternalError(`the plan breaks a rule at ${action.id} (${action.op} '${action.linkName}'): ${t.violations.map(formatViolation).join('; ')}`);
    }
    world.apply(t.effects);
    // Most actions revoke nothing: one shared empty list rather than one kept per action.
    revoked.push(t.effects.revoked.length ? t.effects.revoked : NOTHING_REVOKED);
  }
  return revoked;
}

/** A copy of a Map: `new Map(map)` iterates it as [key, value] pairs, one array per entry (100k in a large plan). */
function copyMap<K, V>(map: ReadonlyMap<K, V>): Map<K, V> {
  const out = new Map<K, V>();
  map.forEach((value, key) => out.set(key, value));
  return out;
}

const NOTHING_REVOKED: readonly RevokedAuthorization[] = Object.freeze([]);

type PlannedSecrets = Map<string, Partial<Record<SecretName, PlannedSecret>>>;

/**
 * How `state` differs from `desired`, in words. Connections' authorization and usages are not
 * desired state; connector fingerprints are compared where the plan knew them (`secrets`).
 */
export function differences(state: State, desired: DesiredState, secrets: PlannedSecrets, only?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const inScope = (kind: 'Connector' | 'Connection', linkName: string) => !only || only.has(resourceKey(kind, linkName));
  // How many of `desired` `state` holds (counted unscoped): when that is all `state` holds, none
  // of its resources is left over, and the look-up of each of them in `desired` (100k at 100k
  // resources) is not needed to say so.
  let connectorsFound = 0;
  let connectionsFound = 0;
  for (const [linkName, d] of desired.connectors) {
    if (!inScope('Connector', linkName)) continue;
    const s = state.connectors.get(linkName);
    if (!s) {
      out.push(`connector '${linkName}' is missing`);
      continue;
    }
    connectorsFound++;
    const fields: string[] = [];
    // Checked in one go first: at 100k resources, an array per resource is garbage worth avoiding.
    const same =
      s.name === d.name && s.description === d.description && s.stage === d.stage && s.enabled === d.enabled && sameAuthentication(s.authentication, d.authentication);
    if (!same) {
      if (s.name !== d.name) fields.push('name');
      if (s.description !== d.description) fields.push('description');
      if (s.stage !== d.stage) fields.push('stage');
      if (s.enabled !== d.enabled) fields.push('enabled');
      if (!sameAuthentication(s.authentication, d.authentication)) fields.push('authentication');
    }
    for (const [name, ref] of Object.entries(d.secrets) as Array<[SecretName, { fromEnv: string } | undefined]>) {
      const p = secrets.get(linkName)?.[name];
      if (ref && p && p.fromEnv === ref.fromEnv && p.fingerprint !== null && s.secretFingerprints[name] !== p.fingerprint) {
        fields.push(`authentication.${name}`);
      }
    }
    if (fields.length) out.push(`connector '${linkName}' differs in ${fields.join(', ')}`);
  }
  for (const [linkName, d] of desired.connections) {
    if (!inScope('Connection', linkName)) continue;
    const s = state.connections.get(linkName);
    if (!s) {
      out.push(`connection '${linkName}' is missing`);
      continue;
    }
    connectionsFound++;
    if (s.name === d.name && s.connector === d.connector && s.enabled === d.enabled && sameSet(s.scopes, d.scopes)) continue;
    const fields: string[] = [];
    if (s.name !== d.name) fields.push('name');
    if (s.connector !== d.connector) fields.push('connector');
    if (s.enabled !== d.enabled) fields.push('enabled');
    if (!sameSet(s.scopes, d.scopes)) fields.push('scopes');
    out.push(`connection '${linkName}' differs in ${fields.join(', ')}`);
  }
  if (!only && connectorsFound === state.connectors.size && connectionsFound === state.connections.size) return out;
  for (const linkName of state.connectors.keys()) {
    if (inScope('Connector', linkName) && !desired.connectors.has(linkName)) out.push(`connector '${linkName}' is left over`);
  }
  for (const linkName of state.connections.keys()) {
    if (inScope('Connection', linkName) && !desired.connections.has(linkName)) out.push(`connection '${linkName}' is left over`);
  }
  return out;
}
