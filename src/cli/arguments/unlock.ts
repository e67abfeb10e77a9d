/** `connectorops unlock LOCKID [--target T] [--dir D]`. */
import { UserError } from '../../errors.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

export interface UnlockArgs {
  /** The exact id a refused apply printed. */
  lockId: string;
  target?: string;
  /** As typed, relative to the working directory (default `.`): where connectorops.yaml is. */
  dir: string;
}

export function parseUnlockArgs(argv: readonly string[]): UnlockArgs | Help {
  const flags = parseFlags(argv, { target: { type: 'string' }, dir: { type: 'string', default: '.' } }, true);
  if (isHelp(flags)) return flags;
  const { values, positionals } = flags;
  const [lockId] = positionals;
  if (lockId === undefined || positionals.length > 1) {
    throw new UserError(positionals.length ? `unlock takes one LOCKID, not ${positionals.length}` : 'unlock needs the LOCKID to release', {
      hint: 'a refused apply prints it: connectorops unlock LOCKID --target T',
    });
  }
  return { lockId, dir: values.dir, ...definedOnly({ target: values.target }) };
}
