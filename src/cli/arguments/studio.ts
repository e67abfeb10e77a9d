/** `connectorops studio [--target T] [--dir D] [--port N] [--no-open] [--by NAME]`. */
import { checkActorName } from '../actor.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';
import { parsePort } from './serve.js';
import { TARGET_OPTIONS, targetFlags, type TargetFlags } from './target.js';

export interface StudioArgs extends TargetFlags {
  /** 0 (the default) picks a free port. */
  port: number;
  /** Open the page in the browser (default); `--no-open` only prints its URL. */
  open: boolean;
  /** Who *Mark done* records, checked; absent, the command asks git (user.name), then the system. */
  by?: string;
}

export function parseStudioArgs(argv: readonly string[]): StudioArgs | Help {
  const flags = parseFlags(argv, {
    ...TARGET_OPTIONS,
    port: { type: 'string', default: '0' },
    'no-open': { type: 'boolean', default: false },
    by: { type: 'string' },
  });
  if (isHelp(flags)) return flags;
  const { values } = flags;
  return {
    ...targetFlags(values),
    port: parsePort(values.port),
    open: !values['no-open'],
    ...definedOnly({ by: values.by !== undefined ? checkActorName(values.by) : undefined }),
  };
}
