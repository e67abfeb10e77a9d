/**
 * `connectorops drift`: the findings as text for a terminal, JSON for a program, and Markdown for a
 * job summary and the drift issue (github/drift-issue.ts). Pure functions of the report; every
 * user-written string (names, people, files, the ref) goes through the escaper of its medium, and
 * the next-step commands go into a fenced block that no line can close.
 */
import { findingKey, type DriftFinding, type DriftReport, type UsageRef } from '../drift/findings.js';
import { nextSteps } from '../drift/next.js';
import { escapeMarkdown, quoteTerminal, sanitizeTerminal } from './escape.js';
import { codeBlock } from './rollout.js';
import { agree, plural } from '../util/text.js';

export const DRIFT_FORMATS = ['text', 'json', 'markdown'] as const;
export type DriftFormat = (typeof DRIFT_FORMATS)[number];

/** How many usages a finding lists before "and N more". */
const USAGES_SHOWN = 10;

/** How a medium shows a user string: quoted (a name) and as plain text (a person, a file, a time). */
interface Quoting {
  q: (s: string) => string;
  t: (s: string) => string;
}

const TERMINAL: Quoting = { q: quoteTerminal, t: sanitizeTerminal };
const MARKDOWN: Quoting = { q: (s) => `"${escapeMarkdown(s)}"`, t: escapeMarkdown };

const NAMES: Record<DriftFinding['kind'], string> = {
  'not-rolled-out': 'Not rolled out',
  'stale-rollout': 'Stale rollout',
  'unknown-connection': 'Connection unknown to Git and the ledger',
  'ledger-only': 'On the ledger, in no manifest',
  'usage-without-access': 'Usage without Connection Access',
};

/** One line that says what the finding is, in the medium's quoting. */
function findingTitle(f: DriftFinding, target: string, { q, t }: Quoting): string {
  const name = NAMES[f.kind];
  switch (f.kind) {
    case 'not-rolled-out': {
      const blocked = f.blocked.length ? ` (and ${plural(f.blocked.length, 'blocked change')})` : '';
      return `${name}: ${plural(f.actions.length, 'change')}${blocked} in the manifests ${agree(f.actions.length + f.blocked.length, 'is', 'are')} not on target ${q(target)}, and no rollout is open`;
    }
    case 'stale-rollout':
      return `${name}: ${t(f.rollout)} on ${q(target)} has been open for ${plural(f.days, 'day')} (since ${t(f.openedAt)}, by ${t(f.openedBy)}); ${f.done} of ${f.total} steps done`;
    case 'unknown-connection':
      return `${name}: code calls connection ${q(f.connection)}, which no manifest and no ledger knows`;
    case 'ledger-only':
      return `${name}: ${f.resource.toLowerCase()} ${q(f.linkName)} is on the ledger of ${q(target)}, but no manifest defines it`;
    case 'usage-without-access':
      return `${name}: application ${q(f.app)} calls connection ${q(f.connection)}, whose access is ${f.access.map(q).join(', ') || 'no application'}`;
  }
}

function usageLine(u: UsageRef, { q, t }: Quoting): string {
  return `${t(u.file)}:${u.line}:${u.col}: app ${q(u.app)}, ${t(u.component)}`;
}

function usageLines(usages: readonly UsageRef[], quoting: Quoting): string[] {
  const shown = usages.slice(0, USAGES_SHOWN).map((u) => usageLine(u, quoting));
  return usages.length > USAGES_SHOWN ? [...shown, `and ${usages.length - USAGES_SHOWN} more`] : shown;
}

/** The finding's facts, one item each, in the medium's quoting. */
function findingDetails(f: DriftFinding, quoting: Quoting): string[] {
  const { q, t } = quoting;
  switch (f.kind) {
    case 'not-rolled-out':
      return [...f.actions.map((a) => `${a.id} ${a.op} ${q(a.linkName)}`), ...f.blocked.map((b) => `blocked (${b.rule}): ${b.resource.toLowerCase()} ${q(b.linkName)}`)];
    case 'stale-rollout':
      return [
        f.ready.length ? `ready now: ${f.ready.map((s) => `${t(s.id)} ${s.op} ${q(s.linkName)}`).join(', ')}` : 'no step is ready now',
        f.last ? `last step done: ${t(f.last.step)} by ${t(f.last.by)} at ${t(f.last.at)}` : 'no step has been done yet',
      ];
    case 'unknown-connection':
    case 'usage-without-access':
      return usageLines(f.usages, quoting);
    case 'ledger-only':
      return [];
  }
}

function headline(report: DriftReport, { q, t }: Quoting): string {
  const where =
    report.ref !== null ? `the manifests at ${t(report.ref)}${report.commit ? ` (${t(report.commit.slice(0, 12))})` : ''}` : 'the manifests in the working tree';
  return report.findings.length
    ? `Drift: ${plural(report.findings.length, 'finding')} for target ${q(report.target)}, ${where}, checked at ${report.checkedAt}.`
    : `No drift for target ${q(report.target)}: ${where}, the ledger and the code agree (checked at ${report.checkedAt}).`;
}

export function renderDriftText(report: DriftReport): string {
  const context = { target: report.target, dir: report.dir };
  const lines = [headline(report, TERMINAL)];
  report.findings.forEach((f, i) => {
    lines.push('', `${i + 1}. ${findingTitle(f, report.target, TERMINAL)}`);
    for (const d of findingDetails(f, TERMINAL)) lines.push(`     ${d}`);
    const next = nextSteps(f, context);
    lines.push(`   Next: ${next.say}`);
    for (const c of next.commands) lines.push(`     ${c}`);
  });
  return lines.join('\n') + '\n';
}

function renderDriftJson(report: DriftReport): string {
  const context = { target: report.target, dir: report.dir };
  const doc = {
    formatVersion: 1,
    target: report.target,
    ref: report.ref,
    commit: report.commit,
    checkedAt: report.checkedAt,
    staleAfterDays: report.staleAfterDays,
    drift: report.findings.length > 0,
    findings: report.findings.map((f) => ({ ...f, key: findingKey(f), next: nextSteps(f, context) })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The findings as GitHub Markdown: a heading, then per finding its title, facts, and what to do. */
export function renderDriftMarkdown(report: DriftReport): string {
  const context = { target: report.target, dir: report.dir };
  const lines = [`### Drift on ${escapeMarkdown(report.target)}`, '', headline(report, MARKDOWN)];
  report.findings.forEach((f, i) => {
    lines.push('', `#### ${i + 1}. ${findingTitle(f, report.target, MARKDOWN)}`, '');
    for (const d of findingDetails(f, MARKDOWN)) lines.push(`- ${d}`);
    const next = nextSteps(f, context);
    lines.push('', `**What to do:** ${escapeMarkdown(next.say)}`, '', ...codeBlock(next.commands));
  });
  return lines.join('\n') + '\n';
}

/** One line per finding, for a comment: what is new or gone. */
export function findingSummaryMarkdown(f: DriftFinding, target: string): string {
  return findingTitle(f, target, MARKDOWN);
}

export function renderDrift(report: DriftReport, format: DriftFormat): string {
  if (format === 'json') return renderDriftJson(report);
  if (format === 'markdown') return renderDriftMarkdown(report);
  return renderDriftText(report);
}
