/**
 * The rollout as a GitHub issue (docs/github.md, "The rollout issue"), pure: its marker, title and
 * body (a task list, each step's Creator instructions folded in <details>), split over GitHub's
 * size limit; the boxes ticked in it; and what `rollout sync` does with newly ticked boxes.
 *
 * Escaping is the plan comment's: every user string through escapeMarkdown (no live @mention, no
 * list or HTML broken), instructions in a fenced block that no line can close.
 */
import { escapeMarkdown } from '../render/escape.js';
import { makeRedactor } from '../render/redact.js';
import { codeBlock, rolloutStepTitle, stepInstructions } from '../render/rollout.js';
import { progressOf, statusOf, type Rollout, type RolloutStep } from '../rollout/model.js';
import { GITHUB_COMMENT_LIMIT } from './body.js';

export const ROLLOUT_LABEL = 'connectorops-rollout';

const MARKER_HEAD = '<!-- connectorops:rollout ';

/** The hidden first line of the issue of rollout `id` on `target`. */
export function rolloutMarker(target: string, id: string): string {
  return `${MARKER_HEAD}target=${encodeURIComponent(target)} id=${encodeURIComponent(id)} -->`;
}

/** The hidden first line of the n-th continuation comment (n ≥ 2) of a split issue. */
export function partMarker(target: string, id: string, n: number): string {
  return `${MARKER_HEAD}target=${encodeURIComponent(target)} id=${encodeURIComponent(id)} part=${n} -->`;
}

export function hasMarker(body: string, marker: string): boolean {
  const text = body.replace(/\r\n/g, '\n');
  return text === marker || text.startsWith(marker + '\n');
}

/** `Rollout r-3f9a1c: 6 steps on production`: one line, no control characters. */
export function issueTitle(rollout: Rollout, target: string): string {
  // eslint-disable-next-line no-control-regex -- control characters never reach an issue title
  const clean = target.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 150);
  return `Rollout ${rollout.id}: ${rollout.steps.length} steps on ${clean}`;
}

/** One step as a task list item, with its instructions folded; `- [x]` when done. */
function stepItem(rollout: Rollout, id: string, instructions: string[], e: (s: string) => string): string[] {
  const step = rollout.steps.find((s) => s.id === id)!;
  const status = statusOf(rollout, step);
  const title = rolloutStepTitle(step, (x) => `"${e(x)}"`, e);
  const box = status.state === 'done' ? 'x' : ' ';
  const after =
    status.state === 'done'
      ? ` · done by ${e(status.confirmation.by)} at ${e(status.confirmation.at)}`
      : status.state === 'waiting'
        ? ` · after ${status.on.join(', ')}`
        : '';
  return [
    `- [${box}] **${id}** ${title}${after}`,
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
export function issueParts(rollout: Rollout, target: string, limit = GITHUB_COMMENT_LIMIT): string[] {
  const redact = makeRedactor(rollout.plan);
  const e = (s: string) => escapeMarkdown(redact(s));
  const p = progressOf(rollout);
  const instructions = stepInstructions(rollout);
  const authorizations = rollout.steps.filter((s) => s.kind === 'authorize');
  const header = [
    rolloutMarker(target, rollout.id),
    `### Rollout \`${rollout.id}\` on ${e(target)}`,
    '',
    `**${p.done} of ${p.total} steps done.** ${rollout.open ? 'Tick a step when it is done in Creator: it is recorded on the target by you, in dependency order (only people with write access may tick). A step whose dependencies are not done is unticked again.' : 'This rollout is closed.'}`,
    '',
    ...(authorizations.length
      ? [
          '**Who must authorize:**',
          ...authorizations.map((s) => (s.kind === 'authorize' ? `- ${e(s.connection)}${authorizeWhere(s, e)} (${s.id})` : '')),
          '',
        ]
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

/** The step ids whose box is ticked in these bodies (our own `- [x] **ID**` lines only). */
export function tickedSteps(bodies: readonly string[], rollout: Rollout): Set<string> {
  const ids = new Set(rollout.steps.map((s) => s.id));
  const out = new Set<string>();
  for (const body of bodies) {
    for (const line of body.replace(/\r\n/g, '\n').split('\n')) {
      const m = /^- \[([xX])\] \*\*([a-z0-9]+)\*\*/.exec(line);
      if (m && ids.has(m[2]!)) out.add(m[2]!);
    }
  }
  return out;
}

export interface SyncDecision {
  /** Newly ticked steps to record, in the rollout's order (dependencies first). */
  record: string[];
  /** Newly ticked steps whose dependencies are neither done nor ticked: unticked again. */
  outOfOrder: Array<{ id: string; waitsFor: string[] }>;
  /** Newly ticked by someone without write access: all reverted. */
  reverted: string[];
}

/** What to do with the boxes ticked now, by an actor who may (or may not) tick. */
export function decideSync(rollout: Rollout, ticked: ReadonlySet<string>, mayTick: boolean): SyncDecision {
  const fresh = rollout.steps.filter((s) => ticked.has(s.id) && !rollout.done.has(s.id));
  if (!mayTick) return { record: [], outOfOrder: [], reverted: fresh.map((s) => s.id) };
  const accepted = new Set<string>();
  const outOfOrder: SyncDecision['outOfOrder'] = [];
  for (const step of fresh) {
    const waitsFor = step.dependsOn.filter((d) => !rollout.done.has(d) && !accepted.has(d));
    if (waitsFor.length) outOfOrder.push({ id: step.id, waitsFor });
    else accepted.add(step.id);
  }
  return { record: [...accepted], outOfOrder, reverted: [] };
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
