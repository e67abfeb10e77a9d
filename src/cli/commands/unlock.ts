/**
 * `connectorops unlock LOCKID --target T`: releases a lock that a dead apply left (the id comes
 * from the LockHeldError message). Only that lock: an id that is no longer held changes nothing.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../../errors.js';
import type { Io } from '../io.js';
import { openTargetFlag } from '../target-flag.js';

const USAGE = `Usage: connectorops unlock LOCKID --target T

Release the target's lock LOCKID, whoever holds it. Use it only when the run that holds it is
dead: the error that names a held lock prints this command with its id.

Exit codes: 0 released, 1 no such lock (or an error).`;

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { target: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UserError('unlock takes one LOCKID', { hint: 'connectorops unlock LOCKID --target T' });
  const id = positionals[0]!;
  const target = await openTargetFlag(values.target, io);
  try {
    if (await target.forceUnlock(id)) {
      io.stdout.write(`Released lock ${id} of target ${target.name}.\n`);
      return 0;
    }
    io.stderr.write(`Error: target ${target.name} holds no lock ${id}; nothing was released.\n`);
    return 1;
  } finally {
    await target.close();
  }
}
