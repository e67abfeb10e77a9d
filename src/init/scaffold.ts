/**
 * What `connectorops init` writes into a configuration repository: pure, path → text. The edge
 * (src/cli/commands/init.ts) checks that none of it exists and writes it.
 *
 * The new repository has the same layout as this one: connectors/, connections/, schema/ (a copy
 * of the installed package's JSON Schemas, so that the `$schema` modelines resolve in any editor,
 * with or without node_modules) and connectorops.yaml. The examples are commented out: a fresh
 * repository manages nothing until someone writes a manifest. The workflows run the connectorops
 * GitHub Action at the version that wrote them: plan on pull requests, apply on merge (which opens
 * the rollout's issue when production is a ledger), and the rollout workflow that records the
 * steps ticked in that issue (docs/github.md, "The rollout issue").
 */

export interface ScaffoldOptions {
  /** `OWNER/REPO@REF` of the GitHub Action the workflows use. */
  action: string;
  /** connectorops' version, named in the README. */
  version: string;
}

export interface ScaffoldFile {
  path: string;
  text: string;
}

/** Where the package's JSON Schemas go in the new repository (copied by the edge). */
export const SCHEMA_FILES = ['schema/manifest.schema.json', 'schema/config.schema.json'] as const;

/** The line init adds to (or creates) `.gitignore`: local targets, journals and locks. */
export const GITIGNORE_LINE = '.connectorops/';

/** The files init writes, except the schemas and `.gitignore` (which the edge handles). */
export function scaffoldFiles(options: ScaffoldOptions): ScaffoldFile[] {
  return [
    { path: 'connectorops.yaml', text: CONFIG },
    { path: 'connectors/example.yaml', text: CONNECTOR_EXAMPLE },
    { path: 'connections/example.yaml', text: CONNECTION_EXAMPLE },
    { path: '.github/workflows/connectorops-plan.yml', text: planWorkflow(options.action) },
    { path: '.github/workflows/connectorops-apply.yml', text: applyWorkflow(options.action) },
    { path: '.github/workflows/connectorops-rollout.yml', text: rolloutWorkflow(options.action) },
    { path: '.github/workflows/connectorops-drift.yml', text: driftWorkflow(options.action) },
  ];
}

/** The next steps, for the README and for init's own output. */
export function nextSteps(options: ScaffoldOptions): string[] {
  return [
    'Write your connectors in connectors/ and your connections in connections/ (the examples there show the format).',
    'Check them: connectorops validate',
    'Try a plan against a simulated account on your machine: connectorops plan',
    'Fill in the production target in connectorops.yaml: a PostgreSQL schema (postgres://…) or a `connectorops serve` URL, then `connectorops target init --target production --mode ledger`.',
    "On GitHub: add the target's secrets (PRODUCTION_TARGET_URL and PGPASSWORD, or CONNECTOROPS_TOKEN) and every secret your manifests name (fromEnv) as repository secrets,",
    `  and make sure the workflows can reach the action ${options.action}.`,
  ];
}

export function readme(options: ScaffoldOptions): string {
  const steps = nextSteps(options);
  return `# Zoho Creator connectors and connections

This repository keeps the custom connectors and connections of a Zoho Creator account as YAML
manifests. connectorops (${options.version}, installed from its package) plans the
changes a pull request makes, posts the plan as a comment, and applies it when the pull request is
merged.

| path | what |
|---|---|
| \`connectors/\` | one connector per document (\`kind: Connector\`) |
| \`connections/\` | one connection per document (\`kind: Connection\`) |
| \`connectorops.yaml\` | the targets: where the current state of the account lives |
| \`schema/\` | JSON Schemas, for completion and checks in editors (the \`# yaml-language-server: $schema=…\` line) |
| \`.github/workflows/\` | the plan on every pull request, the apply on every merge, the rollout issue's checklist, a daily drift check |

## Next steps

${steps.map((s) => (s.startsWith('  ') ? `   ${s.trim()}` : `1. ${s}`)).join('\n')}

Secrets are never written in a manifest: a manifest names an environment variable
(\`clientSecret: { fromEnv: CRM_CLIENT_SECRET }\`). Locally, export it; on GitHub, add a repository
secret of that name: the workflows pass all secrets to connectorops as one map, from which it takes
only the names the manifests use.

When \`production\` stands for a real Creator account (a **ledger** target:
\`connectorops target init --target production --mode ledger\`), a merge does not change the account:
apply opens a **rollout**, and \`connectorops-apply.yml\` creates its GitHub issue, a checklist of
what to do in Creator's UI, labelled \`connectorops-rollout\`. Tick a step's box once it is done:
\`connectorops-rollout.yml\` records it on the ledger, as you, and updates the issue (only people with
write access may tick). Run that workflow by hand to create or refresh the issue, e.g. after
\`connectorops rollout done\` in a terminal.

Every day, \`connectorops-drift.yml\` checks that Git, the ledger and your Deluge code agree (a merged
change nobody rolled out, a rollout left open, a connection made by hand) and keeps one issue
labelled \`connectorops:drift\` up to date: opened on drift, closed when it is gone.

The documentation ships with connectorops: \`$(npm root -g)/connectorops/docs/\`, starting with
\`manifests.md\` (every field), \`rules.md\` (every rule id a message names), \`github.md\` and
\`rollouts.md\`.
`;
}

