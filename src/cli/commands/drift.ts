/**
 * `connectorops drift`: what drifted between Git (the manifests at a ref), the ledger (the target
 * and its open rollout) and the team's Deluge code (docs/drift.md). Exit 0 no drift, 2 drift, 1 an
 * error. With `--repo`, it keeps the one drift issue of the target (github/drift-issue.ts).
 */
import { formatDiagnostic } from '../../errors.js';
import { runDrift } from '../../drift/run.js';
import { resolveGitHubContext, type GitHubContext } from '../../github/context.js';
import { keepDriftIssue, type DriftIssueOutcome } from '../../github/drift-issue.js';
import { GitHubError } from '../../github/errors.js';
import { createOctokitIssues } from '../../github/issues.js';
import { renderDrift } from '../../render/drift.js';
import { sanitizeLines, sanitizeTerminal } from '../../render/escape.js';
import { definedOnly } from '../../util/objects.js';
import { isHelp, printUsage } from '../args.js';
import { parseDriftArgs } from '../arguments/drift.js';
import type { Io } from '../io.js';

const USAGE = `Usage: connectorops drift [--dir D] [--ref REF] [--target T] [--repo OWNER/NAME] [--stale-after DAYS] [--format text|json|markdown]

Report what drifted, reading Git, the ledger and the Deluge code (Creator itself has no API to
read; see docs/drift.md):
  not rolled out   the manifests want changes the target does not have, and no rollout is open
  stale rollout    a rollout open longer than --stale-after days: its ready steps, its last step
  made by hand     code calls a connection no manifest and no ledger knows; the ledger holds
                   something no manifest defines
Each finding says what to do next, with commands to paste. Drift changes nothing on the target.

Options:
  --dir D              the directory that holds connectorops.yaml, connectors/ and connections/ (default: .)
  --ref REF            read the manifests and the code from this git ref instead of the working tree
  --target T           a name from connectorops.yaml, local:PATH, postgres://… or http(s)://…
                       (default: the config's defaultTarget, else local:.connectorops/local.db)
  --repo OWNER/NAME    keep one GitHub issue labelled connectorops:drift in that repository: opened
                       on drift, updated in place, commented only when the findings change, closed
                       when clean, reopened when drift returns. Needs GITHUB_TOKEN with issues: write
  --stale-after DAYS   a rollout open longer than this is stale (default: 7)
  --format F           text | json | markdown (default: text)
  -h, --help           show this help

Exit codes: 0 no drift, 2 drift found, 1 error.`;

const DRIFT_USE = { command: 'drift', needs: 'write issues', permission: 'issues: write' };

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parseDriftArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  // Checked before anything is read: a job without a token fails at once, naming what it needs.
  const github = args.repo !== undefined ? resolveGitHubContext(io.env, args.repo, DRIFT_USE) : null;

  const report = await runDrift({
    cwd: io.cwd,
    env: io.env,
    staleAfterDays: args.staleAfterDays,
    now: new Date(),
    ...definedOnly({ dir: args.dir, ref: args.ref, target: args.target }),
  });
  for (const d of report.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
  for (const w of report.warnings) io.stderr.write(`warning: ${sanitizeTerminal(w)}\n`);
  io.stdout.write(renderDrift(report, args.format));

  if (github) {
    const outcome = await keepIssue(github, io, report);
    io.stderr.write(sanitizeLines(describeOutcome(outcome, `${github.owner}/${github.repo}`)) + '\n');
  }
  return report.findings.length ? 2 : 0;
}

async function keepIssue(github: GitHubContext, io: Io, report: Parameters<typeof keepDriftIssue>[1]): Promise<DriftIssueOutcome> {
  const issues = createOctokitIssues({ ...github, what: 'drift issue', log: (line) => io.stderr.write(sanitizeLines(line) + '\n') });
  try {
    return await keepDriftIssue(issues, report);
  } catch (error) {
    if (!(error instanceof GitHubError)) throw error;
    const { status, hint } = error.details;
    throw new GitHubError(`connectorops drift could not keep the drift issue: ${error.message}`, definedOnly({ status, hint }), error.requestId);
  }
}

function describeOutcome(outcome: DriftIssueOutcome, repository: string): string {
  if (outcome.action === 'none') return `No drift issue to keep in ${repository}.`;
  const at = `${repository}#${outcome.issue.number}: ${outcome.issue.htmlUrl}`;
  switch (outcome.action) {
    case 'opened':
      return `Opened the drift issue ${at}`;
    case 'updated':
      return `Updated the drift issue ${at}${outcome.commented ? ' (the findings changed: commented)' : ''}`;
    case 'reopened':
      return `Reopened the drift issue ${at}`;
    case 'closed':
      return `No drift any more: closed the drift issue ${at}`;
  }
}
