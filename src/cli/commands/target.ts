/**
 * `connectorops target export | import | authorize | deauthorize | init | adopt`: manage a target's contents (docs/targets.md).
 *
 *   target export --target T                         the snapshot JSON on stdout
 *   target import FILE --target T [--force]          replace the contents with a snapshot (FILE - = stdin)
 *   target authorize LINKNAME --account NAME [--environment ENV] [--user LOGIN] --target T   stand-in for a person on the consent screen
 *   target deauthorize LINKNAME [--environment ENV] [--user LOGIN] --target T   an authorization was revoked in Creator
 *   target init --target T --mode ledger|simulated [--account NAME]   create an empty target of that mode
 *   target adopt --target T [--dir D] [--authorized LINK[@ENV]=ACCOUNT]…   the manifests' state as a new ledger's state
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { lockRequest } from '../../targets/lock.js';
import { parseSnapshotJson } from '../../targets/snapshot.js';
import type { Target } from '../../targets/target.js';
import type { Io } from '../io.js';
import { isHelp, printUsage } from '../args.js';
import {
  parseTargetAdoptArgs,
  parseTargetAuthorizeArgs,
  parseTargetDeauthorizeArgs,
  parseTargetExportArgs,
  parseTargetImportArgs,
  parseTargetInitArgs,
  type TargetFlags,
} from '../arguments/target.js';
import { formatDiagnostic } from '../../errors.js';
import { loadForPlan, planAgainst } from '../../plan/run.js';
import { quoteTerminal, sanitizeTerminal } from '../../render/escape.js';
import { adoptedState } from '../../rollout/adopt.js';
import { openTarget } from '../../targets/index.js';
import { stateToSnapshot } from '../../targets/snapshot.js';
import { openTargetFlag, readProjectConfig } from '../target-flag.js';
import { describeAuthorization, isAuthorized, orderedEnvironments } from '../../model/authorizations.js';
import type { ConnectionRecord, Environment } from '../../model/types.js';
import { definedOnly } from '../../util/objects.js';
import { ownValue } from '../../model/own.js';
import { didYouMean, plural } from '../../util/text.js';

const USAGE = `Usage: connectorops target <subcommand> [options]

Subcommands:
  export --target T                          write the target's contents as a snapshot (JSON) to stdout
  import FILE --target T [--force]           replace a local target's contents with a snapshot (FILE - reads stdin);
                                             --force replaces a target that is not empty
  authorize LINKNAME --account NAME [--environment ENV] [--user LOGIN] --target T
                                             stand-in for a person on Creator's consent screen:
                                             the connection becomes authorized by NAME. A connection
                                             with one authorization per environment needs
                                             --environment development|stage|production; a logged-in
                                             user connection needs --user (the user who authorized)
  deauthorize LINKNAME [--environment ENV] [--user LOGIN] --target T
                                             record that authorizations were revoked in Creator
                                             (Manage Connections → Revoke, or a user deactivated):
                                             those of ENV and/or LOGIN, or every one
  init --target T --mode ledger|simulated [--account NAME]
                                             create an empty target: simulated (it is the account;
                                             apply carries actions out) or ledger (it stands for a
                                             real Creator account; apply opens a rollout)
  adopt --target T [--dir D] [--authorized LINK=ACCOUNT | LINK@ENV=ACCOUNT]…
                                             record the manifests' state as a new ledger's current
                                             state: you attest that Creator holds exactly this.
                                             Connections are unauthorized unless --authorized names
                                             who authorized them (LINK@ENV=ACCOUNT for a connection
                                             with one authorization per environment); secrets are fingerprinted from the
                                             environment variables the manifests name

--target is a name from connectorops.yaml, local:PATH, postgres://…, or http(s)://…
(default: the config's defaultTarget, else local:.connectorops/local.db).
--dir D (every subcommand): where connectorops.yaml is, for target names and the default target
(default: the current directory).

Exit codes: 0 done, 1 error (nothing changed).`;

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

/**
 * `where.dir` is `--dir` as typed: where connectorops.yaml (target names) and the default target are.
 * `create`: only `target import` and `target init` make a target that does not exist yet; the others need one.
 */
async function withTarget<T>(where: TargetFlags, io: Io, fn: (target: Target) => Promise<T>, create = false): Promise<T> {
  const target = await openTargetFlag(where.target, io, resolve(io.cwd, where.dir ?? '.'), { create });
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

async function exportCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetExportArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const snapshot = await withTarget(args, io, async (t) => {
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
  await write(io.stdout, JSON.stringify(snapshot, null, 2) + '\n');
  return 0;
}

async function importCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetImportArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const { file } = args;
  const text =
    file === '-'
      ? await readStdin(io)
      : await readFile(resolve(io.cwd, file), 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new UserError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
        });
  // The whole snapshot is checked before the target is even opened: a bad one changes nothing.
  const { snapshot } = parseSnapshotJson(text, file === '-' ? '(stdin)' : file);
  const serial = await withTarget(
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
    true,
  );
  io.stdout.write(`Imported ${plural(snapshot.connectors.length, 'connector')} and ${plural(snapshot.connections.length, 'connection')} (serial ${serial}).\n`);
  return 0;
}

