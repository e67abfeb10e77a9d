/**
 * `connectorops apply [PLANFILE] [--dir D] [--target T] [--auto-approve] [--allow-replace]
 * [--allow-empty] [--concurrency N] [--lock-timeout SECONDS]`: carries a plan out (docs/apply.md).
 *
 * The order matters and is the point of this file:
 *   1. resolve the target and take its lock (`runApply`), BEFORE planning or checking a saved
 *      plan, so that nothing changes between "this plan is fresh" and "carried out";
 *   2. `loadSavedPlan`: a saved plan is checked for staleness (serial, digest, manifests, target,
 *      secrets) or recognised as a resume of its own partial run; without a plan file,
 *      `planFresh`: plan now, show it, and ask (or take --auto-approve). Either way a blocked
 *      plan is refused (`refuseBlocked`);
 *   3. `execute` over the dependsOn graph, through the journal (a ledger target: `openRollout`);
 *   4. `converge`: re-plan; exit 0 only when nothing is left to do.
 * The flags are parsed (and their rules checked) by cli/arguments/apply.ts.
 * The lock is released in `finally`, and on SIGINT/SIGTERM (exit 130/143) once the actions in
 * flight have finished.
 */
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import { resolveTargetSpec } from '../../manifest/config.js';
import { loadForPlan, planAgainst, type LoadedForPlan } from '../../plan/run.js';
import { planId, readPlanFile } from '../../planfile/file.js';
import { renderPlan } from '../../render/index.js';
import { openTarget as defaultOpenTarget, type OpenTargetOptions, type RetryEvent } from '../../targets/index.js';
import type { Target } from '../../targets/target.js';
import { defaultConcurrency, executePlan, type ExecutionResult } from '../../apply/executor.js';
import { takeLock } from '../../apply/lock.js';
import { createProgress, formatSummary, shortRun } from '../../apply/progress.js';
import { StalePlanError, checkFreshness } from '../../apply/stale.js';
import { unconverged } from '../../apply/converge.js';
import { wantsColor, type Io } from '../io.js';
import { formatDiagnostic } from '../../errors.js';
import { isHelp, printUsage } from '../args.js';
import { parseApplyArgs, type ApplyArgs } from '../arguments/apply.js';
import { plural } from '../../util/text.js';
import { actorName } from '../actor.js';
import { progressOf, readySteps } from '../../rollout/model.js';
import { openRolloutFor, openRolloutOf } from '../../rollout/run.js';
import { rolloutStepTitle } from '../../render/rollout.js';
import { quoteTerminal, sanitizeTerminal } from '../../render/escape.js';
import { targetIdentity } from '../../util/target-identity.js';

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
  --concurrency N        independent actions in flight at once (default: 1 for local:, 4 for HTTP)
  --lock-timeout SECS    wait up to SECS for a held lock instead of failing at once
  -h, --help             show this help

