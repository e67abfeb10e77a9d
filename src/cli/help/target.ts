/** `connectorops target …`'s help: the whole command's, and each subcommand's (`target SUB --help`). */

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

export const USAGE = `Usage: connectorops target <subcommand> [options]

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
export const helpOf = (sub: keyof typeof HELP): string => `${HELP[sub]}\n\n${WHERE}\n\nExit codes: 0 done, 1 error (nothing changed).`;
