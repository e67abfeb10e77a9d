/**
 * `connectorops rollout issue` and `rollout sync`: the open rollout as a GitHub issue whose boxes a
 * person ticks, so that the person who clicks through Creator needs no terminal (docs/github.md).
 * The workflows are in rollout/issue.ts; this file parses, calls one, and renders.
 */
import { readFile } from 'node:fs/promises';
import { resolveGitHubContext, rolloutIssueUse } from '../../github/context.js';
import { createOctokitIssues, type RolloutIssues } from '../../github/issues.js';
import type { IssueEdit } from '../../github/rollout-issue.js';
import { sanitizeTerminal } from '../../render/escape.js';
import { publishRolloutIssue, syncRolloutIssue, type SyncEvent } from '../../rollout/issue.js';
import { isHelp, printUsage } from '../args.js';
import { parseRolloutIssueArgs, parseRolloutSyncArgs } from '../arguments/rollout.js';
import type { Io } from '../io.js';
import { withTargetFlag } from '../target-flag.js';

function issuesFor(io: Io, repoFlag: string | undefined, command: 'rollout issue' | 'rollout sync'): RolloutIssues {
  const github = resolveGitHubContext(io.env, repoFlag, rolloutIssueUse(command));
  return createOctokitIssues({ ...github, log: (line) => io.stderr.write(sanitizeTerminal(line) + '\n') });
}

export async function issueCommand(argv: string[], io: Io, usage: string): Promise<number> {
  const args = parseRolloutIssueArgs(argv);
  if (isHelp(args)) return printUsage(io, usage);
  const issues = issuesFor(io, args.repo, 'rollout issue');
  return withTargetFlag(args, io, async (target) => {
    const { issue, created } = await publishRolloutIssue({ target, issues });
    io.stdout.write(`${created ? 'Created' : 'Updated'} the rollout issue ${issues.repository}#${issue.number}: ${sanitizeTerminal(issue.htmlUrl)}\n`);
    return 0;
  });
}

interface EditEvent {
  issue?: { number?: unknown; body?: unknown };
  comment?: { id?: unknown; body?: unknown };
  changes?: { body?: { from?: unknown } };
}

/**
 * What the actor edited, from the GitHub Actions event (`GITHUB_EVENT_PATH`) of an `issues` or
 * `issue_comment` edit of this issue; absent (run by hand, another event): the issue body.
 */
async function editOf(io: Io, issue: number): Promise<IssueEdit | undefined> {
  const path = io.env.GITHUB_EVENT_PATH;
  const name = io.env.GITHUB_EVENT_NAME;
  if (!path || (name !== 'issues' && name !== 'issue_comment')) return undefined;
  let event: EditEvent | null;
  try {
    event = JSON.parse(await readFile(path, 'utf8')) as EditEvent | null;
  } catch {
    return undefined;
  }
  // JSON that is not an object (`null`, a list, a number) is no event of GitHub's either.
  if (typeof event !== 'object' || event === null || event.issue?.number !== issue) return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n') : undefined);
  const from = text(event.changes?.body?.from);
  const source = name === 'issue_comment' ? event.comment : event.issue;
  const part = name === 'issue_comment' ? event.comment?.id : 'body';
  if (part !== 'body' && typeof part !== 'number') return undefined;
  const after = text(source?.body);
  return { part, ...(from !== undefined && after !== undefined ? { before: from, after } : {}) };
}

function renderEvent(io: Io, e: SyncEvent): void {
  if (e.type === 'recorded') io.stdout.write(`Recorded ${e.steps.join(', ')} as done by ${sanitizeTerminal(e.by)}.\n`);
  else if (e.type === 'failed') io.stderr.write(`Error: ${sanitizeTerminal(e.message)}\n`);
  else if (e.type === 'note') io.stdout.write(sanitizeTerminal(e.text.replace(/\\/g, '')) + '\n');
  else io.stdout.write(`Rollout ${e.rolloutId} is already closed: nothing to sync.\n`);
}

export async function syncCommand(argv: string[], io: Io, usage: string): Promise<number> {
  const args = parseRolloutSyncArgs(argv);
  if (isHelp(args)) return printUsage(io, usage);
  const issues = issuesFor(io, args.repo, 'rollout sync');
  const edit = await editOf(io, args.issue);
  return withTargetFlag(args, io, async (target) => {
    const result = await syncRolloutIssue({
      target,
      issues,
      number: args.issue,
      actor: args.actor,
      env: io.env,
      ...(edit ? { edit } : {}),
      onEvent: (e) => renderEvent(io, e),
    });
    if (result.completed) io.stdout.write(`Rollout ${result.rolloutId} is complete: issue ${issues.repository}#${args.issue} is closed.\n`);
    return result.failed ? 1 : 0;
  });
}
