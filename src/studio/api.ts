/**
 * What the studio's page reads from its server (`GET /api/view`) and what a refused request
 * answers: plain JSON shapes, shared by the server (view.ts) and the page (web/). Every string in
 * them is data: the page puts it in text nodes and attributes, never in markup.
 */
import type { GraphLayout } from '../render/graph.js';

/** A rule id and where docs/rules.md explains it (`/docs/rules.md#r14` on the studio). */
export interface RuleRef {
  id: string;
  href: string;
}

/** What the current plan does to a connector or a connection. */
export interface Mark {
  what: 'created' | 'changed' | 'deleted' | 'replaced' | 'blocked';
  /** The action ids (a1, …); none for `blocked`. */
  actions: string[];
  /** Field by field, secrets as markers only. */
  changes: Array<{ symbol: string; path: string; from: string; to: string }>;
  rules: RuleRef[];
  /** For `blocked`: why, and what to do. */
  message?: string;
  hint?: string;
}

export interface Revocation {
  connection: string;
  account: string;
  cause: string;
  rule: RuleRef;
}

/** One authorization of a connection (views.ts `authorizationsOf` is the one place that reads them). */
export interface AuthorizationView {
  status: 'authorized' | 'unauthorized';
  account: string | null;
  /** Per environment or user, where the model has them. */
  environment?: string;
  user?: string;
}

export interface UsageView {
  app: string;
  component: string;
  kind: string;
  /** `file:line:col` in the code kept in Git; absent for a usage the target records. */
  where?: string;
}

export interface ConnectionView {
  linkName: string;
  name: string;
  enabled: boolean;
  scopes: string[];
  /** False for one the plan creates (not on the target yet). */
  exists: boolean;
  authorizations: AuthorizationView[];
  usages: UsageView[];
  /** The open rollout's steps on it that are not done yet (`a4 create connection "erp_ops"`). */
  pending: string[];
  marks: Mark[];
  revoked: Revocation[];
}

export interface ConnectorView {
  linkName: string;
  name: string;
  description: string;
  stage: 'draft' | 'ready';
  enabled: boolean;
  /** Creator's label: OAuth2, API Key, … */
  authType: string;
  exists: boolean;
  /** Non-secret parameters, as Creator's form names them. */
  parameters: Array<{ key: string; label: string; value: string }>;
  /** Secrets: never a value, only whether the target holds a fingerprint. */
  secrets: Array<{ name: string; label: string; state: 'fingerprint recorded' | 'not recorded' }>;
  connections: ConnectionView[];
  /** The open rollout's steps on it that are not done yet. */
  pending: string[];
  marks: Mark[];
  revoked: Revocation[];
}

/** A piece of an instruction line: text to read, or a value to type in Creator (with a copy button). */
export type Segment = { text: string } | { value: string };

export interface StepView {
  id: string;
  title: string;
  state: 'done' | 'ready' | 'waiting';
  by?: string;
  at?: string;
  note?: string;
  /** For a waiting step: the steps it waits on. */
  on: string[];
  instructions: Segment[][];
}

export interface RolloutView {
  id: string;
  open: boolean;
  done: number;
  total: number;
  openedBy?: string;
  openedAt?: string;
  steps: StepView[];
  graph: GraphLayout;
}

export interface LogEntry {
  at: string;
  by: string;
  text: string;
}

interface PlanView {
  summary: string;
  actions: Array<{ id: string; title: string; dependsOn: string[] }>;
  blocked: Array<{ kind: string; linkName: string; rule: RuleRef; message: string; hint?: string }>;
  revoked: Revocation[];
  warnings: string[];
  graph: GraphLayout;
}

export interface View {
  /** Who *Mark done* records (`--by`, else git's user.name). */
  by: string;
  target: string;
  mode: string;
  account: string | null;
  serial: number;
  connectors: ConnectorView[];
  plan: PlanView | null;
  /** Why there is no plan (invalid manifests, …). */
  planError: string | null;
  rollout: RolloutView | null;
  /** Every rollout event, newest first. */
  log: LogEntry[];
}

/** A refused request's body. */
export interface Refusal {
  error: string;
  hint?: string;
  rule?: RuleRef;
}
