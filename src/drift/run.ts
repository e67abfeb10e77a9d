/**
 * Drift's edge: the only part of src/drift that reads the outside world. It loads the manifests (and
 * the usages in code) at the ref, opens the target without creating it, reads its state and open
 * rollout, plans from there as `plan` does (plan/run.ts), and hands everything to the pure
 * `findDrift`.
 */
import { loadForPlan, openForReading, planAgainst } from '../plan/run.js';
import { openRolloutOf } from '../rollout/run.js';
import { findDrift, type DriftReport } from './findings.js';

export interface DriftOptions {
  dir?: string;
  ref?: string;
  target?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  staleAfterDays: number;
  now: Date;
}

export async function runDrift(options: DriftOptions): Promise<DriftReport> {
  const loaded = await loadForPlan(options);
  const { target, missing } = await openForReading(loaded, options);
  try {
    const [snapshot, rollout] = await Promise.all([target.read(), openRolloutOf(target)]);
    const plan = await planAgainst(target, loaded, { snapshot, allowReplace: false, env: options.env });
    const m = loaded.manifests;
    const findings = findDrift({
      desired: m.desired,
      ledger: snapshot.state,
      rollout,
      plan,
      usages: m.usages?.usages ?? [],
      now: options.now,
      staleAfterDays: options.staleAfterDays,
    });
    const warnings = plan.warnings.filter((w) => w.code === 'rollout').map((w) => w.message);
    if (missing) warnings.unshift(`target ${loaded.targetName} does not exist yet: drift compares the manifests with an empty ledger`);
    return {
      target: loaded.targetName,
      dir: options.dir ?? null,
      ref: m.ref,
      commit: m.commit,
      checkedAt: options.now.toISOString(),
      staleAfterDays: options.staleAfterDays,
      findings,
      diagnostics: loaded.diagnostics,
      warnings,
    };
  } finally {
    await target.close();
  }
}
