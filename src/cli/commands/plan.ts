/**
 * `connectorops plan`: desired state (manifests) against current state (target): ordered actions.
 * Exit 0 success, 1 error or blocked, 2 changes present (only with --detailed-exitcode; a blocked
 * plan is still 1). The plan goes to stdout in the chosen format; diagnostics and warnings go to
 * stderr; `--out` also writes the JSON plan file.
 */
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import { codeHostFrom } from '../../github/context.js';
import { writePlanFile } from '../../planfile/file.js';
import { runPlan } from '../../plan/run.js';
import { RENDER_FORMATS, renderPlan } from '../../render/render-plan.js';
import { wantsColor, type Io } from '../io.js';
import { sanitizeTerminal } from '../../render/escape.js';
import { isHelp, printUsage } from '../args.js';
import { parsePlanArgs } from '../arguments/plan.js';

const USAGE = `Usage: connectorops plan [options]

Compare the manifests (desired state) with a target (current state) and print the ordered actions.
Planning changes nothing on the target.

Options:
  --dir D              the directory that holds connectors/ and connections/ (default: .)
  --ref REF            read the manifests from this git ref instead of the working tree
  --base REF           plan only what changed between the manifests at REF and these (a pull
                       request's own change) and what that needs; other differences are counted
                       in a warning
  --target T           a name from connectorops.yaml, local:PATH, postgres://… or http(s)://…
                       (default: the config's defaultTarget, else local:.connectorops/local.db)
  --out FILE           also write the plan as JSON to FILE, for connectorops apply FILE
  --format F           ${RENDER_FORMATS.join(' | ')} (default: text)
  --json               short for --format json
  --allow-replace      allow replacements (R10, R12): delete and recreate, losing authorizations
  --allow-empty        allow manifests that define nothing to plan the deletion of everything
                       the target holds (without it, such a plan is refused)
  --detailed-exitcode  exit 2 when the plan has changes
  -h, --help           show this help

Secrets are read from the environment variables the manifests name, and only fingerprinted.

Exit codes: 0 success, 1 error or blocked, 2 changes present (only with --detailed-exitcode).`;

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parsePlanArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const { format } = args;

  const { plan, loaded } = await runPlan({
    cwd: io.cwd,
    env: io.env,
    allowReplace: args.allowReplace,
    allowEmpty: args.allowEmpty,
    ...(args.dir !== undefined ? { dir: args.dir } : {}),
    ...(args.ref !== undefined ? { ref: args.ref } : {}),
    ...(args.base !== undefined ? { base: args.base } : {}),
    ...(args.target !== undefined ? { target: args.target } : {}),
  });

  for (const d of loaded.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
  // The text plan has a Warnings section: on a terminal, where stdout and stderr show together, each
  // warning once. Elsewhere (a pipe, a file, --out) stderr still says them for the log.
  const shownWithPlan = format === 'text' && Boolean(io.stdout.isTTY) && Boolean(io.stderr.isTTY);
  if (!shownWithPlan) for (const w of plan.warnings) io.stderr.write(`warning: ${sanitizeTerminal(w.message)}\n`);

  if (args.out !== undefined) await writePlanFile(resolve(io.cwd, args.out), plan);
  // In GitHub Actions, usages found in code link to their line (GITHUB_SERVER_URL, GITHUB_REPOSITORY).
  const codeHost = format === 'markdown' ? codeHostFrom(io.env) : undefined;
  io.stdout.write(renderPlan(plan, format, { color: wantsColor(io), ...(codeHost ? { codeHost } : {}) }));

  if (plan.blocked.length) {
    io.stderr.write(`Error: the plan is blocked (${blockedSummary(plan)}); apply would carry out none of it\n`);
    return 1;
  }
  if (args.detailedExitcode && plan.actions.length > 0) return 2;
  return 0;
}

function blockedSummary(plan: Plan): string {
  return plan.blocked.map((b) => `${b.rule}: ${b.kind.toLowerCase()} '${b.linkName}'`).join(', ');
}
