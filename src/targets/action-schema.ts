/**
 * The shape of an action (model/actions.ts) checked at run time, before a target lets rules/ see
 * it: actions arrive from plan files that people can edit, and (later) over HTTP. A malformed
 * action must be refused with a clear message, never half-stored or crash the rules.
 *
 * Objects are parsed in zod's default "strip" mode: a PlannedAction carries extra fields (`id`,
 * `dependsOn`, `changes`, …) that the target does not need, and the target stores only what it parsed.
 */
import { z } from 'zod';
import { TargetError } from '../errors.js';
import type { ActionBody } from '../model/actions.js';
import { OPS } from '../model/actions.js';
import { ApiKeyParameterSchema, BasicSchema, OAuth1Schema, OAuth2Schema, jsonPath } from './snapshot.js';

const Text = z.string().min(1);

/** Authentication in the model's form: apiKey always as a `parameters` list. */
export const ModelAuthenticationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('apiKey'), parameters: z.array(ApiKeyParameterSchema) }).strict(),
  BasicSchema,
  OAuth1Schema,
  OAuth2Schema,
]);

// Strict: a secret reference is a name and a fingerprint, nothing more. A `value` beside them
// (a plan file edited by hand) must be refused, never carried along (S2).
const PlannedSecretSchema = z.object({ fromEnv: z.string(), fingerprint: z.string().nullable().default(null) }).strict();
const SecretsSchema = z.object({ clientSecret: PlannedSecretSchema.optional(), consumerSecret: PlannedSecretSchema.optional() }).strict();

const ConnectorSpecSchema = z.object({
  name: z.string(),
  description: z.string().default(''),
  authentication: ModelAuthenticationSchema,
  secrets: SecretsSchema.default({}),
});

// The `set` of an update names only what changes: no defaults there (an absent field stays as it is).
// Strict: a field an update cannot change in place (linkName, a connection's connector) must be
// refused with its rule (R10, R12), never silently dropped.
const ConnectorSetSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    authentication: ModelAuthenticationSchema.optional(),
    secrets: SecretsSchema.optional(),
  })
  .strict();

const ConnectionSpecSchema = z.object({ name: z.string(), connector: z.string(), scopes: z.array(Text).default([]) });
const ConnectionSetSchema = z.object({ name: z.string().optional(), scopes: z.array(Text).optional() }).strict();

const base = <K extends 'Connector' | 'Connection'>(kind: K) => ({ kind: z.literal(kind), linkName: z.string() });

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

/**
 * The action, checked and stripped to the fields of its op; throws a TargetError (status 400)
 * naming each malformed field by path. Values are never quoted (they might hold a secret by mistake).
 */
export function parseAction(value: unknown): ActionBody {
  const immutable = immutableField(value);
  if (immutable) throw new TargetError(immutable.message, { rule: immutable.rule, status: 400, hint: immutable.hint });
  const parsed = ActionBodySchema.safeParse(value);
  if (parsed.success) return parsed.data as ActionBody;
  const op = (value as { op?: unknown } | null)?.op;
  const what = typeof op === 'string' && (OPS as readonly string[]).includes(op) ? `action ${op}` : 'action';
  const problems = parsed.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
  throw new TargetError(`malformed ${what}: ${problems.join('; ')}`, { status: 400 });
}

/** R10, R12: what an update cannot change in place, named with the rule that forces a replacement. */
function immutableField(value: unknown): { rule: 'R10' | 'R12'; message: string; hint: string } | null {
  const action = value as { op?: unknown; linkName?: unknown; set?: Record<string, unknown> } | null;
  if (!action || typeof action !== 'object' || !action.set || typeof action.set !== 'object') return null;
  const name = typeof action.linkName === 'string' ? action.linkName : '?';
  if (action.op === 'connection.update') {
    for (const field of ['connector', 'linkName'] as const) {
      if (field in action.set) {
        return {
          rule: 'R12',
          message: `R12: the ${field} of connection '${name}' cannot change in place; changing it replaces the connection (delete and create)`,
          hint: 'plan with --allow-replace',
        };
      }
    }
  }
  if (action.op === 'connector.update' && 'linkName' in action.set) {
    return {
      rule: 'R10',
      message: `R10: the linkName of connector '${name}' cannot change in place; changing it replaces the connector and its connections`,
      hint: 'plan with --allow-replace',
    };
  }
  return null;
}
