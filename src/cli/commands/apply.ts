/**
 * `connectorops apply [PLANFILE] [--dir D] [--target T] [--auto-approve] [--allow-replace]
 * [--allow-empty] [--concurrency N] [--lock-timeout SECONDS]`: carries a plan out (docs/apply.md).
 * The flags are parsed (and their rules checked) by cli/arguments/apply.ts; the workflow (lock,
 * saved plan or fresh one, execute or open a rollout, converge) is apply/workflow.ts; what it
 * reports is rendered by cli/apply-output.ts. This file owns what is the process's: the question
 * on the terminal, and SIGINT/SIGTERM (exit 130/143, once the actions in flight have finished).
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { applyWorkflow, type ApplyWorkflowEvent } from '../../apply/workflow.js';
import type { OpenTargetOptions } from '../../targets/index.js';
import type { Target } from '../../targets/target.js';
import { targetFlagsText } from '../../util/shell.js';
import { actorName } from '../actor.js';
import { applyExitCode, createApplyOutput } from '../apply-output.js';
import { isHelp, printUsage } from '../args.js';
import { parseApplyArgs } from '../arguments/apply.js';
import type { Io } from '../io.js';

const USAGE = `Usage: connectorops apply [PLANFILE] [options]

Carry out a plan. With PLANFILE (from 'connectorops plan --out FILE'), carry out exactly that
plan, and refuse it when it is stale. Without one, plan now, show the plan, and ask.

Options:
  --dir D                the directory that holds connectors/ and connections/ (default: .);
                         a saved plan is checked against the manifests there
  --target T             the target (local:PATH, postgres://…, http(s)://…, or a name from connectorops.yaml)
  --auto-approve         do not ask before carrying out a fresh plan (needed without a terminal)
  --allow-replace        allow the replacements (R10, R12) that a fresh plan needs
  --allow-empty          allow manifests that define nothing to delete everything the target
                         holds (without it, such a fresh plan is refused)
  --concurrency N        independent actions in flight at once (default: 64 for local:, where the
                         ones ready together commit as one group; 4 for HTTP; 1 for PostgreSQL)
  --lock-timeout SECS    wait up to SECS for a held lock instead of failing at once
  -h, --help             show this help

Exit codes: 0 applied, and a new plan is empty · 1 otherwise · 130/143 interrupted (SIGINT/SIGTERM).`;

export interface ApplyDeps {
  /** How a target spec becomes a Target; tests wrap the real one (fault injection). */
  openTarget?: (spec: string, options: OpenTargetOptions) => Promise<Target>;
  /** Signal handling is the process's; tests that call `runApply` in-process turn it off. */
  handleSignals: boolean;
}

export async function run(argv: string[], io: Io): Promise<number> {
  return runApply(argv, io);
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export async function runApply(argv: string[], io: Io, deps: Partial<ApplyDeps> = {}): Promise<number> {
  const args = parseApplyArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const log = (line: string) => io.stderr.write(line + '\n');
  const output = createApplyOutput(io, args.planFile !== undefined ? resolve(io.cwd, args.planFile) : undefined, targetFlagsText(args));
  const abort = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  let stopHandling = () => {};
  // Installed once the lock is ours (until then a signal simply ends the process), removed
  // before it is released.
  const handleSignals = (event: Extract<ApplyWorkflowEvent, { type: 'locked' }>) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        // A second signal: the person means it. Release and go, even with actions in flight;
        // their journal entries stay `pending` and the next run confirms them against the target.
        log(`Received ${signal} again: releasing lock ${event.lock.id} and exiting now.`);
        void event.release().finally(() => process.exit(SIGNAL_EXIT[signal] ?? 1));
        return;
      }
      signalled = signal;
      log(`\nReceived ${signal}: starting nothing more; waiting for the actions in flight, then releasing lock ${event.lock.id}.`);
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    stopHandling = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  };
  try {
    const result = await applyWorkflow({
      cwd: io.cwd,
      env: io.env,
      ...(args.dir !== undefined ? { dir: args.dir } : {}),
      ...(args.target !== undefined ? { target: args.target } : {}),
      ...(args.planFile !== undefined ? { planFile: args.planFile } : {}),
      autoApprove: args.autoApprove,
      ...(io.stdin.isTTY ? { confirm: (signal: AbortSignal) => ask(io, "\nDo you want to perform these actions? Only 'yes' will be accepted: ", signal) } : {}),
      allowReplace: args.allowReplace,
      allowEmpty: args.allowEmpty,
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(args.lockTimeout !== undefined ? { lockTimeoutSeconds: args.lockTimeout } : {}),
      actor: actorName(undefined, io.env),
      signal: abort.signal,
      ...(deps.openTarget ? { openTarget: deps.openTarget } : {}),
      onEvent: (event) => {
        if (event.type === 'locked' && deps.handleSignals !== false) handleSignals(event);
        if (event.type === 'finished') stopHandling();
        output.onEvent(event);
      },
    });
    const code = applyExitCode(result);
    return signalled ? (SIGNAL_EXIT[signalled] ?? 1) : code;
  } finally {
    stopHandling();
    output.stop();
  }
}

/** Reads one answer line from stdin: true for `yes`; false when aborted or stdin ends. */
async function ask(io: Io, question: string, signal: AbortSignal): Promise<boolean> {
  io.stdout.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    return await new Promise<boolean>((resolveAnswer) => {
      const done = (answer: string) => resolveAnswer(answer.trim() === 'yes');
      rl.once('line', done);
      rl.once('close', () => done(''));
      signal.addEventListener('abort', () => done(''), { once: true });
    });
  } finally {
    rl.close();
  }
}
