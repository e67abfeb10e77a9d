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
import { adoptedState, checkAuthorizedNames } from '../../rollout/adopt.js';
import { authorizeOnLedger, deauthorizeOnLedger } from '../../rollout/run.js';
import { actorName } from '../actor.js';
import { targetFlagsText } from '../../util/shell.js';
import { openTarget } from '../../targets/index.js';
import { stateToSnapshot } from '../../targets/snapshot.js';
import { openTargetFlag, readProjectConfig } from '../target-flag.js';
import { describeAuthorization, environmentsLacking, isAuthorized, orderedEnvironments } from '../../model/authorizations.js';
import type { ConnectionRecord, Environment } from '../../model/types.js';
import { definedOnly } from '../../util/objects.js';
import { ownValue } from '../../model/own.js';
import { didYouMean, plural } from '../../util/text.js';
import { targetIdentity } from '../../util/target-identity.js';
import { readSecrets } from '../../model/own.js';

const WHERE = `--target is a name from connectorops.yaml, local:PATH, postgres://…, or http(s)://…
(default: the config's defaultTarget, else local:.connectorops/local.db).
--dir D (every subcommand): where connectorops.yaml is, for target names and the default target
(default: the current directory).`;

/** Each subcommand's own help: `target SUB --help` prints only it. */
const HELP = {
  export: `Usage: connectorops target export [--target T] [--dir D]

Write the target's contents as a snapshot (JSON) to stdout.`,
  import: `Usage: connectorops target import FILE [--force] [--target T] [--dir D]

Replace a local target's contents with a snapshot (FILE - reads stdin); --force replaces a target
that is not empty.`,
  authorize: `Usage: connectorops target authorize LINKNAME --account NAME [--environment ENV] [--user LOGIN] [--by NAME] [--target T] [--dir D]

Stand-in for a person on Creator's consent screen: the connection becomes authorized by NAME. A
connection with one authorization per environment needs --environment development|stage|production;
a logged-in user connection needs --user (the user who authorized). On a
ledger it is recorded in the audit trail (connectorops rollout log) with who recorded it (--by,
default you) and when; while the open rollout has a step that authorizes the connection, record
that step instead (connectorops rollout done).`,
  deauthorize: `Usage: connectorops target deauthorize LINKNAME [--environment ENV] [--user LOGIN] [--by NAME] [--target T] [--dir D]

Record that authorizations were revoked in Creator (Manage Connections → Revoke, or a user
deactivated): those of ENV and/or LOGIN, or every one. On a ledger it is recorded in the audit
trail (connectorops rollout log) with who recorded it (--by, default you) and when.`,
  init: `Usage: connectorops target init --mode ledger|simulated [--account NAME] [--target T] [--dir D]

Create an empty target: simulated (it is the account; apply carries actions out) or ledger (it
stands for a real Creator account; apply opens a rollout).`,
  adopt: `Usage: connectorops target adopt [--authorized LINK=ACCOUNT | LINK@ENV=ACCOUNT]… [--target T] [--dir D]

Record the manifests' state as a new ledger's current state: you attest that Creator holds exactly
this. Connections are unauthorized unless --authorized names who authorized them (LINK@ENV=ACCOUNT
for a connection with one authorization per environment); secrets are
fingerprinted from the environment variables the manifests name (one that is unset is recorded
by the next rollout, in a step with nothing to do in Creator).`,
} as const;

const USAGE = `Usage: connectorops target <subcommand> [options]

Subcommands:
  export --target T                          write the target's contents as a snapshot (JSON) to stdout
  import FILE --target T [--force]           replace a local target's contents with a snapshot (FILE - reads stdin);
                                             --force replaces a target that is not empty
  authorize LINKNAME --account NAME [--environment ENV] [--user LOGIN] --target T [--by NAME]
                                             stand-in for a person on Creator's consent screen:
                                             the connection becomes authorized by NAME (on a ledger,
                                             recorded in the rollout log with --by, default you). A
                                             connection with one authorization per environment needs
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

${WHERE}
connectorops target SUBCOMMAND --help shows one subcommand's help.

Exit codes: 0 done, 1 error (nothing changed).`;

