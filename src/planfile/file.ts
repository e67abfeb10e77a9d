/**
 * Plan files (`plan --out FILE`, `apply PLANFILE`): the plan document of docs/planning.md, written by the
 * JSON renderer (one writer, so `--json` on stdout and the file are the same bytes), read back
 * through a zod schema, and named by a `planId`.
 *
 * A plan file holds no secret value (S2): secrets are `{fromEnv, fingerprint}` references.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { makeDirectories, readProblem, writeProblem } from '../fs/directories.js';
import { isSqliteFile } from '../fs/sqlite-file.js';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import { parsePlan } from '../model/plan-document.js';
import { renderJson } from '../render/json.js';

/** The plan as its file holds it: the documented key order, 2-space indentation, trailing newline. */
export function serializePlan(plan: Plan): string {
  return renderJson(plan);
}

/**
 * Writes the plan file, creating its folder when missing (`plan --out plans/pr-12.json`). A path
 * that cannot be written (a file where a folder should be, no permission) is a UserError.
 */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  // A local target (`plan --out .connectorops/local.db`): a plan written over it would destroy it, account and journal with it.
  if (isSqliteFile(path)) {
    throw new UserError(`--out ${path} is an SQLite database (a local target?), not a plan file; it was left untouched`, {
      hint: 'give --out a plan file of its own, e.g. --out plan.json',
    });
  }
  try {
    makeDirectories(dirname(path));
    await writeFile(path, serializePlan(plan), { encoding: 'utf8', mode: 0o644 });
  } catch (error) {
    throw new UserError(`cannot write the plan file ${path}: ${writeProblem(error)}`, { hint: 'give --out a file path in a folder you can write to' });
  }
}

/** Reads and checks a plan file (UserError when it is missing, not JSON, or not a plan). */
export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read plan file ${path}: ${readProblem(error)}`, { hint: 'give the file that `connectorops plan --out FILE` wrote' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not a connectorops plan: it is not JSON`, { hint: 'write a plan file with connectorops plan --out FILE' });
  }
  return parsePlan(value, path);
}
