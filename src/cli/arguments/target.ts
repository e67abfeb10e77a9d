/**
 * `connectorops target export | import | authorize | init | adopt`: one parser per subcommand.
 * Every subcommand takes `--target T` and `--dir D` (where connectorops.yaml is).
 */
import { UserError } from '../../errors.js';
import { parseAuthorized } from '../../rollout/adopt.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { checkActorName } from '../actor.js';
import { definedOnly } from '../../util/objects.js';

/** `--target T` and `--dir D`, which every target and rollout subcommand takes. */
export const TARGET_OPTIONS = { target: { type: 'string' }, dir: { type: 'string' } } as const;

/** Where the target is: `--target` (absent: the config's default) and `--dir` as typed. */
export interface TargetFlags {
  target?: string;
  dir?: string;
}

export type TargetExportArgs = TargetFlags;

export interface TargetImportArgs extends TargetFlags {
  /** The snapshot file as typed, or `-` for stdin. */
  file: string;
  /** Replace a target that is not empty. */
  force: boolean;
}

export interface TargetAuthorizeArgs extends TargetFlags {
  linkName: string;
  /** Who consents, as typed. */
  account: string;
  /** Who records it (a ledger's audit trail), `--by` checked; absent: the command asks the system. */
  by?: string;
}

export interface TargetInitArgs extends TargetFlags {
  mode: 'ledger' | 'simulated';
  /** Trimmed; 1 to 200 characters without control characters. */
  account?: string;
}

export interface TargetAdoptArgs extends TargetFlags {
  /** `--authorized LINK=ACCOUNT`, each: connection link name → who authorized it. */
  authorized: Map<string, string>;
}

export function parseTargetExportArgs(argv: readonly string[]): TargetExportArgs | Help {
  const flags = parseFlags(argv, TARGET_OPTIONS, true);
  if (isHelp(flags)) return flags;
  if (flags.positionals.length) throw new UserError(`unexpected argument '${flags.positionals[0]}'`, { hint: 'connectorops target export [--target T] [--dir D]' });
  return targetFlags(flags.values);
}

export function parseTargetImportArgs(argv: readonly string[]): TargetImportArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, force: { type: 'boolean', default: false } }, true);
  if (isHelp(flags)) return flags;
  const [file] = flags.positionals;
  if (file === undefined || flags.positionals.length > 1) {
    throw new UserError('target import takes one FILE (or - for stdin)', { hint: 'connectorops target import FILE --target T [--force]' });
  }
  return { ...targetFlags(flags.values), file, force: flags.values.force };
}

export function parseTargetAuthorizeArgs(argv: readonly string[]): TargetAuthorizeArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, account: { type: 'string' }, by: { type: 'string' } }, true);
  if (isHelp(flags)) return flags;
  const hint = 'connectorops target authorize LINKNAME --account NAME --target T';
  const [linkName] = flags.positionals;
  if (linkName === undefined || flags.positionals.length > 1) throw new UserError('target authorize takes one LINKNAME', { hint });
  const { account } = flags.values;
  if (account === undefined) throw new UserError('target authorize needs --account NAME: who consents', { hint });
  const by = flags.values.by === undefined ? undefined : checkActorName(flags.values.by);
  return { ...targetFlags(flags.values), linkName, account, ...definedOnly({ by }) };
}

export function parseTargetInitArgs(argv: readonly string[]): TargetInitArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, mode: { type: 'string' }, account: { type: 'string' } });
  if (isHelp(flags)) return flags;
  const { mode } = flags.values;
  if (mode !== 'ledger' && mode !== 'simulated') {
    throw new UserError(mode === undefined ? 'target init needs --mode ledger or --mode simulated' : `--mode is ledger or simulated, not '${mode}'`, {
      hint: 'ledger: the target stands for a real Creator account (apply opens a rollout); simulated: the target is the account',
    });
  }
  const account = flags.values.account?.trim();
  // eslint-disable-next-line no-control-regex -- control characters are what an account name may not hold
  if (account !== undefined && (account === '' || account.length > 200 || /[\u0000-\u001f\u007f]/.test(account))) {
    throw new UserError('--account is a name of 1 to 200 characters, without control characters', { hint: 'e.g. --account "Acme (EU)"' });
  }
  return { ...targetFlags(flags.values), mode, ...definedOnly({ account }) };
}

export function parseTargetAdoptArgs(argv: readonly string[]): TargetAdoptArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, authorized: { type: 'string', multiple: true, default: [] } });
  if (isHelp(flags)) return flags;
  return { ...targetFlags(flags.values), authorized: parseAuthorized(flags.values.authorized) };
}

/** The TARGET_OPTIONS given. */
export function targetFlags(values: { target?: string | undefined; dir?: string | undefined }): TargetFlags {
  return definedOnly({ target: values.target, dir: values.dir });
}
