/**
 * The rollout as a GitHub issue (docs/github.md, "The rollout issue"), pure: its marker, title and
 * body (a task list, each step's Creator instructions folded in <details>), split over GitHub's
 * size limit; the boxes ticked in it; and what `rollout sync` does with newly ticked boxes.
 *
 * Escaping is the plan comment's: every user string through escapeMarkdown (no live @mention, no
 * list or HTML broken), instructions in a fenced block that no line can close.
 */
import { escapeMarkdown } from '../render/escape.js';
import { makeRedactor } from '../render/secret-display.js';
import { codeBlock, rolloutStepTitle, stepInstructions } from '../render/rollout.js';
import { progressOf, statusOf, type Rollout, type RolloutStep } from '../rollout/model.js';
import { GITHUB_COMMENT_LIMIT } from './body.js';

export const ROLLOUT_LABEL = 'connectorops-rollout';

const MARKER_HEAD = '<!-- connectorops:rollout ';

/**
 * The hidden first line of the issue of rollout `id` on `target`. `parts` are the ids of the
 * continuation comments connectorops created: the body is the one place only people with write
 * access can edit, so only the comments it names are ever read (docs/github.md).
 */
function rolloutMarker(target: string, id: string, parts: readonly number[] = []): string {
  const list = parts.length ? ` parts=${parts.join(',')}` : '';
  return `${MARKER_HEAD}target=${encodeURIComponent(target)} id=${encodeURIComponent(id)}${list} -->`;
}

/** The hidden first line of the n-th continuation comment (n ≥ 2) of a split issue. */
export function partMarker(target: string, id: string, n: number): string {
  return `${MARKER_HEAD}target=${encodeURIComponent(target)} id=${encodeURIComponent(id)} part=${n} -->`;
}

/** What an issue body's marker says: which rollout, on which target, continued in which comments. */
export interface RolloutMarker {
  target: string;
  id: string;
  parts: number[];
}

const MARKER_LINE = /^<!-- connectorops:rollout target=([^\s]+) id=([^\s]+)(?: parts=(\d{1,15}(?:,\d{1,15}){0,999}))? -->$/;

/** The marker of an issue body, or null when its first line is none of ours. */
export function parseRolloutMarker(body: string): RolloutMarker | null {
  const first = body.replace(/\r\n/g, '\n').split('\n', 1)[0]!;
  const m = MARKER_LINE.exec(first);
  if (!m) return null;
  try {
    return { target: decodeURIComponent(m[1]!), id: decodeURIComponent(m[2]!), parts: m[3] ? m[3].split(',').map(Number) : [] };
  } catch {
    return null;
  }
}

/** True when `body` is the issue of rollout `id` on `target`. */
export function isRolloutIssue(body: string, target: string, id: string): boolean {
  const marker = parseRolloutMarker(body);
  return marker !== null && marker.target === target && marker.id === id;
}

/** `Rollout r-3f9a1c: 6 steps on production`: one line, no control characters. */
export function issueTitle(rollout: Rollout, target: string): string {
  // eslint-disable-next-line no-control-regex -- control characters never reach an issue title
  const clean = target.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 150);
  return `Rollout ${rollout.id}: ${rollout.steps.length} steps on ${clean}`;
}

/** `**a3** create connection "crm\\_sales"`: what follows a step's box, before its status. */
function stepLabel(step: RolloutStep, e: (s: string) => string): string {
  return `**${step.id}** ${rolloutStepTitle(step, (x) => `"${e(x)}"`, e)}`;
}

function markdownText(rollout: Rollout): (s: string) => string {
  const redact = makeRedactor(rollout.plan);
  return (s: string) => escapeMarkdown(redact(s));
}

/** One step as a task list item, with its instructions folded; `- [x]` when done. */
function stepItem(rollout: Rollout, id: string, instructions: string[], e: (s: string) => string): string[] {
  const step = rollout.steps.find((s) => s.id === id)!;
  const status = statusOf(rollout, step);
  const box = status.state === 'done' ? 'x' : ' ';
  const after =
    status.state === 'done'
      ? ` · done by ${e(status.confirmation.by)} at ${e(status.confirmation.at)}`
      : status.state === 'waiting'
        ? ` · after ${status.on.join(', ')}`
        : '';
  return [
    `- [${box}] ${stepLabel(step, e)}${after}`,
    '  <details><summary>How, in Creator</summary>',
    '',
    ...codeBlock(instructions).map((l) => `  ${l}`),
    '',
    '  </details>',
  ];
}

