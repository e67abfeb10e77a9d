/**
 * `connectorops target authorize` and `target deauthorize`: what a person did on Creator's consent
 * screen, or revoked in Manage Connections, recorded on a target. The workflows are rollout/run.ts
 * `authorizeConnection` and `deauthorizeConnection` (on a ledger, events of the audit trail).
 */
import { resolve } from 'node:path';
import { describeAuthorization } from '../../model/authorizations.js';
import { sanitizeTerminal } from '../../render/escape.js';
import { authorizeConnection, deauthorizeConnection } from '../../rollout/run.js';
import { definedOnly } from '../../util/objects.js';
import { targetFlagsText } from '../../util/shell.js';
import { plural } from '../../util/text.js';
import { actorName } from '../actor.js';
import { isHelp, printUsage } from '../args.js';
import { parseTargetAuthorizeArgs, parseTargetDeauthorizeArgs } from '../arguments/target.js';
import { helpOf } from '../help/target.js';
import type { Io } from '../io.js';
import { readProjectConfig, withTargetFlag } from '../target-flag.js';

export async function authorizeCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetAuthorizeArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('authorize'));
  const { linkName, account, environment, user } = args;
  const by = actorName(args.by, io.env);
  const { environments } = await readProjectConfig(resolve(io.cwd, args.dir ?? '.'));
  const at = definedOnly({ environment, user });
  const { ledger } = await withTargetFlag(args, io, (t) => authorizeConnection(t, { connection: linkName, account, at, by, environments, where: targetFlagsText(args) }));
  const where = [environment !== undefined ? ` in ${environment}` : '', user !== undefined ? ` for user '${sanitizeTerminal(user.trim())}'` : ''].join('');
  io.stdout.write(
    `Connection '${sanitizeTerminal(linkName)}' is authorized by ${sanitizeTerminal(account.trim())}${where}${ledger ? `; recorded by ${sanitizeTerminal(by)} in the ledger's log (connectorops rollout log${targetFlagsText(args)})` : ''}.\n`,
  );
  return 0;
}

export async function deauthorizeCommand(argv: string[], io: Io): Promise<number> {
  const args = parseTargetDeauthorizeArgs(argv);
  if (isHelp(args)) return printUsage(io, helpOf('deauthorize'));
  const { linkName, environment, user } = args;
  const by = actorName(args.by, io.env);
  const removed = await withTargetFlag(args, io, (t) => deauthorizeConnection(t, linkName, by, definedOnly({ environment, user })));
  io.stdout.write(
    `Recorded: connection '${sanitizeTerminal(linkName)}' lost ${plural(removed.length, 'authorization')} (${removed.map((a) => sanitizeTerminal(describeAuthorization(a))).join(', ')}).\n`,
  );
  return 0;
}
