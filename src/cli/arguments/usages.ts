/** `connectorops usages [--dir D] [--ref REF] [--format text|json]`. */
import { UserError } from '../../errors.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

const USAGES_FORMATS = ['text', 'json'] as const;

export interface UsagesArgs {
  /** As typed, relative to the working directory (default `.`). */
  dir: string;
  ref?: string;
  format: (typeof USAGES_FORMATS)[number];
}

export function parseUsagesArgs(argv: readonly string[]): UsagesArgs | Help {
  const flags = parseFlags(argv, { dir: { type: 'string', default: '.' }, ref: { type: 'string' }, format: { type: 'string', default: 'text' } });
  if (isHelp(flags)) return flags;
  const { values } = flags;
  const format = USAGES_FORMATS.find((f) => f === values.format);
  if (!format) throw new UserError(`unknown format '${values.format}'`, { hint: `use one of: ${USAGES_FORMATS.join(', ')}` });
  return { dir: values.dir, format, ...definedOnly({ ref: values.ref }) };
}
