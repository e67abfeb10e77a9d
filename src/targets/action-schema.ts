/**
 * The shape of an action (model/actions.ts) checked at run time, before a target lets rules/ see
 * it: actions arrive from plan files that people can edit, and (later) over HTTP. A malformed
 * action must be refused with a clear message, never half-stored or crash the rules.
 */
import { TargetError } from '../errors.js';
import { ActionBodySchema, OPS, type ActionBody } from '../model/actions.js';
import { jsonPath } from '../util/json-path.js';

/**
 * The action, checked and stripped to the fields of its op; throws a TargetError (status 400)
 * naming each malformed field by path. Values are never quoted (they might hold a secret by mistake).
 */
export function parseAction(value: unknown): ActionBody {
  // Checked here already (the HTTP server checks an action before its idempotency key, then the
  // target checks it again): the same frozen object, so nothing changed it since (issue 25).
  if (checked.has(value as object)) return value as ActionBody;
  const immutable = immutableField(value);
  if (immutable) throw new TargetError(immutable.message, { rule: immutable.rule, status: 400, hint: immutable.hint });
  const parsed = ActionBodySchema.safeParse(value);
  if (parsed.success) {
    checked.add(deepFreeze(parsed.data));
    return parsed.data;
  }
  const op = (value as { op?: unknown } | null)?.op;
  const what = typeof op === 'string' && (OPS as readonly string[]).includes(op) ? `action ${op}` : 'action';
  const problems = parsed.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
  throw new TargetError(`malformed ${what}: ${problems.join('; ')}`, { status: 400 });
}

/**
 * The actions `parseAction` returned: checked and frozen (deeply), so still as checked. An object
 * only gets here as zod's output, a fresh copy that no caller held before.
 */
const checked = new WeakSet<object>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
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