Exit codes: 0 applied, and a new plan is empty · 1 otherwise · 130/143 interrupted (SIGINT/SIGTERM).`;

export interface ApplyDeps {
  /** How a target spec becomes a Target; tests wrap the real one (fault injection). */
  openTarget: (spec: string, options: OpenTargetOptions) => Promise<Target>;
  /** Signal handling is the process's; tests that call `runApply` in-process turn it off. */
  handleSignals: boolean;
}

const DEFAULT_DEPS: ApplyDeps = { openTarget: defaultOpenTarget, handleSignals: true };

export async function run(argv: string[], io: Io): Promise<number> {
  return runApply(argv, io, DEFAULT_DEPS);
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export async function runApply(argv: string[], io: Io, deps: Partial<ApplyDeps> = {}): Promise<number> {
  const d: ApplyDeps = { ...DEFAULT_DEPS, ...deps };
  const args = parseApplyArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const planFile = args.planFile !== undefined ? resolve(io.cwd, args.planFile) : undefined;
  const log = (line: string) => io.stderr.write(line + '\n');

  // A saved plan is read before anything else: a bad file should fail before we lock anything.
  const saved = planFile ? await readPlanFile(planFile) : undefined;
  const loaded = await loadForPlan({
    cwd: io.cwd,
    env: io.env,
    ...(args.dir !== undefined ? { dir: args.dir } : {}),
    ...(args.target !== undefined ? { target: args.target } : {}),
  });
  for (const diag of loaded.diagnostics) io.stderr.write(formatDiagnostic(diag) + '\n');

  // Over HTTP, requests that failed for the network's sake are retried (targets/http/client.ts):
  // each retry is said on stderr, and their count in the summary.
  const retries = { count: 0 };
  const onRetry = (r: RetryEvent) => {
    retries.count++;
    log(`↻ retrying ${r.what ?? `${r.method} ${r.path}`} (attempt ${r.attempt} failed: ${r.error.message})`);
  };
  const target = await d.openTarget(loaded.targetSpec, { name: loaded.targetName, cwd: io.cwd, env: io.env, onRetry, create: true });
  try {
    const lock = await takeLock(target, { ...(args.lockTimeout !== undefined ? { timeoutSeconds: args.lockTimeout } : {}), log });
    const abort = new AbortController();
    let signalled: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        // A second signal: the person means it. Release and go, even with actions in flight;
        // their journal entries stay `pending` and the next run confirms them against the target.
        log(`Received ${signal} again: releasing lock ${lock.id} and exiting now.`);
        void target.releaseLock(lock.id).finally(() => process.exit(SIGNAL_EXIT[signal] ?? 1));
        return;
      }
      signalled = signal;
      log(`\nReceived ${signal}: starting nothing more; waiting for the actions in flight, then releasing lock ${lock.id}.`);
      abort.abort();
    };
    if (d.handleSignals) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    try {
      const code = await applyUnderLock({
        io,
        dir: resolve(io.cwd, args.dir ?? '.'),
        target,
        loaded,
        saved,
        planFile,
        args,
        signal: abort.signal,
        log,
        retries,
      });
      return signalled ? (SIGNAL_EXIT[signalled] ?? 1) : code;
    } finally {
      if (d.handleSignals) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      await target.releaseLock(lock.id);
    }
  } finally {
    await target.close();
  }
}

interface UnderLock {
  io: Io;
  /** The manifest directory, absolute. */
  dir: string;
  target: Target;
  loaded: LoadedForPlan;
  saved: Plan | undefined;
  /** The saved plan's file, absolute. */
  planFile: string | undefined;
  args: ApplyArgs;
  signal: AbortSignal;
  log: (line: string) => void;
  /** How many requests to the target were retried so far. */
  retries: { count: number };
}

/** What a step before execution decided: carry `plan` out, or stop with this exit code. */
type Decision = { plan: Plan } | { exit: number };

/**
 * Steps 2 to 4 (the file's header): a plan to carry out (the saved one, checked, or a fresh one,
 * approved), then a rollout opened (a ledger target) or the plan executed and convergence checked.
 */
async function applyUnderLock(u: UnderLock): Promise<number> {
  // A ledger target stands for a real account: apply opens a rollout instead of executing, and
  // a target has at most one open rollout (docs/rollouts.md).
  const { mode } = await u.target.info();
  if (mode === 'ledger') await refuseOpenRollout(u);
  const decided = u.saved ? await loadSavedPlan(u, u.saved) : await planFresh(u);
  if ('exit' in decided) return decided.exit;
  if (mode === 'ledger') return openRollout(u, decided.plan);
  return execute(u, decided.plan);
}

async function refuseOpenRollout(u: UnderLock): Promise<void> {
  const open = await openRolloutOf(u.target);
  if (!open) return;
  const p = progressOf(open);
  throw new UserError(`target ${u.loaded.targetName} has an open rollout, ${open.id} (${p.done} of ${p.total} steps done); nothing was opened`, {
    hint: 'finish it (connectorops rollout next, then rollout done STEP…) or abandon it (connectorops rollout abandon); then run apply again',
  });
}

/**
 * A saved plan: refused when stale, recognised as a resume of its own partial run (what is done is
 * skipped), refused when blocked. One with nothing to do goes straight to the convergence check.
 */
async function loadSavedPlan(u: UnderLock, plan: Plan): Promise<Decision> {
  const { target, loaded, log } = u;
  const runId = planId(plan);
  const [now, journal] = await Promise.all([target.read(), target.journal(runId)]);
  // The plan names its target as the user typed it; the same target typed another way (a
  // relative path from another directory, a configured name) is still the same target.
  const resolved = resolvesTo(plan.target, u);
  const sameTarget = plan.target === loaded.targetName || (resolved !== null && targetIdentity(resolved) === targetIdentity(loaded.targetSpec));
  const freshness = checkFreshness(
    plan,
    {
      target: sameTarget ? plan.target : loaded.targetName,
      serial: now.serial,
      digest: now.digest,
      manifestDigest: loaded.manifests.manifestDigest,
      codeUsages: loaded.manifests.usages?.usages ?? [],
      secretRefs: new Map([...loaded.manifests.desired.connectors].map(([linkName, c]) => [linkName, c.secrets])),
    },
    journal,
  );
  if (freshness.kind === 'stale') throw new StalePlanError(freshness.reasons);
  if (freshness.kind === 'resume') {
    log(
      `Resuming run ${shortRun(runId)} of ${u.planFile}: ${freshness.done.size} of ${plan.actions.length} actions were done by an earlier run (serial ${plan.base.stateSerial} → ${freshness.lastSerial}); skipping them.`,
    );
  }
  refuseBlocked(u.io, plan, 'resolve what blocks it, then make a new plan');
  if (plan.actions.length === 0) {
    u.io.stdout.write('No changes. The plan has nothing to carry out.\n');
    return { exit: await converge(u, plan, null) };
  }
  return { plan };
}

/** No saved plan: plan now, under the lock; show the plan and ask (or take --auto-approve). */
async function planFresh(u: UnderLock): Promise<Decision> {
  const { io, signal, args } = u;
  const plan = await planAgainst(u.target, u.loaded, { allowReplace: args.allowReplace, env: io.env, allowEmpty: args.allowEmpty });
  if (signal.aborted) return { exit: 1 };
  refuseBlocked(io, plan, 'resolve what blocks it (see above), then run apply again');
  if (plan.actions.length === 0) {
    io.stdout.write('No changes. The target matches the manifests.\n');
    return { exit: 0 };
  }
  io.stdout.write(renderPlan(plan, 'text', { color: wantsColor(io) }));
  if (args.autoApprove) return { plan };
  if (!io.stdin.isTTY) {
    throw new UserError('apply needs approval, and there is no terminal to ask on; nothing was carried out', {
      hint: 'review the plan above and run apply --auto-approve, or save it with plan --out FILE and apply that file',
    });
  }
  const answer = await ask(io, "\nDo you want to perform these actions? Only 'yes' will be accepted: ", signal);
  if (signal.aborted) return { exit: 1 };
  if (answer !== 'yes') {
    io.stdout.write('Apply cancelled: nothing was carried out.\n');
    return { exit: 1 };
  }
  return { plan };
}

/** A blocked plan is shown, then refused: nothing of it is carried out. `hint`: what to do next. */
function refuseBlocked(io: Io, plan: Plan, hint: string): void {
  if (!plan.blocked.length) return;
  io.stdout.write(renderPlan(plan, 'text', { color: wantsColor(io) }));
  throw new UserError(`the plan is blocked (${plural(plan.blocked.length, 'item')}); nothing was carried out`, { hint });
}

/** A ledger target: the plan becomes a rollout, for people to carry out in Creator. */
async function openRollout(u: UnderLock, plan: Plan): Promise<number> {
  const { io, loaded } = u;
  const rollout = await openRolloutFor(u.target, plan, actorName(undefined, io.env));
  const { q, t } = { q: quoteTerminal, t: sanitizeTerminal };
  io.stdout.write(
    `\nRollout ${rollout.id} opened on ${t(loaded.targetName)}: ${rollout.steps.length} steps. ${t(loaded.targetName)} is a ledger: nothing changes on it until people confirm the steps they did in Creator.\n`,
  );
  const ready = readySteps(rollout);
  io.stdout.write(`Steps that can be done now:\n${ready.map((s) => `  ${s.id} ${rolloutStepTitle(s, q, t)}\n`).join('')}`);
  io.stdout.write('Next: connectorops rollout next (instructions for Creator), then connectorops rollout done STEP…\n');
  return 0;
}

/** Step 3: carry the plan out over the dependsOn graph, through the journal; then converge. */
async function execute(u: UnderLock, plan: Plan): Promise<number> {
  const { io, target } = u;
  const runId = planId(plan);
  const progress = createProgress(io.stderr);
  let result: ExecutionResult;
  try {
    result = await executePlan(target, plan, {
      runId,
      concurrency: u.args.concurrency ?? defaultConcurrency(u.loaded.targetSpec),
      env: io.env,
      signal: u.signal,
      onEvent: (e) => progress.onEvent(e),
    });
  } finally {
    progress.stop();
  }
  const after = await target.read();
  io.stdout.write('\n' + formatSummary(result, plan, after.state));
  if (u.retries.count) {
    io.stdout.write(
      `${u.retries.count} request${u.retries.count === 1 ? ' to the target was' : 's to the target were'} retried (network errors, HTTP 429/502/503/504); a repeated action is answered from the server's record and never carried out twice.\n`,
    );
  }
  if (result.cancelled) return 1;
  if (result.failed.length || result.notStarted.length) {
    const rerun = u.planFile ? `connectorops apply ${u.planFile}` : 'connectorops apply';
    io.stderr.write(
      `Error: ${result.failed.length} action${result.failed.length === 1 ? '' : 's'} failed; ${result.notStarted.length} not started. What is done stays done (journaled in run ${shortRun(runId)}).\n  hint: fix the cause, then run ${rerun} again: it skips what is done\n`,
    );
    return 1;
  }
  return converge(u, plan, after);
}

