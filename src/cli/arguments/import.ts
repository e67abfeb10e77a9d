/** `connectorops import [--target T] [--out D]`. */
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

export interface ImportArgs {
  target?: string;
  /** As typed, relative to the working directory (default `.`); messages show it so. */
  out: string;
}

export function parseImportArgs(argv: readonly string[]): ImportArgs | Help {
  const flags = parseFlags(argv, { target: { type: 'string' }, out: { type: 'string', default: '.' } });
  if (isHelp(flags)) return flags;
  return { out: flags.values.out, ...definedOnly({ target: flags.values.target }) };
}