/** A subcommand's help, with the flags every subcommand takes. */
const helpOf = (sub: keyof typeof HELP): string => `${HELP[sub]}\n\n${WHERE}\n\nExit codes: 0 done, 1 error (nothing changed).`;

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
  if (isHelp(args)) return printUsage(io, helpOf('export'));
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
  if (isHelp(args)) return printUsage(io, helpOf('import'));
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
  if (isHelp(args)) return printUsage(io, helpOf('authorize'));
  const { linkName, account, environment, user } = args;
  const by = actorName(args.by, io.env);
  const config = await readProjectConfig(resolve(io.cwd, args.dir ?? '.'));
  const at = definedOnly({ environment, user });
  const ledger = await withTarget(args, io, async (t) => {
    if (environment === undefined) {
      const c = (await t.read()).state.connections.get(linkName);
      if (c && !c.sameAuthorizationForAllEnvironments) throw needsEnvironment(c, config.environments, user);
    }
    // A ledger stands for a real account: every change is an event in its audit trail (rollout log).
    if ((await t.info()).mode !== 'ledger') {
      await t.authorize(linkName, account, undefined, at);
      return false;
    }
    await authorizeOnLedger(t, linkName, account, by, targetFlagsText(args), at);
    return true;
  });
  const where = [environment !== undefined ? ` in ${environment}` : '', user !== undefined ? ` for user '${sanitizeTerminal(user.trim())}'` : ''].join('');
  io.stdout.write(
    `Connection '${sanitizeTerminal(linkName)}' is authorized by ${sanitizeTerminal(account.trim())}${where}${ledger ? `; recorded by ${sanitizeTerminal(by)} in the ledger's log (connectorops rollout log${targetFlagsText(args)})` : ''}.\n`,
  );
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
  if (isHelp(args)) return printUsage(io, helpOf('deauthorize'));
  const { linkName, environment, user } = args;
  const by = actorName(args.by, io.env);
  const where = definedOnly({ environment, user });
  // A ledger stands for a real account: every change is an event in its audit trail (rollout log).
  const removed = await withTarget(args, io, async (t) =>
    (await t.info()).mode === 'ledger' ? deauthorizeOnLedger(t, linkName, by, where) : t.deauthorize(linkName, where),
  );
  io.stdout.write(
    `Recorded: connection '${sanitizeTerminal(linkName)}' lost ${plural(removed.length, 'authorization')} (${removed.map((a) => sanitizeTerminal(describeAuthorization(a))).join(', ')}).\n`,
  );
  return 0;
}

async function initCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetInitArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('init'));
  const { mode, account } = args;
  await withTarget(args, io, (t) => t.initialize(mode, account ?? null), true);
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
  const { authorized } = args;
  const loaded = await loadForPlan({
    cwd: io.cwd,
    ...(args.dir !== undefined ? { dir: args.dir } : {}),
    ...(args.target !== undefined ? { target: args.target } : {}),
  });
  for (const d of loaded.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
  // What the manifests alone refuse is refused before the target is opened: nothing is created.
  checkAuthorizedNames(authorized, loaded.manifests.desired.connections);
  const target = await openTarget(loaded.targetSpec, { name: loaded.targetName, cwd: io.cwd, env: io.env, create: true });
  try {
    // The lock first: taking it creates a target that does not exist yet, which adopt is for (a
    // PostgreSQL schema is created by the first write; reading its info would say it is missing).
    const lock = await target.acquireLock(lockRequest('target adopt'), { timeoutMs: 0 });
    try {
      const info = await target.info();
      if (info.initialized && info.mode === 'simulated') {
        throw new UserError(`target ${loaded.targetName} is a simulated target: adopt records a real account's state in a ledger; nothing was changed`, {
          hint: 'to load contents into a simulated target, use connectorops target import; for a ledger, adopt into a new target',
        });
      }
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
      const secret = readSecrets(io.env);
      const unrecorded = [...loaded.manifests.desired.connectors.values()].flatMap((c) =>
        Object.values(c.secrets)
          .filter((ref) => ref !== undefined && secret(ref.fromEnv) === undefined)
          .map((ref) => ref.fromEnv),
      );
      io.stdout.write(
        `Adopted ${plural(state.connectors.size, 'connector')} and ${plural(state.connections.size, 'connection')} into ledger ${sanitizeTerminal(loaded.targetName)}.\n`,
      );
      // An admin connection with one authorization per environment may be authorized in some only:
      // it is named with those it lacks (a user connection lacks nothing: its users authorize on first use).
      const unauthorized = [...state.connections.values()].flatMap((c) => {
        const lacking = environmentsLacking(c, loaded.manifests.config.environments);
        if (!lacking.length) return [];
        return [isAuthorized(c) ? `${quoteTerminal(c.linkName)} (${lacking.join(', ')})` : quoteTerminal(c.linkName)];
      });
      if (unauthorized.length)
        io.stdout.write(`Unauthorized: ${unauthorized.join(', ')} (pass --authorized LINK=ACCOUNT, or LINK@ENV=ACCOUNT, for those authorized in Creator).\n`);
      if (unrecorded.length) {
        const names = [...new Set(unrecorded)];
        io.stderr.write(
          `warning: ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not set: ${names.length === 1 ? 'that secret’s fingerprint is' : 'those secrets’ fingerprints are'} not recorded. The next apply opens a rollout whose step records ${names.length === 1 ? 'it' : 'them'}, with nothing to do in Creator (which holds ${names.length === 1 ? 'it' : 'them'}): export ${names.length === 1 ? 'it' : 'them'} with the value${names.length === 1 ? '' : 's'} Creator holds before recording that step\n`,
        );
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
