/**
 * The rollout's GitHub issue as a workflow (docs/github.md, "The rollout issue"): `publishRolloutIssue`
 * creates or updates it, `syncRolloutIssue` records the boxes a person ticked. The command only
 * parses its flags, calls one of these and renders the result and the events.
 *
 * Trust: only the issue body and the continuation comments connectorops created are read; their
 * ids are in the body's marker, which only people with write access can edit: an issue is taken
 * for the rollout's only when a bot or such a person opened it (`mayBeOurs`), since its author
 * may edit it too. A tick is recorded
 * only for the person whose edit made it, and only on a line exactly as connectorops wrote it.
 */
import { UserError } from '../errors.js';
import { mayTick, type Issue, type RolloutIssues } from '../github/issues.js';
import { mayBeOurs } from '../github/thread.js';
import {
  completionComment,
  decideSync,
  issueParts,
  issueTitle,
  isRolloutIssue,
  parseRolloutMarker,
  readIssue,
  ROLLOUT_LABEL,
  ticksByActor,
  type IssueEdit,
  type IssuePart,
} from '../github/rollout-issue.js';
import { escapeMarkdown, sanitizeTerminal } from '../render/escape.js';
import type { RolloutStore } from '../targets/target.js';
import type { Rollout } from './model.js';
import { allRollouts, openRolloutOf, recordDone, requireOpenRollout, type RolloutRecorder } from './run.js';
import { agree, plural } from '../util/text.js';

/** The continuation comments named by the body's marker that still exist, by id. */
async function trustedComments(issues: RolloutIssues, issue: Issue): Promise<Map<number, string>> {
  const ids = new Set(parseRolloutMarker(issue.body)?.parts ?? []);
  const out = new Map<number, string>();
  if (!ids.size) return out;
  for (const c of await issues.listComments(issue.number)) if (ids.has(c.id)) out.set(c.id, c.body.replace(/\r\n/g, '\n'));
  return out;
}

/**
 * Writes title, body and continuation comments where they differ from the rendering: the comments
 * the marker names are reused in order, new ones created, and the body's marker lists them.
 */
async function writeIssue(issues: RolloutIssues, issue: Issue, rollout: Rollout, target: string, known?: Map<number, string>): Promise<Issue> {
  const existing = known ?? (await trustedComments(issues, issue));
  const [, ...rest] = issueParts(rollout, target);
  const ids = [...existing.keys()].slice(0, rest.length);
  for (const [i, text] of rest.entries()) {
    const id = ids[i];
    if (id === undefined) ids.push((await issues.createComment(issue.number, text)).id);
    else if (existing.get(id) !== text) await issues.updateComment(id, text);
  }
  const body = issueParts(rollout, target, { parts: ids })[0]!;
  const title = issueTitle(rollout, target);
  if (issue.body.replace(/\r\n/g, '\n') !== body || issue.title !== title) return issues.update(issue.number, { title, body });
  return issue;
}

export interface PublishResult {
  issue: Issue;
  created: boolean;
}

/** Creates the open rollout's issue, or brings the one found by its marker up to date. */
export async function publishRolloutIssue(options: { target: RolloutStore; issues: RolloutIssues }): Promise<PublishResult> {
  const { target, issues } = options;
  const rollout = await requireOpenRollout(target);
  // An issue is ours by its marker, and only if we could have written it (a copied marker in a
  // reader's labelled issue is not: its author could rewrite the marker's list of parts).
  const found = (await issues.listOpen(ROLLOUT_LABEL)).find((i) => isRolloutIssue(i.body, target.name, rollout.id) && mayBeOurs(i));
  if (found) return { issue: await writeIssue(issues, found, rollout, target.name), created: false };
  const [body] = issueParts(rollout, target.name);
  const issue = await issues.create({ title: issueTitle(rollout, target.name), body: body!, labels: [ROLLOUT_LABEL] });
  return { issue: await writeIssue(issues, issue, rollout, target.name), created: true };
}

export interface SyncOptions {
  target: RolloutRecorder;
  issues: RolloutIssues;
  /** The issue's number. */
  number: number;
  /** The GitHub login whose edit started the sync. */
  actor: string;
  /** What the actor edited (GitHub's event); absent, the issue body, whole. */
  edit?: IssueEdit;
  /** For the secrets the recorded steps set. */
  env: NodeJS.ProcessEnv;
  onEvent?: (event: SyncEvent) => void;
}

export type SyncEvent =
  { type: 'recorded'; steps: string[]; by: string } | { type: 'failed'; message: string } | { type: 'note'; text: string } | { type: 'closed'; rolloutId: string };

export interface SyncResult {
  /** `closed`: the issue's rollout had already closed, nothing was read or written. */
  outcome: 'synced' | 'closed';
  rolloutId: string;
  recorded: string[];
  /** The comments posted, in Markdown. */
  notes: string[];
  /** The last step was recorded: the rollout and its issue were closed. */
  completed: boolean;
  /** Recording failed (a rule, a missing secret): the steps not recorded were unticked. */
  failed: boolean;
}

