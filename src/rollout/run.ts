/**
 * Rollouts' edge: the only part of src/rollout that talks to a target. Opening a rollout (apply on
 * a ledger), reading the open one, recording confirmed steps through the target's journaled
 * `execute` and `authorize` (the same rule checks as a simulated target's apply), abandoning.
 */
import { randomBytes } from 'node:crypto';
import { TargetError, UserError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import type { SecretName } from '../model/types.js';
import { actionSecrets } from '../model/actions.js';
import { planId } from '../planfile/file.js';
import type { RolloutEvent, Target } from '../targets/target.js';
import { checkDoneRequest, isComplete, newRolloutId, rolloutFrom, type Rollout, type RolloutDocument, type RolloutStep } from './model.js';

/** The open rollout of `target`, with its done steps, or null. */
export async function openRolloutOf(target: Target): Promise<Rollout | null> {
  const stored = await target.currentRollout();
  if (!stored) return null;
  return rolloutFrom(stored, await target.journal(stored.id));
}

/** Every rollout of `target`, oldest first, with its done steps. */
export async function allRollouts(target: Target): Promise<Rollout[]> {
  const stored = await target.rollouts();
  return Promise.all(stored.map(async (s) => rolloutFrom(s, await target.journal(s.id))));
}

/** The open rollout, or a UserError saying there is none. */
export async function requireOpenRollout(target: Target): Promise<Rollout> {
  const rollout = await openRolloutOf(target);
  if (!rollout) {
    throw new UserError(`target ${target.name} has no open rollout`, {
      hint: 'on a ledger target, connectorops apply opens one; connectorops rollout log shows past rollouts',
    });
  }
  return rollout;
}

/** Opens a rollout for `plan` (apply on a ledger target, under its lock). */
export async function openRolloutFor(target: Target, plan: Plan, by: string, now: Date = new Date()): Promise<Rollout> {
  const id = newRolloutId(() => randomBytes(3).toString('hex'));
  const document: RolloutDocument = { formatVersion: 1, id, planId: planId(plan), plan };
  const opened: RolloutEvent = { type: 'opened', by, at: now.toISOString() };
  await target.openRollout(id, document, opened);
  return rolloutFrom({ id, document, open: true, events: [opened] }, []);
}

export interface DoneOptions {
  by: string;
  note?: string;
  env: NodeJS.ProcessEnv;
  /** Told after each step is recorded. */
  onRecorded?: (step: RolloutStep) => void;
}

export interface DoneResult {
  recorded: RolloutStep[];
  /** The rollout after them (re-read from the target). */
  rollout: Rollout;
  /** Every step is done: the rollout was closed. */
  closed: boolean;
}

/**
 * Records `requested` steps as done, in the rollout's order: dependencies first (checkDoneRequest),
 * then every secret the actions set must be in the environment (its fingerprint is recorded, S1),
 * then each step through the target: an action through `execute`, an authorization through
 * `authorize`, journaled with who and the note. A step that breaks a rule is refused with a hint
 * that the ledger and Creator may have diverged; the steps before it stay recorded. When the last
 * step is done, the rollout is closed.
 */
export async function recordDone(target: Target, rollout: Rollout, requested: readonly string[], options: DoneOptions): Promise<DoneResult> {
  const steps = checkDoneRequest(rollout, requested);
  const secrets = new Map<string, Partial<Record<SecretName, string>>>();
  const missing: string[] = [];
  for (const step of steps) {
    if (step.kind !== 'action') continue;
    const values: Partial<Record<SecretName, string>> = {};
    for (const [name, ref] of actionSecrets(step.action)) {
      const value = options.env[ref.fromEnv];
      if (value === undefined || value === '') missing.push(`${ref.fromEnv} (step ${step.id}, ${name} of connector '${step.action.linkName}')`);
      else values[name] = value;
    }
    secrets.set(step.id, values);
  }
  if (missing.length) {
    throw new UserError(`environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set; nothing was recorded`, {
      rule: 'S1',
      hint: 'a step that sets a secret records its fingerprint: export the variable that holds the value pasted in Creator, and run rollout done again',
    });
  }

  const recorded: RolloutStep[] = [];
  for (const step of steps) {
    const journal = { runId: rollout.id, actionId: step.id, by: options.by, ...(options.note !== undefined ? { note: options.note } : {}) };
    try {
      if (step.kind === 'action') await target.execute(step.action, secrets.get(step.id) ?? {}, journal);
      else if (step.everyUser) await target.authorize(step.connection, options.by, journal, { announced: true });
      else await target.authorize(step.connection, step.account ?? options.by, journal, step.environment !== undefined ? { environment: step.environment } : {});
    } catch (error) {
      if (error instanceof TargetError && error.details.rule) {
        const before = recorded.length ? ` (${recorded.map((s) => s.id).join(', ')} ${recorded.length > 1 ? 'were' : 'was'} recorded before it)` : '';
        throw new TargetError(`step ${step.id} cannot be recorded: ${error.message}${before}`, {
          rule: error.details.rule,
          hint: `the ledger refuses what Creator would refuse: check the account in Creator. The ledger and Creator may have diverged (a change made by hand, or a step recorded that was not done); connectorops rollout log shows what was recorded`,
          cause: error,
        });
      }
      throw error;
    }
    recorded.push(step);
    options.onRecorded?.(step);
  }
  const after = await requireOpenRollout(target);
  if (isComplete(after)) {
    await target.closeRollout(after.id, { type: 'closed', by: options.by, at: new Date().toISOString() });
    return { recorded, rollout: { ...after, open: false }, closed: true };
  }
  return { recorded, rollout: after, closed: false };
}

/** Closes the open rollout as abandoned: done steps stay done. */
export async function abandonRollout(target: Target, rollout: Rollout, by: string, reason: string | undefined): Promise<void> {
  await target.closeRollout(rollout.id, { type: 'abandoned', by, at: new Date().toISOString(), ...(reason !== undefined ? { note: reason } : {}) });
}
