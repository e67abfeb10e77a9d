/**
 * The body of the sticky plan comment, and the same text for the job summary.
 *
 * Layout (docs/github.md):
 *
 *   <!-- connectorops:plan target=… -->        the marker (sticky.ts), hidden
 *   Plan for commit <sha>, target <target>. …  the header line
 *   ### connectorops plan …                    the Markdown rendering up to its first <details>:
 *                                              summary, revoked authorizations, blocked, warnings
 *   #### Compared with the base branch's plan  only with --base-plan
 *   <details>…                                 the rest of the rendering: the detail
 *
 * No clock and no run id: the same plan always makes the same body, so an unchanged plan costs no
 * write (sticky.ts compares bodies).
 *
 * Size: GitHub refuses a comment over 65,536 characters. A longer body keeps everything before
 * the detail and says where the whole plan is; if even that is too long, it keeps as many whole
 * lines as fit. Lengths are counted in UTF-16 code units (JavaScript's `length`), which is never
 * less than the code points GitHub counts, so a body we accept GitHub accepts.
 */
import type { Plan } from '../model/plan.js';
import { escapeMarkdown } from '../render/escape.js';
import { renderPlan, type CodeHost } from '../render/render-plan.js';
import { collectFingerprints, redactFingerprints } from '../render/secret-display.js';
import { comparePlans, comparisonMarkdown } from './compare.js';
import { stickyMarker } from './sticky.js';

/** GitHub's limit on an issue or pull request comment body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/**
 * GitHub's limit on one step's job summary is 1 MiB; above it GitHub drops the whole summary.
 * We stay a little under it, in bytes.
 */
export const JOB_SUMMARY_LIMIT_BYTES = 1_000_000;

/** How a text is measured against a limit, and where the reader finds what was left out. */
interface Budget {
  limit: number;
  measure: (text: string) => number;
  unit: string;
  /** Where the whole plan is, for the truncation note. */
  elsewhere: string;
}

const COMMENT_BUDGET: Budget = {
  limit: GITHUB_COMMENT_LIMIT,
  measure: (text) => text.length,
  unit: 'characters',
  elsewhere: "the job summary of the workflow run that posted this comment, and in that run's `connectorops-plan` artifact (plan.json)",
};

const SUMMARY_BUDGET: Budget = {
  limit: JOB_SUMMARY_LIMIT_BYTES,
  measure: (text) => Buffer.byteLength(text, 'utf8'),
  unit: 'bytes',
  elsewhere: "this run's `connectorops-plan` artifact (plan.json)",
};

export interface CommentBodyOptions {
  /** The base branch's plan against the same target: adds "Compared with the base branch's plan". */
  basePlan?: Plan;
  /** Tests only: a smaller comment limit. */
  limit?: number;
  /** Where the repository is browsed: usages found in code link to their line at the plan's commit. */
  codeHost?: CodeHost;
}

export interface CommentBody {
  /** The hidden first line that makes the comment sticky (one per target). */
  marker: string;
  /** What to post: at most GITHUB_COMMENT_LIMIT characters. */
  body: string;
  /** True when `body` left something out (and says so). */
  truncated: boolean;
  /** For $GITHUB_STEP_SUMMARY: the whole comment, unless it is over 1 MB (then cut the same way). */
  summary: string;
  /** True when `summary` was cut too (a plan over 1 MB): then only plan.json has all of it. */
  summaryTruncated: boolean;
}

/** The parts of the comment, in order; `detail` is what goes first when space runs out. */
interface Parts {
  head: string;
  summary: string;
  comparison: string;
  detail: string;
}

