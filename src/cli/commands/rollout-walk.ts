/**
 * `connectorops rollout walk`: the ready steps one at a time, as questions on the terminal (done,
 * skip for now, quit). Each answer "done" records the step through rollout/run.ts `recordDone`, as
 * `rollout done` does; a step that cannot be recorded says why and can be skipped.
 */
import { createInterface } from 'node:readline';
import { TargetError, UserError } from '../../errors.js';
import { sanitizeTerminal } from '../../render/escape.js';
import { renderAfterDone, stepInstructions } from '../../render/rollout.js';
import { progressOf, readySteps } from '../../rollout/model.js';
import { recordDone, requireOpenRollout } from '../../rollout/run.js';
import { targetFlagsText } from '../../util/shell.js';
import { capitalize, plural } from '../../util/text.js';
import { actorName } from '../actor.js';
import { isHelp, printUsage } from '../args.js';
import { parseRolloutWalkArgs } from '../arguments/rollout.js';
import type { Io } from '../io.js';
import { withTargetFlag } from '../target-flag.js';

export async function walkCommand(argv: string[], io: Io, usage: string): Promise<number> {
  const args = parseRolloutWalkArgs(argv);
  if (isHelp(args)) return printUsage(io, usage);
  const by = actorName(args.by, io.env);
  const where = targetFlagsText(args);
  return withTargetFlag(args, io, async (target) => {
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
          io.stdout.write(renderAfterDone(result.rollout, true, where));
          return 0;
        }
      }
    } finally {
      lines.close();
    }
  });
}
