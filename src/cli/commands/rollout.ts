/**
 * `connectorops rollout …`: a ledger target's open rollout, carried out by a person in Creator's UI
 * (docs/rollouts.md).
 *
 *   rollout [--target T]                                status: done (by, when), ready, waiting
 *   rollout next [--format text|markdown|json]          the steps that can be done now, with instructions
 *   rollout done STEP… [--by NAME] [--note TEXT]        record steps as done (dependencies and rules checked)
 *   rollout walk                                        the ready steps one at a time: done, skip for now, quit
 *   rollout abandon [--reason TEXT]                     close the open rollout; done steps stay done
 *   rollout log                                         every rollout event: who, when, what
 *   rollout issue --repo OWNER/NAME                     the open rollout as a GitHub issue (rollout-github.ts)
 *   rollout sync --issue N --repo OWNER/NAME --actor LOGIN   record the boxes ticked in that issue
 */
import { createInterface } from 'node:readline';
import { renderNext, renderRolloutLog, renderRolloutStatus, renderRolloutStatusJson, rolloutStepTitle, stepInstructions } from '../../render/rollout.js';
import { quoteTerminal, sanitizeTerminal } from '../../render/escape.js';
import { progressOf, readySteps, type Rollout } from '../../rollout/model.js';
import { abandonRollout, allRollouts, ledgerEvents, openRolloutOf, recordDone, requireOpenRollout } from '../../rollout/run.js';
import { TargetError, UserError } from '../../errors.js';
import { ownValue } from '../../model/own.js';
import { capitalize, didYouMean, plural } from '../../util/text.js';
import { targetFlagsText } from '../../util/shell.js';
import { actorName } from '../actor.js';
import { isHelp, printUsage } from '../args.js';
import {
  parseRolloutAbandonArgs,
  parseRolloutDoneArgs,
  parseRolloutLogArgs,
  parseRolloutNextArgs,
  parseRolloutStatusArgs,
  parseRolloutWalkArgs,
} from '../arguments/rollout.js';
import { wantsColor, type Io } from '../io.js';
import { withRolloutTarget } from '../target-flag.js';

const WHERE = `Every subcommand takes --target T (a name from connectorops.yaml, local:PATH, postgres://… or http(s)://…) and
--dir D (where connectorops.yaml is, default .).`;

/** Each subcommand's own help: `rollout SUB --help` prints only it. */
const HELP = {
  status: `Usage: connectorops rollout [--format text|json] [--target T] [--dir D]

The open rollout's steps: ✓ done (by whom, when), → ready now, · waiting (for which steps).
With no open rollout, says so (exit 0). --format json: one document (docs/rollouts.md).`,
  next: `Usage: connectorops rollout next [--format text|markdown|json] [--target T] [--dir D]

The steps that can be done now, with Creator UI instructions.`,
  done: `Usage: connectorops rollout done STEP… [--by NAME] [--note TEXT] [--target T] [--dir D]

Record steps as done; out-of-order or rule-breaking steps are refused. A step that sets a secret
needs its environment variable, with the value the plan was made with (its fingerprint is
recorded). --by defaults to you.`,
  walk: `Usage: connectorops rollout walk [--by NAME] [--note TEXT] [--target T] [--dir D]

Go through the ready steps one by one: done, skip for now, quit. A step that cannot be recorded
says why; skip it or stop.`,
  abandon: `Usage: connectorops rollout abandon [--reason TEXT] [--by NAME] [--target T] [--dir D]

Close the open rollout; done steps stay done. The next plan shows what is left.`,
  log: `Usage: connectorops rollout log [--format text|json] [--target T] [--dir D]

Every rollout event, and every change recorded outside rollouts (target authorize): who, when,
what. --format json: one document (docs/rollouts.md).`,
  issue: `Usage: connectorops rollout issue --repo OWNER/NAME [--target T] [--dir D]

Create or update the open rollout's GitHub issue (a task list). The token comes from GITHUB_TOKEN
(it needs issues: write), the API from GITHUB_API_URL, the repository from --repo or
GITHUB_REPOSITORY.`,
  sync: `Usage: connectorops rollout sync --issue N --repo OWNER/NAME --actor LOGIN [--target T] [--dir D]

Record the steps ticked in the rollout issue (GITHUB_TOKEN, GITHUB_API_URL as for rollout issue;
the secrets the steps set).`,
} as const;

