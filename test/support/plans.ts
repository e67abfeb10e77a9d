/**
 * Plans built by hand, as the planner would produce them, for the renderer tests. Each scenario
 * is a function so that tests can change a copy. Helpers fill the bookkeeping (ids, summary) so
 * that a scenario reads as the actions a reviewer would expect.
 */
import type { ConnectionSpec, ConnectorSpec, FieldChange, Op, PlannedAction } from '../../src/model/actions.js';
import { SENSITIVE, SENSITIVE_CHANGED } from '../../src/model/actions.js';
import type { Plan, PlanSummary } from '../../src/model/plan.js';
import type { RuleId } from '../../src/model/types.js';
import { oauth2 } from './builders.js';

/** A realistic fingerprint: a keyed hash, long enough that the renderers must redact it. */
export function fingerprint(seed: string): string {
  let hex = '';
  for (let i = 0; hex.length < 64; i++) hex += ((seed.charCodeAt(i % seed.length) * 2654435761 + i) >>> 0).toString(16).padStart(8, '0');
  return `hmac-sha256:${hex.slice(0, 64)}`;
}

interface Extra {
  dependsOn?: string[];
  rules?: RuleId[];
  replace?: boolean;
  changes?: FieldChange[];
  reason?: string;
}

function base(id: string, extra: Extra) {
  return {
    id,
    dependsOn: extra.dependsOn ?? [],
    rules: extra.rules ?? [],
    replace: extra.replace ?? false,
    changes: extra.changes ?? [],
    ...(extra.reason ? { reason: extra.reason } : {}),
  };
}

export function connectorSpec(overrides: Partial<ConnectorSpec> = {}): ConnectorSpec {
  return {
    name: 'Acme CRM',
    description: 'CRM of the sales team',
    authentication: oauth2({
      clientId: '1000.ABCDEF',
      authorizeUrl: 'https://accounts.acme.example/oauth/authorize',
      accessTokenUrl: 'https://accounts.acme.example/oauth/token',
      refreshTokenUrl: 'https://accounts.acme.example/oauth/token',
    }),
    secrets: { clientSecret: { fromEnv: 'CRM_CLIENT_SECRET', fingerprint: fingerprint('crm-secret-1') } },
    ...overrides,
  };
}

export function connectorCreate(id: string, linkName: string, spec: ConnectorSpec = connectorSpec(), extra: Extra = {}): PlannedAction {
  return { op: 'connector.create', kind: 'Connector', linkName, spec, ...base(id, { rules: ['R1'], ...extra }) };
}

export function connectorUpdate(id: string, linkName: string, set: Partial<ConnectorSpec>, extra: Extra = {}): PlannedAction {
  return { op: 'connector.update', kind: 'Connector', linkName, set, ...base(id, extra) };
}

export function connectionCreate(id: string, linkName: string, spec: ConnectionSpec, extra: Extra = {}): PlannedAction {
  return { op: 'connection.create', kind: 'Connection', linkName, spec, ...base(id, { rules: ['R6', 'R11'], ...extra }) };
}

export function connectionUpdate(id: string, linkName: string, set: Partial<Pick<ConnectionSpec, 'name' | 'scopes'>>, extra: Extra = {}): PlannedAction {
  return { op: 'connection.update', kind: 'Connection', linkName, set, ...base(id, extra) };
}

type Bare = Exclude<Op, 'connector.create' | 'connector.update' | 'connection.create' | 'connection.update'>;

/** markReady, enable, disable, delete: actions without a payload. */
export function lifecycle(id: string, op: Bare, linkName: string, extra: Extra = {}): PlannedAction {
  const kind = op.startsWith('connector.') ? 'Connector' : 'Connection';
  return { op, kind, linkName, ...base(id, extra) } as PlannedAction;
}

/**
 * Terraform-style counts, per resource: a resource created (and perhaps marked ready) counts once
 * as a create; a replaced one once as a replace; any other change once as an update.
 */
function summarize(plan: Pick<Plan, 'actions' | 'revokedAuthorizations' | 'blocked'>): PlanSummary {
  const byResource = new Map<string, PlannedAction[]>();
  for (const a of plan.actions) {
    const key = `${a.kind}:${a.linkName}`;
    byResource.set(key, [...(byResource.get(key) ?? []), a]);
  }
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, replace: 0, revokes: plan.revokedAuthorizations.length, blocked: plan.blocked.length };
  for (const actions of byResource.values()) {
    const ops = actions.map((a) => a.op.split('.')[1]);
    if (actions.some((a) => a.replace)) summary.replace++;
    else if (ops.includes('create')) summary.create++;
    else if (ops.includes('delete')) summary.delete++;
    else summary.update++;
  }
  return summary;
}

