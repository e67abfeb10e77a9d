/**
 * The plan as a runbook: numbered steps a person follows in Zoho Creator's UI to carry the plan out
 * by hand, in the plan's order. Creator has no API for custom connectors (docs/rules.md), so
 * every action maps to a place to click; the click paths follow Creator's help page "Manage Custom
 * Connectors" (Creator 6 help). Blocked items come first, as
 * prerequisites; the authorizations to request come last.
 */
import pc from 'picocolors';
import type { PlannedAction } from '../model/actions.js';
import { SENSITIVE, SENSITIVE_NOT_RECORDED } from '../model/actions.js';
import { rolloutInProgressLine, type Blocked, type Plan } from '../model/plan.js';
import { flattenAuthentication, type ApiKeyParameter, type Authentication, type AuthParameter, type SecretName, type Usage } from '../model/types.js';
import { sanitizeTerminal } from './escape.js';
import { makeRedactor, SENSITIVE_MARKERS } from './secret-display.js';
import { authorizationRule, authorizationTasks, isDeletion, type AuthorizationTask } from '../rollout/authorizations.js';
import { append, firstItems, secretReferences, displayChanges, everyUserText, specChanges, REPLACEMENT_RULES, stepTitle, type DisplayChange } from './resources.js';
import { causeText, usagesOf } from './summary.js';
import { capitalize, plural } from '../util/text.js';

export interface RunbookOptions {
  color: boolean;
}

/** Creator's places, named once so that every step says them the same way. */
const CREATOR_PATHS = {
  connections: 'Microservices › Connections',
  manageConnectors: 'Microservices › Connections › Manage Custom Connectors',
} as const;

/**
 * Creator's labels for the authentication parameters a person types (the help page and Zoho's
 * custom-service forms). Typed by the model's parameter list: a new parameter needs its label.
 */
const PARAMETER_LABELS: Record<AuthParameter | SecretName | keyof ApiKeyParameter | 'type', string> = {
  type: 'Authentication type',
  grantType: 'Grant type',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  consumerKey: 'Consumer key',
  consumerSecret: 'Consumer secret',
  requestTokenUrl: 'Request token URL',
  authorizeUrl: 'Authorize URL',
  accessTokenUrl: 'Access token URL',
  refreshTokenUrl: 'Refresh token URL',
  scopes: 'Scopes',
  scopeSeparator: 'Scope separator',
  addTo: 'Add to',
  parameterKey: 'Parameter key',
  displayName: 'Display name',
};

/** Creator's labels for the other fields. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  ...PARAMETER_LABELS,
  description: 'Description',
  connector: 'Connector',
  linkName: 'Link name',
};

export const AUTH_TYPE_LABELS: Readonly<Record<string, string>> = { apiKey: 'API Key', basic: 'Basic', oauth1: 'OAuth1', oauth2: 'OAuth2' };

/** Lifecycle state, not a form field: set by the steps themselves (Mark as Ready, Enable…). */
const NOT_TYPED = new Set(['stage', 'enabled']);