const CONFIG = `# yaml-language-server: $schema=schema/config.schema.json
# connectorops configuration (docs/manifests.md in the connectorops package).
#
# A target holds the current state of a Zoho Creator account. Commands take --target NAME; without
# it they use defaultTarget.
targets:
  # The account that pull requests are planned against and merges are applied to. The workflows
  # use this name: fill it in (docs/targets.md). Either a schema of a PostgreSQL database your team
  # runs, the URL kept in a repository secret and the password in PGPASSWORD, never in the URL:
  # production: { url: { fromEnv: PRODUCTION_TARGET_URL } }   # postgres://USER@HOST:5432/DB?schema=creator_prod&sslmode=verify-full
  # or the URL of a \`connectorops serve\` in front of one (its token in CONNECTOROPS_TOKEN):
  # production: { url: "https://connectorops.example.com" }
  # Then make it a ledger, which stands for the real account (docs/rollouts.md):
  #   connectorops target init --target production --mode ledger --account "Acme (EU)"

  # A simulated account in a file on your machine (ignored by git), to try plans out.
  local: { url: "local:.connectorops/local.db" }

defaultTarget: local
`;

const CONNECTOR_EXAMPLE = `# yaml-language-server: $schema=../schema/manifest.schema.json
# An example connector. To use it, remove the "# " in front of each line from "# kind:" on, or
# copy those lines into a file of your own. Every field: docs/manifests.md; every rule id (N1, R5, S1, …): docs/rules.md.
#
# kind: Connector
# linkName: crm                     # its identity: lower case, never changes (N3)
# name: Acme CRM                    # N1
# description: CRM of the sales team
# stage: ready                      # draft | ready (default ready)
# authentication:
#   type: oauth2                    # apiKey | basic | oauth1 | oauth2
#   grantType: authorization_code
#   clientId: 1000.ABCDEF
#   clientSecret: { fromEnv: CRM_CLIENT_SECRET }   # the variable that holds it, never the secret (S1)
#   authorizeUrl: https://accounts.acme.example/oauth/authorize
#   accessTokenUrl: https://accounts.acme.example/oauth/token
#   refreshTokenUrl: https://accounts.acme.example/oauth/token
#   scopes: [contacts.read, contacts.write]
`;

const CONNECTION_EXAMPLE = `# yaml-language-server: $schema=../schema/manifest.schema.json
# An example connection of the example connector. To use it, remove the "# " in front of each
# line from "# kind:" on. A person authorizes a new connection in Creator after apply (R11).
#
# kind: Connection
# linkName: crm_sales               # unique in the account (N3)
# name: CRM (sales team)
# connector: crm
# scopes: [contacts.read]           # some of the connector's scopes
`;

const MANIFEST_PATHS = `    paths:
      - "connectors/**"
      - "connections/**"
      - "connectorops.yaml"`;

/** A plan also runs for Deluge code alone: a new usage can block a deletion (R14) or widen a disable's impact (R15). */
const PLAN_PATHS = `${MANIFEST_PATHS}
      # The default usages.from globs: widen them if connectorops.yaml reads other files.
      - "**/*.ds"
      - "**/*.dg"
      - "**/*.deluge"`;

function planWorkflow(action: string): string {
  return `# The plan of a pull request, as one sticky comment that every push updates (connectorops
# docs/github.md). The action installs connectorops, validates, plans against production scoped to
# the pull request's change, uploads the plan, comments it, and fails when the plan is blocked.
name: connectorops plan

on:
  pull_request:
${PLAN_PATHS}

# Read the code, write the plan comment; nothing else.
permissions:
  contents: read
  pull-requests: write

# A new push makes the running plan of the same pull request obsolete.
concurrency:
  group: plan-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  plan:
    name: plan (production)
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
        with:
          # --base needs the base branch (origin/<base>) and its history.
          fetch-depth: 0

      # The secrets map: connectorops takes from it only what the manifests name (fromEnv) and the
      # target's CONNECTOROPS_TOKEN; a new fromEnv needs a new repository secret, no edit here.
      - name: Plan, and comment on the pull request
        uses: ${action}
        with:
          command: plan
          target: production
          secrets: \${{ toJSON(secrets) }}
`;
}

