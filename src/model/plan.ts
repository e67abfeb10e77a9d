/** The plan document (contracts.md, "Plan JSON"): what `plan --json` prints and `--out` writes. */
import type { PlannedAction } from './actions.js';
import type { RuleId, Usage } from './types.js';

export interface RevokedAuthorization {
  connection: string;
  connector: string;
  account: string;
  /**
   * What destroys it. A connection that goes away starts with `deleted` (the manifests drop it;
   * `linkName` follows when a new link name takes its place) or `replaced` (R10, R12; the
   * fields that force the replacement follow). Otherwise the parameters whose change revokes it
   * (R5: `clientId`, …) and/or `scopes` (R13).
   */
  cause: string[];
  rule: RuleId;
  /** A linkName change (R12): the connection created in its place, which the account must authorize. */
  replacedBy?: string;
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
}