/** Renders the runbook. Plain text; `options.color` only emboldens headings. */
export function renderRunbook(plan: Plan, options: RunbookOptions): string {
  const c = pc.createColors(options.color);
  // Values to type are between plain double quotes: the reader types what is between them.
  const { q, t } = runbookQuoting(plan);
  const lines: string[] = [];
  const heading = (s: string) => lines.push('', c.bold(s));

  lines.push(c.bold('Runbook: carry out this plan by hand in Zoho Creator'));
  lines.push(`Target: ${t(plan.target)} (state serial ${plan.base.stateSerial})`);
  if (plan.rollout) lines.push(rolloutInProgressLine(plan.rollout, t));
  lines.push('');
  lines.push('How to read it:');
  lines.push(`  - "${CREATOR_PATHS.connections}": the Connections section of the Microservices tab.`);
  lines.push('    With more than three connections, click View More (or use the Connections tab at the top).');
  lines.push(`  - "${CREATOR_PATHS.manageConnectors}": the custom connectors, as cards.`);
  lines.push('    Find a card by its name or link name with the Search box.');
  lines.push('  - "⋯": the three-dots menu at the top right of a card or a connection.');
  lines.push('  - Values to type are between double quotes: type what is between them.');
  lines.push('    Secrets are never shown: paste them from the environment variable named.');
  lines.push('  - Do the steps in order: each relies on the ones before it.');

  if (plan.blocked.length) {
    heading('Before you start: this plan is blocked, and these must be resolved first');
    plan.blocked.forEach((b, n) => append(lines, prerequisite(b, n + 1, plan, q, t)));
    lines.push(plan.actions.length ? '  Then run connectorops plan again: the steps below may change.' : '  Then run connectorops plan again.');
  }

  const tasks = authorizationTasks(plan);
  if (plan.actions.length === 0 && tasks.length === 0) {
    lines.push('', plan.blocked.length ? 'No steps until the items above are resolved.' : 'Nothing to do. The target matches the manifests.');
    return lines.join('\n') + '\n';
  }

  const steps = runbookSteps(plan, String, q, t);
  if (plan.actions.length) {
    heading('Steps');
    for (const s of steps.slice(0, plan.actions.length)) lines.push('', ...s);
  }
  if (tasks.length) {
    heading('Last: the authorizations to request');
    for (const s of steps.slice(plan.actions.length)) lines.push('', ...s);
  }

  lines.push('', 'When every step is done, run connectorops plan again: it should report no changes.');
  return lines.join('\n') + '\n';
}

/**
 * The instructions of every step, in order: the plan's actions, then its authorization tasks
 * (authorizationTasks' order). `ref(n)` names the n-th step (1-based): a number in the runbook,
 * a rollout's step id in a rollout; each step's first line is `ref. title`, and steps that point
 * at a later one (the authorization that follows a create) use it too.
 */
export function runbookSteps(plan: Plan, ref: (n: number) => string, q: (s: string) => string, t: (s: string) => string): string[][] {
  const names = new NameBook(plan);
  const tasks = authorizationTasks(plan);
  // The first authorization step of each connection (a connection may have one per environment).
  const authStep = new Map<string, string>();
  tasks.forEach((task, i) => {
    if (!authStep.has(task.connection)) authStep.set(task.connection, ref(plan.actions.length + i + 1));
  });
  const out: string[][] = [];
  let n = 0;
  for (const action of plan.actions) {
    n += 1;
    out.push(step(action, ref(n), { plan, names, q, t, authStep }));
    names.after(action);
  }
  for (const task of tasks) {
    n += 1;
    out.push(authorizationStep(task, ref(n), names.connectionRef(task.connection, q), q, t));
  }
  return out;
}

/** Creator's name for an environment, as its connection page shows it. */
const ENVIRONMENT_LABEL = { development: 'Development', stage: 'Stage', production: 'Production' } as const;

/**
 * One authorization task in Creator's words: for all environments, the connection's Authorize;
 * for one environment, that environment's Reuse an account or Link New Account; for a logged-in
 * user connection, telling every user to authorize it for themselves.
 */
