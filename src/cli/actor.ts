/** Who is running a command, for a rollout's journal: `--by`, else the operating system's user. */
import { userInfo } from 'node:os';
import { UserError } from '../errors.js';
import { sanitizeTerminal } from '../util/terminal.js';

/** `--by NAME`, trimmed; a UserError unless it is 1 to 200 characters without control characters. */
export function checkActorName(by: string): string {
  const name = by.trim();
  // eslint-disable-next-line no-control-regex -- control characters are what a name may not hold
  if (!name || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new UserError('--by is a name of 1 to 200 characters, without control characters', { hint: 'e.g. --by "Alice Martin"' });
  }
  return name;
}

/** `--by NAME` when given (checked), else $USER, else the OS account name. */
export function actorName(by: string | undefined, env: NodeJS.ProcessEnv): string {
  if (by !== undefined) return checkActorName(by);
  const fromEnv = env.USER ?? env.USERNAME ?? env.LOGNAME;
  // Recorded in the journal and shown in terminals and issues: control and bidi characters made visible.
  if (fromEnv?.trim()) return sanitizeTerminal(fromEnv.trim()).slice(0, 200);
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