/**
 * The issue body and, when it would exceed GitHub's limit, continuation comments: `[body,
 * part 2, …]`. Each part is whole steps; the first holds the header and who must authorize.
 */
export function issueParts(rollout: Rollout, target: string, options: { parts?: readonly number[]; limit?: number } = {}): string[] {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const e = markdownText(rollout);
  const p = progressOf(rollout);
  const instructions = stepInstructions(rollout);
  const authorizations = rollout.steps.filter((s) => s.kind === 'authorize');
  const header = [
    rolloutMarker(target, rollout.id, options.parts ?? []),
    `### Rollout \`${rollout.id}\` on ${e(target)}`,
    '',
    `**${p.done} of ${p.total} steps done.** ${rollout.open ? 'Tick a step when it is done in Creator: it is recorded on the target by you, in dependency order (only people with write access may tick). A step whose dependencies are not done is unticked again.' : 'This rollout is closed.'}`,
    '',
    ...(authorizations.length
      ? ['**Who must authorize:**', ...authorizations.map((s) => (s.kind === 'authorize' ? `- ${e(s.connection)}${authorizeWhere(s, e)} (${s.id})` : '')), '']
      : []),
  ];
  const parts: string[][] = [header];
  for (const step of rollout.steps) {
    const item = stepItem(rollout, step.id, instructions.get(step.id) ?? [], e);
    const current = parts[parts.length - 1]!;
    const size = (lines: string[]) => lines.join('\n').length + 1;
    if (size(current) + size(item) > limit && current.some((l) => l.startsWith('- ['))) {
      parts.push([partMarker(target, rollout.id, parts.length + 1), `### Rollout \`${rollout.id}\`, continued (part ${parts.length + 1})`, '']);
    }
    parts[parts.length - 1]!.push(...item);
  }
  return parts.map((lines) => truncate(lines.join('\n') + '\n', limit));
}

/** A single step longer than the limit (it would take a very long name) keeps what fits. */
function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const note = '\n\n_(cut: too long for one GitHub comment; `connectorops rollout next` prints all of it)_\n';
  return text.slice(0, limit - note.length) + note;
}

/** A task list item as CommonMark reads one (up to three spaces, any bullet or number): GitHub draws a box for it. */
const TASK_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\]/;
/** One of our step lines: `- [x] **ID** …`. */
const STEP_ITEM = /^- \[([ xX])\] \*\*([a-z0-9]{1,40})\*\*/;

/** The ids on ticked lines of our own form (`- [x] **ID**`), whatever the rest of the line says. */
function tickedIds(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const m = STEP_ITEM.exec(line);
    if (m && m[1] !== ' ') out.add(m[2]!);
  }
  return out;
}

/** One part of the issue as read: the body, or a continuation comment connectorops created. */
export interface IssuePart {
  /** `body`, or the comment's id. */
  part: 'body' | number;
  text: string;
}

export interface IssueReading {
  /** Steps whose box is ticked, on lines exactly as connectorops wrote them. */
  ticked: Set<string>;
  /** Parts whose step lines were added, rewritten or removed: none of their ticks count. */
  tampered: Array<{ part: 'body' | number; lines: string[] }>;
}

/**
 * Reads the ticks of the trusted parts. Every task item must be one of the rollout's steps, once,
 * with the text connectorops wrote (only the box and the status after ` · ` may differ); a part
 * with any other task item, or an issue missing a step, is tampered: its ticks are ignored and the
 * re-rendering puts back connectorops' text.
 */