/** A plan with defaults for the bookkeeping fields; the summary is computed unless given. */
export function makePlan(parts: Partial<Plan> = {}): Plan {
  const actions = parts.actions ?? [];
  const revokedAuthorizations = parts.revokedAuthorizations ?? [];
  const blocked = parts.blocked ?? [];
  return {
    formatVersion: 2,
    target: 'local:.connectorops/local.db',
    base: { stateSerial: 7, stateDigest: 'sha256:5f0c1e' },
    source: { ref: 'HEAD', commit: '3b18e512dba79e4c8300dd08aeb37f8e728b8dad', manifestDigest: 'sha256:a11ce' },
    actions,
    revokedAuthorizations,
    impact: [],
    blocked,
    needsAuthorization: [],
    warnings: [],
    ...parts,
    // Shared admin connections unless a scenario says otherwise: one authorization each, for all environments.
    authorizationsNeeded:
      parts.authorizationsNeeded ??
      (parts.needsAuthorization ?? []).map((connection) => {
        const before = revokedAuthorizations.find((r) => (r.replacedBy ?? r.connection) === connection);
        return { connection, environment: 'all' as const, ...(before ? { account: before.account } : {}) };
      }),
    summary: parts.summary ?? summarize({ actions, revokedAuthorizations, blocked }),
  };
}

// ─── Scenarios ────────────────────────────────────────────────────────────────────────────────

export function emptyPlan(): Plan {
  return makePlan();
}

/** A new connector, made ready, with two new connections that then need authorizing (R11). */
export function createPlan(): Plan {
  return makePlan({
    actions: [
      connectorCreate('a1', 'crm'),
      lifecycle('a2', 'connector.markReady', 'crm', { dependsOn: ['a1'], rules: ['R2'] }),
      connectionCreate('a3', 'crm_sales', { name: 'CRM (sales team)', connector: 'crm', scopes: ['contacts.read'] }, { dependsOn: ['a2'] }),
      connectionCreate('a4', 'crm_support', { name: 'CRM (support)', connector: 'crm', scopes: [] }, { dependsOn: ['a2'] }),
    ],
    needsAuthorization: ['crm_sales', 'crm_support'],
  });
}

/** A rename and a reworded description of a ready connector, and a connection renamed. */
export function updatePlan(): Plan {
  return makePlan({
    actions: [
      connectorUpdate(
        'a1',
        'crm',
        { name: 'Acme CRM (EU)', description: 'CRM of the support team in Europe' },
        {
          changes: [
            { path: 'name', from: 'Acme CRM', to: 'Acme CRM (EU)' },
            { path: 'description', from: 'CRM of the sales team in Europe', to: 'CRM of the support team in Europe' },
          ],
        },
      ),
      connectionUpdate(
        'a2',
        'crm_sales',
        { name: 'CRM (sales, EU)' },
        {
          changes: [{ path: 'name', from: 'CRM (sales team)', to: 'CRM (sales, EU)' }],
        },
      ),
    ],
  });
}

