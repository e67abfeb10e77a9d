/** `connectorops validate [--dir D] [--ref REF]`. */
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

export interface ValidateArgs {
  /** As typed, relative to the working directory (default `.`). */
  dir: string;
  ref?: string;
}

export function parseValidateArgs(argv: readonly string[]): ValidateArgs | Help {
  const flags = parseFlags(argv, { dir: { type: 'string', default: '.' }, ref: { type: 'string' } });
  if (isHelp(flags)) return flags;
  const { values } = flags;
  return { dir: values.dir, ...definedOnly({ ref: values.ref }) };
}
