/**
 * `connectorops comment PLANFILE --pr N [--repo OWNER/NAME] [--base-plan FILE]`: posts the plan as
 * the pull request's sticky comment, or updates it in place (docs/github.md). Exit 0 · 1.
 *
 * Everything is checked before the first request: flags, the environment, the plan files. Then
 * the job summary (when GITHUB_STEP_SUMMARY is set) gets the whole plan, so that a failure to
 * comment (a fork's read-only token, say) still leaves the plan on the run's page. Then one list
 * and at most one write.
 */
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { appendJobSummary, codeHostFrom, resolveGitHubContext } from '../../github/context.js';
import { commentBody } from '../../github/body.js';
import { createOctokitThread } from '../../github/octokit.js';
import { upsertSticky } from '../../github/sticky.js';
import { readPlanFile } from '../../planfile/file.js';
import { quoteTerminal, sanitizeLines } from '../../render/escape.js';
import { isHelp, printUsage } from '../args.js';
import { parseCommentArgs } from '../arguments/comment.js';
import { createOctokitIssues } from '../../github/issues.js';
import { isRolloutIssue, ROLLOUT_LABEL } from '../../github/rollout-issue.js';
import type { Io } from '../io.js';
import { plural } from '../../util/text.js';

const USAGE = `Usage: connectorops comment PLANFILE --pr N [options]

Post the plan in PLANFILE (from 'connectorops plan --out FILE') as the pull request's sticky
comment, or update that comment in place. There is one sticky comment per target; an unchanged
plan writes nothing.

Options:
  --pr N              the pull request's number (required)
  --repo OWNER/NAME   the repository (default: GITHUB_REPOSITORY)
  --base-plan FILE    the base branch's plan against the same target: the comment then says
                      which actions and revocations this pull request adds or removes
  -h, --help          show this help

Environment:
  GITHUB_TOKEN        a token that may write pull request comments (required)
  GITHUB_API_URL      the API (default: https://api.github.com)
  GITHUB_REPOSITORY   OWNER/NAME, when --repo is not given
  GITHUB_SERVER_URL   where the repository is browsed (default https://github.com): usages found
                      in code link to their line at the plan's commit
  GITHUB_STEP_SUMMARY when set (GitHub Actions), the whole plan is appended to this file too

Exit codes: 0 posted, updated or already up to date · 1 otherwise.`;

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parseCommentArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const pullNumber = args.pr;
  const github = resolveGitHubContext(io.env, args.repo);
  const warn = (line: string) => io.stderr.write(`warning: ${sanitizeLines(line)}\n`);

  const plan = await readPlanFile(resolve(io.cwd, args.planFile));
  const basePlanFile = args.basePlan;
  const basePlan = basePlanFile !== undefined ? await readPlanFile(resolve(io.cwd, basePlanFile)) : undefined;
  if (basePlan && basePlan.target !== plan.target) {
    throw new UserError(
      `--base-plan was made against target ${quoteTerminal(basePlan.target)}, the plan against ${quoteTerminal(plan.target)}; only plans of one target compare`,
      {
        hint: 'make both plans with the same --target',
      },
    );
  }
  if (basePlan && isScoped(plan) && !isScoped(basePlan)) {
    warn('the plan was made with plan --base and the base plan without it: what the base plan holds outside the change shows as "no longer"; make both the same way');
  }

  const codeHost = codeHostFrom(io.env, github);
  const built = commentBody(plan, { ...(basePlan ? { basePlan } : {}), ...(codeHost ? { codeHost } : {}) });
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    try {
      await appendJobSummary(summaryFile, built.summary);
    } catch (error) {
      warn(`could not append the plan to the job summary (GITHUB_STEP_SUMMARY): ${(error as Error).message}`);
    }
  }
  if (built.truncated) {
    // The job summary has all of it only when it was not cut as well (1 MB); plan.json always has.
    const whole = !summaryFile ? '' : built.summaryTruncated ? ' (the job summary is cut short too: the plan file has all of it)' : ' (the job summary has all of it)';
    warn(`the plan is longer than a GitHub comment holds; the comment shows its summary${whole}`);
  }

  const thread = createOctokitThread({ ...github, pullNumber, log: (line) => io.stderr.write(sanitizeLines(line) + '\n') });
  const body = plan.rollout ? await withRolloutLink(built.marker, built.body, plan.target, plan.rollout.id, github, warn) : built.body;
  const outcome = await upsertSticky(thread, built.marker, body);
  const what = { created: 'Created the plan comment on', updated: 'Updated the plan comment on', unchanged: 'The plan comment is already up to date on' }[outcome.action];
  io.stdout.write(`${what} ${thread.label}: ${outcome.comment.htmlUrl}\n`);
  if (outcome.deleted.length) {
    io.stdout.write(`Deleted ${plural(outcome.deleted.length, 'older copy', 'older copies')} of it (${outcome.deleted.map((id) => `#${id}`).join(', ')}).\n`);
  }
  for (const left of outcome.notDeleted) warn(`an older copy of the plan comment (${left.id}) stays: ${left.reason}`);
  return 0;
}

/** A plan made with `plan --base` says so in its `outside-change` warning (docs/planning.md). */
function isScoped(plan: { warnings?: { code: string }[] }): boolean {
  return plan.warnings?.some((w) => w.code === 'outside-change') ?? false;
}

/**
 * A plan made while a rollout is open says so; the comment also links the rollout's issue, when
 * there is one (found by its marker, as `rollout issue` made it). Not finding it (no issue yet,
 * or a token that may not read issues) leaves the comment as it is, with a warning.
 */
async function withRolloutLink(
  marker: string,
  body: string,
  target: string,
  rolloutId: string,
  github: ReturnType<typeof resolveGitHubContext>,
  warn: (line: string) => void,
): Promise<string> {
  try {
    const issues = createOctokitIssues({ ...github, log: () => {} });
    const issue = (await issues.listOpen(ROLLOUT_LABEL)).find((i) => isRolloutIssue(i.body, target, rolloutId));
    if (!issue) return body;
    const line = `> Rollout \`${rolloutId.replace(/[^a-z0-9-]/gi, '')}\` is in progress on this target: its checklist is #${issue.number}.`;
    return body.replace(marker + '\n', `${marker}\n${line}\n\n`);
  } catch (error) {
    warn(`could not look for the open rollout's issue: ${(error as Error).message}`);
    return body;
  }
}