async function authorizeCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetAuthorizeArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const { linkName, account, environment, user } = args;
  const config = await readProjectConfig(resolve(io.cwd, args.dir ?? '.'));
  await withTarget(args, io, async (t) => {
    if (environment === undefined) {
      const c = (await t.read()).state.connections.get(linkName);
      if (c && !c.sameAuthorizationForAllEnvironments) throw needsEnvironment(c, config.environments, user);
    }
    await t.authorize(linkName, account, undefined, definedOnly({ environment, user }));
  });
  const where = [environment !== undefined ? ` in ${environment}` : '', user !== undefined ? ` for user '${sanitizeTerminal(user.trim())}'` : ''].join('');
  io.stdout.write(`Connection '${sanitizeTerminal(linkName)}' is authorized by ${sanitizeTerminal(account.trim())}${where}.\n`);
  return 0;
}

/** A connection with one authorization per environment, authorized without --environment: which environments still lack one. */
function needsEnvironment(c: ConnectionRecord, environments: readonly Environment[], user: string | undefined): UserError {
  const lacking = orderedEnvironments(environments).filter((env) => !c.authorizations.some((a) => a.environment === env && (user === undefined || a.user === user)));
  return new UserError(`connection '${sanitizeTerminal(c.linkName)}' has one authorization per environment: name the environment with --environment`, {
    hint: lacking.length
      ? `it still lacks ${lacking.join(', ')} (the environments in connectorops.yaml): e.g. --environment ${lacking[0]}`
      : `it has one in each of ${orderedEnvironments(environments).join(', ')}; to record a new account for one, name it with --environment`,
  });
}

async function deauthorizeCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetDeauthorizeArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const { linkName, environment, user } = args;
  const removed = await withTarget(args, io, (t) => t.deauthorize(linkName, definedOnly({ environment, user })));
  io.stdout.write(
    `Recorded: connection '${sanitizeTerminal(linkName)}' lost ${plural(removed.length, 'authorization')} (${removed.map((a) => sanitizeTerminal(describeAuthorization(a))).join(', ')}).\n`,
  );
  return 0;
}

async function initCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetInitArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const { mode, account } = args;
  await withTarget(args, io, (t) => t.initialize(mode, account ?? null), true);
  const name = args.target ?? 'the default target';
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
  if (isHelp(args)) return printUsage(io, USAGE);
  const { authorized } = args;
  const loaded = await loadForPlan({
    cwd: io.cwd,
    ...(args.dir !== undefined ? { dir: args.dir } : {}),
    ...(args.target !== undefined ? { target: args.target } : {}),
  });
  for (const d of loaded.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
  const target = await openTarget(loaded.targetSpec, { name: loaded.targetName, cwd: io.cwd, env: io.env, create: true });
  try {
    const info = await target.info();
    if (info.initialized && info.mode === 'simulated') {
      throw new UserError(`target ${loaded.targetName} is a simulated target: adopt records a real account's state in a ledger; nothing was changed`, {
        hint: 'to load contents into a simulated target, use connectorops target import; for a ledger, adopt into a new target',
      });
    }
    const lock = await target.acquireLock(lockRequest('target adopt'), { timeoutMs: 0 });
    try {
      const plan = await planAgainst(target, loaded, { allowReplace: false, env: io.env });
      const before = await target.read();
      if (before.state.connectors.size || before.state.connections.size) {
        throw new UserError(
          `target ${loaded.targetName} is not empty (${plural(before.state.connectors.size, 'connector')}, ${plural(before.state.connections.size, 'connection')}); nothing was adopted`,
          {
            hint: 'adopt records the state of a new ledger: name a new target',
          },
        );
      }
      const state = adoptedState(plan, authorized);
      // The mode first: init accepts only an empty target, and this one is empty until the import.
      if (!info.initialized) await target.initialize('ledger', null);
      await target.importSnapshot(stateToSnapshot(state));
      const unrecorded = [...loaded.manifests.desired.connectors.values()].flatMap((c) =>
        Object.values(c.secrets)
          .filter((ref) => ref !== undefined && !io.env[ref.fromEnv])
          .map((ref) => ref.fromEnv),
      );
      io.stdout.write(
        `Adopted ${plural(state.connectors.size, 'connector')} and ${plural(state.connections.size, 'connection')} into ledger ${sanitizeTerminal(loaded.targetName)}.\n`,
      );
      const unauthorized = [...state.connections.values()].filter((c) => !isAuthorized(c)).map((c) => c.linkName);
      if (unauthorized.length)
        io.stdout.write(
          `Unauthorized: ${unauthorized.map(quoteTerminal).join(', ')} (pass --authorized LINK=ACCOUNT, or LINK@ENV=ACCOUNT, for those authorized in Creator).\n`,
        );
      if (unrecorded.length) {
        io.stderr.write(`warning: ${[...new Set(unrecorded)].join(', ')} not set: those secrets' fingerprints are not recorded; the next apply records them\n`);
      }
      return 0;
    } finally {
      await target.releaseLock(lock.id);
    }
  } finally {
    await target.close();
  }
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
