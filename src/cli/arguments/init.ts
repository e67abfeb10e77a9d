/** `connectorops init [DIR] [--action OWNER/REPO@REF]`. */
import { UserError } from '../../errors.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

export interface InitArgs {
  /** As typed, relative to the working directory (default `.`). */
  dir: string;
  /** OWNER/REPO@REF (checked); absent: this package's own action at its version. */
  action?: string;
}

/** The repository that holds connectorops' GitHub Action (action.yml); `--action` overrides it. */
export const ACTION_REPOSITORY = 'connectorops/connectorops';

/**
 * OWNER/REPO@REF, or OWNER/REPO/PATH@REF for an action in a subfolder. An owner is letters, digits
 * and hyphens (GitHub's accounts), and no part of the path is `.` or `..` (`../../x@y` would be
 * written into the workflows as a reference GitHub cannot resolve).
 */
const ACTION_REFERENCE = /^(?!.*(^|\/)\.{1,2}(\/|@))[A-Za-z0-9][A-Za-z0-9-]*\/[\w.-]+(\/[\w./-]+)?@[\w./-]+$/;

export function parseInitArgs(argv: readonly string[]): InitArgs | Help {
  const flags = parseFlags(argv, { action: { type: 'string' } }, true);
  if (isHelp(flags)) return flags;
  const { values, positionals } = flags;
  if (positionals.length > 1) throw new UserError(`unexpected argument '${positionals[1]}'`, { hint: 'init takes one directory' });
  if (values.action !== undefined && !ACTION_REFERENCE.test(values.action)) {
    throw new UserError(`--action '${values.action}' is not OWNER/REPO@REF`, {
      hint: `name a repository and a tag, branch or commit, e.g. --action my-org/connectorops@v1.2.0; without --action, the workflows use ${ACTION_REPOSITORY} at this version`,
    });
  }
  return { dir: positionals[0] ?? '.', ...definedOnly({ action: values.action }) };
}