/** Builds the sticky comment for `plan` (see the layout above). */
export function commentBody(plan: Plan, options: CommentBodyOptions = {}): CommentBody {
  const marker = stickyMarker(plan.target);
  const rendering = renderPlan(plan, 'markdown', { color: false, ...(options.codeHost ? { codeHost: options.codeHost } : {}) });
  // Every user string in the rendering is escaped, so a line starting with <details> is ours.
  const at = rendering.indexOf('\n<details>');
  const split = at < 0 ? rendering.length : at + 1;

  // The rendering redacts fingerprints itself; the parts written here get the same last pass.
  const fingerprints = [...new Set([...collectFingerprints(plan), ...(options.basePlan ? collectFingerprints(options.basePlan) : [])])].sort(
    (a, b) => b.length - a.length,
  );
  const redact = (text: string) => redactFingerprints(text, fingerprints);

  const parts: Parts = {
    head: `${marker}\n${redact(headerLine(plan))}`,
    summary: rendering.slice(0, split).trimEnd(),
    comparison: options.basePlan ? redact(comparisonMarkdown(comparePlans(options.basePlan, plan))) : '',
    detail: rendering.slice(split).trimEnd(),
  };
  const comment = fit(parts, options.limit !== undefined ? { ...COMMENT_BUDGET, limit: options.limit } : COMMENT_BUDGET);
  const summary = fit(parts, SUMMARY_BUDGET);
  return { marker, body: comment.text, truncated: comment.truncated, summary: summary.text, summaryTruncated: summary.truncated };
}

/** `Plan for commit <sha>, target <target>.`: names what was planned, without a clock. */
function headerLine(plan: Plan): string {
  // The full sha: GitHub links it to the commit.
  const commit = plan.source.commit ? `commit ${escapeMarkdown(plan.source.commit)}` : 'the working tree (no commit)';
  return `Plan for ${commit}, target ${escapeMarkdown(plan.target)}. This comment is updated on every push.`;
}

function join(sections: string[]): string {
  return sections.filter((s) => s !== '').join('\n\n') + '\n';
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Fits the parts in the budget: whole, then without the detail, then cut at a line. */
function fit(parts: Parts, budget: Budget): { text: string; truncated: boolean } {
  const whole = join([parts.head, parts.summary, parts.comparison, parts.detail]);
  const size = budget.measure(whole);
  if (size <= budget.limit) return { text: whole, truncated: false };

  const limitText = `${formatCount(budget.limit)} ${budget.unit}`;
  const wholeText = `${formatCount(size)} ${budget.unit}`;
  const detailNote = [
    '> [!NOTE]',
    `> **The detail of this plan is left out here**: the changes per resource, the steps and the rest would make this ${wholeText}, and GitHub holds at most ${limitText}. Everything above is complete.`,
    `> The whole plan is in ${budget.elsewhere}; \`connectorops plan --format markdown\` shows it too.`,
  ].join('\n');
  const shortened = join([parts.head, parts.summary, parts.comparison, detailNote]);
  if (budget.measure(shortened) <= budget.limit) return { text: shortened, truncated: true };

  // Even the summary is too long (thousands of revocations or blocked items): keep as many whole
  // lines as fit. A cut inside a table or an alert only ends it early; there is no open <details>.
  const cutNote = [
    '> [!NOTE]',
    `> **This plan is cut short here**: even its summary is longer than GitHub holds (${limitText}; the whole plan would make ${wholeText}).`,
    `> The whole plan is in ${budget.elsewhere}; \`connectorops plan --format markdown\` shows it too.`,
  ].join('\n');
  const lines = join([parts.head, parts.summary, parts.comparison]).trimEnd().split('\n');
  const withLines = (k: number) => `${lines.slice(0, k).join('\n')}\n\n${cutNote}\n`;
  // The measure grows with k: binary search for the most lines that fit.
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (budget.measure(withLines(mid)) <= budget.limit) lo = mid;
    else hi = mid - 1;
  }
  // The marker line must survive, or the comment stops being sticky.
  if (lo < 1) throw new RangeError(`a limit of ${limitText} cannot hold the marker and the truncation note`);
  return { text: withLines(lo), truncated: true };
}
