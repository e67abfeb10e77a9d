/**
 * What `connectorops apply` shows of the apply workflow (apply/workflow.ts): its events as they
 * happen (diagnostics, lock and retry notes, progress on stderr; the plan on stdout), and its
 * result (the summary, what is left, the rollout opened), then the exit code (docs/apply.md).
 */
import type { ApplyResult, ApplyWorkflowEvent } from '../apply/workflow.js';
import { createProgress, formatSummary, shortRun, type Progress } from '../apply/progress.js';
import { formatDiagnostic } from '../errors.js';
import { renderPlan } from '../render/render-plan.js';
import { quoteTerminal, sanitizeLines, sanitizeTerminal } from '../render/escape.js';
import { rolloutStepTitle } from '../render/rollout.js';
import { readySteps } from '../rollout/model.js';
import { shellWord } from '../util/shell.js';
import { agree, plural } from '../util/text.js';
import { wantsColor, type Io } from './io.js';

export interface ApplyOutput {
  onEvent(event: ApplyWorkflowEvent): void;
  /** Clears a live progress line (TTY). */
  stop(): void;
}

/** `planFile`: the saved plan's path as the rerun hint shows it (absolute). */
export function createApplyOutput(io: Io, planFile: string | undefined, where = ''): ApplyOutput {
  // Notes quote the target (a lock's holder and operation, a server's message on a retry): escaped.
  const log = (line: string) => io.stderr.write(sanitizeLines(line) + '\n');
  let progress: Progress | null = null;
  const stop = () => {
    progress?.stop();
    progress = null;
  };
  return {
    stop,
    onEvent(event) {
      switch (event.type) {
        case 'diagnostic':
          return log(formatDiagnostic(event.diagnostic));
        case 'note':
          return log(event.line);
        case 'retried': {
          const r = event.retry;
          return log(`↻ retrying ${r.what ?? `${r.method} ${r.path}`} (attempt ${r.attempt} failed: ${r.error.message})`);
        }
        case 'resuming':
          return log(
            `Resuming run ${shortRun(event.runId)} of ${event.planFile}: ${event.done} of ${event.total} actions were done by an earlier run (serial ${event.fromSerial} → ${event.toSerial}); skipping them.`,
          );
        case 'plan':
          io.stdout.write(renderPlan(event.plan, 'text', { color: wantsColor(io) }));
          return;
        case 'started':
          progress = createProgress(io.stderr);
          return;
        case 'start':
        case 'done':
        case 'failed':
        case 'skipped':
          progress?.onEvent(event);
          return;
        case 'finished':
          stop();
          return showResult(io, event.result, planFile, where);
        case 'locked':
          return;
      }
    },
  };
}

/** `where`: ` --target T --dir D` as given, so that a suggested command can be pasted as is. */
function showResult(io: Io, result: ApplyResult, planFile: string | undefined, where: string): void {
  switch (result.kind) {
    case 'nothing-to-do':
      io.stdout.write(result.saved ? 'No changes. The plan has nothing to carry out.\n' : 'No changes. The target matches the manifests.\n');
      return showConvergence(io, result.unconverged, false, where);
    case 'interrupted':
      return;
    case 'declined':
      io.stdout.write('Apply cancelled: nothing was carried out.\n');
      return;
    case 'rollout-opened': {
      const { rollout, targetName } = result;
      const { q, t } = { q: quoteTerminal, t: sanitizeTerminal };
      io.stdout.write(
        `\nRollout ${rollout.id} opened on ${t(targetName)}: ${plural(rollout.steps.length, 'step')}. ${t(targetName)} is a ledger: nothing changes on it until people confirm the steps they did in Creator.\n`,
      );
      io.stdout.write(
        `Steps that can be done now:\n${readySteps(rollout)
          .map((s) => `  ${s.id} ${rolloutStepTitle(s, q, t)}\n`)
          .join('')}`,
      );
      io.stdout.write(`Next: connectorops rollout next${where} (instructions for Creator), then connectorops rollout done STEP…${where}\n`);
      return;
    }
    case 'executed': {
      const { execution } = result;
      io.stdout.write('\n' + formatSummary(execution, result.plan, result.after));
      if (result.retries) {
        io.stdout.write(
          `${plural(result.retries, 'request')} to the target ${agree(result.retries, 'was', 'were')} retried (network errors, HTTP 429/502/503/504); a repeated action is answered from the server's record and never carried out twice.\n`,
        );
      }
      if (execution.cancelled) return;
      if (execution.failed.length || execution.notStarted.length) {
        const rerun = planFile ? `connectorops apply ${shellWord(planFile)}${where}` : `connectorops apply${where}`;
        io.stderr.write(
          `Error: ${plural(execution.failed.length, 'action')} failed; ${execution.notStarted.length} not started. What is done stays done (journaled in run ${shortRun(result.runId)}).\n  hint: fix the cause, then run ${rerun} again: it skips what is done\n`,
        );
        return;
      }
      return showConvergence(io, result.unconverged ?? [], result.plan.actions.length > 0, where);
    }
  }
}

/** What a new plan still has to do, or (after actions) that the target now matches. */
function showConvergence(io: Io, left: string[], applied: boolean, where: string): void {
  if (left.length === 0) {
    if (applied) io.stdout.write('The target now matches the manifests.\n');
    return;
  }
  io.stderr.write(
    `Error: the target did not converge; a new plan still has ${plural(left.length, 'item')}:\n${left.map((l) => `  - ${l}\n`).join('')}  hint: run connectorops plan${where} to see why; someone may have changed the target during the run\n`,
  );
}

/** 0 only when something was applied (or there was nothing to do) and a new plan is empty. */
export function applyExitCode(result: ApplyResult): number {
  switch (result.kind) {
    case 'nothing-to-do':
      return result.unconverged.length ? 1 : 0;
    case 'interrupted':
    case 'declined':
      return 1;
    case 'rollout-opened':
      return 0;
    case 'executed':
      return result.unconverged === null || result.unconverged.length ? 1 : 0;
  }
}
