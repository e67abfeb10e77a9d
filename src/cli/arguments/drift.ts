/**
 * `connectorops drift [--dir D] [--ref REF] [--target T] [--repo OWNER/NAME] [--stale-after DAYS]
 * [--format text|json|markdown]`.
 */
import { UserError } from '../../errors.js';
import { quoteTerminal } from '../../render/escape.js';
import { DRIFT_FORMATS, type DriftFormat } from '../../render/drift.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

/** A rollout open longer than this many days is stale, unless `--stale-after` says otherwise. */
const DEFAULT_STALE_AFTER_DAYS = 7;
/** Ten years: anything longer is a typo (and would overflow nothing, but helps no one). */
const MAX_STALE_AFTER_DAYS = 3650;

export interface DriftArgs {
  /** As typed, relative to the working directory. */
  dir?: string;
  ref?: string;
  target?: string;
  /** OWNER/NAME as typed: keep the drift issue in that repository. Absent: no issue is kept. */
  repo?: string;
  /** Whole days, 0 to 3650. */
  staleAfterDays: number;
  format: DriftFormat;
}

export function parseDriftArgs(argv: readonly string[]): DriftArgs | Help {
  const flags = parseFlags(argv, {
    dir: { type: 'string' },
    ref: { type: 'string' },
    target: { type: 'string' },
    repo: { type: 'string' },
    'stale-after': { type: 'string' },
    format: { type: 'string', default: 'text' },
  });
  if (isHelp(flags)) return flags;
  const { values } = flags;
  const format = DRIFT_FORMATS.find((f) => f === values.format);
  if (!format) throw new UserError(`unknown format '${values.format}'`, { hint: `use one of: ${DRIFT_FORMATS.join(', ')}` });
  if (values.repo !== undefined && values.repo.trim() === '') {
    throw new UserError('--repo needs OWNER/NAME (like acme/infra)', { hint: 'in a workflow: --repo "$GITHUB_REPOSITORY"' });
  }
  return {
    ...definedOnly({ dir: values.dir, ref: values.ref, target: values.target, repo: values.repo }),
    staleAfterDays: parseStaleAfter(values['stale-after']),
    format,
  };
}

function parseStaleAfter(value: string | undefined): number {
  if (value === undefined) return DEFAULT_STALE_AFTER_DAYS;
  const days = Number(value);
  if (!/^[0-9]{1,4}$/.test(value) || days > MAX_STALE_AFTER_DAYS) {
    throw new UserError(`--stale-after takes a whole number of days from 0 to ${MAX_STALE_AFTER_DAYS}, not ${quoteTerminal(value)}`, {
      hint: `the default is ${DEFAULT_STALE_AFTER_DAYS}: a rollout open longer than a week is reported`,
    });
  }
  return days;
}
