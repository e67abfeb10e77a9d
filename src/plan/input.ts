/** What the pure planner takes: everything it needs, already read from the outside world. */
import type { PlannedSecret } from '../model/actions.js';
import type { Plan } from '../model/plan.js';
import type { DesiredState, Environment, SecretName, State } from '../model/types.js';
import type { CodeUsage } from '../model/usages.js';

export interface PlanInput {
  desired: DesiredState;
  current: { state: State; serial: number; digest: string };
  /**
   * Per connector, per secret: the env var and the fingerprint of its value now (null = env var
   * unset). A secret a manifest names but this map lacks counts as unset.
   */
  secrets: Map<string, Partial<Record<SecretName, PlannedSecret>>>;
  /** R10, R12: replacements are planned only when allowed; otherwise they are blocked. */
  allowReplace: boolean;
  /** The resolved target spec, as the plan records it. */
  target: string;
  source: Plan['source'];
  /**
   * `plan --base`: the resources (`resourceKey`) that the change under review touches. When set,
   * the plan holds only their actions and the actions those need; every other difference from the
   * target is left out and counted in one warning (docs/planning.md, "--base").
   */
  scope?: ReadonlySet<string>;
  /**
   * P1: link-name glob patterns (`protect:` in the desired source's connectorops.yaml). Deleting
   * or replacing a matching connector or connection is blocked, `allowReplace` or not.
   */
  protect?: readonly string[];
  /**
   * Usages found in Deluge code kept in Git (`usages.from`): merged with the target's usages,
   * they block deletions (R14) and count as impact (R15) just the same (plan/usages.ts).
   */
  usages?: readonly CodeUsage[];
  /** `environments:` of connectorops.yaml: where a connection with separate authorizations needs one (default `[production]`). */
  environments?: readonly Environment[];
}

/** `Connector/crm`, `Connection/crm_sales`: how the planner names a resource across stages. */
export function resourceKey(kind: 'Connector' | 'Connection', linkName: string): string {
  return `${kind}/${linkName}`;
}
