/**
 * `connectorops plan`: desired state (manifests) against current state (target): ordered actions.
 * Exit 0 success, 1 error or blocked, 2 changes present (only with --detailed-exitcode; a blocked
 * plan is still 1). The plan goes to stdout in the chosen format; diagnostics and warnings go to
 * stderr; `--out` also writes the JSON plan file.
 */
import { resolve } from 'node:path';
import { UserError, formatDiagnostic } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import { codeHostFrom } from '../../github/context.js';
import { writePlanFile } from '../../planfile/file.js';
import { runPlan } from '../../plan/run.js';
import { RENDER_FORMATS, isRenderFormat, renderPlan, type RenderFormat } from '../../render/index.js';
import { wantsColor, type Io } from '../io.js';
import { parseCommandArgs } from '../args.js';

const USAGE = `Usage: connectorops plan [options]

Compare the manifests (desired state) with a target (current state) and print the ordered actions.
Planning changes nothing on the target.

Options:
  --dir D              the directory that holds connectors/ and connections/ (default: .)
  --ref REF            read the manifests from this git ref instead of the working tree
  --base REF           plan only what changed between the manifests at REF and these (a pull
                       request's own change) and what that needs; other differences are counted
                       in a warning
  --target T           a name from connectorops.yaml, local:PATH or http(s)://…
                       (default: the config's defaultTarget, else local:.connectorops/local.db)
  --out FILE           also write the plan as JSON to FILE, for connectorops apply FILE
  --format F           ${RENDER_FORMATS.join(' | ')} (default: text)
  --json               short for --format json
  --allow-replace      allow replacements (R10, R12): delete and recreate, losing authorizations
  --detailed-exitcode  exit 2 when the plan has changes
  -h, --help           show this help

Secrets are read from the environment variables the manifests name, and only fingerprinted.

Exit codes: 0 success, 1 error or blocked, 2 changes present (only with --detailed-exitcode).`;

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(argv, io, USAGE, {
    dir: { type: 'string' },
    ref: { type: 'string' },
    base: { type: 'string' },
    target: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean', default: false },
    'allow-replace': { type: 'boolean', default: false },
    'detailed-exitcode': { type: 'boolean', default: false },
  });
  if (!parsed) return 0;
  const { values } = parsed;
  const format = chooseFormat(values.format, values.json);

  const { plan, loaded } = await runPlan({
    cwd: io.cwd,
    env: io.env,
    allowReplace: values['allow-replace'],
    ...(values.dir !== undefined ? { dir: values.dir } : {}),
    ...(values.ref !== undefined ? { ref: values.ref } : {}),
    ...(values.base !== undefined ? { base: values.base } : {}),
    ...(values.target !== undefined ? { target: values.target } : {}),
  });

  for (const d of loaded.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
  for (const w of plan.warnings) io.stderr.write(`warning: ${w.message}\n`);

  if (values.out !== undefined) await writePlanFile(resolve(io.cwd, values.out), plan);
  // In GitHub Actions, usages found in code link to their line (GITHUB_SERVER_URL, GITHUB_REPOSITORY).
  const codeHost = format === 'markdown' ? codeHostFrom(io.env) : undefined;
  io.stdout.write(renderPlan(plan, format, { color: wantsColor(io), ...(codeHost ? { codeHost } : {}) }));

  if (plan.blocked.length) {
    io.stderr.write(`Error: the plan is blocked (${blockedSummary(plan)}); apply would carry out none of it\n`);
    return 1;
  }
  if (values['detailed-exitcode'] && plan.actions.length > 0) return 2;
  return 0;
}

function chooseFormat(format: string | undefined, json: boolean): RenderFormat {
  if (json && format !== undefined && format !== 'json') {
    throw new UserError(`--json and --format ${format} disagree`, { hint: '--json is short for --format json: give one of them' });
  }
  const f = json ? 'json' : (format ?? 'text');
  if (!isRenderFormat(f)) throw new UserError(`unknown format '${f}'`, { hint: `use one of: ${RENDER_FORMATS.join(', ')}` });
  return f;
}

function blockedSummary(plan: Plan): string {
  return plan.blocked.map((b) => `${b.rule}: ${b.kind.toLowerCase()} '${b.linkName}'`).join(', ');
}
