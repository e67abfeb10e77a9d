import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { oauth2 } from '../support/builders.js';
import {
  blockedPlan,
  connectionUpdate,
  connectorUpdate,
  createPlan,
  deletePlan,
  disablePlan,
  emptyPlan,
  fingerprint,
  hostilePlan,
  lifecycle,
  makePlan,
  replacePlan,
  rotationPlan,
  updatePlan,
} from '../support/plans.js';

const runbook = (plan: Plan, color = false) => renderPlan(plan, 'runbook', { color });
const MCC = 'Microservices › Connections › Manage Custom Connectors';

/** The numbered steps' first lines, in output order. */
function stepHeads(out: string): string[] {
  return out.split('\n').filter((l) => /^\d+\. /.test(l));
}

/** The lines of step `n` (its head and its indented body). */
function stepBody(out: string, n: number): string {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${n}. `));
  expect(start, `step ${n}`).toBeGreaterThanOrEqual(0);
  const body = [lines[start]!];
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith('   '); i++) body.push(lines[i]!);
  return body.join('\n');
}

describe('runbook: steps in plan order, each with where to click', () => {
  it('creates a connector, marks it ready, adds connections, then asks for authorizations', () => {
    const out = runbook(createPlan());
    expect(stepHeads(out)).toEqual([
      '1. Create connector "crm" [a1; R1]',
      '2. Mark connector "crm" ready [a2; R2]',
      '3. Create connection "crm_sales" [a3; R6; R11]',
      '4. Create connection "crm_support" [a4; R6; R11]',
      '5. Authorize new connection "crm_sales" as the connection\'s owner [R11].',
      '6. Authorize new connection "crm_support" as the connection\'s owner [R11].',
    ]);
    expect(stepBody(out, 1)).toContain(`Where: ${MCC} › +Create New`);
    expect(stepBody(out, 2)).toContain(`Where: ${MCC} › card "Acme CRM" › Mark as Ready`);
    expect(stepBody(out, 3)).toContain(`Where: ${MCC} › card "Acme CRM" › ⋯ › +Add Connection`);
    expect(stepBody(out, 3)).toContain('It starts unauthorized (R11): step 5 authorizes it.');
    expect(stepBody(out, 5)).toContain('Microservices › Connections › connection "CRM (sales team)" (link name "crm_sales") › Authorize');
  });

  it('gives the values to type, and the secret as an environment variable to paste', () => {
    const step = stepBody(runbook(createPlan()), 1);
    expect(step).toContain('Connector name: "Acme CRM"');
    expect(step).toContain('Link name: "crm"');
    expect(step).toContain('Description: "CRM of the sales team"');
    expect(step).toContain('Authentication type: OAuth2');
    expect(step).toContain('Client ID: "1000.ABCDEF"');
    expect(step).toContain('Scopes: "contacts.read", "contacts.write"');
    expect(step).toContain('Client secret: paste the value of environment variable CRM_CLIENT_SECRET');
    expect(step).not.toMatch(/^\s+(stage|enabled):/im);
  });

  it('edits basic details and names the card by its current name', () => {
    const out = runbook(updatePlan());
    expect(stepBody(out, 1)).toContain(`Where: ${MCC} › card "Acme CRM" › ⋯ › Edit Connector › General › Basic Connector Details › Edit › Save`);
    expect(stepBody(out, 1)).toContain('Connector name: "Acme CRM (EU)" (was "Acme CRM")');
    expect(stepBody(out, 2)).toContain('Where: Microservices › Connections › connection "CRM (sales team)" (link name "crm_sales") › ⋯ › Edit › Save');
  });

  it('disables connections from the Connections list, then the connector from its card', () => {
    const out = runbook(disablePlan());
    expect(stepHeads(out)).toEqual([
      '1. Disable connection "crm_sales" [a1; R15]',
      '2. Disable connection "crm_support" [a2; R15]',
      '3. Disable connector "crm" [a3; R8]',
    ]);
    expect(stepBody(out, 1)).toContain('Where: Microservices › Connections › connection with link name "crm_sales" › ⋯ › Disable');
    expect(stepBody(out, 1)).toContain('- app "sales", component "workflow:send_invoice" (deluge-invokeurl)');
    expect(stepBody(out, 3)).toContain(`Where: ${MCC} › card with link name "crm" › ⋯ › Disable`);
    expect(stepBody(out, 3)).toContain('Proceed to Disable');
  });

  it('deletes connections before their connector', () => {
    const out = runbook(deletePlan());
    expect(stepBody(out, 1)).toContain('Where: Microservices › Connections › connection with link name "legacy_sales" › ⋯ › Delete');
    expect(stepBody(out, 2)).toContain(`Where: ${MCC} › card with link name "legacy" › ⋯ › Delete`);
  });

  it('enables and edits a connection from the Connections list', () => {
    const plan = makePlan({
      actions: [
        lifecycle('a1', 'connector.enable', 'crm'),
        lifecycle('a2', 'connection.enable', 'crm_sales', { dependsOn: ['a1'], rules: ['R16'] }),
        connectionUpdate(
          'a3',
          'crm_sales',
          { scopes: ['contacts.read', 'contacts.write'] },
          {
            rules: ['R13'],
            changes: [{ path: 'scopes', from: ['contacts.read'], to: ['contacts.read', 'contacts.write'] }],
          },
        ),
      ],
      revokedAuthorizations: [{ connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['scopes'], rule: 'R13' }],
      needsAuthorization: ['crm_sales'],
    });
    const out = runbook(plan);
    expect(stepBody(out, 1)).toContain(`Where: ${MCC} › card with link name "crm" › ⋯ › Enable`);
    expect(stepBody(out, 2)).toContain('Where: Microservices › Connections › connection with link name "crm_sales" › ⋯ › Enable');
    expect(stepBody(out, 3)).toContain('Scopes: "contacts.read", "contacts.write" (was "contacts.read")');
    expect(stepBody(out, 3)).toContain('Changing scopes sends the connection back through consent (R13): step 4 authorizes it again.');
    expect(stepBody(out, 4)).toContain('Ask alice to authorize connection "crm_sales" again [R13].');
  });
});

describe('runbook: secret rotation', () => {
  const out = runbook(rotationPlan());

  it('edits the authentication section and pastes the secret from the environment', () => {
    const step = stepBody(out, 1);
    expect(step).toContain(`Where: ${MCC} › card with link name "crm" › ⋯ › Edit Connector › Authentication › Edit › Save`);
    expect(step).toContain('Client ID: "1000.NEWCLIENT" (was "1000.ABCDEF")');
    expect(step).toContain('Client secret: paste the value of environment variable CRM_CLIENT_SECRET');
    expect(step).toContain('Saving revokes the authorization of 3 connections (R5): crm_sales (alice), crm_support (bob), crm_ops (carol).');
  });

  it('ends with one reauthorization per revoked account', () => {
    expect(stepHeads(out).slice(1)).toEqual([
      '2. Ask alice to authorize connection "crm_sales" again [R5].',
      '3. Ask bob to authorize connection "crm_support" again [R5].',
      '4. Ask carol to authorize connection "crm_ops" again [R5].',
    ]);
    expect(out.indexOf('Last: the authorizations to request')).toBeLessThan(out.indexOf('2. Ask alice'));
  });

  it('never prints a fingerprint', () => {
    expect(out).not.toContain(fingerprint('crm-secret-2'));
    expect(out).not.toContain('hmac-sha256');
  });
});

describe('runbook: authentication type change in draft (R3)', () => {
  it('asks for every parameter of the new type again', () => {
    const plan = makePlan({
      actions: [
        connectorUpdate(
          'a1',
          'crm',
          { authentication: { type: 'apiKey', parameters: [{ parameterKey: 'X-Api-Key', addTo: 'header' }] } },
          { rules: ['R3'], changes: [{ path: 'authentication.type', from: 'oauth2', to: 'apiKey' }] },
        ),
        lifecycle('a2', 'connector.markReady', 'crm', { dependsOn: ['a1'], rules: ['R2'] }),
      ],
    });
    const step = stepBody(runbook(plan), 1);
    expect(step).toContain('Changing the authentication type discards every authentication parameter (R3)');
    expect(step).toContain('Authentication type: API Key');
    expect(step).toContain('Parameter key: "X-Api-Key"');
    expect(step).toContain('Add to: "header"');
    expect(step).toContain("a Draft connector's sections are already in edit mode");
  });

  it('does not call a ready connector draft', () => {
    const plan = makePlan({
      actions: [connectorUpdate('a1', 'crm', { authentication: oauth2({ clientId: 'N' }) }, { changes: [{ path: 'authentication.clientId', from: 'O', to: 'N' }] })],
    });
    expect(runbook(plan)).not.toContain('Draft connector');
  });
});

describe('runbook: replacement', () => {
  it('deletes, recreates with every value, and asks the old account to authorize', () => {
    const out = runbook(replacePlan());
    expect(stepHeads(out)).toEqual([
      '1. Delete connection "crm_sales" (replacement) [a1; R12]',
      '2. Create connection "crm_sales" (replacement) [a2; R12; R11]',
      '3. Ask alice to authorize connection "crm_sales" again [R12].',
    ]);
    expect(stepBody(out, 1)).toContain("Replacement: connector changed from 'crm' to 'crm2'");
    expect(stepBody(out, 2)).toContain(`Where: ${MCC} › card with link name "crm2" › ⋯ › +Add Connection`);
    expect(stepBody(out, 2)).toContain('Connection name: "CRM (sales team)"');
    expect(stepBody(out, 2)).toContain('Scopes: "contacts.read"');
  });
});

describe('runbook: blocked plans', () => {
  const out = runbook(blockedPlan());

  it('starts with the prerequisites: the usages to remove (app, component, kind)', () => {
    const before = out.indexOf('Before you start');
    expect(before).toBeGreaterThan(0);
    expect(out).toContain('  B1. Remove every usage of connection "crm_old" from your applications [R14]');
    expect(out).toContain('        - app "sales", component "workflow:send_invoice" (deluge-invokeurl)');
    expect(out).toContain('        - app "billing", component "form:invoice/on_submit" (integration-task)');
    expect(out).toContain('  B2. Decide about replacing connector "crm" [R10]');
    expect(out).toContain('No steps until the items above are resolved.');
  });

  it('puts prerequisites before the first step', () => {
    const plan = hostilePlan();
    const text = runbook(plan);
    expect(text.indexOf('Before you start')).toBeLessThan(text.indexOf('\n1. '));
  });
});

describe('runbook: small cases', () => {
  it('an empty plan has nothing to do', () => {
    const out = runbook(emptyPlan());
    expect(out.trimEnd().split('\n').pop()).toBe('Nothing to do. The target matches the manifests.');
    expect(stepHeads(out)).toEqual([]);
  });

  it('no colour codes unless asked', () => {
    // eslint-disable-next-line no-control-regex
    expect(runbook(rotationPlan())).not.toMatch(/\u001b\[/);
    expect(runbook(rotationPlan(), true)).toContain('\u001b[1m');
  });
});