/** Disabling a connector: its connections first (R8), and the apps that stop (R15). */
export function disablePlan(): Plan {
  return makePlan({
    actions: [
      lifecycle('a1', 'connection.disable', 'crm_sales', { rules: ['R15'], changes: [{ path: 'enabled', from: true, to: false }] }),
      lifecycle('a2', 'connection.disable', 'crm_support', { rules: ['R15'], changes: [{ path: 'enabled', from: true, to: false }] }),
      lifecycle('a3', 'connector.disable', 'crm', { dependsOn: ['a1', 'a2'], rules: ['R8'], changes: [{ path: 'enabled', from: true, to: false }] }),
    ],
    impact: [
      {
        connection: 'crm_sales',
        usages: [
          { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' },
          { app: 'sales', component: 'page:dashboard', kind: 'page-panel' },
        ],
        rule: 'R15',
      },
    ],
  });
}

/** Deleting a connector that is no longer in the manifests: its connection first (R9). */
export function deletePlan(): Plan {
  return makePlan({
    actions: [
      lifecycle('a1', 'connection.delete', 'legacy_sales', { rules: ['R9'] }),
      lifecycle('a2', 'connector.delete', 'legacy', { dependsOn: ['a1'], rules: ['R9'] }),
    ],
  });
}

/** A new client id and a rotated client secret: three authorized connections lose consent (R5). */
export function rotationPlan(): Plan {
  return makePlan({
    actions: [
      connectorUpdate(
        'a1',
        'crm',
        {
          authentication: oauth2({ clientId: '1000.NEWCLIENT' }),
          secrets: { clientSecret: { fromEnv: 'CRM_CLIENT_SECRET', fingerprint: fingerprint('crm-secret-2') } },
        },
        {
          rules: ['R5'],
          changes: [
            { path: 'authentication.clientId', from: '1000.ABCDEF', to: '1000.NEWCLIENT' },
            { path: 'authentication.clientSecret', from: SENSITIVE, to: SENSITIVE_CHANGED },
          ],
        },
      ),
    ],
    revokedAuthorizations: [
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientId', 'clientSecret'], rule: 'R5' },
      { connection: 'crm_support', connector: 'crm', environment: 'all', account: 'bob', cause: ['clientId', 'clientSecret'], rule: 'R5' },
      { connection: 'crm_ops', connector: 'crm', environment: 'all', account: 'carol', cause: ['clientId', 'clientSecret'], rule: 'R5' },
    ],
    needsAuthorization: ['crm_sales', 'crm_support', 'crm_ops'],
  });
}

/** A connection moved to another connector: replaced (R12), allowed by --allow-replace. */
export function replacePlan(): Plan {
  const reason = "connector changed from 'crm' to 'crm2': a connection's connector cannot change in place (R12)";
  return makePlan({
    actions: [
      lifecycle('a1', 'connection.delete', 'crm_sales', { rules: ['R12'], replace: true, reason }),
      connectionCreate(
        'a2',
        'crm_sales',
        { name: 'CRM (sales team)', connector: 'crm2', scopes: ['contacts.read'] },
        {
          dependsOn: ['a1'],
          rules: ['R12', 'R11'],
          replace: true,
          reason,
          changes: [{ path: 'connector', from: 'crm', to: 'crm2' }],
        },
      ),
    ],
    revokedAuthorizations: [{ connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['replace'], rule: 'R12' }],
    needsAuthorization: ['crm_sales'],
  });
}

/** A deletion that applications still use (R14), and a replacement that was not allowed (R10), as the planner words them. */
export function blockedPlan(): Plan {
  const usages = [
    { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' },
    { app: 'billing', component: 'form:invoice/on_submit', kind: 'integration-task' },
  ];
  return makePlan({
    actions: [],
    blocked: [
      {
        kind: 'Connection',
        linkName: 'crm_old',
        rule: 'R14',
        message:
          "connection 'crm_old' cannot be deleted while applications use it: sales › workflow:send_invoice (deluge-invokeurl), billing › form:invoice/on_submit (integration-task) (R14)",
        hint: 'remove these usages from the applications first; connectorops never edits applications',
        usages,
      },
      {
        kind: 'Connector',
        linkName: 'crm',
        rule: 'R10',
        message:
          "connector 'crm' must be replaced: the authentication type of ready connector 'crm' cannot change in place (oauth2 → apiKey) (R3); a replacement is never done implicitly, and --allow-replace was not given",
        hint: 'run plan with --allow-replace to delete and recreate it with its connections',
      },
    ],
  });
}

/** User strings that try to break out of Markdown or the terminal. */
export const HOSTILE = {
  html: '<img src=x onerror=alert(1)>',
  mention: '@team please look',
  pipes: '| pipes | here |',
  bold: '**bold** and _it_',
  ansi: 'red\u001b[31mALERT\u001b[0m',
} as const;

export function hostilePlan(): Plan {
  return makePlan({
    actions: [
      connectorCreate('a1', 'evil', connectorSpec({ name: HOSTILE.html, description: `${HOSTILE.mention} ${HOSTILE.bold}` })),
      connectorUpdate('a2', 'crm', { name: HOSTILE.pipes }, { changes: [{ path: 'name', from: HOSTILE.ansi, to: HOSTILE.pipes }] }),
      lifecycle('a3', 'connection.disable', 'crm_sales', { rules: ['R15'] }),
    ],
    impact: [{ connection: 'crm_sales', usages: [{ app: HOSTILE.html, component: HOSTILE.pipes, kind: HOSTILE.mention }], rule: 'R15' }],
    revokedAuthorizations: [{ connection: 'crm_sales', connector: 'crm', environment: 'all', account: '@team', cause: ['clientId'], rule: 'R5' }],
    needsAuthorization: ['crm_sales'],
    blocked: [{ kind: 'Connection', linkName: 'crm_x', rule: 'R14', message: HOSTILE.html, hint: HOSTILE.bold }],
    warnings: [{ code: 'adopted-secret', message: HOSTILE.mention, kind: 'Connector', linkName: 'crm' }],
  });
}
