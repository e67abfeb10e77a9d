/**
 * Every command's flags: node:util parseArgs, strict, with `-h/--help` printing the command's
 * usage. One place, so that every command answers --help and refuses unknown flags and stray
 * arguments alike.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';
import { didYouMean } from '../util/text.js';
import type { Io } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; strict: true; allowPositionals: true }>>;

/**
 * Parses `argv` against `options` (plus `--help`). Returns null after printing `usage` when help
 * was asked for: the command then exits 0. An unknown flag, a flag without its value, or (when
 * `positionals` is false, the default) a positional argument is a UserError in our own words.
 */
export function parseCommandArgs<const O extends Options>(argv: string[], io: Io, usage: string, options: O, positionals = false): Parsed<O> | null {
  const parsed: Parsed<O> = parseStrict(argv, { ...options, ...HELP });
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(usage + '\n');
    return null;
  }
  if (!positionals && parsed.positionals.length > 0) {
    throw new UserError(`unexpected argument '${parsed.positionals[0]}'`, { hint: 'run the command with --help' });
  }
  return parsed;
}

/**
 * node:util parseArgs, strict, with positionals allowed; its errors (whose text quotes unevenly and
 * talks about '--' escapes) become one-line UserErrors that name the option and, for a typo, the
 * option meant.
 */
export function parseStrict<const O extends Options>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw argsError(error, options);
  }
}

function argsError(error: unknown, options: Options): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  const flags = Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /^Unknown option '([^']*)'/.exec(message)?.[1] ?? '';
    const name = option.split('=')[0]!;
    const guess = didYouMean(name, flags);
    return new UserError(`unknown option '${name}'`, {
      hint: guess ? `${guess} (run the command with --help for its options)` : 'run the command with --help for its options',
    });
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /^Option '(-\w, )?(--[\w-]+)/.exec(message)?.[2];
    const type = option ? options[option.slice(2)]?.type : undefined;
    return new UserError(type === 'boolean' ? `option '${option}' takes no value` : `option '${option ?? '?'}' needs a value`, {
      hint: 'run the command with --help for its options',
    });
  }
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return new UserError(message.split('. ')[0]!.replace(/\.$/, ''), { hint: 'run the command with --help' });
  }
  return error;
}