/** Step 4: plan again; anything left means the target did not converge. */
async function converge(u: UnderLock, applied: Plan, after: Awaited<ReturnType<Target['read']>> | null): Promise<number> {
  // The plan carried out was reviewed (a saved plan of empty manifests was made with --allow-empty):
  // what is left to check is convergence, not whether emptying the target was meant.
  const again = await planAgainst(u.target, u.loaded, { allowReplace: u.args.allowReplace, env: u.io.env, allowEmpty: true, ...(after ? { snapshot: after } : {}) });
  const left = unconverged(applied, again);
  if (left.length === 0) {
    if (applied.actions.length) u.io.stdout.write('The target now matches the manifests.\n');
    return 0;
  }
  u.io.stderr.write(
    `Error: the target did not converge; a new plan still has ${left.length} item${left.length === 1 ? '' : 's'}:\n${left.map((l) => `  - ${l}\n`).join('')}  hint: run connectorops plan to see why; someone may have changed the target during the run\n`,
  );
  return 1;
}

function resolvesTo(name: string, u: UnderLock): string | null {
  try {
    return resolveTargetSpec(name, u.loaded.manifests.config, u.dir, u.io.cwd, u.io.env);
  } catch {
    return null;
  }
}

/** Reads one answer line from stdin; resolves '' when aborted or stdin ends. */
async function ask(io: Io, question: string, signal: AbortSignal): Promise<string> {
  io.stdout.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    return await new Promise<string>((resolveAnswer) => {
      const done = (answer: string) => resolveAnswer(answer.trim());
      rl.once('line', done);
      rl.once('close', () => done(''));
      signal.addEventListener('abort', () => done(''), { once: true });
    });
  } finally {
    rl.close();
  }
}
