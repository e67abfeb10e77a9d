/**
 * The drift issue (docs/drift.md, "The drift issue"): ONE GitHub issue per target, found by a
 * hidden marker and labelled `connectorops:drift`, kept by `connectorops drift --repo`:
 *
 * - drift and no issue: it is opened;
 * - drift and the issue open: its body is updated in place (only when it differs), and one comment
 *   is posted only when the findings changed (a finding new or gone), never on every run;
 * - drift and the issue closed: it is reopened, with one comment;
 * - no drift and the issue open: one comment, then it is closed;
 * - no drift and no open issue: nothing is written.
 *
 * The findings of the last run are kept in the body, in a second hidden line, so that "changed"
 * needs no other storage. The GitHub side is the small `DriftIssues` interface (octokit adapter:
 * issues.ts); this module only decides and renders.
 */
import { findingKey, type DriftReport } from '../drift/findings.js';
import { escapeMarkdown } from '../render/escape.js';
import { findingSummaryMarkdown, renderDriftMarkdown } from '../render/drift.js';
import { agree, plural } from '../util/text.js';
import { GITHUB_COMMENT_LIMIT } from './body.js';
import type { Issue } from './issues.js';
import { mayBeOurs } from './thread.js';

export const DRIFT_LABEL = 'connectorops:drift';

const MARKER_HEAD = '<!-- connectorops:drift ';
const FINDINGS_HEAD = '<!-- connectorops:drift-findings ';

/** The GitHub side of the drift issue. Every method throws a GitHubError when GitHub refuses or fails. */
export interface DriftIssues {
  /** `owner/name`, for messages. */
  readonly repository: string;
  /** Issues with `label`, open and closed, newest first. */
  listLabelled(label: string): Promise<Issue[]>;
  create(fields: { title: string; body: string; labels: string[] }): Promise<Issue>;
  update(number: number, fields: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<Issue>;
  createComment(number: number, body: string): Promise<unknown>;
}

/** The hidden first line of the drift issue of `target`. */
export function driftMarker(target: string): string {
  return `${MARKER_HEAD}target=${encodeURIComponent(target)} -->`;
}

function findingsLine(keys: readonly string[]): string {
  return `${FINDINGS_HEAD}${keys.map(encodeURIComponent).join(' ')} -->`;
}

/** The finding keys an issue body recorded (empty for a body that holds none). */
export function recordedKeys(body: string): string[] {
  const line = body
    .replace(/\r\n/g, '\n')
    .split('\n')
    .find((l) => l.startsWith(FINDINGS_HEAD) && l.endsWith(' -->'));
  if (!line) return [];
  return line
    .slice(FINDINGS_HEAD.length, -' -->'.length)
    .split(' ')
    .filter(Boolean)
    .map((k) => {
      try {
        return decodeURIComponent(k);
      } catch {
        return k;
      }
    });
}

/** The drift issue of `marker`: its first line, in an issue a bot or a writer opened (thread.ts, `mayBeOurs`). */
function isDriftIssue(issue: Issue, marker: string): boolean {
  const first = issue.body.replace(/\r\n/g, '\n').split('\n', 1)[0];
  return first === marker && mayBeOurs(issue);
}

/** `Drift on production: 3 findings`: one line, no control characters. */
export function driftTitle(report: DriftReport): string {
  // eslint-disable-next-line no-control-regex -- control characters never reach an issue title
  const target = report.target.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 150);
  return report.findings.length ? `Drift on ${target}: ${plural(report.findings.length, 'finding')}` : `No drift on ${target}`;
}

