/**
 * After a run: did the target converge? Apply plans again under its lock and compares. Pure.
 */
import type { Plan } from '../model/plan.js';

/**
 * What a new plan still wants to do, in words (`connector.update crm`, `blocked R14: …`). Empty
 * means converged. A plan made with `plan --base` (it carries the `outside-change` warning) only
 * answers for the resources it touched: differences outside its scope were left out on purpose,
 * so they are not a failure of this run.
 */
export function unconverged(applied: Plan, again: Plan): string[] {
  const scoped = applied.warnings?.some((w) => w.code === 'outside-change') ?? false;
  const touched = new Set(applied.actions.map((a) => `${a.kind}/${a.linkName}`));
  const relevant = (kind: string, linkName: string) => !scoped || touched.has(`${kind}/${linkName}`);
  const left: string[] = [];
  for (const a of again.actions) {
    if (relevant(a.kind, a.linkName)) left.push(`${a.op} ${a.linkName}${a.changes.length ? ` (${a.changes.map((c) => c.path).join(', ')})` : ''}`);
  }
  for (const b of again.blocked) {
    if (relevant(b.kind, b.linkName)) left.push(`blocked ${b.kind.toLowerCase()} ${b.linkName}: ${b.rule}: ${b.message}`);
  }
  return left;
}
