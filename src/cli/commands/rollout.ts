/**
 * `connectorops rollout …`: a ledger target's open rollout, carried out by a person in Creator's UI
 * (docs/rollouts.md).
 *
 *   rollout [--target T]                                status: done (by, when), ready, waiting
 *   rollout next [--format text|markdown|json]          the steps that can be done now, with instructions
 *   rollout done STEP… [--by NAME] [--note TEXT]        record steps as done (dependencies and rules checked)
 *   rollout walk                                        the ready steps one at a time (rollout-walk.ts)
 *   rollout abandon [--reason TEXT]                     close the open rollout; done steps stay done
 *   rollout log                                         every rollout event: who, when, what
 *   rollout issue --repo OWNER/NAME                     the open rollout as a GitHub issue (rollout-github.ts)
 *   rollout sync --issue N --repo OWNER/NAME --actor LOGIN   record the boxes ticked in that issue
 */
import { quoteTerminal, sanitizeTerminal } from '../../render/escape.js';
import { renderAfterDone, renderNext, renderRolloutLog, renderRolloutStatus, renderRolloutStatusJson, rolloutStepTitle } from '../../render/rollout.js';
import { progressOf } from '../../rollout/model.js';
import { abandonRollout, allRollouts, ledgerEvents, openRolloutOf, recordDone, requireOpenRollout } from '../../rollout/run.js';
import { ownValue } from '../../model/own.js';
import { agree, didYouMean, plural } from '../../util/text.js';
import { targetFlagsText } from '../../util/shell.js';
import { actorName } from '../actor.js';
import { isHelp, printUsage } from '../args.js';
import { parseRolloutAbandonArgs, parseRolloutDoneArgs, parseRolloutLogArgs, parseRolloutNextArgs, parseRolloutStatusArgs } from '../arguments/rollout.js';
import { helpOf, USAGE } from '../help/rollout.js';
import { wantsColor, type Io } from '../io.js';
import { withTargetFlag } from '../target-flag.js';
import { walkCommand } from './rollout-walk.js';

const SUBCOMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  next: nextCommand,
  done: doneCommand,
  walk: (argv, io) => walkCommand(argv, io, helpOf('walk')),
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
  const text = await withTargetFlag(args, io, async (t) => {
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
  const text = await withTargetFlag(args, io, async (t) => renderNext(await requireOpenRollout(t), args.format, { color: wantsColor(io), where }));
  io.stdout.write(text);
  return 0;
}

async function doneCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutDoneArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('done'));
  const by = actorName(args.by, io.env);
  await withTargetFlag(args, io, async (target) => {
    const rollout = await requireOpenRollout(target);
    const result = await recordDone(target, rollout, args.steps, {
      by,
      env: io.env,
      ...(args.note !== undefined ? { note: args.note } : {}),
      onRecorded: (step) => io.stdout.write(`✓ ${step.id} ${rolloutStepTitle(step, quoteTerminal, sanitizeTerminal)}: done by ${sanitizeTerminal(by)}\n`),
    });
    io.stdout.write(renderAfterDone(result.rollout, result.closed, targetFlagsText(args)));
  });
  return 0;
}

async function abandonCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutAbandonArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('abandon'));
  const by = actorName(args.by, io.env);
  const where = targetFlagsText(args);
  await withTargetFlag(args, io, async (target) => {
    const rollout = await requireOpenRollout(target);
    await abandonRollout(target, rollout, by, args.reason);
    const p = progressOf(rollout);
    const kept = `the ${plural(p.done, 'done step')} ${agree(p.done, 'stays', 'stay')} done`;
    io.stdout.write(
      `Rollout ${rollout.id} abandoned by ${sanitizeTerminal(by)}: ${kept}; ${plural(p.total - p.done, 'step')} ${agree(p.total - p.done, 'was', 'were')} not done. connectorops plan${where} shows what is left; connectorops apply${where} opens the next rollout.\n`,
    );
  });
  return 0;
}

async function logCommand(argv: string[], io: Io): Promise<number> {
  const args = parseRolloutLogArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('log'));
  const text = await withTargetFlag(args, io, async (t) => renderRolloutLog(await allRollouts(t), await ledgerEvents(t), args.format));
  io.stdout.write(text);
  return 0;
}
