/**
 * The shape of an action (model/actions.ts) checked at run time, before a target lets rules/ see
 * it: actions arrive from plan files that people can edit, and (later) over HTTP. A malformed
 * action must be refused with a clear message, never half-stored or crash the rules.
 */
import { TargetError } from '../errors.js';
import { ActionBodySchema, OPS, type ActionBody } from '../model/actions.js';
import { jsonPath } from '../util/json-path.js';
import { safeParse } from '../util/safe-parse.js';

/**
 * The action, checked and stripped to the fields of its op; throws a TargetError (status 400)
 * naming each malformed field by path. Values are never quoted (they might hold a secret by mistake).
 */
export function parseAction(value: unknown): ActionBody {
  // Checked here already (the HTTP server checks an action before its idempotency key, then the
  // target checks it again): the same frozen object, so nothing changed it since (issue 25).
  if (Checked.has(value)) return value as ActionBody;
  const immutable = immutableField(value);
  if (immutable) throw new TargetError(immutable.message, { rule: immutable.rule, status: 400, hint: immutable.hint });
  const parsed = safeParse(ActionBodySchema, value);
  if (parsed.success) return deepFreeze(Checked.mark(parsed.data));
  const op = (value as { op?: unknown } | null)?.op;
  const what = typeof op === 'string' && (OPS as readonly string[]).includes(op) ? `action ${op}` : 'action';
  const problems = parsed.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
  throw new TargetError(`malformed ${what}: ${problems.join('; ')}`, { status: 400 });
}

/**
 * Hands its constructor's argument back as the object being constructed, so that a subclass's
 * private field is added to that object (the "return override" of class constructors).
 */
class Stamped {
  constructor(target: object) {
    // The point: the subclass's field initializer then stamps `target` itself.
    return target;
  }
}

/**
 * The actions `parseAction` returned: checked and then frozen (deeply), so still as checked. An
 * object gets the mark only as zod's output, a fresh copy that no caller held
 * before, and before it is frozen. The mark is a private field of this module's class: nothing
 * outside can add it or see it (no key, no JSON, not copied by a spread or structuredClone).
 * It was a WeakSet, whose `add` cost ~0.5 µs of CPU an action (its table grows with every action
 * and the garbage collector treats each entry as an ephemeron), more than reading the action.
 */
class Checked extends Stamped {
  readonly #checked = true;

  static mark<T extends object>(action: T): T {
    new Checked(action);
    return action;
  }

  static has(value: unknown): boolean {
    return typeof value === 'object' && value !== null && #checked in value;
  }
}

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
