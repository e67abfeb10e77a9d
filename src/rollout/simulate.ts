/**
 * The state a rollout will reach: the ledger plus its remaining steps, carried out through the
 * same `transition` the targets use. `plan` against a ledger with an open rollout plans from
 * here, so that a pull request's plan shows only what is new (docs/rollouts.md).
 */
import type { State } from '../model/types.js';
import { formatViolation, simulatedFingerprints, transition, World } from '../rules/index.js';
import { remainingSteps, type Rollout } from './model.js';
import { withAuthorization } from '../model/authorizations.js';

/** Who a new connection's authorization is credited to until its step says who gave it. */
const PENDING_AUTHORIZER = '(authorized in the rollout)';

export type Reached = { ok: true; state: State } | { ok: false; step: string; problem: string };

/**
 * Carries the remaining steps out on a copy of `state`. A secret's fingerprint is the one the plan
 * saw (the value the person will paste), or the planner's placeholder when it was unset then. When a step breaks a rule on this state (the ledger moved
 * since the rollout opened), says which step and why instead.
 */
export function stateAfterRollout(state: State, rollout: Rollout): Reached {
  const world = World.copyOf(state);
  for (const step of remainingSteps(rollout)) {
    if (step.kind === 'action') {
      const result = transition(world, step.action, simulatedFingerprints(step.action));
      if (!result.ok) return { ok: false, step: step.id, problem: result.violations.map(formatViolation).join('; ') };
      world.apply(result.effects);
    } else {
      const current = world.connection(step.connection);
      if (!current) return { ok: false, step: step.id, problem: `connection '${step.connection}' does not exist` };
      // Users authorize a logged-in user connection themselves, later: announcing it changes nothing.
      if (step.everyUser) continue;
      const authorization = { environment: step.environment ?? 'all', account: step.account ?? PENDING_AUTHORIZER };
      world.apply({
        upsertConnectors: [],
        deleteConnectors: [],
        upsertConnections: [withAuthorization(current, authorization)],
        deleteConnections: [],
        revoked: [],
      });
    }
  }
  return { ok: true, state: world.state };
}
