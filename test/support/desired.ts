/**
 * Desired states for planner tests, in the style of test/support/builders.ts, and a `planFor`
 * that fills in the rest of a PlanInput. Fingerprints follow the state builder's convention:
 * connector `crm` has the secret fingerprint `fp-crm` unless a test says otherwise.
 */
import type { PlannedSecret } from '../../src/model/actions.js';
import type { Plan } from '../../src/model/plan.js';
import type { DesiredConnection, DesiredConnector, DesiredState, SecretName, State, Environment } from '../../src/model/types.js';
import { SECRET_PARAMETERS } from '../../src/model/types.js';
import type { CodeUsage } from '../../src/model/usages.js';
import { makePlan, type PlanInput } from '../../src/plan/core.js';
import { oauth2 } from './builders.js';
import { secretEnvName } from '../../src/manifest/write.js';

/** The variable `connectorops import` would name: `crm` clientSecret → CRM_CLIENT_SECRET. */
export const envName = secretEnvName;

export class DesiredBuilder {
  private readonly s: DesiredState = { connectors: new Map(), connections: new Map() };

  connector(linkName: string, overrides: Partial<DesiredConnector> = {}): this {
    const authentication = overrides.authentication ?? oauth2();
    const secrets: DesiredConnector['secrets'] = {};
    for (const name of SECRET_PARAMETERS[authentication.type]) secrets[name] = { fromEnv: envName(linkName, name) };
    this.s.connectors.set(linkName, {
      linkName,
      name: `Connector ${linkName}`,
      description: '',
      stage: 'ready',
      enabled: true,
      authentication,
      secrets,
      source: { file: `connectors/${linkName}.yaml`, line: 1, col: 1 },
      ...overrides,
    });
    return this;
  }

  connection(linkName: string, connector: string, overrides: Partial<DesiredConnection> = {}): this {
    this.s.connections.set(linkName, {
      linkName,
      name: `Connection ${linkName}`,
      connector,
      enabled: true,
      scopes: [],
      authorizationOwner: 'admin',
      sameAuthorizationForAllEnvironments: true,
      source: { file: `connections/${linkName}.yaml`, line: 1, col: 1 },
      ...overrides,
    });
    return this;
  }

  build(): DesiredState {
    return this.s;
  }
}

export function desired(): DesiredBuilder {
  return new DesiredBuilder();
}

/** The desired state that a state already is: a plan from one to the other is empty. */
export function desiredOf(state: State): DesiredState {
  const d = desired();
  for (const c of state.connectors.values()) {
    d.connector(c.linkName, { name: c.name, description: c.description, stage: c.stage, enabled: c.enabled, authentication: structuredClone(c.authentication) });
  }
  for (const c of state.connections.values()) {
    d.connection(c.linkName, c.connector, {
      name: c.name,
      enabled: c.enabled,
      scopes: [...c.scopes],
      authorizationOwner: c.authorizationOwner,
      sameAuthorizationForAllEnvironments: c.sameAuthorizationForAllEnvironments,
      ...(c.access ? { access: [...c.access] } : {}),
    });
  }
  return d.build();
}

export interface PlanForOptions {
  allowReplace?: boolean;
  /** Per connector: the fingerprint of its secret's value now; null = env var unset. Default `fp-<linkName>`. */
  fingerprints?: Record<string, string | null>;
  scope?: ReadonlySet<string>;
  /** P1: `protect:` patterns. */
  protect?: readonly string[];
  /** Usages found in code (plan/usages.ts). */
  usages?: readonly CodeUsage[];
  /** `environments:` of connectorops.yaml (default [production]). */
  environments?: readonly Environment[];
}

export function secretsFor(d: DesiredState, fingerprints: Record<string, string | null> = {}): PlanInput['secrets'] {
  const out: PlanInput['secrets'] = new Map();
  for (const c of d.connectors.values()) {
    const entry: Partial<Record<SecretName, PlannedSecret>> = {};
    for (const [name, ref] of Object.entries(c.secrets) as Array<[SecretName, { fromEnv: string }]>) {
      const fp = c.linkName in fingerprints ? fingerprints[c.linkName]! : `fp-${c.linkName}`;
      entry[name] = { fromEnv: ref.fromEnv, fingerprint: fp };
    }
    out.set(c.linkName, entry);
  }
  return out;
}

export function planFor(current: State, want: DesiredState, options: PlanForOptions = {}): Plan {
  return makePlan({
    desired: want,
    current: { state: current, serial: 1, digest: 'sha256:test' },
    secrets: secretsFor(want, options.fingerprints),
    allowReplace: options.allowReplace ?? false,
    target: 'local:test.db',
    source: { ref: null, commit: null, manifestDigest: 'sha256:manifests' },
    ...(options.scope ? { scope: options.scope } : {}),
    ...(options.protect ? { protect: options.protect } : {}),
    ...(options.usages ? { usages: options.usages } : {}),
    ...(options.environments ? { environments: options.environments } : {}),
  });
}

/** `op linkName` of every action, in plan order: the shape most tests assert. */
export function ops(plan: Plan): string[] {
  return plan.actions.map((a) => `${a.op} ${a.linkName}`);
}

export function action(plan: Plan, op: string, linkName: string) {
  const a = plan.actions.find((x) => x.op === op && x.linkName === linkName);
  if (!a) throw new Error(`no ${op} ${linkName} in plan: ${ops(plan).join(', ')}`);
  return a;
}

/** Whether `before` comes before `after` through dependsOn, directly or not. */
export function dependsOnTransitively(plan: Plan, after: string, before: string): boolean {
  const byId = new Map(plan.actions.map((a) => [a.id, a]));
  const seen = new Set<string>();
  const work = [...(byId.get(after)?.dependsOn ?? [])];
  while (work.length) {
    const id = work.pop()!;
    if (id === before) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    work.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return false;
}