function applyWorkflow(action: string): string {
  return `# Applies the merged manifests to production (connectorops docs/github.md). Never cancelled
# midway; runs queue instead, and the newest pending one applies everything merged so far. When
# production is a ledger (it stands for the real Creator account), apply opens a rollout instead,
# and the rollout's issue is created for the person who clicks through Creator (docs/rollouts.md).
name: connectorops apply

on:
  push:
    branches: [main]
${MANIFEST_PATHS}
  workflow_dispatch:

permissions:
  contents: read
  issues: write

concurrency:
  group: apply-production
  cancel-in-progress: false

jobs:
  apply:
    name: apply (production)
    runs-on: ubuntu-latest
    timeout-minutes: 30
    # Environment secrets and protection rules (required reviewers, branch limits) apply here.
    environment: production
    steps:
      - uses: actions/checkout@v4

      # Plans afresh under the target's lock and carries the plan out. Another apply holding the
      # lock is waited for, up to 10 minutes.
      - name: Apply
        uses: ${action}
        with:
          command: apply
          target: production
          lock-timeout: 600
          secrets: \${{ toJSON(secrets) }}

      # A ledger target: apply opened a rollout. Its checklist issue is created (or updated); ticking
      # its boxes runs connectorops-rollout.yml. A simulated target has no open rollout: nothing to do.
      - name: Rollout issue
        uses: ${action}
        with:
          command: rollout-issue
          target: production
          secrets: \${{ toJSON(secrets) }}
`;
}

/** The jobs of the rollout workflow; this repository's .github/workflows/rollout.yml has the same. */
function rolloutWorkflow(action: string): string {
  return `# Keeps a rollout's GitHub issue and the production ledger in step (connectorops docs/github.md,
# "The rollout issue"; docs/rollouts.md). The apply workflow creates the issue when it opens a rollout.
#
# - A box ticked in the issue (or in a continuation comment of a long one): the ticked steps are
#   recorded on production as done by that person, in dependency order, and the issue is updated.
#   Only people with write, maintain or admin permission may tick; other ticks are reverted.
# - Run by hand (Actions, "Run workflow"): the open rollout's issue is created or brought up to
#   date, e.g. after steps were recorded with \`connectorops rollout done\` in a terminal.
name: connectorops rollout

on:
  issues:
    types: [edited]
  issue_comment:
    types: [edited]
  workflow_dispatch:

permissions:
  contents: read
  issues: write

# One at a time: two quick ticks are recorded one after the other, never interleaved.
concurrency:
  group: rollout-production
  cancel-in-progress: false

jobs:
  sync:
    name: rollout sync (production)
    # The rollout's issue (not a pull request), edited itself or through one of its continuation comments.
    if: >-
      \${{ github.event_name != 'workflow_dispatch' && !github.event.issue.pull_request
      && contains(github.event.issue.labels.*.name, 'connectorops-rollout')
      && (github.event_name == 'issues' || startsWith(github.event.comment.body, '<!-- connectorops:rollout ')) }}
    runs-on: ubuntu-latest
    timeout-minutes: 15
    # A step that sets a secret records its fingerprint: the sync needs the production secrets.
    environment: production
    steps:
      - uses: actions/checkout@v4

      - name: Sync the ticked steps
        uses: ${action}
        with:
          command: rollout-sync
          target: production
          issue: \${{ github.event.issue.number }}
          actor: \${{ github.actor }}
          secrets: \${{ toJSON(secrets) }}

  issue:
    name: rollout issue (production)
    if: \${{ github.event_name == 'workflow_dispatch' }}
    runs-on: ubuntu-latest
    timeout-minutes: 15
    environment: production
    steps:
      - uses: actions/checkout@v4

      - name: Create or update the rollout issue
        uses: ${action}
        with:
          command: rollout-issue
          target: production
          secrets: \${{ toJSON(secrets) }}
`;
}

/** The daily drift check; this repository's .github/workflows/drift.yml has the same. */
function driftWorkflow(action: string): string {
  return `# Checks every day that Git, the production ledger and the Deluge code agree (connectorops
# docs/drift.md): a merged change nobody rolled out, a rollout left open, a connection only the code
# or only the ledger knows. It keeps ONE GitHub issue labelled \`connectorops:drift\`: opened when
# drift is found, updated in place, commented on only when the findings change, closed when the
# drift is gone and reopened when it returns. Run it by hand (Actions, "Run workflow") to check at once.
name: connectorops drift

on:
  schedule:
    - cron: '17 6 * * *'
  workflow_dispatch:

# The code to compare, and the one issue to keep: nothing more.
permissions:
  contents: read
  issues: write

concurrency:
  group: drift-production
  cancel-in-progress: false

jobs:
  drift:
    name: drift (production)
    runs-on: ubuntu-latest
    timeout-minutes: 15
    # The production ledger's URL is a secret of the production environment.
    environment: production
    steps:
      - uses: actions/checkout@v4

      - name: Check for drift and keep the drift issue
        uses: ${action}
        with:
          command: drift
          target: production
          secrets: \${{ toJSON(secrets) }}
`;
}
