/**
 * `connectorops target export | import | authorize | deauthorize | init | adopt`: one parser per subcommand.
 * Every subcommand takes `--target T` and `--dir D` (where connectorops.yaml is).
 */
import { UserError } from '../../errors.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { checkActorName } from '../actor.js';
import { definedOnly } from '../../util/objects.js';
import { ENVIRONMENTS, type Environment } from '../../model/types.js';
import type { AuthorizedConnection } from '../../rollout/adopt.js';

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
  /** `--environment ENV`: for a connection with one authorization per environment. */
  environment?: Environment;
  /** `--user LOGIN`: for a logged-in user connection, the user who authorized it for themselves. */
  user?: string;
}

export interface TargetDeauthorizeArgs extends TargetFlags {
  linkName: string;
  /** Who records it on a ledger (default as `rollout done`). */
  by?: string;
  /** Only this environment's authorization (absent: every environment's). */
  environment?: Environment;
  /** Only this user's authorizations (absent: every user's). */
  user?: string;
}

export interface TargetInitArgs extends TargetFlags {
  mode: 'ledger' | 'simulated';
  /** Trimmed; 1 to 200 characters without control characters. */
  account?: string;
}

export interface TargetAdoptArgs extends TargetFlags {
  /** `--authorized LINK=ACCOUNT` or `LINK@ENV=ACCOUNT`, each: a connection (in an environment) and who authorized it. */
  authorized: AuthorizedConnection[];
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

/** `--environment` and `--user`, which authorize and deauthorize take. */
const WHERE_OPTIONS = { environment: { type: 'string' }, user: { type: 'string' } } as const;

export function parseTargetAuthorizeArgs(argv: readonly string[]): TargetAuthorizeArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, ...WHERE_OPTIONS, account: { type: 'string' }, by: { type: 'string' } }, true);
  if (isHelp(flags)) return flags;
  const hint = 'connectorops target authorize LINKNAME --account NAME [--environment ENV] [--user LOGIN] --target T';
  const [linkName] = flags.positionals;
  if (linkName === undefined || flags.positionals.length > 1) throw new UserError('target authorize takes one LINKNAME', { hint });
  const { account } = flags.values;
  if (account === undefined) throw new UserError('target authorize needs --account NAME: who consents', { hint });
  const by = flags.values.by === undefined ? undefined : checkActorName(flags.values.by);
  return { ...targetFlags(flags.values), linkName, account, ...whereFlags(flags.values), ...definedOnly({ by }) };
}

export function parseTargetDeauthorizeArgs(argv: readonly string[]): TargetDeauthorizeArgs | Help {
  const flags = parseFlags(argv, { ...TARGET_OPTIONS, ...WHERE_OPTIONS, by: { type: 'string' } }, true);
  if (isHelp(flags)) return flags;
  const [linkName] = flags.positionals;
  if (linkName === undefined || flags.positionals.length > 1) {
    throw new UserError('target deauthorize takes one LINKNAME', { hint: 'connectorops target deauthorize LINKNAME [--environment ENV] [--user LOGIN] --target T' });
  }
  const by = flags.values.by === undefined ? undefined : checkActorName(flags.values.by);
  return { ...targetFlags(flags.values), linkName, ...whereFlags(flags.values), ...definedOnly({ by }) };
}

/** `--environment` checked against Creator's environments, and `--user` trimmed and not empty. */
function whereFlags(values: { environment?: string | undefined; user?: string | undefined }): { environment?: Environment; user?: string } {
  const environment = values.environment === undefined ? undefined : parseEnvironment(values.environment, '--environment');
  const user = values.user?.trim();
  if (user === '') throw new UserError('--user names the user who authorized (their Creator login), not an empty string', { hint: 'e.g. --user bob@acme.example' });
  return definedOnly({ environment, user });
}

/** A Creator environment as typed (case-insensitive), or a UserError naming the three. */
function parseEnvironment(text: string, what: string): Environment {
  const env = text.trim().toLowerCase();
  if ((ENVIRONMENTS as readonly string[]).includes(env)) return env as Environment;
  throw new UserError(`${what} is one of ${ENVIRONMENTS.join(', ')}, not '${text}'`, {
    hint: 'a connection that uses the same authorization for all environments takes no environment',
  });
}

/** `--authorized LINK=ACCOUNT` or `LINK@ENV=ACCOUNT`, each; a UserError for anything else or a repeat. */
function parseAuthorized(flags: readonly string[]): AuthorizedConnection[] {
  const out: AuthorizedConnection[] = [];
  for (const flag of flags) {
    const at = flag.indexOf('=');
    const left = at > 0 ? flag.slice(0, at).trim() : '';
    const account = at > 0 ? flag.slice(at + 1).trim() : '';
    const amp = left.indexOf('@');
    const link = (amp >= 0 ? left.slice(0, amp) : left).trim();
    if (!link || !account || (amp >= 0 && !left.slice(amp + 1).trim())) {
      throw new UserError(`--authorized takes LINK=ACCOUNT or LINK@ENV=ACCOUNT (a connection's link name, its environment, and who authorized it), not '${flag}'`, {
        hint: 'e.g. --authorized crm_sales=alice@acme.example, or --authorized crm_sales@stage=bob@acme.example',
      });
    }
    // The names `target authorize` takes (the target refuses others there): the ledger must not
    // hold, from an attestation, an account that no authorization could record.
    // eslint-disable-next-line no-control-regex -- the control characters are what this refuses
    if (account.length > 100 || /[\u0000-\u001f\u007f]/.test(account)) {
      throw new UserError(`--authorized ${link}=ACCOUNT: the account must be a name of at most 100 characters, without control characters; nothing was recorded`, {
        hint: 'name the Creator user who authorized it, e.g. --authorized crm_sales=alice@acme.example',
      });
    }
    const environment = amp >= 0 ? parseEnvironment(left.slice(amp + 1), `--authorized ${link}@ENV`) : undefined;
    if (out.some((o) => o.link === link && o.environment === environment)) {
      const what = environment ? `connection '${link}' in ${environment}` : `connection '${link}'`;
      throw new UserError(`--authorized names ${what} twice`, { hint: 'give each connection (or connection and environment) one --authorized' });
    }
    out.push({ link, ...definedOnly({ environment }), account });
  }
  return out;
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