function partName(part: 'body' | number): string {
  return part === 'body' ? 'the issue body' : `continuation comment ${part}`;
}

function list(ids: readonly string[]): string {
  return ids.join(', ');
}

/**
 * Reads the ticks of the issue's trusted parts, records those the actor made (in dependency order,
 * by the actor, if the actor may write), reverts the rest with a comment saying why, re-renders the
 * issue from the ledger, and closes it when the rollout is complete.
 */
export async function syncRolloutIssue(options: SyncOptions): Promise<SyncResult> {
  const { target, issues, number, actor } = options;
  const emit = options.onEvent ?? (() => {});
  const issue = await issues.get(number);
  const marker = parseRolloutMarker(issue.body);
  const open = await openRolloutOf(target);
  if (!marker || !mayBeOurs(issue) || marker.target !== target.name || (open?.id !== marker.id && !(await allRollouts(target)).some((r) => r.id === marker.id))) {
    throw new UserError(
      `issue ${issues.repository}#${number} is not the issue of ${open ? `rollout ${open.id}` : 'a rollout'} on ${sanitizeTerminal(target.name)}; nothing was recorded`,
      {
        hint: "connectorops rollout issue creates or updates the open rollout's issue",
      },
    );
  }
  if (!open || open.id !== marker.id) {
    emit({ type: 'closed', rolloutId: marker.id });
    return { outcome: 'closed', rolloutId: marker.id, recorded: [], notes: [], completed: false, failed: false };
  }
  const rollout = open;
  const comments = await trustedComments(issues, issue);
  const parts: IssuePart[] = [{ part: 'body', text: issue.body.replace(/\r\n/g, '\n') }, ...[...comments].map(([part, text]) => ({ part, text }))];
  const reading = readIssue(parts, rollout);
  const trustedPart = (p: 'body' | number) => p === 'body' || comments.has(p);
  const edit = options.edit ?? { part: 'body' };
  const tamperedHere = reading.tampered.some((t) => t.part === edit.part);
  const byActor = trustedPart(edit.part) && !tamperedHere ? ticksByActor(edit, parts) : new Set<string>();
  const fresh = [...byActor].filter((id) => reading.ticked.has(id) && !rollout.done.has(id));
  const allowed = fresh.length ? mayTick(await issues.permission(actor)) : true;
  const decision = decideSync(rollout, reading.ticked, byActor, allowed);
  const who = escapeMarkdown(actor);

  const notes: string[] = [];
  for (const t of reading.tampered) {
    notes.push(
      `An edit of ${partName(t.part)} added, rewrote or removed step lines (${plural(t.lines.length, 'line')}); it was put back to the text connectorops wrote, and no tick in it was recorded.`,
    );
  }
  if (decision.reverted.length) {
    notes.push(
      `The ticks of ${list(decision.reverted)} by ${who} were reverted: only people with write, maintain or admin permission on this repository may record rollout steps.`,
    );
  }
  if (decision.unattributed.length) {
    const n = decision.unattributed.length;
    notes.push(
      `${list(decision.unattributed)} ${agree(n, 'was', 'were')} unticked and not recorded: the edit by ${who} that started this sync did not tick ${agree(n, 'it', 'them')}, so who did is unknown. Tick ${agree(n, 'it', 'them')} again to record ${agree(n, 'it', 'them')} as yours.`,
    );
  }
  for (const o of decision.outOfOrder) notes.push(`${o.id} was unticked: it waits for ${list(o.waitsFor)}, which ${agree(o.waitsFor.length, 'is', 'are')} not done yet.`);

  let after = rollout;
  let completed = false;
  let failed = false;
  let recorded: string[] = [];
  if (decision.record.length) {
    try {
      const result = await recordDone(target, rollout, decision.record, { by: actor, env: options.env, note: `ticked in ${issues.repository}#${number}` });
      after = result.rollout;
      completed = result.closed;
      recorded = result.recorded.map((s) => s.id);
      emit({ type: 'recorded', steps: recorded, by: actor });
    } catch (error) {
      failed = true;
      const message = error instanceof Error ? error.message : String(error);
      const hint = (error as { details?: { hint?: string } }).details?.hint;
      notes.push(`Recording the ticked steps failed: ${escapeMarkdown(message)}${hint ? ` (${escapeMarkdown(hint)})` : ''}. The steps not recorded were unticked.`);
      after = await requireOpenRollout(target);
      emit({ type: 'failed', message });
    }
  }
  if (notes.length) await issues.createComment(number, notes.join('\n\n'));
  for (const text of notes) emit({ type: 'note', text });
  await writeIssue(issues, issue, after, target.name, comments);
  if (completed) {
    await issues.createComment(number, completionComment(after));
    await issues.update(number, { state: 'closed' });
  }
  return { outcome: 'synced', rolloutId: rollout.id, recorded, notes, completed, failed };
}
