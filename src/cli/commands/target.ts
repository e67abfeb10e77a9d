/**
 * `connectorops target export | import | authorize | deauthorize | init | adopt`: manage a target's contents (docs/targets.md).
 *
 *   target export --target T                         the snapshot JSON on stdout
 *   target import FILE --target T [--force]          replace the contents with a snapshot (FILE - = stdin)
 *   target authorize LINKNAME --account NAME [--environment ENV] [--user LOGIN]   (target-authorize.ts)
 *   target deauthorize LINKNAME [--environment ENV] [--user LOGIN]                (target-authorize.ts)
 *   target init --target T --mode ledger|simulated [--account NAME]   create an empty target of that mode
 *   target adopt --target T [--dir D] [--authorized LINK[@ENV]=ACCOUNT]…   the manifests' state as a new ledger's state
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { adoptLedger } from '../../apply/adopt.js';
import { readProblem } from '../../fs/directories.js';
import { formatDiagnostic, UserError } from '../../errors.js';
import { ownValue } from '../../model/own.js';
import { quoteTerminal, sanitizeTerminal } from '../../render/escape.js';
import { lockRequest } from '../../targets/lock.js';
import { parseSnapshotJson } from '../../targets/snapshot.js';
import { definedOnly } from '../../util/objects.js';
import { targetIdentity } from '../../util/target-identity.js';
import { agree, didYouMean, plural } from '../../util/text.js';
import { isHelp, printUsage } from '../args.js';
import { parseTargetAdoptArgs, parseTargetExportArgs, parseTargetImportArgs, parseTargetInitArgs } from '../arguments/target.js';
import { helpOf, USAGE } from '../help/target.js';
import { readStdin, writeFully, type Io } from '../io.js';
import { withTargetFlag } from '../target-flag.js';
import { authorizeCommand, deauthorizeCommand } from './target-authorize.js';

const SUBCOMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  export: exportCommand,
  import: importCommand,
  authorize: authorizeCommand,
  deauthorize: deauthorizeCommand,
  init: initCommand,
  adopt: adoptCommand,
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
    io.stderr.write(
      `Error: connectorops target: unknown subcommand '${sub}'${guess ? `; ${guess}` : ''}\n  hint: the subcommands are ${Object.keys(SUBCOMMANDS).join(', ')}\n`,
    );
    return 1;
  }
  return command(rest, io);
}

async function exportCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetExportArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('export'));
  const snapshot = await withTargetFlag(args, io, async (t) => {
    const [contents, info] = await Promise.all([t.exportSnapshot(), t.info()]);
    // What an initialized target stands for comes first (`target import` reads it back and leaves
    // its own target's mode); a target created implicitly exports exactly the contract's document.
    if (!info.initialized) return contents;
    return {
      formatVersion: contents.formatVersion,
      target: { mode: info.mode, account: info.account },
      connectors: contents.connectors,
      connections: contents.connections,
    };
  });
  await writeFully(io.stdout, JSON.stringify(snapshot, null, 2) + '\n');
  return 0;
}

async function importCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetImportArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('import'));
  const { file } = args;
  const text =
    file === '-'
      ? await readStdin(io)
      : await readFile(resolve(io.cwd, file), 'utf8').catch((e: unknown) => {
          throw new UserError(`cannot read ${file}: ${readProblem(e)}`, {
            hint: 'give the snapshot file (what `connectorops target export` writes), or - to read it from stdin',
          });
        });
  // The whole snapshot is checked before the target is even opened: a bad one changes nothing.
  const { snapshot } = parseSnapshotJson(text, file === '-' ? '(stdin)' : file);
  const serial = await withTargetFlag(
    args,
    io,
    async (target) => {
      // An apply in progress must not see its account replaced under it.
      const lock = await target.acquireLock(lockRequest('target import'), { timeoutMs: 0 });
      try {
        await target.importSnapshot(snapshot, { force: args.force });
        // A local target tells its serial without loading (and hashing) the whole account.
        return target.serial();
      } finally {
        await target.releaseLock(lock.id);
      }
    },
    { create: true },
  );
  io.stdout.write(`Imported ${plural(snapshot.connectors.length, 'connector')} and ${plural(snapshot.connections.length, 'connection')} (serial ${serial}).\n`);
  return 0;
}

async function initCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetInitArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('init'));
  const { mode, account } = args;
  await withTargetFlag(args, io, (t) => t.initialize(mode, account ?? null), { create: true });
  const name = args.target !== undefined ? targetIdentity(args.target) : 'the default target';
  io.stdout.write(`Target ${sanitizeTerminal(name)} is a ${mode} target${account ? ` for ${quoteTerminal(account)}` : ''}.\n`);
  io.stdout.write(
    mode === 'ledger'
      ? 'apply opens a rollout on it; the state changes as people confirm steps (connectorops rollout). To record an account that already exists, use connectorops target adopt.\n'
      : 'apply carries plans out on it at once.\n',
  );
  return 0;
}

async function adoptCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetAdoptArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('adopt'));
  const adopted = await adoptLedger({
    cwd: io.cwd,
    env: io.env,
    authorized: args.authorized,
    ...definedOnly({ dir: args.dir, target: args.target }),
    onDiagnostics: (diagnostics) => diagnostics.forEach((d) => io.stderr.write(formatDiagnostic(d) + '\n')),
  });
  io.stdout.write(
    `Adopted ${plural(adopted.connectors, 'connector')} and ${plural(adopted.connections, 'connection')} into ledger ${sanitizeTerminal(adopted.targetName)}.\n`,
  );
  if (adopted.unauthorized.length) {
    io.stdout.write(
      `Unauthorized: ${adopted.unauthorized.map((u) => (u.lacking.length ? `${quoteTerminal(u.linkName)} (${u.lacking.join(', ')})` : quoteTerminal(u.linkName))).join(', ')} (pass --authorized LINK=ACCOUNT, or LINK@ENV=ACCOUNT, for those authorized in Creator).\n`,
    );
  }
  const names = adopted.unsetSecrets;
  if (names.length) {
    const n = names.length;
    io.stderr.write(
      `warning: ${names.join(', ')} ${agree(n, 'is', 'are')} not set: ${agree(n, 'that secret’s fingerprint is', 'those secrets’ fingerprints are')} not recorded. The next apply opens a rollout whose step records ${agree(n, 'it', 'them')}, with nothing to do in Creator (which holds ${agree(n, 'it', 'them')}): export ${agree(n, 'it', 'them')} with the ${agree(n, 'value', 'values')} Creator holds before recording that step\n`,
    );
  }
  return 0;
}