export function readIssue(parts: readonly IssuePart[], rollout: Rollout): IssueReading {
  const e = markdownText(rollout);
  const labels = new Map(rollout.steps.map((s) => [s.id, stepLabel(s, e)]));
  const seen = new Set<string>();
  const ticked = new Set<string>();
  const tampered: IssueReading['tampered'] = [];
  for (const { part, text } of parts) {
    const bad: string[] = [];
    const here = new Set<string>();
    for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
      if (!TASK_ITEM.test(line)) continue;
      const m = STEP_ITEM.exec(line);
      const id = m?.[2];
      const label = id !== undefined ? labels.get(id) : undefined;
      const rest = label !== undefined && line.startsWith(label, 6) ? line.slice(6 + label.length) : null;
      if (!m || id === undefined || rest === null || (rest !== '' && !rest.startsWith(' · ')) || seen.has(id)) {
        bad.push(line);
        continue;
      }
      seen.add(id);
      if (m[1] !== ' ') here.add(id);
    }
    if (bad.length) tampered.push({ part, lines: bad });
    else for (const id of here) ticked.add(id);
  }
  const missing = rollout.steps.filter((s) => !seen.has(s.id)).map((s) => s.id);
  if (missing.length && !tampered.length) tampered.push({ part: 'body', lines: missing.map((id) => `(the line of ${id} was removed)`) });
  return { ticked, tampered };
}

/**
 * The edit that started this sync, from GitHub's event: which part, and its text before and after
 * (GitHub's `changes.body.from` and the body it sent). Without the texts, the whole edited part is
 * the actor's.
 */
export interface IssueEdit {
  part: 'body' | number;
  before?: string;
  after?: string;
}

/**
 * The steps the actor ticked: those whose box went from empty to ticked in the actor's own edit,
 * or (without the texts) those ticked in the part the actor edited.
 */
export function ticksByActor(edit: IssueEdit, parts: readonly IssuePart[]): Set<string> {
  if (edit.before !== undefined && edit.after !== undefined) {
    const before = tickedIds(edit.before);
    return new Set([...tickedIds(edit.after)].filter((id) => !before.has(id)));
  }
  const edited = parts.find((p) => p.part === edit.part);
  return edited ? tickedIds(edited.text) : new Set();
}

export interface SyncDecision {
  /** Newly ticked steps to record, in the rollout's order (dependencies first). */
  record: string[];
  /** Newly ticked steps whose dependencies are neither done nor ticked: unticked again. */
  outOfOrder: Array<{ id: string; waitsFor: string[] }>;
  /** Newly ticked by the actor, who has no write access: all reverted. */
  reverted: string[];
  /** Newly ticked, but not in the actor's edit: who ticked them is unknown, so they are unticked. */
  unattributed: string[];
}

/** What to do with the boxes ticked now: those the actor ticked, by an actor who may (or may not) tick. */
export function decideSync(rollout: Rollout, ticked: ReadonlySet<string>, byActor: ReadonlySet<string>, mayTick: boolean): SyncDecision {
  const fresh = rollout.steps.filter((s) => ticked.has(s.id) && !rollout.done.has(s.id));
  const unattributed = fresh.filter((s) => !byActor.has(s.id)).map((s) => s.id);
  const mine = fresh.filter((s) => byActor.has(s.id));
  if (!mayTick) return { record: [], outOfOrder: [], reverted: mine.map((s) => s.id), unattributed };
  const accepted = new Set<string>();
  const outOfOrder: SyncDecision['outOfOrder'] = [];
  for (const step of mine) {
    const waitsFor = step.dependsOn.filter((d) => !rollout.done.has(d) && !accepted.has(d));
    if (waitsFor.length) outOfOrder.push({ id: step.id, waitsFor });
    else accepted.add(step.id);
  }
  return { record: [...accepted], outOfOrder, reverted: [], unattributed };
}

/** The comment posted when the last step is done, before the issue is closed. */
export function completionComment(rollout: Rollout): string {
  const e = (s: string) => escapeMarkdown(s);
  const by = [...new Set([...rollout.done.values()].map((c) => c.by))];
  return [
    `**Rollout \`${rollout.id}\` is complete:** all ${rollout.steps.length} steps are done (by ${by.map(e).join(', ')}). The target is closed for this rollout; \`connectorops plan\` should report no changes.`,
    '',
    '`connectorops rollout log` prints who did what, and when.',
  ].join('\n');
}

/** `: alice`, ` in stage: bob`, `: every user, each for themselves`: who gives an authorize step, and where. */
function authorizeWhere(s: Extract<RolloutStep, { kind: 'authorize' }>, e: (s: string) => string): string {
  if (s.everyUser) return ': every user, each for themselves (announce it)';
  const where = s.environment !== undefined && s.environment !== 'all' ? ` in ${s.environment}` : '';
  return `${where}: ${s.account !== null ? e(s.account) : "the connection's owner"}`;
}
