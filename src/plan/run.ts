/**
 * The planner's edge: the only part of src/plan that touches the outside world. It loads the
 * manifests, reads the target and the secrets' fingerprints, and hands everything to the pure
 * `makePlan`. `plan` calls `runPlan`; `apply` (which holds the target open, under its lock) calls
 * `loadForPlan` and `planAgainst`.
 */
import { resolve } from 'node:path';
import { UserError, type Diagnostic } from '../errors.js';
import { isAuthorized } from '../model/authorizations.js';
import type { PlannedSecret } from '../model/actions.js';
import type { Plan } from '../model/plan.js';
import type { DesiredState, SecretName } from '../model/types.js';
import { loadManifests, resolveTarget, type LoadedManifests } from '../manifest/load.js';
import { LocalTarget, openTarget, TargetMissingError } from '../targets/index.js';
import { quoteTerminal } from '../render/escape.js';
import type { RolloutStore, StateReader, StateSnapshot, Target } from '../targets/target.js';
import { definesNothing, describeFound, manifestFolders } from '../manifest/empty.js';
import { progressOf } from '../rollout/model.js';
import { openRolloutOf } from '../rollout/run.js';
import { stateAfterRollout } from '../rollout/simulate.js';
import { makePlan } from './make.js';
import { changedResources } from './scope.js';
import { readSecrets } from '../model/own.js';
import { plural } from '../util/text.js';

export interface LoadOptions {
  /** The manifest directory, relative to `cwd` (default `.`). */
  dir?: string;
  /** Read the manifests from this git ref instead of the working tree. */
  ref?: string;
  /** `--base REF`: scope the plan to what changed between REF and the manifests. */
  base?: string;
  /** `--target` as typed: a configured name or a spec. */
  target?: string;
  cwd: string;
  /** Where a configured target's `url: { fromEnv }` is read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Look up the working tree's HEAD commit for the plan's `source.commit` (a git process); default
   * true. Apply of a saved plan says false: the plan carries its own, and nothing shows the re-plan's.
   */
  commit?: boolean;
}

export interface LoadedForPlan {
  /** The manifest directory, absolute. */
  dir: string;
  manifests: LoadedManifests;
  /** The resolved target spec (`local:/abs/path`, or a URL): what to open. */
  targetSpec: string;
  /**
   * The target as the user named it (`--target` as typed, else the config's defaultTarget, else
   * `local:.connectorops/local.db`): what the plan records, as the user typed it, so
   * that a plan made in one checkout names the same target in another.
   */
  targetName: string;
  /** With `base`: the resources the change touches. */
  scope?: ReadonlySet<string>;
  /** Warnings about the manifests (and, with `base`, about the base's manifests), for stderr. */
  diagnostics: Diagnostic[];
}

/**
 * Loads and validates the manifests (and the base's, with `base`) and resolves the target spec.
 * Invalid manifests are a UserError carrying every diagnostic (exit 1).
 */
export async function loadForPlan(options: LoadOptions): Promise<LoadedForPlan> {
  const dir = resolve(options.cwd, options.dir ?? '.');
  const [manifests, baseManifests] = await Promise.all([
    loadManifests({ dir, usages: true, ...(options.ref !== undefined ? { ref: options.ref } : {}), ...(options.commit === false ? { commit: false } : {}) }),
    options.base !== undefined ? loadManifests({ dir, ref: options.base, refFlag: '--base' }) : Promise.resolve(null),
  ]);
  if (manifests.errors.length) {
    throw new UserError(`the manifests are invalid (${plural(manifests.errors.length, 'error')}, ${manifests.label}); nothing was planned`, {
      diagnostics: [...manifests.errors, ...manifests.warnings],
      hint: 'fix the errors above; connectorops validate checks the manifests alone',
    });
  }
  // Deluge code that reads badly, or names its connection with an expression: the usages it
  // could read still count; the rest is for the user to look at.
  const diagnostics = [...manifests.warnings, ...(manifests.usages?.warnings ?? [])];
  let scope: ReadonlySet<string> | undefined;
  if (baseManifests) {
    if (baseManifests.errors.length) {
      // The base only tells what the change touches: an invalid base makes more look changed, never less.
      diagnostics.push({
        file: `(--base ${options.base})`,
        line: 1,
        col: 1,
        severity: 'warning',
        code: 'base',
        message: `the manifests at ${options.base} are invalid (${baseManifests.errors.length} errors): resources they fail to define count as changed`,
      });
    }
    scope = changedResources(baseManifests.desired, manifests.desired);
  }
  const { spec: targetSpec, name: targetName } = resolveTarget(options.target, manifests.config, dir, options.cwd, options.env);
  return { dir, manifests, targetSpec, targetName, ...(scope ? { scope } : {}), diagnostics };
}

/**
 * The secrets the manifests name, fingerprinted by the target: per connector, per secret, the env
 * var and the fingerprint of its value now, or null when it is unset (or empty). Values never
 * leave this function except into the target's fingerprinting (S2).
 */
async function secretsFromEnv(desired: DesiredState, env: NodeJS.ProcessEnv, target: StateReader): Promise<Map<string, Partial<Record<SecretName, PlannedSecret>>>> {
  const vars = new Set<string>();
  for (const c of desired.connectors.values()) for (const ref of Object.values(c.secrets)) if (ref) vars.add(ref.fromEnv);
  const secret = readSecrets(env);
  const set = [...vars].filter((v) => secret(v) !== undefined).sort();
  const prints = set.length ? await target.fingerprintSecrets(set.map((v) => secret(v)!)) : [];
  const byVar = new Map(set.map((v, i) => [v, prints[i]!]));
  const out = new Map<string, Partial<Record<SecretName, PlannedSecret>>>();
  for (const c of desired.connectors.values()) {
    const entry: Partial<Record<SecretName, PlannedSecret>> = {};
    for (const [name, ref] of Object.entries(c.secrets) as Array<[SecretName, { fromEnv: string } | undefined]>) {
      if (ref) entry[name] = { fromEnv: ref.fromEnv, fingerprint: byVar.get(ref.fromEnv) ?? null };
    }
    out.set(c.linkName, entry);
  }
  return out;
}

