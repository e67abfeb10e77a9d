/** `connectorops rollout …`'s help: the whole command's, and each subcommand's (`rollout SUB --help`). */

const WHERE = `Every subcommand takes --target T (a name from connectorops.yaml, local:PATH, postgres://… or http(s)://…) and
--dir D (where connectorops.yaml is, default .).`;

/** Each subcommand's own help: `rollout SUB --help` prints only it. */
const HELP = {
  status: `Usage: connectorops rollout [--format text|json] [--target T] [--dir D]

The open rollout's steps: ✓ done (by whom, when), → ready now, · waiting (for which steps).
With no open rollout, says so (exit 0). --format json: one document (docs/rollouts.md).`,
  next: `Usage: connectorops rollout next [--format text|markdown|json] [--target T] [--dir D]

The steps that can be done now, with Creator UI instructions.`,
  done: `Usage: connectorops rollout done STEP… [--by NAME] [--note TEXT] [--target T] [--dir D]

Record steps as done; out-of-order or rule-breaking steps are refused. A step that sets a secret
needs its environment variable, with the value the plan was made with (its fingerprint is
recorded). --by defaults to you.`,
  walk: `Usage: connectorops rollout walk [--by NAME] [--note TEXT] [--target T] [--dir D]

Go through the ready steps one by one: done, skip for now, quit. A step that cannot be recorded
says why; skip it or stop.`,
  abandon: `Usage: connectorops rollout abandon [--reason TEXT] [--by NAME] [--target T] [--dir D]

Close the open rollout; done steps stay done. The next plan shows what is left.`,
  log: `Usage: connectorops rollout log [--format text|json] [--target T] [--dir D]

Every rollout event, and every change recorded outside rollouts (target authorize): who, when,
what. --format json: one document (docs/rollouts.md).`,
  issue: `Usage: connectorops rollout issue --repo OWNER/NAME [--target T] [--dir D]

Create or update the open rollout's GitHub issue (a task list). The token comes from GITHUB_TOKEN
(it needs issues: write), the API from GITHUB_API_URL, the repository from --repo or
GITHUB_REPOSITORY.`,
  sync: `Usage: connectorops rollout sync --issue N --repo OWNER/NAME --actor LOGIN [--target T] [--dir D]

Record the steps ticked in the rollout issue (GITHUB_TOKEN, GITHUB_API_URL as for rollout issue;
the secrets the steps set).`,
} as const;

export const USAGE = `Usage: connectorops rollout [subcommand] [options]

A ledger target stands for a real Creator account: apply opens a rollout, a checklist that a
person works through in Creator's UI. The target changes one step at a time, as steps are confirmed.

Subcommands:
  (none) [--format text|json]            the open rollout's steps: ✓ done (by whom, when), → ready, · waiting
  next [--format text|markdown|json]     the steps that can be done now, with Creator UI instructions
  done STEP… [--by NAME] [--note TEXT]   record steps as done; out-of-order or rule-breaking steps are
                                         refused. A step that sets a secret needs its environment
                                         variable (its fingerprint is recorded). --by defaults to you
  walk [--by NAME]                       go through the ready steps one by one: done, skip for now, quit
  abandon [--reason TEXT] [--by NAME]    close the open rollout; done steps stay done
  log [--format text|json]               every rollout event: who, when, what
  issue --repo OWNER/NAME                create or update the open rollout's GitHub issue (task list)
  sync --issue N --repo OWNER/NAME --actor LOGIN
                                         record the steps ticked in the rollout issue (GITHUB_TOKEN,
                                         GITHUB_API_URL as for rollout issue; the secrets the steps set)

${WHERE}
connectorops rollout SUBCOMMAND --help shows one subcommand's help.

Exit codes: 0 done, 1 error (nothing recorded, or as the message says).`;

/** A subcommand's help, with the flags every subcommand takes. */
export const helpOf = (sub: keyof typeof HELP): string => `${HELP[sub]}\n\n${WHERE}\n\nExit codes: 0 done, 1 error (nothing recorded, or as the message says).`;