const USAGE = `Usage: connectorops rollout [subcommand] [options]

A ledger target stands for a real Creator account: apply opens a rollout, a checklist that a
person works through in Creator's UI. The target changes one step at a time, as steps are confirmed.

Subcommands:
  (none) [--format text|json]            the open rollout's steps: ✓ done (by whom, when), → ready, · waiting
  next [--format text|markdown|json]     the steps that can be done now, with Creator UI instructions
  done STEP… [--by NAME] [--note TEXT]   record steps as done; out-of-order or rule-breaking steps are
                                         refused. A step that sets a secret needs its environment
                                         variable (its fingerprint is recorded). --by defaults to you
  walk [--by NAME]                       go through the ready steps one by one: done, skip for now, quit
  abandon [--reason TEXT] [--by NAME]    close the open rollout; done steps stay done
  log [--format text|json]               every rollout event: who, when, what
  issue --repo OWNER/NAME                create or update the open rollout's GitHub issue (task list)
  sync --issue N --repo OWNER/NAME --actor LOGIN
                                         record the steps ticked in the rollout issue (GITHUB_TOKEN,
                                         GITHUB_API_URL as for rollout issue; the secrets the steps set)

${WHERE}
connectorops rollout SUBCOMMAND --help shows one subcommand's help.

Exit codes: 0 done, 1 error (nothing recorded, or as the message says).`;

/** A subcommand's help, with the flags every subcommand takes. */
const helpOf = (sub: keyof typeof HELP): string => `${HELP[sub]}\n\n${WHERE}\n\nExit codes: 0 done, 1 error (nothing recorded, or as the message says).`;

const SUBCOMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  next: nextCommand,
  done: doneCommand,
  walk: walkCommand,
  abandon: abandonCommand,
  log: logCommand,
  issue: (argv, io) => import('./rollout-github.js').then((m) => m.issueCommand(argv, io, helpOf('issue'))),
  sync: (argv, io) => import('./rollout-github.js').then((m) => m.syncCommand(argv, io, helpOf('sync'))),
};

export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'help') {
    io.stdout.write(USAGE + '\n');
    return 0;
  }
  if (sub === '--help' || sub === '-h') return printUsage(io, USAGE);
  if (sub === undefined || sub.startsWith('-')) return statusCommand(argv, io);
  const command = ownValue(SUBCOMMANDS, sub);
  if (!command) {
    const guess = didYouMean(sub, Object.keys(SUBCOMMANDS));
    io.stderr.write(
      `Error: connectorops rollout: unknown subcommand '${sanitizeTerminal(sub)}'${guess ? `; ${guess}` : ''}\n  hint: the subcommands are ${Object.keys(SUBCOMMANDS).join(', ')} (connectorops rollout --help)\n`,
    );
    return 1;
  }
  return command(rest, io);
}

async function statusCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutStatusArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('status'));
  const where = targetFlagsText(args);
  const text = await withRolloutTarget(args, io, async (t) => {
    const rollout = await openRolloutOf(t);
    if (args.format === 'json') return renderRolloutStatusJson(rollout);
    if (!rollout) {
      return `Target ${sanitizeTerminal(t.name)} has no open rollout. On a ledger target, connectorops apply${where} opens one; connectorops rollout log${where} shows past rollouts.\n`;
    }
    return renderRolloutStatus(rollout, { color: wantsColor(io), where });
  });
  io.stdout.write(text);
  return 0;
}

async function nextCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutNextArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('next'));
  const where = targetFlagsText(args);
  const text = await withRolloutTarget(args, io, async (t) => renderNext(await requireOpenRollout(t), args.format, { color: wantsColor(io), where }));
  io.stdout.write(text);
  return 0;
}

async function doneCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutDoneArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('done'));
  const by = actorName(args.by, io.env);
  await withRolloutTarget(args, io, async (target) => {
    const rollout = await requireOpenRollout(target);
    const result = await recordDone(target, rollout, args.steps, {
      by,
      env: io.env,
      ...(args.note !== undefined ? { note: args.note } : {}),
      onRecorded: (step) => io.stdout.write(`✓ ${step.id} ${rolloutStepTitle(step, quoteTerminal, sanitizeTerminal)}: done by ${sanitizeTerminal(by)}\n`),
    });
    io.stdout.write(afterDone(result.rollout, result.closed, targetFlagsText(args)));
  });
  return 0;
}

/** What to say after steps were recorded: the rollout's progress, and what comes next (`where`: the target flags to paste). */
function afterDone(rollout: Rollout, closed: boolean, where: string): string {
  const p = progressOf(rollout);
  if (closed) return `Every step is done: rollout ${rollout.id} is closed (${plural(p.total, 'step')}). connectorops plan${where} should now report no changes.\n`;
  const ready = readySteps(rollout);
  const next = ready.length ? `Ready now: ${ready.map((s) => s.id).join(', ')} (connectorops rollout next${where}).` : 'No step is ready now.';
  return `Rollout ${rollout.id}: ${p.done} of ${plural(p.total, 'step')} done. ${next}\n`;
}