export interface PlanAgainstOptions {
  allowReplace: boolean;
  env: NodeJS.ProcessEnv;
  /** A state already read (apply reads it under its lock); read from the target when absent. */
  snapshot?: StateSnapshot;
  /** `--allow-empty`: manifests that define nothing may plan the deletion of everything. */
  allowEmpty?: boolean;
}

/** Reads `target` (unless given a snapshot) and plans `loaded` against it. Does not close the target. */
export async function planAgainst(target: StateReader & RolloutStore, loaded: LoadedForPlan, options: PlanAgainstOptions): Promise<Plan> {
  const [snapshot, secrets, rollout] = await Promise.all([
    options.snapshot ?? target.read(),
    secretsFromEnv(loaded.manifests.desired, options.env, target),
    openRolloutOf(target),
  ]);
  const m = loaded.manifests;
  if (!options.allowEmpty) refuseEmpty(loaded, snapshot);
  // A ledger with an open rollout: plan from the state the rollout will reach, so that only what
  // is new shows. The base stays the ledger's own serial and digest (what a saved plan is checked against).
  let state = snapshot.state;
  let unreachable: string | null = null;
  if (rollout) {
    const reached = stateAfterRollout(state, rollout);
    if (reached.ok) state = reached.state;
    else
      unreachable = `rollout ${rollout.id}: step ${reached.step} cannot be carried out on the ledger as it is now (${reached.problem}); this plan starts from the ledger without the rollout's remaining steps`;
  }
  const plan = makePlan({
    desired: m.desired,
    current: { state, serial: snapshot.serial, digest: snapshot.digest },
    secrets,
    allowReplace: options.allowReplace,
    target: loaded.targetName,
    source: { ref: m.ref, commit: m.commit, manifestDigest: m.manifestDigest },
    ...(loaded.scope ? { scope: loaded.scope } : {}),
    protect: m.config.protect,
    environments: m.config.environments,
    ...(m.usages ? { usages: m.usages.usages } : {}),
  });
  if (rollout) plan.rollout = progressOf(rollout);
  if (unreachable) plan.warnings.push({ code: 'rollout', message: unreachable });
  return plan;
}

/**
 * Manifests that define nothing, against a target that holds something: almost always an empty
 * or wrong `--dir`, and the plan would delete every connector and connection (Argo CD's
 * `allowEmpty`). Refused unless `--allow-empty`.
 */
function refuseEmpty(loaded: LoadedForPlan, snapshot: StateSnapshot): void {
  const { state } = snapshot;
  if (!definesNothing(loaded.manifests.desired) || (state.connectors.size === 0 && state.connections.size === 0)) return;
  let authorized = 0;
  for (const c of state.connections.values()) if (isAuthorized(c)) authorized++;
  const where = loaded.manifests.ref !== null ? `${loaded.dir} at ${loaded.manifests.ref}` : loaded.dir;
  const holds = `${plural(state.connectors.size, 'connector')} and ${plural(state.connections.size, 'connection')}` + (authorized ? ` (${authorized} authorized)` : '');
  throw new UserError(
    `the manifests in ${where} define nothing (${describeFound(loaded.dir, loaded.manifests)}), but target ${loaded.targetName} holds ${holds}: the plan would delete them all; nothing was planned`,
    { hint: `manifests are read from ${manifestFolders(loaded.dir)}: check --dir; if emptying the target is meant, add --allow-empty` },
  );
}

/**
 * Opens the target to read it, creating none: a local target with no file yet reads as an empty
 * account, and `missing` says where it looked (for a warning).
 */
export async function openForReading(loaded: LoadedForPlan, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ target: Target; missing?: TargetMissingError }> {
  let missing: TargetMissingError | undefined;
  const target = await openTarget(loaded.targetSpec, { name: loaded.targetName, cwd: options.cwd, env: options.env, create: false }).catch((error: unknown) => {
    if (!(error instanceof TargetMissingError)) throw error;
    missing = error;
    return LocalTarget.empty(error.path, { name: loaded.targetName });
  });
  return missing ? { target, missing } : { target };
}

export interface RunPlanOptions extends LoadOptions {
  allowReplace: boolean;
  allowEmpty?: boolean;
  env: NodeJS.ProcessEnv;
}

export interface PlanRun {
  plan: Plan;
  loaded: LoadedForPlan;
}

/**
 * `connectorops plan`, minus the CLI: load, open the target, plan, close. Planning changes nothing
 * on the target, and creates none: a local target with no file yet is planned from an empty
 * account, with a warning that names where it looked (a typo in a path must not pass unnoticed).
 */
export async function runPlan(options: RunPlanOptions): Promise<PlanRun> {
  const loaded = await loadForPlan(options);
  const { target, missing } = await openForReading(loaded, options);
  try {
    const plan = await planAgainst(target, loaded, { allowReplace: options.allowReplace, env: options.env, allowEmpty: options.allowEmpty ?? false });
    if (missing) {
      plan.warnings.unshift({
        code: 'target-missing',
        message: `target ${missing.target} does not exist yet (there is no file at ${quoteTerminal(missing.path)}): this plan starts from an empty account; apply creates the target`,
      });
    }
    return { plan, loaded };
  } finally {
    await target.close();
  }
}
