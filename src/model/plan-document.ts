/**
 * A plan document read back (a plan file, a rollout's stored plan): checked through the model's
 * `PlanSchema`, and named by its `planId`. Pure: reading the file is planfile/file.ts.
 */
import { UserError } from '../errors.js';
import { jsonPath } from '../util/json-path.js';
import { canonicalJson, sha256 } from './canonical.js';
import { PlanOneSchema, PlanSchema, type Plan } from './plan.js';
import { safeParse } from '../util/safe-parse.js';

/**
 * The plan's identity: sha256 of its canonical JSON (keys sorted, no whitespace). Equal for a
 * plan and the same plan read back from its file. Apply names its journal run after it.
 */
export function planId(plan: Plan): string {
  return sha256(canonicalJson(plan));
}

/**
 * Checks that `value` is a plan this connectorops can carry out and returns it. `name` is how
 * to call it in messages (the file's path). Throws a UserError naming what is wrong, by JSON path;
 * values are never quoted.
 */
export function parsePlan(value: unknown, name: string): Plan {
  const version = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { formatVersion?: unknown }).formatVersion : undefined;
  if (version === undefined) {
    throw new UserError(`${name} is not a connectorops plan: it has no formatVersion`, {
      hint: 'write a plan file with connectorops plan --out FILE',
    });
  }
  // Version 1 (before authorizations per environment) is still read: its revocations are for all environments.
  if (version !== 1 && version !== 2) {
    throw new UserError(`${name} is a plan of formatVersion ${JSON.stringify(version)}; this connectorops reads formatVersion 1 and 2`, {
      hint: typeof version === 'number' && version > 2 ? 'use the connectorops that wrote it, or make a new plan' : 'make a new plan with connectorops plan --out FILE',
    });
  }
  // The one-pass schema accepts exactly what PlanSchema accepts; a plan it refuses is checked
  // again through PlanSchema, whose issues are the ones people have always been shown.
  const fast = safeParse(PlanOneSchema, value);
  const parsed = fast.success ? fast : safeParse(PlanSchema, value);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${jsonPath(i.path)}: ${i.message}`);
    const more = parsed.error.issues.length > 5 ? `; and ${parsed.error.issues.length - 5} more` : '';
    throw new UserError(`${name} is not a valid connectorops plan: ${problems.join('; ')}${more}`, {
      hint: 'a plan file is written by connectorops plan --out FILE; do not edit it by hand',
    });
  }
  const plan = parsed.data;
  // The order is part of the plan: every action comes after what it depends on.
  const seen = new Set<string>();
  for (const a of plan.actions) {
    if (seen.has(a.id)) throw new UserError(`${name} is not a valid connectorops plan: action id ${a.id} appears twice`);
    for (const d of a.dependsOn) {
      if (!seen.has(d)) throw new UserError(`${name} is not a valid connectorops plan: action ${a.id} depends on ${d}, which does not come before it`);
    }
    seen.add(a.id);
  }
  return plan;
}
