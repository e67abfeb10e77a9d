/**
 * The plan as GitHub Markdown, for a pull request comment. A reviewer sees, without expanding
 * anything: the summary line, the authorizations that will be revoked, and what blocks the plan.
 * The detail (per-resource changes, ordered steps, impact, authorizations) sits in `<details>`.
 *
 * Every user-written string goes through `escapeMarkdown` (after S2 redaction); the only HTML in
 * the output is our own: details, summary, del, ins.
 */
import { SENSITIVE } from '../model/actions.js';
import { rolloutInProgressLine, type Plan } from '../model/plan.js';
import type { Usage } from '../model/types.js';
import { usageLocation } from '../model/usages.js';
import { escapeMarkdown } from './escape.js';
import { makeRedactor, SENSITIVE_MARKERS } from './secret-display.js';
import { authorizationRule, authorizationTasks } from '../rollout/authorizations.js';
import {
  append,
  displayChanges,
  everyUserRevocations,
  everyUserText,
  firstItems,
  groupByResource,
  LISTED_USAGES,
  REPLACEMENT_RULES,
  resourceLabel,
  revokedWho,
  stepTitle,
  taskWho,
  type DisplayChange,
} from './resources.js';
import { mermaidFlowchart, planGraphNodes } from './graph.js';
import { blockedLine, causeText, footerLine, isEmptyPlan, revocationHeadline, usagesOf } from './summary.js';
import { splitSpace, wantsWordDiff, wordDiff } from './worddiff.js';
import { plural } from '../util/text.js';

/** The HTML tags the Markdown renderer writes itself; user text never adds one. */
export const MARKDOWN_OWN_TAGS: readonly string[] = ['details', 'summary', 'del', 'ins'];

/** A table row: cells are inline content, so escaping keeps user `|` from splitting them. */
function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: string[], rows: string[][]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

/** Prefixes every line with `> ` so that a block sits inside a GitHub alert. */
function quoteBlock(lines: string[]): string[] {
  return lines.map((l) => (l === '' ? '>' : `> ${l}`));
}

function details(summary: string, body: string[]): string[] {
  // The blank lines make GitHub render the body as Markdown rather than as raw HTML.
  return [`<details><summary>${summary}</summary>`, '', ...body, '', '</details>', ''];
}

/** Where the repository is browsed: usages found in code link to their line there. */
export interface CodeHost {
  /** `https://github.com`, no trailing slash. */
  serverUrl: string;
  owner: string;
  repo: string;
}

export interface MarkdownOptions {
  /** Link each usage's `file:line:col` to the file at the plan's source commit. */
  codeHost?: CodeHost;
}

