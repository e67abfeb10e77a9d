/**
 * Every command's flags: node:util parseArgs, strict, with `-h/--help` printing the command's
 * usage. One place, so that every command answers --help and refuses unknown flags and stray
 * arguments alike.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';
import type { Io } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; strict: true; allowPositionals: true }>>;

/**
 * Parses `argv` against `options` (plus `--help`). Returns null after printing `usage` when help
 * was asked for: the command then exits 0. An unknown flag throws parseArgs' error, which the
 * CLI's top-level catch reports with a hint; so does a positional argument when `positionals` is
 * false (the default).
 */
export function parseCommandArgs<const O extends Options>(argv: string[], io: Io, usage: string, options: O, positionals = false): Parsed<O> | null {
  const parsed: Parsed<O> = parseArgs({ args: argv, options: { ...options, ...HELP }, strict: true, allowPositionals: true });
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(usage + '\n');
    return null;
  }
  if (!positionals && parsed.positionals.length > 0) {
    throw new UserError(`unexpected argument '${parsed.positionals[0]}'`, { hint: 'run the command with --help' });
  }
  return parsed;
}
