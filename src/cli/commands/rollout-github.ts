/**
 * `connectorops rollout issue` and `rollout sync`: the open rollout as a GitHub issue whose boxes a
 * person ticks, so that the person who clicks through Creator needs no terminal (docs/github.md).
 */
import { UserError } from '../../errors.js';
import { resolveGitHubContext, rolloutIssueUse } from '../../github/context.js';
import { createOctokitIssues, mayTick, type Issue, type RolloutIssues } from '../../github/issues.js';
import { completionComment, decideSync, hasMarker, issueParts, issueTitle, partMarker, ROLLOUT_LABEL, rolloutMarker, tickedSteps } from '../../github/rollout-issue.js';
import type { IssueComment } from '../../github/thread.js';
import { escapeMarkdown, sanitizeTerminal } from '../../render/escape.js';
import type { Rollout } from '../../rollout/model.js';
import { recordDone, requireOpenRollout } from '../../rollout/run.js';
import { isHelp, printUsage } from '../args.js';
import { parseRolloutIssueArgs, parseRolloutSyncArgs } from '../arguments/rollout.js';
import type { Io } from '../io.js';
import { withRolloutTarget } from '../target-flag.js';

function issuesFor(io: Io, repoFlag: string | undefined, command: 'rollout issue' | 'rollout sync'): RolloutIssues {
  const github = resolveGitHubContext(io.env, repoFlag, rolloutIssueUse(command));
  return createOctokitIssues({ ...github, log: (line) => io.stderr.write(line + '\n') });
}

/** The open issue of this rollout (found by its marker), and its continuation comments by part number. */
async function findIssue(issues: RolloutIssues, marker: string): Promise<Issue | null> {
  const open = await issues.listOpen(ROLLOUT_LABEL);
  return open.find((i) => hasMarker(i.body, marker)) ?? null;
}

function partComments(comments: readonly IssueComment[], target: string, rollout: Rollout): Map<number, IssueComment> {
  const out = new Map<number, IssueComment>();
  for (let n = 2; n <= rollout.steps.length + 1; n++) {
    const found = comments.filter((c) => hasMarker(c.body, partMarker(target, rollout.id, n)));
    if (found.length)
      out.set(
        n,
        found.reduce((a, b) => (b.id > a.id ? b : a)),
      );
  }
  return out;
}

/** Writes title, body and continuation comments where they differ from `parts`. */
async function writeIssue(issues: RolloutIssues, issue: Issue, rollout: Rollout, target: string, comments: IssueComment[] | null): Promise<Issue> {
  const [body, ...rest] = issueParts(rollout, target);
  const title = issueTitle(rollout, target);
  let now = issue;
  if (issue.body.replace(/\r\n/g, '\n') !== body || issue.title !== title) now = await issues.update(issue.number, { title, body: body! });
  if (rest.length || comments?.length) {
    const existing = partComments(comments ?? (await issues.listComments(issue.number)), target, rollout);
    for (const [i, text] of rest.entries()) {
      const current = existing.get(i + 2);
      if (!current) await issues.createComment(issue.number, text);
      else if (current.body.replace(/\r\n/g, '\n') !== text) await issues.updateComment(current.id, text);
    }
  }
  return now;
}

export async function issueCommand(argv: string[], io: Io, usage: string): Promise<number> {
  const args = parseRolloutIssueArgs(argv);
  if (isHelp(args)) return printUsage(io, usage);
  const issues = issuesFor(io, args.repo, 'rollout issue');
  return withRolloutTarget(args, io, async (target) => {
    const rollout = await requireOpenRollout(target);
    const found = await findIssue(issues, rolloutMarker(target.name, rollout.id));
    if (found) {
      const issue = await writeIssue(issues, found, rollout, target.name, null);
      io.stdout.write(`Updated the rollout issue ${issues.repository}#${issue.number}: ${issue.htmlUrl}\n`);
      return 0;
    }
    const [body, ...rest] = issueParts(rollout, target.name);
    const issue = await issues.create({ title: issueTitle(rollout, target.name), body: body!, labels: [ROLLOUT_LABEL] });
    for (const text of rest) await issues.createComment(issue.number, text);
    io.stdout.write(`Created the rollout issue ${issues.repository}#${issue.number}: ${issue.htmlUrl}\n`);
    return 0;
  });
}

export async function syncCommand(argv: string[], io: Io, usage: string): Promise<number> {
  const args = parseRolloutSyncArgs(argv);
  if (isHelp(args)) return printUsage(io, usage);
  const { issue: number, actor } = args;
  const issues = issuesFor(io, args.repo, 'rollout sync');
  return withRolloutTarget(args, io, async (target) => {
    const rollout = await requireOpenRollout(target);
    const issue = await issues.get(number);
    if (!hasMarker(issue.body, rolloutMarker(target.name, rollout.id))) {
      throw new UserError(`issue ${issues.repository}#${number} is not the issue of rollout ${rollout.id} on ${sanitizeTerminal(target.name)}; nothing was recorded`, {
        hint: "connectorops rollout issue creates or updates the open rollout's issue",
      });
    }
    const comments = await issues.listComments(number);
    const parts = [...partComments(comments, target.name, rollout).values()].map((c) => c.body);
    const ticked = tickedSteps([issue.body, ...parts], rollout);
    const fresh = [...ticked].filter((id) => !rollout.done.has(id));
    const allowed = fresh.length ? mayTick(await issues.permission(actor)) : true;
    const decision = decideSync(rollout, ticked, allowed);
    const who = escapeMarkdown(actor);
    const notes: string[] = [];
    if (decision.reverted.length) {
      notes.push(
        `The ticks of ${decision.reverted.join(', ')} by ${who} were reverted: only people with write, maintain or admin permission on this repository may record rollout steps.`,
      );
    }
    for (const o of decision.outOfOrder)
      notes.push(`${o.id} was unticked: it waits for ${o.waitsFor.join(', ')}, which ${o.waitsFor.length > 1 ? 'are' : 'is'} not done yet.`);

    let after = rollout;
    let closed = false;
    let failed = false;
    if (decision.record.length) {
      try {
        const result = await recordDone(target, rollout, decision.record, { by: actor, env: io.env, note: `ticked in ${issues.repository}#${number}` });
        after = result.rollout;
        closed = result.closed;
        io.stdout.write(`Recorded ${result.recorded.map((s) => s.id).join(', ')} as done by ${sanitizeTerminal(actor)}.\n`);
      } catch (error) {
        failed = true;
        const message = error instanceof Error ? error.message : String(error);
        const hint = (error as { details?: { hint?: string } }).details?.hint;
        notes.push(`Recording the ticked steps failed: ${escapeMarkdown(message)}${hint ? ` (${escapeMarkdown(hint)})` : ''}. The steps not recorded were unticked.`);
        after = await requireOpenRollout(target);
        io.stderr.write(`Error: ${message}\n`);
      }
    }
    if (notes.length) await issues.createComment(number, notes.join('\n\n'));
    await writeIssue(issues, issue, after, target.name, comments);
    if (closed) {
      await issues.createComment(number, completionComment(after));
      await issues.update(number, { state: 'closed' });
      io.stdout.write(`Rollout ${after.id} is complete: issue ${issues.repository}#${number} is closed.\n`);
    }
    for (const line of notes) io.stdout.write(line.replace(/\\/g, '') + '\n');
    return failed ? 1 : 0;
  });
}