/** Renders the plan as GitHub Markdown: summary and revocations first, detail collapsed. */
export function renderMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const redact = makeRedactor(plan);
  const e = (s: string) => escapeMarkdown(redact(s));
  const at = (u: Usage) => usageAt(u, e, options.codeHost, plan.source.commit);
  const value = (v: unknown): string => formatValue(v, e);
  const out: string[] = [];

  out.push('### connectorops plan', '');
  const source = plan.source.ref ? ` · source ${e(plan.source.ref)}${plan.source.commit ? ` (${e(plan.source.commit.slice(0, 12))})` : ''}` : '';
  out.push(`Target: ${e(plan.target)} · state serial ${plan.base.stateSerial}${source}`, '');
  if (plan.rollout) out.push('> [!NOTE]', `> ${rolloutInProgressLine(plan.rollout, (id) => (/^r-[0-9a-f]+$/.test(id) ? `\`${id}\`` : e(id)))}`, '');

  if (isEmptyPlan(plan)) {
    out.push('**No changes.** The target matches the manifests.', '');
  } else {
    out.push(`**${footerLine(plan.summary)}**`, '');
  }

  if (plan.revokedAuthorizations.length) {
    out.push(
      ...quoteBlock([
        '[!WARNING]',
        `**${revocationHeadline(plan.revokedAuthorizations.length)}.** These connections stop working until their accounts authorize them again:`,
        '',
        ...table(
          ['Connection', 'Account', 'Connector', 'Cause', 'Rule'],
          plan.revokedAuthorizations.map((r) => [e(r.connection), e(revokedWho(r)), e(r.connector), e(causeText(r)), r.rule]),
        ),
        ...everyUserRevocations(plan).flatMap((u) => ['', `**${e(u.connection)}** is a logged-in user connection: ${e(everyUserText(u.users))}.`]),
      ]),
      '',
    );
  }

  if (plan.blocked.length) {
    const items: string[] = [];
    for (const b of plan.blocked) {
      const forces = REPLACEMENT_RULES.has(b.rule) ? ' Forces replacement:' : '';
      items.push(`- **${resourceLabel(b.kind, b.linkName, e)}** (${b.rule}):${forces} ${e(b.message)}`);
      if (b.hint) items.push(`  - Hint: ${e(b.hint)}`);
      if (b.kind === 'Connection') {
        append(
          items,
          firstItems(
            usagesOf(plan, b.linkName, b),
            (u) => `  - Used by app ${e(u.app)}, ${e(u.component)} (${e(u.kind)})${at(u) ? ` at ${at(u)}` : ''}`,
            (more) => `  - … ${more}`,
          ),
        );
      }
    }
    append(out, quoteBlock(append(['[!CAUTION]', `**${blockedLine(plan.blocked.length)}**`, ''], items))).push('');
  }

  const warnings = plan.warnings ?? [];
  if (warnings.length) {
    const items = warnings.map((w) => {
      const where = w.kind && w.linkName ? `${resourceLabel(w.kind, w.linkName, e)}: ` : '';
      return `- ${where}${e(w.message)} (${e(w.code)})`;
    });
    out.push(...quoteBlock(['[!NOTE]', `**${plural(warnings.length, 'warning')}**`, '', ...items]), '');
  }

  const r15 = plan.impact.filter((i) => i.rule === 'R15');
  if (r15.length) {
    const usages = r15.reduce((n, i) => n + i.usages.length, 0);
    out.push(`Disabling ${plural(r15.length, 'connection')} stops ${plural(usages, 'usage')} in applications (R15): see *Impact on applications*.`, '');
  }

  const groups = groupByResource(plan);
  if (groups.length) {
    const body: string[] = [];
    for (const g of groups) {
      body.push(`#### \`${g.symbol}\` ${resourceLabel(g.kind, g.linkName, e)} ${g.headline}${g.rules.length ? ` (${g.rules.join(', ')})` : ''}`, '');
      const rows = g.actions.flatMap((a) => displayChanges(a)).map((c) => [`\`${c.symbol}\``, e(c.path), changeCell(c, e, value, redact)]);
      if (rows.length) body.push(...table(['', 'Field', 'Change'], rows), '');
      for (const reason of g.replaceReasons) body.push(`**Forces replacement:** ${e(reason)}`, '');
      for (const reason of g.reasons) body.push(`*Note:* ${e(reason)}`, '');
    }
    out.push(...details(`Changes to ${plural(groups.length, 'resource')}`, trimEnd(body)));
  }

  if (plan.actions.length) {
    const steps = plan.actions.map((a, n) => {
      const rules = a.rules.length ? ` \\[${a.rules.join(', ')}\\]` : '';
      const after = a.dependsOn.length ? `, after ${a.dependsOn.map(e).join(', ')}` : '';
      return `${n + 1}. ${e(a.id)} ${stepTitle(a, e, e)}${rules}${after}`;
    });
    out.push(...details(`Steps, in order (${plan.actions.length})`, steps));
    out.push(...graphSection(plan, redact));
  }

  if (plan.impact.length) {
    const withCode = plan.impact.some((i) => i.usages.some((u) => u.source === 'code'));
    const rows: string[][] = [];
    for (const i of plan.impact) {
      const shown = i.usages.slice(0, LISTED_USAGES).map((u) => {
        const cells = [e(i.connection), e(u.app), e(u.component), e(u.kind)];
        if (withCode) cells.push(at(u) || (u.source === 'target' ? 'recorded by the target' : ''));
        return [...cells, i.rule];
      });
      append(rows, shown);
      const left = i.usages.length - shown.length;
      if (left > 0) rows.push([e(i.connection), `… and ${left.toLocaleString('en-US')} more`, '', '', ...(withCode ? [''] : []), i.rule]);
    }
    const header = ['Connection', 'App', 'Component', 'Kind', ...(withCode ? ['Where'] : []), 'Rule'];
    append(out, details('Impact on applications', table(header, rows)));
  }

  const tasks = authorizationTasks(plan);
  if (tasks.length) {
    const items = tasks.map((task) => `- ${e(task.connection)}: ${taskWho(task, e, ', ')} (${authorizationRule(task)})`);
    out.push(...details(`Needs authorization after apply (${tasks.length})`, items));
  }

  return trimEnd(out).join('\n') + '\n';
}

