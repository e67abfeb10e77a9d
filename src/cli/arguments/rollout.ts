/**
 * `connectorops rollout [status] | next | done | walk | abandon | log | issue | sync`: one parser
 * per subcommand. Every subcommand takes `--target T` and `--dir D` (where connectorops.yaml is).
 */
import { UserError } from '../../errors.js';
import { NEXT_FORMATS, STATUS_FORMATS, type LogFormat, type NextFormat } from '../../render/rollout.js';
import { checkActorName } from '../actor.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { TARGET_OPTIONS, targetFlags, type TargetFlags } from './target.js';
import { definedOnly } from '../../util/objects.js';

/** Who records steps: `--by NAME` (checked, trimmed); absent, the command asks the system. */
const BY = { by: { type: 'string' } } as const;

export interface RolloutStatusArgs extends TargetFlags {
  format: LogFormat;
}
export type RolloutLogArgs = RolloutStatusArgs;

export interface RolloutNextArgs extends TargetFlags {
  format: NextFormat;
}

export interface RolloutDoneArgs extends TargetFlags {
  /** The step ids, in the order given. */
  steps: string[];
  by?: string;
  note?: string;
}

export interface RolloutWalkArgs extends TargetFlags {
  by?: string;
  note?: string;
}

export interface RolloutAbandonArgs extends TargetFlags {
  by?: string;
  reason?: string;
}

export interface RolloutIssueArgs extends TargetFlags {
  /** OWNER/NAME as typed; absent: GITHUB_REPOSITORY. */
  repo?: string;
}

export interface RolloutSyncArgs extends RolloutIssueArgs {
  /** The rollout issue's number. */
  issue: number;
  /** The GitHub login of who ticked the boxes. */
  actor: string;
}

export function parseRolloutStatusArgs(argv: readonly string[]): RolloutStatusArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, format: { type: 'string', default: 'text' } });
  if (isHelp(flags)) return flags;
  const format = STATUS_FORMATS.find((f) => f === flags.values.format);
  if (!format) throw new UserError(`unknown format '${flags.values.format}'`, { hint: `use one of: ${STATUS_FORMATS.join(', ')}` });
  return { ...targetFlags(flags.values), format };
}

export function parseRolloutLogArgs(argv: readonly string[]): RolloutLogArgs | Help {
  return parseRolloutStatusArgs(argv);
}

export function parseRolloutNextArgs(argv: readonly string[]): RolloutNextArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, format: { type: 'string', default: 'text' } });
  if (isHelp(flags)) return flags;
  const format = NEXT_FORMATS.find((f) => f === flags.values.format);
  if (!format) throw new UserError(`unknown format '${flags.values.format}'`, { hint: `use one of: ${NEXT_FORMATS.join(', ')}` });
  return { ...targetFlags(flags.values), format };
}

export function parseRolloutDoneArgs(argv: readonly string[]): RolloutDoneArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, ...BY, note: { type: 'string' } }, true);
  if (isHelp(flags)) return flags;
  const { values, positionals } = flags;
  return { ...targetFlags(values), steps: positionals, ...definedOnly({ by: checkedBy(values.by), note: values.note }) };
}

export function parseRolloutWalkArgs(argv: readonly string[]): RolloutWalkArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, ...BY, note: { type: 'string' } });
  if (isHelp(flags)) return flags;
  return { ...targetFlags(flags.values), ...definedOnly({ by: checkedBy(flags.values.by), note: flags.values.note }) };
}

export function parseRolloutAbandonArgs(argv: readonly string[]): RolloutAbandonArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, ...BY, reason: { type: 'string' } });
  if (isHelp(flags)) return flags;
  return { ...targetFlags(flags.values), ...definedOnly({ by: checkedBy(flags.values.by), reason: flags.values.reason }) };
}

export function parseRolloutIssueArgs(argv: readonly string[]): RolloutIssueArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, repo: { type: 'string' } });
  if (isHelp(flags)) return flags;
  return { ...targetFlags(flags.values), ...definedOnly({ repo: flags.values.repo }) };
}

export function parseRolloutSyncArgs(argv: readonly string[]): RolloutSyncArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, repo: { type: 'string' }, issue: { type: 'string' }, actor: { type: 'string' } });
  if (isHelp(flags)) return flags;
  const { values } = flags;
  const issue = Number(values.issue);
  // Digits only: Number() also takes ' 3' and '0x10'.
  if (!values.issue || !/^[0-9]+$/.test(values.issue) || !Number.isSafeInteger(issue) || issue < 1) {
    throw new UserError(
      values.issue === undefined ? "rollout sync needs --issue N: the rollout issue's number" : `--issue takes the rollout issue's number, not '${values.issue}'`,
      {
        hint: 'in rollout.yml: --issue ${{ github.event.issue.number }}',
      },
    );
  }
  const actor = values.actor?.trim();
  if (!actor || !/^[A-Za-z0-9-]+(\[bot\])?$/.test(actor)) {
    throw new UserError('--actor takes the GitHub login of who ticked the boxes', { hint: 'in rollout.yml: --actor ${{ github.actor }}' });
  }
  return { ...targetFlags(values), ...definedOnly({ repo: values.repo }), issue, actor };
}

function checkedBy(by: string | undefined): string | undefined {
  return by === undefined ? undefined : checkActorName(by);
}
