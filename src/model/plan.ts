/** The plan document (contracts.md, "Plan JSON"): what `plan --json` prints and `--out` writes. */
import type { PlannedAction } from './actions.js';
import type { RuleId, Usage } from './types.js';

export interface RevokedAuthorization {
  connection: string;
  connector: string;
  account: string;
  /** The parameters (or `scopes`, `replace`) whose change revokes it. */
  cause: string[];
  rule: RuleId;
}

export interface Impact {
  connection: string;
  usages: Usage[];
  rule: RuleId;
}

export interface Blocked {
  kind: 'Connector' | 'Connection';
  linkName: string;
  rule: RuleId;
  message: string;
  /** What a person must do first. */
  hint?: string;
  /** R14: every application usage that keeps the connection from being deleted. */
  usages?: Usage[];
}

export interface PlanWarning {
  code: string;
  message: string;
  kind?: 'Connector' | 'Connection';
  linkName?: string;
}

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  replace: number;
  revokes: number;
  blocked: number;
}

export interface Plan {
  formatVersion: 1;
  target: string;
  base: { stateSerial: number; stateDigest: string };
  source: { ref: string | null; commit: string | null; manifestDigest: string };
  actions: PlannedAction[];
  revokedAuthorizations: RevokedAuthorization[];
  impact: Impact[];
  blocked: Blocked[];
  needsAuthorization: string[];
  summary: PlanSummary;
  warnings: PlanWarning[];
  /**
   * A ledger target's open rollout: the plan starts from the state the rollout will reach (the
   * ledger plus its remaining steps), so it shows only what is new.
   */
  rollout?: RolloutInProgress;
}

export interface RolloutInProgress {
  id: string;
  done: number;
  total: number;
}

/**
 * One line for every rendering: the rollout in progress and what the plan starts from. `id` is
 * the format's way of showing the (user-supplied, in a plan file) id; the rest is our own text.
 */
export function rolloutInProgressLine(r: RolloutInProgress, id: (s: string) => string): string {
  return `Rollout ${id(r.id)} is in progress (${r.done} of ${r.total} steps done): this plan starts from the state it will reach.`;
}
