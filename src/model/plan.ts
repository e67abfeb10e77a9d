/** The plan document (docs/planning.md, "Plan files"): what `plan --json` prints and `--out` writes. */
import * as z from 'zod';
import { PlannedActionOneSchema, PlannedActionSchema } from './actions.js';
import { AuthorizationEnvironmentSchema, PlanUsageSchema, RuleIdSchema } from './types.js';

const Kind = z.enum(['Connector', 'Connection']);

export const RevokedAuthorizationSchema = z.object({
  connection: z.string(),
  connector: z.string(),
  /** Where the authorization held: `all` environments, or one (a version 1 plan file has none: `all`). */
  environment: AuthorizationEnvironmentSchema.default('all'),
  account: z.string(),
  /** A logged-in user connection: the user whose authorization it was. */
  user: z.string().optional(),
  /**
   * What destroys it. A connection that goes away starts with `deleted` (the manifests drop it;
   * `linkName` follows when a new link name takes its place) or `replaced` (R10, R12; the
   * fields that force the replacement follow). Otherwise the parameters whose change revokes it
   * (R5: `clientId`, …) and/or `scopes` (R13).
   */
  cause: z.array(z.string()),
  rule: RuleIdSchema,
  /** A linkName change (R12): the connection created in its place, which the account must authorize. */
  replacedBy: z.string().optional(),
  /**
   * A logged-in user connection (`authorizationOwner: user`): every user of the connection must
   * authorize again, not one account; `users` lists the users the target knows.
   */
  everyUser: z.literal(true).optional(),
  users: z.array(z.string()).optional(),
});
export type RevokedAuthorization = z.output<typeof RevokedAuthorizationSchema>;

/**
 * One authorization a person must give after apply: a connection in one environment (`all` for
 * a shared one). A logged-in user connection has one entry, `everyUser`: each user authorizes it
 * on first use. `account` is who held it before, when the plan revoked it (Reuse that account).
 */
const NeededAuthorizationSchema = z.object({
  connection: z.string(),
  environment: AuthorizationEnvironmentSchema,
  account: z.string().optional(),
  everyUser: z.literal(true).optional(),
  users: z.array(z.string()).optional(),
});
export type NeededAuthorization = z.output<typeof NeededAuthorizationSchema>;

const ImpactSchema = z.object({ connection: z.string(), usages: z.array(PlanUsageSchema), rule: RuleIdSchema });
export type Impact = z.output<typeof ImpactSchema>;

const BlockedSchema = z.object({
  kind: Kind,
  linkName: z.string(),
  rule: RuleIdSchema,
  message: z.string(),
  /** What a person must do first. */
  hint: z.string().optional(),
  /** R14: every application usage that keeps the connection from being deleted. */
  usages: z.array(PlanUsageSchema).optional(),
});
export type Blocked = z.output<typeof BlockedSchema>;

const PlanWarningSchema = z.object({ code: z.string(), message: z.string(), kind: Kind.optional(), linkName: z.string().optional() });
export type PlanWarning = z.output<typeof PlanWarningSchema>;

const Count = z.number().int().nonnegative();
const PlanSummarySchema = z.strictObject({ create: Count, update: Count, delete: Count, replace: Count, revokes: Count, blocked: Count });
export type PlanSummary = z.output<typeof PlanSummarySchema>;

const RolloutInProgressSchema = z.object({ id: z.string(), done: Count, total: Count });
export type RolloutInProgress = z.output<typeof RolloutInProgressSchema>;

/**
 * One line for every rendering: the rollout in progress and what the plan starts from. `id` is
 * the format's way of showing the (user-supplied, in a plan file) id; the rest is our own text.
 */
export function rolloutInProgressLine(r: RolloutInProgress, id: (s: string) => string): string {
  return `Rollout ${id(r.id)} is in progress (${r.done} of ${r.total} steps done): this plan starts from the state it will reach.`;
}

// Strict where the plan owns the shape: a plan file holds exactly what `plan --out` writes, and
// anything else in it was put there by hand.
export const PlanSchema = z.strictObject({
  /** 2 since authorizations are per environment and user; a version 1 plan file is read (its revocations are for `all` environments). */
  formatVersion: z.union([z.literal(1), z.literal(2)]),
  target: z.string().min(1),
  base: z.strictObject({ stateSerial: z.number().int().nonnegative(), stateDigest: z.string() }),
  source: z.strictObject({ ref: z.string().nullable(), commit: z.string().nullable(), manifestDigest: z.string() }),
  actions: z.array(PlannedActionSchema),
  revokedAuthorizations: z.array(RevokedAuthorizationSchema),
  impact: z.array(ImpactSchema),
  blocked: z.array(BlockedSchema),
  needsAuthorization: z.array(z.string()),
  /** needsAuthorization per environment (and for a user connection, per user): absent from version 1 plan files. */
  authorizationsNeeded: z.array(NeededAuthorizationSchema).default([]),
  summary: PlanSummarySchema,
  // Absent in plan files written before warnings existed.
  warnings: z.array(PlanWarningSchema).default([]),
  /**
   * A ledger target's open rollout: the plan starts from the state the rollout will reach (the
   * ledger plus its remaining steps), so it shows only what is new.
   */
  rollout: RolloutInProgressSchema.optional(),
});
export type Plan = z.output<typeof PlanSchema>;

/** PlanSchema with each action checked in one pass (PlannedActionOneSchema): the same plans, the same value. */
export const PlanOneSchema = PlanSchema.extend({ actions: z.array(PlannedActionOneSchema) });
