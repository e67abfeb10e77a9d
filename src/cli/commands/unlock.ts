/**
 * `connectorops unlock LOCKID --target T`: releases a lock that a dead apply left (docs/apply.md,
 * "Lock"). It needs the exact id, which the refused apply printed, so that it never releases a
 * lock that a newer, live run took in the meantime. 0 released · 1 no such lock.
 */
import { resolve } from 'node:path';
import { isHelp, printUsage } from '../args.js';
import { parseUnlockArgs } from '../arguments/unlock.js';
import type { Io } from '../io.js';
import { openTargetFlag } from '../target-flag.js';
import { sanitizeTerminal } from '../../render/escape.js';

const USAGE = `Usage: connectorops unlock LOCKID [--target T] [--dir D]

Release the target's lock LOCKID, which an apply that is no longer running left behind.
A refused apply prints the exact command with its id. Releasing the lock of a live apply lets
a second apply run at the same time: check first that its process is gone.

Options:
  --target T  the target (local:PATH, postgres://…, http(s)://…, or a name from connectorops.yaml)
  --dir D     where connectorops.yaml lives, for target names (default: the current directory)
  -h, --help  show this help

Exit codes: 0 released, 1 no such lock (or an error).`;

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parseUnlockArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const id = args.lockId;
  const target = await openTargetFlag(args.target, io, resolve(io.cwd, args.dir));
  try {
    if (await target.forceUnlock(id)) {
      io.stdout.write(`Released lock ${sanitizeTerminal(id)} of target ${sanitizeTerminal(target.name)}.\n`);
      return 0;
    }
    io.stderr.write(
      `Error: target ${sanitizeTerminal(target.name)} holds no lock ${sanitizeTerminal(id)}; nothing was released\n  hint: it may have been released already, or taken over by a later run\n`,
    );
    return 1;
  } finally {
    await target.close();
  }
}
