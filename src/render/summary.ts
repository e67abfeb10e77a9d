/**
 * The plan's summary in words, the same in every human format: the footer, the blocked line, the
 * revocation headline, why an authorization is lost, and the usages that block a deletion.
 */
import type { Blocked, Plan, PlanSummary, RevokedAuthorization } from '../model/plan.js';
import type { Usage } from '../model/types.js';
import { plural } from '../util/text.js';

/**
 * Why an authorization is lost, in words: `clientId, clientSecret changed`, `scopes changed`,
 * `replaced (authentication.type changed)`, `deleted`, `deleted: its linkName changes to 'crm_team'`.
 * The result holds link names: callers escape it for their format.
 */
export function causeText(revoked: RevokedAuthorization): string {
  const fields = revoked.cause.filter((c) => c !== 'replace' && c !== 'replaced' && c !== 'deleted');
  if (revoked.cause.includes('deleted')) {
    return revoked.replacedBy !== undefined ? `deleted: its linkName changes to '${revoked.replacedBy}', which starts unauthorized` : 'deleted';
  }
  if (revoked.cause.includes('replaced') || revoked.cause.includes('replace')) {
    return fields.length ? `replaced (${fields.join(', ')} changed)` : 'replaced';
  }
  return fields.length ? `${fields.join(', ')} changed` : 'revoked';
}

/**
 * The usages that keep a blocked connection from being deleted (R14): the blocked entry's own list,
 * as the planner attaches it; failing that, the plan's impact entries for the connection.
 */
export function usagesOf(plan: Plan, connection: string, blocked?: Blocked): Usage[] {
  if (blocked?.usages?.length) return blocked.usages;
  return plan.impact.filter((i) => i.connection === connection).flatMap((i) => i.usages);
}

/** True when the plan changes nothing and nothing stops it: "No changes." */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.actions.length === 0 && plan.blocked.length === 0;
}

export const NO_CHANGES = 'No changes. The target matches the manifests.';

/** `Plan: 2 to create, 1 to update, 0 to delete. 1 to replace. 3 authorizations will be revoked.` */
export function footerLine(summary: PlanSummary): string {
  let line = `Plan: ${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete.`;
  if (summary.replace > 0) line += ` ${summary.replace} to replace.`;
  if (summary.revokes > 0) line += ` ${revocationHeadline(summary.revokes)}.`;
  return line;
}

/** The line under the footer of a blocked plan: apply carries out none of it (docs/planning.md). */
export function blockedLine(count: number): string {
  return `Blocked: ${plural(count, 'problem')} must be resolved first; apply will carry out none of this plan.`;
}

/** `N authorizations will be revoked` with the right number. */
export function revocationHeadline(count: number): string {
  return `${plural(count, 'authorization')} will be revoked`;
}
