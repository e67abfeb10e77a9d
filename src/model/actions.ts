/**
 * Lifecycle actions: the unit that a plan orders, a target carries out and the rules check.
 * An action is a discriminated union keyed by `op` (docs/planning.md lists the ops).
 */
import * as z from 'zod';
import { AuthenticationSchema, AuthorizationOwnerSchema, RuleIdSchema, type SecretName } from './types.js';

const Text = z.string().min(1);

/**
 * A secret as a plan carries it: the reference, and the fingerprint seen at plan time (null: unset
 * then). Strict: a `value` beside them (a plan file edited by hand) is refused, never carried (S2).
 */
const PlannedSecretSchema = z.object({ fromEnv: z.string(), fingerprint: z.string().nullable().default(null) }).strict();
export type PlannedSecret = z.output<typeof PlannedSecretSchema>;

const SecretsSchema = z.object({ clientSecret: PlannedSecretSchema.optional(), consumerSecret: PlannedSecretSchema.optional() }).strict();

/*
 * Objects are parsed in zod's default "strip" mode: a PlannedAction carries extra fields (`id`,
 * `dependsOn`, `changes`, …) that a target does not need, and a target stores only what it parsed.
 */

const ConnectorSpecSchema = z.object({
  name: z.string(),
  description: z.string().default(''),
  authentication: AuthenticationSchema,
  secrets: SecretsSchema.default({}),
});
export type ConnectorSpec = z.output<typeof ConnectorSpecSchema>;

// The `set` of an update names only what changes: no defaults there (an absent field stays as it is).
// Strict: a field an update cannot change in place (linkName, a connection's connector) must be
// refused with its rule (R10, R12), never silently dropped.
const ConnectorSetSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    authentication: AuthenticationSchema.optional(),
    secrets: SecretsSchema.optional(),
  })
  .strict();

const ConnectionSpecSchema = z.object({
  name: z.string(),
  connector: z.string(),
  scopes: z.array(Text).default([]),
  // Absent (a version 1 plan file): Creator's defaults, an admin connection with one authorization for all environments.
  authorizationOwner: AuthorizationOwnerSchema.optional(),
  sameAuthorizationForAllEnvironments: z.boolean().optional(),
  access: z.array(Text).optional(),
});
export type ConnectionSpec = z.output<typeof ConnectionSpecSchema>;
const ConnectionSetSchema = z
  .object({
    name: z.string().optional(),
    scopes: z.array(Text).optional(),
    sameAuthorizationForAllEnvironments: z.boolean().optional(),
    access: z.array(Text).optional(),
  })
  .strict();

const base = <K extends 'Connector' | 'Connection'>(kind: K) => ({ kind: z.literal(kind), linkName: z.string() });

/**
 * Every action, keyed by `op`:
 * - `connector.create` (R1: created as `draft`, enabled);
 * - `connector.update` sets the given fields: `authentication`, when present, is the whole new
 *   authentication; `secrets` lists the secrets to send (or, when the target has no fingerprint, to record);
 * - `connection.create` (R11: created enabled and unauthorized).
 */
export const ActionBodySchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('connector.create'), ...base('Connector'), spec: ConnectorSpecSchema }),
  z.object({ op: z.literal('connector.update'), ...base('Connector'), set: ConnectorSetSchema }),
  z.object({ op: z.literal('connector.markReady'), ...base('Connector') }),
  z.object({ op: z.literal('connector.enable'), ...base('Connector') }),
  z.object({ op: z.literal('connector.disable'), ...base('Connector') }),
  z.object({ op: z.literal('connector.delete'), ...base('Connector') }),
  z.object({ op: z.literal('connection.create'), ...base('Connection'), spec: ConnectionSpecSchema }),
  z.object({ op: z.literal('connection.update'), ...base('Connection'), set: ConnectionSetSchema }),
  z.object({ op: z.literal('connection.enable'), ...base('Connection') }),
  z.object({ op: z.literal('connection.disable'), ...base('Connection') }),
  z.object({ op: z.literal('connection.delete'), ...base('Connection') }),
]);
export type ActionBody = z.output<typeof ActionBodySchema>;

export type Op = ActionBody['op'];

export const OPS: readonly Op[] = [
  'connector.create',
  'connector.update',
  'connector.markReady',
  'connector.enable',
  'connector.disable',
  'connector.delete',
  'connection.create',
  'connection.update',
  'connection.enable',
  'connection.disable',
  'connection.delete',
];

/** One field change, for people. Secrets show as `(sensitive…)` markers, never values (S2). */
const FieldChangeSchema = z.object({ path: z.string().min(1), from: z.unknown(), to: z.unknown() });
export type FieldChange = z.output<typeof FieldChangeSchema>;

export const SENSITIVE = '(sensitive)';
export const SENSITIVE_CHANGED = '(sensitive, changed)';
export const SENSITIVE_NOT_RECORDED = '(sensitive, not recorded)';

/** What a plan adds to an action's body: its place in the plan, and what it means for people. */
const PLANNED_FIELDS = {
  id: z.string().regex(/^a[1-9][0-9]*$/, { error: 'an action id is a1, a2, …' }),
  dependsOn: z.array(z.string()),
  rules: z.array(RuleIdSchema),
  replace: z.boolean(),
  changes: z.array(FieldChangeSchema),
  /** Why this action is there, in words (e.g. why a replacement is forced). */
  reason: z.string().optional(),
};

/** An action as a plan lists it (docs/planning.md, "Plan files"). */
export const PlannedActionSchema = z.intersection(ActionBodySchema, z.object(PLANNED_FIELDS));
export type PlannedAction = z.output<typeof PlannedActionSchema>;

/**
 * PlannedActionSchema as one object per op (the body's fields, then the plan's): it accepts
 * exactly what PlannedActionSchema accepts and gives the same value, in one pass over each action
 * instead of two and a merge of their results (a third of reading a 1,000-action plan file; issue
 * 25). Its issues differ for a bad action (a wrong `op` hides the other fields' issues), so a plan
 * that fails it is checked again through PlannedActionSchema, whose issues people see. A
 * property test holds the two equal (test/model/plan-schema.property.test.ts).
 */
export const PlannedActionOneSchema = z.discriminatedUnion(
  'op',
  ActionBodySchema.options.map((body) => body.extend(PLANNED_FIELDS)) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<PlannedAction>;

/** The secrets an action carries (a create's spec or an update's set), by secret name. */
export function actionSecrets(action: ActionBody): Array<[SecretName, PlannedSecret]> {
  const secrets = action.op === 'connector.create' ? action.spec.secrets : action.op === 'connector.update' ? action.set.secrets : undefined;
  if (!secrets) return [];
  return (Object.entries(secrets) as Array<[SecretName, PlannedSecret | undefined]>).filter((e): e is [SecretName, PlannedSecret] => e[1] !== undefined);
}