/** The most actions drawn as a Mermaid graph in a comment: beyond, GitHub's drawing is unreadable. */
export const MERMAID_MAX_ACTIONS = 40;

/**
 * The steps as a Mermaid flowchart (GitHub draws it), folded; for a plan of more than
 * MERMAID_MAX_ACTIONS actions, one line that points at the studio instead. Labels are redacted
 * (S2) and escaped for Mermaid (graph.ts), never for Markdown: a code block shows them as they are.
 */
function graphSection(plan: Plan, redact: (s: string) => string): string[] {
  const n = plan.actions.length;
  if (n > MERMAID_MAX_ACTIONS) {
    return [`The graph of these ${n} steps is too large for a comment (more than ${MERMAID_MAX_ACTIONS}): \`connectorops studio\` draws it.`, ''];
  }
  const chart = mermaidFlowchart(planGraphNodes(plan, (s) => `"${redact(s)}"`));
  return details(`Graph of the steps (${n})`, ['```mermaid', ...chart, '```']);
}

const HEX_COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * A usage found in code as `file:line:col`, escaped; a link to that line at `commit` when the
 * host and commit are known. '' for a usage the target records.
 */
function usageAt(u: Usage, e: (s: string) => string, host: CodeHost | undefined, commit: string | null): string {
  const location = usageLocation(u);
  if (location === null) return '';
  if (!host || commit === null || !HEX_COMMIT.test(commit) || u.file === undefined) return e(location);
  // Every path segment percent-encoded, parentheses and quotes included: the URL cannot end the
  // link early or carry Markdown of its own.
  const path = u.file
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
  const url = `${host.serverUrl}/${encodeURIComponent(host.owner)}/${encodeURIComponent(host.repo)}/blob/${commit}/${path}#L${u.line ?? 1}`;
  return `[${e(location)}](${url})`;
}

function trimEnd(lines: string[]): string[] {
  const copy = [...lines];
  while (copy.length && copy[copy.length - 1] === '') copy.pop();
  return copy;
}

/** A value in a table cell: strings quoted and escaped, markers as they are, lists in brackets. */
function formatValue(v: unknown, e: (s: string) => string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return SENSITIVE_MARKERS.has(v) ? e(v) : `"${e(v)}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `\\[${v.map((x) => formatValue(x, e)).join(', ')}\\]`;
  if (typeof v === 'object') {
    if ('fingerprint' in v || 'fromEnv' in v) return e(SENSITIVE);
    return `\\{ ${Object.entries(v)
      .map(([k, x]) => `${e(k)}: ${formatValue(x, e)}`)
      .join(', ')} \\}`;
  }
  if (typeof v === 'bigint' || typeof v === 'symbol') return `"${e(String(v))}"`;
  // A function: never part of a plan.
  return `"${e(typeof v)}"`;
}

function changeCell(change: DisplayChange, e: (s: string) => string, value: (v: unknown) => string, redact: (s: string) => string): string {
  const note = change.secret?.fromEnv ? ` (from env ${e(change.secret.fromEnv)})` : '';
  if (change.symbol === '+') return `${value(change.to)}${note}`;
  if (change.symbol === '-') return `${value(change.from)} → null${note}`;
  if (!change.fromKnown) return `${value(change.to)}${note}`;
  if (!change.secret && wantsWordDiff(change.path, change.from, change.to)) {
    const parts = wordDiff(redact(change.from), redact(change.to as string));
    if (parts) {
      // <del>/<ins> rather than ~~ and **: emphasis delimiters next to escaped punctuation or
      // spaces often fail to open (CommonMark's flanking rules); HTML tags always apply.
      return parts
        .map((p) => {
          if (p.type === 'same') return e(p.value);
          const { lead, core, trail } = splitSpace(p.value);
          const tag = p.type === 'removed' ? 'del' : 'ins';
          return `${e(lead)}<${tag}>${e(core)}</${tag}>${e(trail)}`;
        })
        .join('');
    }
  }
  return `${value(change.from)} → ${value(change.to)}${note}`;
}
