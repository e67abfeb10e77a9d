/**
 * The engine under every command's argument parser (cli/arguments/): node:util parseArgs, strict,
 * with `-h/--help` on every command. One place, so that every command answers --help and refuses
 * unknown flags and stray arguments alike, in our own words. Pure: no I/O, no environment; a
 * command's `run` prints its usage when the parser answers {@link Help}.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';
import { didYouMean } from '../util/text.js';
import type { Io } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;
type Strict<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>>;

/** What a parser answers for `-h`/`--help`: the command prints its usage and exits 0. */
export interface Help {
  readonly help: true;
}

/** The parsed flags and positionals of a command, before they become its typed struct. */
export interface Flags<O extends Options> {
  values: Strict<O>['values'];
  positionals: string[];
}

export function isHelp<T extends object>(args: T | Help): args is Help {
  return (args as Partial<Help>).help === true;
}

/** Prints `usage` (the command's help) on stdout; the exit code of --help. */
export function printUsage(io: Io, usage: string): 0 {
  io.stdout.write(usage + '\n');
  return 0;
}

/**
 * Parses `argv` against `options` (plus `--help`). {@link Help} when help was asked for. An
 * unknown flag (with its likely meaning), a flag without its value, or (unless `positionals`) a
 * positional argument is a UserError with a hint.
 */
export function parseFlags<const O extends Options>(argv: readonly string[], options: O, positionals = false): Flags<O> | Help {
  const parsed = parseStrict([...argv], { ...options, ...HELP_OPTION });
  if ((parsed.values as { help?: boolean }).help) return { help: true };
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
function parseStrict<const O extends Options>(argv: string[], options: O): Strict<O> {
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
    if (/argument is ambiguous/.test(message)) {
      // `--lock-timeout -5`: the value starts with a dash, so it reads as another option.
      return new UserError(`option '${option ?? '?'}' was given a value that starts with '-', which reads as another option`, {
        hint: `to pass it as the value, write ${option ?? '--option'}=VALUE (e.g. ${option ?? '--option'}=-5)`,
      });
    }
    return new UserError(type === 'boolean' ? `option '${option}' takes no value` : `option '${option ?? '?'}' needs a value`, {
      hint: 'run the command with --help for its options',
    });
  }
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return new UserError(message.split('. ')[0]!.replace(/\.$/, ''), { hint: 'run the command with --help' });
  }
  return error;
}
