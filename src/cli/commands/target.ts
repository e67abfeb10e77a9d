/**
 * `connectorops target export | import | authorize`: manage a target's contents (docs/targets.md).
 *
 *   target export --target T                         the snapshot JSON on stdout
 *   target import FILE --target T [--force]          replace the contents with a snapshot (FILE - = stdin)
 *   target authorize LINKNAME --account NAME --target T   stand-in for a person on the consent screen
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { didYouMean } from '../../suggest.js';
import { lockRequest } from '../../targets/lock.js';
import { parseSnapshotJson } from '../../targets/snapshot.js';
import type { Target } from '../../targets/target.js';
import type { Io } from '../io.js';
import { parseStrict } from '../args.js';
import { openTargetFlag } from '../target-flag.js';
import { ownValue } from '../../model/own.js';
import { plural } from '../../util/text.js';

const USAGE = `Usage: connectorops target <subcommand> [options]

Subcommands:
  export --target T                          write the target's contents as a snapshot (JSON) to stdout
  import FILE --target T [--force]           replace a local target's contents with a snapshot (FILE - reads stdin);
                                             --force replaces a target that is not empty
  authorize LINKNAME --account NAME --target T
                                             stand-in for a person on Creator's consent screen:
                                             the connection becomes authorized by NAME

--target is a name from connectorops.yaml, local:PATH, postgres://…, or http(s)://…
(default: the config's defaultTarget, else local:.connectorops/local.db).
--dir D (every subcommand): where connectorops.yaml is, for target names and the default target
(default: the current directory).

Exit codes: 0 done, 1 error (nothing changed).`;

const SUBCOMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  export: exportCommand,
  import: importCommand,
  authorize: authorizeCommand,
};

export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(USAGE + '\n');
    return sub ? 0 : 1;
  }
  const command = ownValue(SUBCOMMANDS, sub);
  if (!command) {
    const guess = didYouMean(sub, Object.keys(SUBCOMMANDS));
    io.stderr.write(`Error: connectorops target: unknown subcommand '${sub}'${guess ? `; ${guess}` : ''}\n  hint: the subcommands are ${Object.keys(SUBCOMMANDS).join(', ')}\n`);
    return 1;
  }
  return command(rest, io);
}

/**
 * `dir` is `--dir` as typed: where connectorops.yaml (target names) and the default target are.
 * `create`: only `target import` makes a target that does not exist yet; the others need one.
 */
async function withTarget<T>(flag: string | undefined, dir: string | undefined, io: Io, fn: (target: Target) => Promise<T>, create = false): Promise<T> {
  const target = await openTargetFlag(flag, io, resolve(io.cwd, dir ?? '.'), { create });
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

function wantsHelp(argv: string[], io: Io): boolean {
  if (!argv.includes('--help') && !argv.includes('-h')) return false;
  io.stdout.write(USAGE + '\n');
  return true;
}

async function exportCommand(argv: string[], io: Io): Promise<number> {
  if (wantsHelp(argv, io)) return 0;
  const { values, positionals } = parseStrict(argv, { target: { type: 'string' }, dir: { type: 'string' } });
  if (positionals.length) throw new UserError(`unexpected argument '${positionals[0]}'`, { hint: 'connectorops target export [--target T] [--dir D]' });
  const snapshot = await withTarget(values.target, values.dir, io, (t) => t.exportSnapshot());
  await write(io.stdout, JSON.stringify(snapshot, null, 2) + '\n');
  return 0;
}

async function importCommand(argv: string[], io: Io): Promise<number> {
  if (wantsHelp(argv, io)) return 0;
  const { values, positionals } = parseStrict(argv, { target: { type: 'string' }, dir: { type: 'string' }, force: { type: 'boolean', default: false } });
  if (positionals.length !== 1) throw new UserError('target import takes one FILE (or - for stdin)', { hint: 'connectorops target import FILE --target T [--force]' });
  const file = positionals[0]!;
  const text = file === '-' ? await readStdin(io) : await readFile(resolve(io.cwd, file), 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  // The whole snapshot is checked before the target is even opened: a bad one changes nothing.
  const { snapshot } = parseSnapshotJson(text, file === '-' ? '(stdin)' : file);
  const serial = await withTarget(values.target, values.dir, io, async (target) => {
    // An apply in progress must not see its account replaced under it.
    const lock = await target.acquireLock(lockRequest('target import'), { timeoutMs: 0 });
    try {
      await target.importSnapshot(snapshot, { force: values.force });
      // A local target tells its serial without loading (and hashing) the whole account.
      return target.serial();
    } finally {
      await target.releaseLock(lock.id);
    }
  }, true);
  io.stdout.write(
    `Imported ${plural(snapshot.connectors.length, 'connector')} and ${plural(snapshot.connections.length, 'connection')} (serial ${serial}).\n`,
  );
  return 0;
}

async function authorizeCommand(argv: string[], io: Io): Promise<number> {
  if (wantsHelp(argv, io)) return 0;
  const { values, positionals } = parseStrict(argv, { target: { type: 'string' }, dir: { type: 'string' }, account: { type: 'string' } });
  if (positionals.length !== 1) throw new UserError('target authorize takes one LINKNAME', { hint: 'connectorops target authorize LINKNAME --account NAME --target T' });
  if (values.account === undefined) throw new UserError('target authorize needs --account NAME: who consents', { hint: 'connectorops target authorize LINKNAME --account NAME --target T' });
  const linkName = positionals[0]!;
  const account = values.account;
  await withTarget(values.target, values.dir, io, (t) => t.authorize(linkName, account));
  io.stdout.write(`Connection '${linkName}' is authorized by ${account.trim()}.\n`);
  return 0;
}

async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes and waits for the stream to take it, so that a large export is not cut off at exit. */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolvePromise()));
  });
}