function authorizationStep(task: AuthorizationTask, label: string, connection: string, q: (s: string) => string, t: (s: string) => string): string[] {
  const indent = bodyIndent(label);
  const rule = authorizationRule(task);
  if (task.everyUser) {
    const why = task.revoked ? `Why: its authorizations are revoked (${t(causeText(task.revoked))}); ` : 'Why: ';
    return [
      `${label}. Tell every user of connection ${q(task.connection)} to authorize it${task.revoked ? ' again' : ''}, each for themselves [${rule}].`,
      // everyUserText for a new one begins "a logged-in user connection" itself: not said twice.
      task.revoked
        ? `${indent}${why}it is a logged-in user connection: ${t(everyUserText(task.everyUser.users))}.`
        : `${indent}${why}${t(everyUserText(task.everyUser.users, true))}.`,
      `${indent}Where: each user opens an application that uses it, and Creator asks them to authorize it on first use.`,
      `${indent}Done when: the users were told (confirm this step once it is announced).`,
    ];
  }
  const env = task.environment === 'all' ? null : ENVIRONMENT_LABEL[task.environment];
  const where = env
    ? `${CREATOR_PATHS.connections} › ${connection} › ${env}: Reuse an account already authorized${task.account !== undefined ? ` (${t(task.account)}'s)` : ''}, or Link New Account`
    : `${CREATOR_PATHS.connections} › ${connection} › Authorize`;
  const inEnv = env ? ` in ${env}` : '';
  if (task.revoked && isDeletion(task.revoked)) {
    // A linkName change: the old connection is gone; its account authorizes the new one.
    return [
      `${label}. Ask ${t(task.revoked.account)} to authorize new connection ${q(task.connection)}${inEnv} [${rule}].`,
      `${indent}Why: it takes the place of ${q(task.revoked.connection)}, which ${t(task.revoked.account)} had authorized; that connection is deleted (its linkName changes).`,
      `${indent}Where: ${where}, then ${t(task.revoked.account)} signs in on Creator's consent screen.`,
    ];
  }
  if (task.revoked) {
    return [
      `${label}. Ask ${t(task.revoked.account)} to authorize connection ${q(task.connection)} again${inEnv} [${rule}].`,
      `${indent}Why: its authorization${inEnv} is revoked (${t(causeText(task.revoked))}).`,
      `${indent}Where: ${where}, then ${t(task.revoked.account)} signs in on Creator's consent screen.`,
    ];
  }
  return [
    `${label}. Authorize ${task.isNew ? 'new ' : ''}connection ${q(task.connection)}${inEnv} as the connection's owner [${rule}].`,
    `${indent}Where: ${where}, then sign in on Creator's consent screen.`,
  ];
}

/** The quoting functions the runbook uses for `plan`: fingerprints blanked, controls made visible. */
export function runbookQuoting(plan: Plan): { q: (s: string) => string; t: (s: string) => string } {
  const redact = makeRedactor(plan);
  const t = (s: string) => sanitizeTerminal(redact(s));
  return { q: (s: string) => `"${t(s)}"`, t };
}

/** `, in apps/orders.ds line 412` for a usage found in code: where to edit it. */
function codeAt(u: Usage, t: (s: string) => string): string {
  return u.source === 'code' && u.file !== undefined ? `, in ${t(u.file)} line ${u.line ?? 1}` : '';
}

function prerequisite(b: Blocked, n: number, plan: Plan, q: (s: string) => string, t: (s: string) => string): string[] {
  const label = `${b.kind === 'Connector' ? 'connector' : 'connection'} ${q(b.linkName)}`;
  const out: string[] = [];
  if (b.kind === 'Connection' && b.rule === 'R14') {
    out.push(`  B${n}. Remove every usage of ${label} from your applications [R14] (connectorops never edits applications):`);
    const usages = usagesOf(plan, b.linkName, b);
    append(
      out,
      firstItems(
        usages,
        (u) => `        - app ${q(u.app)}, component ${q(u.component)} (${t(u.kind)})${codeAt(u, t)}`,
        (more) => `        - … ${more} (connectorops plan --json lists them all)`,
      ),
    );
    if (!usages.length) out.push(`        (see the connection's references in Creator)`);
  } else if (REPLACEMENT_RULES.has(b.rule)) {
    out.push(`  B${n}. Decide about replacing ${label} [${b.rule}]: the change forces a replacement, which was not allowed.`);
    out.push('        Either change the manifest, or plan again with --allow-replace once the replacement is acceptable.');
  } else {
    out.push(`  B${n}. Resolve a problem with ${label} [${b.rule}].`);
  }
  out.push(`        Why: ${t(b.message)}`);
  if (b.hint) out.push(`        Hint: ${t(b.hint)}`);
  return out;
}

/**
 * The names a person sees in Creator's UI: cards and list rows show names, not link names. The
 * plan knows a name when an action creates, renames or names the resource; otherwise the link
 * name is what the person searches for.
 */
class NameBook {
  private readonly current = new Map<string, string>();

  constructor(plan: Plan) {
    // The earliest "from" of a rename is the name the target has now.
    for (const a of plan.actions) {
      const key = this.key(a.kind, a.linkName);
      if (this.current.has(key) || a.op.endsWith('.create')) continue;
      const rename = a.changes.find((ch) => ch.path === 'name' && typeof ch.from === 'string');
      if (rename) this.current.set(key, rename.from as string);
    }
  }

  private key(kind: string, linkName: string): string {
    return `${kind}\u0000${linkName}`;
  }

  /** Records the name an action leaves behind. */
  after(a: PlannedAction): void {
    const key = this.key(a.kind, a.linkName);
    if (a.op === 'connector.create' || a.op === 'connection.create') this.current.set(key, a.spec.name);
    else if ((a.op === 'connector.update' || a.op === 'connection.update') && typeof a.set.name === 'string') this.current.set(key, a.set.name);
    else if (a.op.endsWith('.delete')) this.current.delete(key);
  }

  /** `card "Acme CRM"`, or `card with link name "crm"` when the plan does not know its name. */
  cardRef(linkName: string, q: (s: string) => string): string {
    const name = this.current.get(this.key('Connector', linkName));
    return name !== undefined ? `card ${q(name)}` : `card with link name ${q(linkName)}`;
  }

  connectionRef(linkName: string, q: (s: string) => string): string {
    const name = this.current.get(this.key('Connection', linkName));
    return name !== undefined ? `connection ${q(name)} (link name ${q(linkName)})` : `connection with link name ${q(linkName)}`;
  }
}

interface StepContext {
  plan: Plan;
  names: NameBook;
  q: (s: string) => string;
  t: (s: string) => string;
  /** The step (number, or a rollout's step id) that authorizes each connection. */
  authStep: Map<string, string>;
}

/** The body of step `n` lines up with its title, after `n. `. */
function bodyIndent(label: string): string {
  return ' '.repeat(label.length + 2);
}

/** Creator's label of a field (`authentication.clientId` → `Client ID`), as its forms name it. */
export function labelOf(path: string, kind: 'Connector' | 'Connection'): string {
  const segments = path.split('.');
  const last = segments[segments.length - 1]!;
  const indexed = /parameters\[(\d+)\]/.exec(path);
  const prefix = indexed ? `Parameter ${Number(indexed[1]) + 1}: ` : '';
  if (last === 'name') return kind === 'Connector' ? 'Connector name' : 'Connection name';
  return prefix + (FIELD_LABELS[last] ?? last);
}

/** A value to type: strings quoted, lists as quoted items, the auth type by its label in Creator. */
function typed(path: string, v: unknown, q: (s: string) => string, t: (s: string) => string): string {
  if (v === null || v === undefined) return '(leave empty)';
  if (path.endsWith('.type') && typeof v === 'string') return AUTH_TYPE_LABELS[v] ?? q(v);
  if (typeof v === 'string') return SENSITIVE_MARKERS.has(v) ? t(v) : q(v);
  if (Array.isArray(v)) return v.length ? v.map((x) => typed('', x, q, t)).join(', ') : '(none)';
  if (typeof v === 'object') return SENSITIVE;
  if (typeof v === 'bigint' || typeof v === 'symbol') return String(v);
  // A function: never part of a plan.
  return typeof v;
}

/** One line of "what to type", secrets as an instruction to paste from the environment (S2). */
function valueLine(change: DisplayChange, kind: 'Connector' | 'Connection', ctx: StepContext): string {
  const label = labelOf(change.path, kind);
  if (change.secret) {
    if (change.symbol === '-') return `${label}: clear it`;
    return change.secret.fromEnv
      ? `${label}: paste the value of environment variable ${ctx.t(change.secret.fromEnv)}`
      : `${label}: paste the secret from your secret store (the plan names no environment variable)`;
  }
  if (change.symbol === '-') return `${label}: clear it (was ${typed(change.path, change.from, ctx.q, ctx.t)})`;
  const to = typed(change.path, change.to, ctx.q, ctx.t);
  if (change.symbol === '~' && change.fromKnown) return `${label}: ${to} (was ${typed(change.path, change.from, ctx.q, ctx.t)})`;
  return `${label}: ${to}`;
}

/** Every authentication parameter of a type, to type again after a type change (R3). */
function allAuthenticationValues(auth: Authentication, secrets: Record<string, { fromEnv?: string }>): DisplayChange[] {
  const out: DisplayChange[] = flattenAuthentication(auth).map(([path, to]) => ({ symbol: '+', path, from: null, to, fromKnown: true }));
  for (const [name, ref] of Object.entries(secrets)) {
    out.push({ symbol: '+', path: `authentication.${name}`, from: null, to: SENSITIVE, fromKnown: true, secret: ref });
  }
  return out;
}

function step(a: PlannedAction, n: string, ctx: StepContext): string[] {
  const { plan, names, q, t } = ctx;
  const tag = `[${[a.id, ...a.rules].map(t).join('; ')}]`;
  const out = [`${n}. ${capitalize(stepTitle(a, q))} ${tag}`];
  const say = (s: string) => out.push(`${bodyIndent(n)}${s}`);
  if (a.replace && a.reason) say(`Replacement: ${t(a.reason)}`);
  const card = names.cardRef(a.linkName, q);
  const mcc = CREATOR_PATHS.manageConnectors;
  // A create types its whole spec; an update only what changes.
  const changes = (a.op.endsWith('.create') ? specChanges(a) : displayChanges(a)).filter((ch) => !NOT_TYPED.has(ch.path));
  const values = (list: DisplayChange[]) => {
    if (!list.length) return;
    say('Values:');
    for (const ch of list) say(`  ${valueLine(ch, a.kind, ctx)}`);
  };
  // Draft at this step: created earlier in the plan, or marked ready later in it.
  const at = plan.actions.indexOf(a);
  const isDraft = plan.actions.some(
    (x, i) => x.kind === 'Connector' && x.linkName === a.linkName && ((x.op === 'connector.create' && i < at) || (x.op === 'connector.markReady' && i > at)),
  );

  switch (a.op) {
    case 'connector.create':
      say(`Where: ${mcc} › +Create New`);
      values([
        ...changes.filter((ch) => ch.path === 'name'),
        { symbol: '+', path: 'linkName', from: null, to: a.linkName, fromKnown: true },
        ...changes.filter((ch) => ch.path !== 'name'),
      ]);
      say('Then Save. The connector starts in the Draft stage, enabled (R1).');
      break;
    case 'connector.update': {
      const basic = changes.filter((ch) => !ch.path.startsWith('authentication'));
      let auth = changes.filter((ch) => ch.path.startsWith('authentication'));
      const typeChange = auth.find((ch) => ch.path === 'authentication.type' && ch.symbol === '~' && ch.fromKnown);
      if (typeChange && a.set.authentication) auth = allAuthenticationValues(a.set.authentication, secretReferences(a));
      // A secret Creator holds that the target never fingerprinted (adopted while its variable was
      // unset): nothing to paste in Creator; recording the step records its fingerprint (issue 24).
      // A draft marked ready later is different: Creator does not hold the secret yet (R2a).
      const recordOnly = typeChange || isDraft ? [] : auth.filter((ch) => ch.secret !== undefined && ch.from === SENSITIVE_NOT_RECORDED);
      auth = auth.filter((ch) => !recordOnly.includes(ch));
      const editNote = isDraft ? " (a Draft connector's sections are already in edit mode: no Edit to click)" : '';
      if (basic.length) {
        say(`Where: ${mcc} › ${card} › ⋯ › Edit Connector › General › Basic Connector Details › Edit › Save${editNote}`);
        values(basic);
      }
      if (auth.length) {
        const newName = basic.find((ch) => ch.path === 'name');
        const authCard = newName && typeof newName.to === 'string' ? `card ${q(newName.to)}` : card;
        say(`Where: ${mcc} › ${authCard} › ⋯ › Edit Connector › Authentication › Edit › Save${editNote}`);
        if (typeChange) say('Changing the authentication type discards every authentication parameter (R3): enter all of them again.');
        values(auth);
      }
      for (const ch of recordOnly) {
        const from = ch.secret?.fromEnv !== undefined ? t(ch.secret.fromEnv) : 'its environment variable';
        say(
          `${labelOf(ch.path, a.kind)}: nothing to do in Creator, which holds it already; recording this step records the fingerprint of ${from} (set to the value Creator holds).`,
        );
      }
      if (!basic.length && !auth.length && !recordOnly.length) say(`Where: ${mcc} › ${card} › ⋯ › Edit Connector`);
      // R5: only an authentication change revokes; a rename does not.
      const revoked = auth.length ? plan.revokedAuthorizations.filter((r) => r.connector === a.linkName && r.rule === 'R5') : [];
      if (revoked.length) {
        const who = revoked.map((r) => `${t(r.connection)} (${t(r.account)})`).join(', ');
        say(`Saving revokes the authorization of ${plural(revoked.length, 'connection')} (R5): ${who}.`);
        say('Creator lists their references first; the last steps ask for the authorizations again.');
      }
      break;
    }
    case 'connector.markReady':
      say(`Where: ${mcc} › ${card} › Mark as Ready`);
      say('Creator refuses while a mandatory authentication parameter is missing or the connector is disabled (R2).');
      break;
    case 'connector.enable':
      say(`Where: ${mcc} › ${card} › ⋯ › Enable`);
      break;
    case 'connector.disable':
      say(`Where: ${mcc} › ${card} › ⋯ › Disable`);
      say("Creator lists the connector's connections; the steps before this one disabled them (R8). Click Proceed to Disable.");
      break;
    case 'connector.delete':
      say(`Where: ${mcc} › ${card} › ⋯ › Delete`);
      say('Confirm with Yes. If Creator shows referring connections instead, a step before this one was missed (R9).');
      break;
    case 'connection.create': {
      say(`Where: ${mcc} › ${names.cardRef(a.spec.connector, q)} › ⋯ › +Add Connection`);
      values([
        ...changes.filter((ch) => ch.path === 'name'),
        { symbol: '+', path: 'linkName', from: null, to: a.linkName, fromKnown: true },
        ...changes.filter((ch) => ch.path !== 'name' && ch.path !== 'connector'),
      ]);
      const auth = ctx.authStep.get(a.linkName);
      say(`Then create it. It starts unauthorized (R11)${auth ? `: step ${auth} authorizes it` : ''}.`);
      break;
    }
    case 'connection.update': {
      say(`Where: ${CREATOR_PATHS.connections} › ${names.connectionRef(a.linkName, q)} › ⋯ › Edit › Save`);
      values(changes);
      if (changes.some((ch) => ch.path === 'scopes')) {
        const auth = ctx.authStep.get(a.linkName);
        say(`Changing scopes sends the connection back through consent (R13)${auth ? `: step ${auth} authorizes it again` : ''}.`);
      }
      break;
    }
    case 'connection.enable':
      say(`Where: ${CREATOR_PATHS.connections} › ${names.connectionRef(a.linkName, q)} › ⋯ › Enable`);
      break;
    case 'connection.disable': {
      say(`Where: ${CREATOR_PATHS.connections} › ${names.connectionRef(a.linkName, q)} › ⋯ › Disable`);
      const usages = plan.impact.filter((i) => i.connection === a.linkName && i.rule === 'R15').flatMap((i) => i.usages);
      if (usages.length) {
        say('This stops the applications that use it (R15):');
        for (const line of firstItems(
          usages,
          (u) => `  - app ${q(u.app)}, component ${q(u.component)} (${t(u.kind)})${codeAt(u, t)}`,
          (more) => `  - … ${more} (connectorops plan --json lists them all)`,
        ))
          say(line);
      }
      say('Its authorization is kept (R17).');
      break;
    }
    case 'connection.delete':
      say(`Where: ${CREATOR_PATHS.connections} › ${names.connectionRef(a.linkName, q)} › ⋯ › Delete`);
      {
        const lost = plan.revokedAuthorizations.find((r) => r.connection === a.linkName && isDeletion(r));
        if (lost) say(`Confirm. This loses the authorization of account ${q(lost.account)} for good [${lost.rule}].`);
        else say('Confirm. Its authorization is lost with it.');
        break;
      }
  }
  if (a.reason && !a.replace) say(`Why: ${t(a.reason)}`);
  return out;
}
