/**
 * Lifecycle actions: the unit that a plan orders, a target carries out and the rules check.
 * An action is a discriminated union keyed by `op` (docs/planning.md lists the ops).
 */
import type { Authentication, RuleId, SecretName, SecretRef } from './types.js';

/** A secret as a plan carries it: the reference, and the fingerprint seen at plan time (null: unset then). */
export interface PlannedSecret extends SecretRef {
  fingerprint: string | null;
}

export interface ConnectorSpec {
  name: string;
  description: string;
  authentication: Authentication;
  secrets: Partial<Record<SecretName, PlannedSecret>>;
}

export interface ConnectionSpec {
  name: string;
  connector: string;
  scopes: string[];
}

export type ActionBody =
  /** R1: created as `draft`, enabled. */
  | { op: 'connector.create'; kind: 'Connector'; linkName: string; spec: ConnectorSpec }
  /**
   * Sets the given fields. `authentication`, when present, is the whole new authentication.
   * `secrets` lists the secrets to send (or, when the target has no fingerprint, to record).
   */
  | { op: 'connector.update'; kind: 'Connector'; linkName: string; set: Partial<ConnectorSpec> }
  | { op: 'connector.markReady'; kind: 'Connector'; linkName: string }
  | { op: 'connector.enable'; kind: 'Connector'; linkName: string }
  | { op: 'connector.disable'; kind: 'Connector'; linkName: string }
  | { op: 'connector.delete'; kind: 'Connector'; linkName: string }
  /** R11: created enabled and unauthorized. */
  | { op: 'connection.create'; kind: 'Connection'; linkName: string; spec: ConnectionSpec }
  | { op: 'connection.update'; kind: 'Connection'; linkName: string; set: Partial<Pick<ConnectionSpec, 'name' | 'scopes'>> }
  | { op: 'connection.enable'; kind: 'Connection'; linkName: string }
  | { op: 'connection.disable'; kind: 'Connection'; linkName: string }
  | { op: 'connection.delete'; kind: 'Connection'; linkName: string };

export type Op = ActionBody['op'];

export const OPS: readonly Op[] = [
  'connector.create', 'connector.update', 'connector.markReady', 'connector.enable',
  'connector.disable', 'connector.delete', 'connection.create', 'connection.update',
  'connection.enable', 'connection.disable', 'connection.delete',
];

/** One field change, for people. Secrets show as `(sensitive…)` markers, never values (S2). */
export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

export const SENSITIVE = '(sensitive)';
export const SENSITIVE_CHANGED = '(sensitive, changed)';
export const SENSITIVE_NOT_RECORDED = '(sensitive, not recorded)';

/** An action as a plan lists it (docs/planning.md, "Plan files"). */
export type PlannedAction = ActionBody & {
  id: string;
  dependsOn: string[];
  rules: RuleId[];
  replace: boolean;
  changes: FieldChange[];
  /** Why this action is there, in words (e.g. why a replacement is forced). */
  reason?: string;
};
