/**
 * When a saved plan may still be carried out (docs/apply.md, "Stale plans"). Pure: the caller
 * gathers what the world looks like now and this decides.
 *
 * A plan is a diff against one exact state of the target (its serial and digest) and one exact
 * set of manifests (their digest). Apply refuses it when either moved, because the plan's
 * actions were only proven valid against those (this is what Terraform misses in
 * hashicorp/terraform#24078, where a plan made on an empty state can be applied twice).
 *
 * The one exception is a resume: the serial moved only because this same plan already ran part
 * of its actions. We know that from the target's journal for the plan's run id: there are `done`
 * entries, not every action is done, and the target's serial now equals the serial the last
 * journaled action left. Anyone else's change moves the serial past that, so it is stale again.
 */
import { UserError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import type { CodeUsage } from '../model/usages.js';
import type { JournalEntry } from '../targets/target.js';
import { targetFlagsText } from '../util/shell.js';
import { actionSecrets } from '../model/actions.js';
import type { SecretName } from '../model/types.js';
import { quoteTerminal, sanitizeTerminal } from '../util/terminal.js';

type StaleWhat = 'serial' | 'digest' | 'manifests' | 'target' | 'secret' | 'applied' | 'usages';

export interface StaleReason {
  what: StaleWhat;
  /** The value the plan recorded, and the value now (never a secret: S2). */
  from: string;
  to: string;
  message: string;
}

/** A saved plan that may not be applied any more. Exit 1, like every UserError. */
export class StalePlanError extends UserError {
  override name = 'StalePlanError';
  constructor(readonly reasons: StaleReason[]) {
    super(`the plan is stale: ${reasons.map((r) => r.message).join('; ')}`, { hint: staleHint(reasons) });
  }
}

/**
 * A plan made for another target than the one apply opened (most often: `--target` left out) is
 * not stale, it is aimed elsewhere: say the flag to pass, as the plan names its target.
 */
function staleHint(reasons: readonly StaleReason[]): string {
  const target = reasons.length === 1 ? reasons.find((r) => r.what === 'target') : undefined;
  if (target)
    return `the plan was made for ${target.from}: pass${targetFlagsText({ target: String(target.from) })} to apply it there, or make a new plan for ${target.to}`;
  return 'make a new plan (connectorops plan --out FILE), review it, and apply that';
}

export interface Now {
  /** The resolved target spec, as `--target` names it now. */
  target: string;
  serial: number;
  digest: string;
  /** The digest of the manifests in the working tree now. */
  manifestDigest: string;
  /**
   * The usages found in Deluge code now (docs/usages.md). They are not in the manifest digest, so
   * a call added since the plan was made is checked here: the plan may not delete what it uses (R14).
   */
  codeUsages?: readonly CodeUsage[];
  /**
   * The environment variable each connector's secrets name in the manifests now, by connector link
   * name and secret: a plan file's `fromEnv` must be one of these (a hand-edited plan could name
   * GITHUB_TOKEN, which apply would then read and send to the target).
   */
  secretRefs?: ReadonlyMap<string, Readonly<Partial<Record<SecretName, { fromEnv: string }>>>>;
}

export type Freshness =
  | { kind: 'fresh' }
  /** Part of this plan already ran: skip `done`, carry out the rest. */
  | { kind: 'resume'; done: ReadonlySet<string>; lastSerial: number }
  | { kind: 'stale'; reasons: StaleReason[] };

/** The action ids the journal says are done (the latest entry of each action counts). */
export function journaledDone(journal: readonly JournalEntry[]): Map<string, JournalEntry> {
  const latest = new Map<string, JournalEntry>();
  for (const e of journal) latest.set(e.actionId, e);
  const done = new Map<string, JournalEntry>();
  for (const [id, e] of latest) if (e.status === 'done') done.set(id, e);
  return done;
}

/** The action ids whose latest journal entry is `pending`: started, outcome unknown. */
export function journaledPending(journal: readonly JournalEntry[]): Set<string> {
  const latest = new Map<string, JournalEntry>();
  for (const e of journal) latest.set(e.actionId, e);
  return new Set([...latest].filter(([, e]) => e.status === 'pending').map(([id]) => id));
}

/** Decides whether a saved plan is fresh, resumable or stale. See the file comment for the rule. */
export function checkFreshness(plan: Plan, now: Now, journal: readonly JournalEntry[]): Freshness {
  const reasons: StaleReason[] = [];
  if (plan.target !== now.target) {
    reasons.push({ what: 'target', from: plan.target, to: now.target, message: `it was made for target ${plan.target}, not ${now.target}` });
  }
  if (plan.source.manifestDigest !== now.manifestDigest) {
    reasons.push({
      what: 'manifests',
      from: plan.source.manifestDigest,
      to: now.manifestDigest,
      message: `the manifests changed since the plan was made (manifest digest ${short(plan.source.manifestDigest)} → ${short(now.manifestDigest)})`,
    });
  }
  for (const reason of usedSincePlanned(plan, now.codeUsages ?? [])) reasons.push(reason);
  if (now.secretRefs) for (const reason of secretRefsChanged(plan, now.secretRefs)) reasons.push(reason);
  // A target mismatch makes the journal and serial meaningless to compare.
  if (reasons.some((r) => r.what === 'target')) return { kind: 'stale', reasons };

  const planIds = new Set(plan.actions.map((a) => a.id));
  const done = journaledDone(journal.filter((e) => planIds.has(e.actionId)));
  const sameState = plan.base.stateSerial === now.serial && plan.base.stateDigest === now.digest;

  if (!sameState) {
    const serials = [...done.values()].map((e) => e.serial).filter((s): s is number => s !== null);
    const lastSerial = serials.length ? Math.max(...serials) : null;
    if (done.size > 0 && done.size === planIds.size && lastSerial === now.serial) {
      // Every action of this plan is journaled done and nothing else changed since: the plan was
      // applied in full already. Applying it again is exactly #24078; refuse.
      reasons.push({
        what: 'applied',
        from: `serial ${plan.base.stateSerial}`,
        to: `serial ${now.serial}`,
        message: `it was already applied in full (serial ${plan.base.stateSerial} → ${now.serial}, by this same plan)`,
      });
    } else if (done.size > 0 && lastSerial === now.serial && plan.base.stateSerial < now.serial) {
      if (reasons.length) return { kind: 'stale', reasons };
      return { kind: 'resume', done: new Set(done.keys()), lastSerial };
    } else {
      if (plan.base.stateSerial !== now.serial) {
        const ours = lastSerial !== null ? ` (this plan's own journaled actions account for serial ${lastSerial} only)` : '';
        reasons.push({
          what: 'serial',
          from: String(plan.base.stateSerial),
          to: String(now.serial),
          message: `the target changed since the plan was made (serial ${plan.base.stateSerial} → ${now.serial})${ours}`,
        });
      } else {
        reasons.push({
          what: 'digest',
          from: plan.base.stateDigest,
          to: now.digest,
          message: `the target's contents changed since the plan was made (digest ${short(plan.base.stateDigest)} → ${short(now.digest)}, serial unchanged)`,
        });
      }
    }
  } else if (done.size > 0 && reasons.length === 0) {
    // Same state and journaled actions: only possible when their effects changed nothing the
    // digest covers. Still skip them: they are done.
    return { kind: 'resume', done: new Set(done.keys()), lastSerial: now.serial };
  }
  return reasons.length ? { kind: 'stale', reasons } : { kind: 'fresh' };
}

/** Each secret the plan sends must come from the variable the manifests name for it, and no other. */
function secretRefsChanged(plan: Plan, refs: NonNullable<Now['secretRefs']>): StaleReason[] {
  const out: StaleReason[] = [];
  for (const action of plan.actions) {
    for (const [name, ref] of actionSecrets(action)) {
      const want = refs.get(action.linkName)?.[name]?.fromEnv;
      if (want === ref.fromEnv) continue;
      out.push({
        what: 'secret',
        from: ref.fromEnv,
        to: want ?? '(none)',
        message: `the plan reads ${sanitizeTerminal(ref.fromEnv)} for ${name} of connector ${quoteTerminal(action.linkName)}, but the manifests name ${want !== undefined ? sanitizeTerminal(want) : 'no such secret'}`,
      });
    }
  }
  return out;
}

/** R14: connections the plan deletes that code uses now and that the plan did not know of. */
function usedSincePlanned(plan: Plan, code: readonly CodeUsage[]): StaleReason[] {
  if (!code.length) return [];
  const deleted = new Set(plan.actions.filter((a) => a.op === 'connection.delete').map((a) => a.linkName));
  const byConnection = new Map<string, CodeUsage[]>();
  for (const u of code) if (deleted.has(u.connection)) byConnection.set(u.connection, [...(byConnection.get(u.connection) ?? []), u]);
  return [...byConnection].map(([connection, list]) => ({
    what: 'usages' as const,
    from: 'unused',
    to: list.map((u) => `${u.file}:${u.line}:${u.col}`).join(', '),
    message: `it deletes connection '${connection}', which Deluge code uses now (${list.map((u) => `${u.app} › ${u.component} at ${u.file}:${u.line}:${u.col}`).join(', ')}; R14)`,
  }));
}

function short(digest: string): string {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
  return `sha256:${hex.slice(0, 12)}`;
}
