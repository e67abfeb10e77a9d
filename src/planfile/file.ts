/**
 * Plan files (`plan --out FILE`, `apply PLANFILE`): the plan document of docs/planning.md, written by the
 * JSON renderer (one writer, so `--json` on stdout and the file are the same bytes), read back
 * through a zod schema, and named by a `planId`.
 *
 * A plan file holds no secret value (S2): secrets are `{fromEnv, fingerprint}` references.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { makeDirectories, writeProblem } from '../fs/directories.js';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { canonicalJson, sha256 } from '../model/canonical.js';
import { PlanSchema, type Plan } from '../model/plan.js';
import { renderJson } from '../render/json.js';
import { jsonPath } from '../util/json-path.js';

/** The plan as its file holds it: the documented key order, 2-space indentation, trailing newline. */
export function serializePlan(plan: Plan): string {
  return renderJson(plan);
}

/**
 * Writes the plan file, creating its folder when missing (`plan --out plans/pr-12.json`). A path
 * that cannot be written (a file where a folder should be, no permission) is a UserError.
 */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  try {
    makeDirectories(dirname(path));
    await writeFile(path, serializePlan(plan), { encoding: 'utf8', mode: 0o644 });
  } catch (error) {
    throw new UserError(`cannot write the plan file ${path}: ${writeProblem(error)}`, { hint: 'give --out a file path in a folder you can write to' });
  }
}

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
  const parsed = PlanSchema.safeParse(value);
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

/** Reads and checks a plan file (UserError when it is missing, not JSON, or not a plan). */
export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read plan file ${path}${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not a connectorops plan: it is not JSON`, { hint: 'write a plan file with connectorops plan --out FILE' });
  }
  return parsePlan(value, path);
}