async function walkCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutWalkArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('walk'));
  const by = actorName(args.by, io.env);
  const where = targetFlagsText(args);
  return withRolloutTarget(args, io, async (target) => {
    const lines = createInterface({ input: io.stdin, terminal: false });
    const answers = lines[Symbol.asyncIterator]();
    /** Asks until one of `choices` (or its first letter) is answered; null when stdin ends. */
    const ask = async (question: string, choices: readonly string[], again: string): Promise<string | null> => {
      for (;;) {
        io.stdout.write(question);
        const next = await answers.next();
        if (next.done) return null;
        const answer = String(next.value).trim().toLowerCase();
        const choice = choices.find((c) => answer === c || answer === c[0]);
        if (choice) return choice;
        io.stdout.write(again);
      }
    };
    const resume = `run connectorops rollout walk${where} again to resume`;
    const skipped = new Set<string>();
    try {
      for (;;) {
        const rollout = await requireOpenRollout(target);
        const step = readySteps(rollout).find((s) => !skipped.has(s.id));
        const p = progressOf(rollout);
        if (!step) {
          io.stdout.write(
            `\nNo more steps to walk through now (${p.done} of ${p.total} done${skipped.size ? `; skipped for now: ${[...skipped].join(', ')}` : ''}). ${capitalize(resume)}.\n`,
          );
          return 0;
        }
        io.stdout.write(`\nRollout ${rollout.id}: ${p.done} of ${plural(p.total, 'step')} done.\n\n${(stepInstructions(rollout).get(step.id) ?? []).join('\n')}\n\n`);
        const answer = await ask(
          `Step ${step.id}: [d]one, [s]kip for now, [q]uit? `,
          ['done', 'skip', 'quit'],
          'Please answer d (done), s (skip for now) or q (quit).\n',
        );
        if (answer === null || answer === 'quit') {
          io.stdout.write(`\nStopped. ${p.done} of ${plural(p.total, 'step')} done; ${resume}.\n`);
          return 0;
        }
        if (answer === 'skip') {
          skipped.add(step.id);
          continue;
        }
        let result: Awaited<ReturnType<typeof recordDone>>;
        try {
          result = await recordDone(target, rollout, [step.id], { by, env: io.env, ...(args.note !== undefined ? { note: args.note } : {}) });
        } catch (error) {
          if (!(error instanceof UserError || error instanceof TargetError)) throw error;
          // The step is not recorded: say why, and let the person skip it or stop (S2: the
          // message names variables, never values).
          io.stdout.write(`\n✗ ${step.id} was not recorded: ${sanitizeTerminal(error.message)}\n`);
          if (error.details.hint) io.stdout.write(`  hint: ${sanitizeTerminal(error.details.hint)}\n`);
          const then = await ask(`Step ${step.id}: [s]kip it for now, or [q]uit? `, ['skip', 'quit'], 'Please answer s (skip for now) or q (quit).\n');
          if (then === 'skip') {
            skipped.add(step.id);
            continue;
          }
          io.stdout.write(`\nStopped. ${p.done} of ${plural(p.total, 'step')} done; ${resume}.\n`);
          return 1;
        }
        io.stdout.write(`✓ ${step.id} recorded as done by ${sanitizeTerminal(by)}.\n`);
        if (result.closed) {
          io.stdout.write(afterDone(result.rollout, true, where));
          return 0;
        }
      }
    } finally {
      lines.close();
    }
  });
}

async function abandonCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutAbandonArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('abandon'));
  const by = actorName(args.by, io.env);
  const where = targetFlagsText(args);
  await withRolloutTarget(args, io, async (target) => {
    const rollout = await requireOpenRollout(target);
    await abandonRollout(target, rollout, by, args.reason);
    const p = progressOf(rollout);
    const kept = p.done === 1 ? 'the 1 done step stays done' : `the ${p.done} done steps stay done`;
    io.stdout.write(
      `Rollout ${rollout.id} abandoned by ${sanitizeTerminal(by)}: ${kept}; ${plural(p.total - p.done, 'step')} ${p.total - p.done === 1 ? 'was' : 'were'} not done. connectorops plan${where} shows what is left; connectorops apply${where} opens the next rollout.\n`,
    );
  });
  return 0;
}

async function logCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutLogArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('log'));
  const text = await withRolloutTarget(args, io, async (t) => renderRolloutLog(await allRollouts(t), await ledgerEvents(t), args.format));
  io.stdout.write(text);
  return 0;
}