/** The issue body: the marker, the findings' keys, the findings with what to do, within GitHub's limit. */
export function driftBody(report: DriftReport, limit = GITHUB_COMMENT_LIMIT): string {
  const keys = report.findings.map(findingKey);
  let recorded = findingsLine(keys);
  // Thousands of findings: the keys would crowd out the body; then "changed" is judged by count only.
  if (recorded.length > limit / 4) recorded = findingsLine([`count:${keys.length}`]);
  const head = `${driftMarker(report.target)}\n${recorded}\n`;
  const footer =
    '\n---\n_Kept by `connectorops drift`: this issue is updated in place on every run, commented on when the findings change, and closed when the drift is gone._\n';
  const text = renderDriftMarkdown(report);
  const room = limit - head.length - footer.length;
  if (text.length <= room) return head + text + footer;
  const note = '\n\n_(cut: too long for one GitHub issue; `connectorops drift` prints all of it)_\n';
  return head + text.slice(0, room - note.length) + note + footer;
}

export type DriftIssueOutcome =
  | { action: 'none' }
  | { action: 'opened'; issue: Issue }
  | { action: 'updated'; issue: Issue; commented: boolean }
  | { action: 'reopened'; issue: Issue }
  | { action: 'closed'; issue: Issue };

/** The comment of a run whose findings differ from the last run's: what is new, what is gone. */
function changedComment(report: DriftReport, before: readonly string[], reopened: boolean): string {
  const had = new Set(before);
  const now = new Set(report.findings.map(findingKey));
  const fresh = report.findings.filter((f) => !had.has(findingKey(f)));
  const gone = before.filter((k) => !now.has(k));
  const lines = [
    reopened
      ? `**Drift is back** (checked at ${escapeMarkdown(report.checkedAt)}): ${plural(report.findings.length, 'finding')}; the body above says what to do.`
      : `**The findings changed** (checked at ${escapeMarkdown(report.checkedAt)}): ${plural(report.findings.length, 'finding')} now; the body above says what to do.`,
  ];
  if (fresh.length) lines.push('', 'New:', ...fresh.map((f) => `- ${findingSummaryMarkdown(f, report.target)}`));
  if (gone.length && !reopened) lines.push('', `Gone: ${plural(gone.length, 'finding')} of the last check no longer ${agree(gone.length, 'holds', 'hold')}.`);
  return lines.join('\n');
}

function cleanComment(report: DriftReport): string {
  return `**No drift any more** (checked at ${escapeMarkdown(report.checkedAt)}): the manifests, the ledger and the code agree. Closing; \`connectorops drift\` reopens this issue if drift returns.`;
}

/** Keeps the one drift issue of `report.target` in step with the report. */
export async function keepDriftIssue(issues: DriftIssues, report: DriftReport): Promise<DriftIssueOutcome> {
  const marker = driftMarker(report.target);
  const mine = (await issues.listLabelled(DRIFT_LABEL)).filter((i) => isDriftIssue(i, marker));
  // Newest first; an open one wins over a closed one (a second issue would only come from a person copying the marker).
  const issue = mine.find((i) => i.state === 'open') ?? mine[0] ?? null;
  const drift = report.findings.length > 0;
  const title = driftTitle(report);
  const body = driftBody(report);

  if (!drift) {
    if (!issue || issue.state === 'closed') return { action: 'none' };
    await issues.createComment(issue.number, cleanComment(report));
    return { action: 'closed', issue: await issues.update(issue.number, { title, body, state: 'closed' }) };
  }
  if (!issue) return { action: 'opened', issue: await issues.create({ title, body, labels: [DRIFT_LABEL] }) };
  const before = recordedKeys(issue.body);
  if (issue.state === 'closed') {
    const reopened = await issues.update(issue.number, { title, body, state: 'open' });
    await issues.createComment(issue.number, changedComment(report, before, true));
    return { action: 'reopened', issue: reopened };
  }
  const changed = [...recordedKeys(body)].sort().join('\n') !== [...before].sort().join('\n');
  const now = issue.body.replace(/\r\n/g, '\n') !== body || issue.title !== title ? await issues.update(issue.number, { title, body }) : issue;
  if (changed) await issues.createComment(issue.number, changedComment(report, before, false));
  return { action: 'updated', issue: now, commented: changed };
}
