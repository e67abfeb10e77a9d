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
import { renderNext, renderRolloutLog, renderRolloutStatus, rolloutStepTitle, stepInstructions } from '../../render/rollout.js';
import { quoteTerminal, sanitizeTerminal } from '../../render/escape.js';
import { progressOf, readySteps, type Rollout } from '../../rollout/model.js';
import { abandonRollout, allRollouts, recordDone, requireOpenRollout } from '../../rollout/run.js';
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

const USAGE = `Usage: connectorops rollout [subcommand] [options]

A ledger target stands for a real Creator account: apply opens a rollout, a checklist that a
person works through in Creator's UI. The target changes one step at a time, as steps are confirmed.

Subcommands:
  (none)                                 the open rollout's steps: ✓ done (by whom, when), → ready, · waiting
  next [--format text|markdown|json]     the steps that can be done now, with Creator UI instructions
  done STEP… [--by NAME] [--note TEXT]   record steps as done; out-of-order or rule-breaking steps are
                                         refused. A step that sets a secret needs its environment
                                         variable (its fingerprint is recorded). --by defaults to you
  walk [--by NAME]                       go through the ready steps one by one: done, skip for now, quit
  abandon [--reason TEXT] [--by NAME]    close the open rollout; done steps stay done
  log                                    every rollout event: who, when, what
  issue --repo OWNER/NAME                create or update the open rollout's GitHub issue (task list)
  sync --issue N --repo OWNER/NAME --actor LOGIN
                                         record the steps ticked in the rollout issue (GITHUB_TOKEN,
                                         GITHUB_API_URL as for comment; the secrets the steps set)

Every subcommand takes --target T (a name from connectorops.yaml, local:PATH, postgres://… or http(s)://…) and
--dir D (where connectorops.yaml is, default .).

Exit codes: 0 done, 1 error (nothing recorded, or as the message says).`;

const SUBCOMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  next: nextCommand,
  done: doneCommand,
  walk: walkCommand,
  abandon: abandonCommand,
  log: logCommand,
  issue: (argv, io) => import('./rollout-github.js').then((m) => m.issueCommand(argv, io, USAGE)),
  sync: (argv, io) => import('./rollout-github.js').then((m) => m.syncCommand(argv, io, USAGE)),
};

export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'help') {
    io.stdout.write(USAGE + '\n');
    return 0;
  }
  if (sub === undefined || sub.startsWith('-')) return statusCommand(argv, io);
  const command = SUBCOMMANDS[sub];
  if (!command) {
    io.stderr.write(`connectorops rollout: unknown subcommand '${sub}'\n\n${USAGE}\n`);
    return 1;
  }
  return command(rest, io);
}

async function statusCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutStatusArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const text = await withRolloutTarget(args, io, async (t) => renderRolloutStatus(await requireOpenRollout(t), { color: wantsColor(io) }));
  io.stdout.write(text);
  return 0;
}

async function nextCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutNextArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const text = await withRolloutTarget(args, io, async (t) => renderNext(await requireOpenRollout(t), args.format, { color: wantsColor(io) }));
  io.stdout.write(text);
  return 0;
}

async function doneCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutDoneArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const by = actorName(args.by, io.env);
  await withRolloutTarget(args, io, async (target) => {
    const rollout = await requireOpenRollout(target);
    const result = await recordDone(target, rollout, args.steps, {
      by,
      env: io.env,
      ...(args.note !== undefined ? { note: args.note } : {}),
      onRecorded: (step) => io.stdout.write(`✓ ${step.id} ${rolloutStepTitle(step, quoteTerminal, sanitizeTerminal)}: done by ${sanitizeTerminal(by)}\n`),
    });
    io.stdout.write(afterDone(result.rollout, result.closed));
  });
  return 0;
}

/** What to say after steps were recorded: the rollout's progress, and what comes next. */
function afterDone(rollout: Rollout, closed: boolean): string {
  const p = progressOf(rollout);
  if (closed) return `Every step is done: rollout ${rollout.id} is closed (${p.total} steps). connectorops plan should now report no changes.\n`;
  const ready = readySteps(rollout);
  const next = ready.length ? `Ready now: ${ready.map((s) => s.id).join(', ')} (connectorops rollout next).` : 'No step is ready now.';
  return `Rollout ${rollout.id}: ${p.done} of ${p.total} steps done. ${next}\n`;
}

async function walkCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutWalkArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const by = actorName(args.by, io.env);
  return withRolloutTarget(args, io, async (target) => {
    const lines = createInterface({ input: io.stdin, terminal: false });
    const answers = lines[Symbol.asyncIterator]();
    const ask = async (question: string): Promise<string | null> => {
      io.stdout.write(question);
      const next = await answers.next();
      return next.done ? null : String(next.value).trim().toLowerCase();
    };
    const skipped = new Set<string>();
    try {
      for (;;) {
        const rollout = await requireOpenRollout(target);
        const step = readySteps(rollout).find((s) => !skipped.has(s.id));
        if (!step) {
          const p = progressOf(rollout);
          io.stdout.write(
            `\nNo more steps to walk through now (${p.done} of ${p.total} done${skipped.size ? `; skipped for now: ${[...skipped].join(', ')}` : ''}). Run connectorops rollout walk again to resume.\n`,
          );
          return 0;
        }
        const p = progressOf(rollout);
        io.stdout.write(`\nRollout ${rollout.id}: ${p.done} of ${p.total} steps done.\n\n${(stepInstructions(rollout).get(step.id) ?? []).join('\n')}\n\n`);
        let answer: string | null;
        for (;;) {
          answer = await ask(`Step ${step.id}: [d]one, [s]kip for now, [q]uit? `);
          if (answer === null || ['d', 'done', 's', 'skip', 'q', 'quit'].includes(answer)) break;
          io.stdout.write('Please answer d (done), s (skip for now) or q (quit).\n');
        }
        if (answer === null || answer.startsWith('q')) {
          io.stdout.write(`\nStopped. ${p.done} of ${p.total} steps done; run connectorops rollout walk again to resume.\n`);
          return 0;
        }
        if (answer.startsWith('s')) {
          skipped.add(step.id);
          continue;
        }
        const result = await recordDone(target, rollout, [step.id], { by, env: io.env, ...(args.note !== undefined ? { note: args.note } : {}) });
        io.stdout.write(`✓ ${step.id} recorded as done by ${sanitizeTerminal(by)}.\n`);
        if (result.closed) {
          io.stdout.write(afterDone(result.rollout, true));
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
  if (isHelp(args)) return printUsage(io, USAGE);
  const by = actorName(args.by, io.env);
  await withRolloutTarget(args, io, async (target) => {
    const rollout = await requireOpenRollout(target);
    await abandonRollout(target, rollout, by, args.reason);
    const p = progressOf(rollout);
    io.stdout.write(
      `Rollout ${rollout.id} abandoned by ${sanitizeTerminal(by)}: the ${p.done} done step${p.done === 1 ? '' : 's'} stay done; ${p.total - p.done} were not done. The next plan shows what is left.\n`,
    );
  });
  return 0;
}

async function logCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutLogArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const text = await withRolloutTarget(args, io, async (t) => renderRolloutLog(await allRollouts(t)));
  io.stdout.write(text);
  return 0;
}
