/** `connectorops apply [PLANFILE] [--dir D] [--target T] [--auto-approve] [--allow-replace] [--allow-empty] [--concurrency N] [--lock-timeout SECS]`. */
import { UserError } from '../../errors.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

/**
 * The most actions `--concurrency` may put in flight at once: the executor's GROUP_LIMIT (one
 * group in flight at most; test/cli/arguments/apply.test.ts holds the two equal).
 */
const MAX_CONCURRENCY = 64;

export interface ApplyArgs {
  /** The saved plan, as typed (relative to the working directory); absent: plan now. */
  planFile?: string;
  /** As typed, relative to the working directory. */
  dir?: string;
  target?: string;
  autoApprove: boolean;
  /** Only without PLANFILE: a saved plan already says what it replaces. */
  allowReplace: boolean;
  allowEmpty: boolean;
  /** 1 to 64; absent: the target's default (executor.ts `defaultConcurrency`). */
  concurrency?: number;
  /** Seconds, 0 or more; absent: fail at once on a held lock. */
  lockTimeout?: number;
}

export function parseApplyArgs(argv: readonly string[]): ApplyArgs | Help {
  const flags = parseFlags(
    argv,
    {
      dir: { type: 'string' },
      target: { type: 'string' },
      'auto-approve': { type: 'boolean', default: false },
      'allow-replace': { type: 'boolean', default: false },
      'allow-empty': { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      'lock-timeout': { type: 'string' },
    },
    true,
  );
  if (isHelp(flags)) return flags;
  const { values, positionals } = flags;
  if (positionals.length > 1) throw new UserError(`apply takes at most one PLANFILE, not ${positionals.length}`, { hint: 'connectorops apply [PLANFILE]' });
  const planFile = positionals[0];
  const concurrency = values.concurrency !== undefined ? concurrencyFlag(values.concurrency) : undefined;
  const lockTimeout = values['lock-timeout'] !== undefined ? secondsFlag(values['lock-timeout'], '--lock-timeout') : undefined;
  if (planFile !== undefined && values['allow-replace']) {
    throw new UserError('--allow-replace has no effect on a saved plan: the plan already says what it replaces', {
      hint: 'make the plan with connectorops plan --allow-replace --out FILE',
    });
  }
  return {
    ...definedOnly({ planFile, dir: values.dir, target: values.target, concurrency, lockTimeout }),
    autoApprove: values['auto-approve'],
    allowReplace: values['allow-replace'],
    allowEmpty: values['allow-empty'],
  };
}

function concurrencyFlag(text: string): number {
  const n = Number(text);
  // Digits only: Number() also takes '', ' 3' and '0x10' (0, 3 and 16), which no one means.
  if (!/^[0-9]+$/.test(text) || n < 1 || n > MAX_CONCURRENCY) {
    throw new UserError(`--concurrency takes a whole number from 1 to ${MAX_CONCURRENCY}, not '${text}'`, {
      hint: 'independent actions in flight at once (default: 64 for local:, 4 for HTTP, 1 for PostgreSQL)',
    });
  }
  return n;
}

function secondsFlag(text: string, flag: string): number {
  const n = Number(text);
  // A decimal number (an exponent allowed): Number() also takes '' and ' ' (0) and '0x10' (16).
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i.test(text) || !Number.isFinite(n))
    throw new UserError(`${flag} takes a number of seconds (0 or more), not '${text}'`, { hint: `e.g. ${flag} 30` });
  return n;
}
