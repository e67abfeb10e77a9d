/**
 * What a pull request changes relative to its base branch, told from two plans against the same
 * target: the plan of the base branch and the plan of the pull request (`comment --base-plan`).
 *
 * - An action is the same in both when its op, link name and field changes are equal (ids and
 *   dependsOn are positions in one plan, not identity). Field changes are compared as canonical
 *   JSON, so key order in a hand-built plan does not matter.
 * - A revocation is the same when it revokes the same authorization: connection, connector,
 *   environment, user and account (Creator 6 keeps one per environment and, for a logged-in user
 *   connection, one per user: losing stage's is not losing production's). A different cause
 *   (clientId, then clientId and clientSecret) loses the same consent, so it is not news to the
 *   reviewer.
 * - Plans are compared as multisets: an item that appears twice in one plan and once in the other
 *   counts once as added (or removed).
 *
 * Pure: no I/O. Items keep their plan's order.
 */
import { canonicalJson } from '../model/canonical.js';
import type { PlannedAction } from '../model/actions.js';
import type { Plan, RevokedAuthorization } from '../model/plan.js';
import { escapeMarkdown } from '../render/escape.js';
import { revokedWho, stepTitle } from '../render/resources.js';
import { plural } from '../util/text.js';

export interface PlanComparison {
  /** In the pull request's plan, not in the base plan: what this pull request adds. */
  added: { actions: PlannedAction[]; revocations: RevokedAuthorization[] };
  /** In the base plan, not in the pull request's: what this pull request makes unnecessary. */
  removed: { actions: PlannedAction[]; revocations: RevokedAuthorization[] };
}

export function actionKey(action: PlannedAction): string {
  return canonicalJson([action.op, action.linkName, action.changes]);
}

export function revocationKey(revoked: RevokedAuthorization): string {
  return canonicalJson([revoked.connection, revoked.connector, revoked.environment, revoked.user ?? null, revoked.account]);
}

/** The items of `from` that `minus` does not hold (multiset difference, `from`'s order). */
function difference<T>(from: readonly T[], minus: readonly T[], key: (item: T) => string): T[] {
  const left = new Map<string, number>();
  for (const item of minus) left.set(key(item), (left.get(key(item)) ?? 0) + 1);
  const out: T[] = [];
  for (const item of from) {
    const k = key(item);
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else out.push(item);
  }
  return out;
}

/** Compares the pull request's plan (`head`) with the base branch's plan (`base`). */
export function comparePlans(base: Plan, head: Plan): PlanComparison {
  return {
    added: {
      actions: difference(head.actions, base.actions, actionKey),
      revocations: difference(head.revokedAuthorizations, base.revokedAuthorizations, revocationKey),
    },
    removed: {
      actions: difference(base.actions, head.actions, actionKey),
      revocations: difference(base.revokedAuthorizations, head.revokedAuthorizations, revocationKey),
    },
  };
}

/** True when the pull request changes no action and no revocation. */
export function isSameOutcome(c: PlanComparison): boolean {
  return !c.added.actions.length && !c.added.revocations.length && !c.removed.actions.length && !c.removed.revocations.length;
}

/** `+2 actions, −1 action, 1 new revocation`: the comparison in one line ('' when equal). */
export function comparisonLine(c: PlanComparison): string {
  const parts: string[] = [];
  if (c.added.actions.length) parts.push(`+${plural(c.added.actions.length, 'action')}`);
  if (c.removed.actions.length) parts.push(`−${plural(c.removed.actions.length, 'action')}`);
  if (c.added.revocations.length) parts.push(plural(c.added.revocations.length, 'new revocation'));
  if (c.removed.revocations.length) parts.push(`${plural(c.removed.revocations.length, 'revocation')} no longer`);
  return parts.join(', ');
}

/** How many items the Markdown lists before "and N more": the section stays short. */
export const COMPARISON_ITEMS = 20;

/**
 * The comparison as a Markdown section for the PR comment: a heading, the one-line counts, and
 * the items (at most COMPARISON_ITEMS, then "and N more"). User strings are escaped.
 */
export function comparisonMarkdown(c: PlanComparison): string {
  const e = escapeMarkdown;
  const out = ["#### Compared with the base branch's plan", ''];
  if (isSameOutcome(c)) {
    out.push("The same actions and revocations as the base branch's plan: this pull request changes none of them.");
    return out.join('\n');
  }
  out.push(`**${comparisonLine(c)}**`, '');
  // Whose and where, as the plan's own lists say it: `account alice, stage`, `user bob (bob@x)`.
  const revocation = (r: RevokedAuthorization) =>
    `revokes the authorization of ${e(r.connection)} (${r.user !== undefined ? '' : 'account '}${e(revokedWho(r))}, connector ${e(r.connector)})`;
  const items = [
    ...c.added.actions.map((a) => `- added: ${stepTitle(a, e, e)}`),
    ...c.added.revocations.map((r) => `- added: ${revocation(r)}`),
    ...c.removed.actions.map((a) => `- no longer: ${stepTitle(a, e, e)}`),
    ...c.removed.revocations.map((r) => `- no longer: ${revocation(r)}`),
  ];
  out.push(...items.slice(0, COMPARISON_ITEMS));
  if (items.length > COMPARISON_ITEMS) out.push(`- and ${items.length - COMPARISON_ITEMS} more`);
  return out.join('\n');
}
