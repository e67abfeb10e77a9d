/**
 * The studio's page as data (src/studio/view.ts): cards as Creator shows them, what the plan does
 * to each, secrets only as a fingerprint's state, instruction lines cut into text and values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { authorizationsOf, buildView, segments } from '../../src/studio/view.js';
import { oauth2, state } from '../support/builders.js';
import { connectorCreate, connectorSpec, fingerprint, HOSTILE, makePlan, rotationPlan } from '../support/plans.js';

const account = () =>
  state()
    .connector('crm', { name: 'Acme CRM', authentication: oauth2({ clientId: '1000.ABCDEF' }), secretFingerprints: { clientSecret: fingerprint('crm-secret-1') } })
    .connector('legacy', { name: HOSTILE.html, enabled: false })
    .connection('crm_sales', 'crm', {
      authorizations: [{ environment: 'all', account: 'alice' }],
      usages: [{ app: 'sales', component: 'workflow:x', kind: 'deluge-invokeurl', source: 'target' }],
    })
    .connection('crm_support', 'crm')
    .build();

const view = (plan: Plan | { error: string }) =>
  buildView({
    by: 'Dana',
    target: 'local:acct.db',
    mode: 'ledger',
    account: 'Acme',
    serial: 3,
    state: account(),
    plan,
    codeUsages: [{ connection: 'crm_sales', app: 'apps/orders.dg', component: 'script', kind: 'deluge-invokeurl', file: 'apps/orders.dg', line: 6, col: 2 }],
    rollout: null,
    rollouts: [],
  });

describe('the studio view', () => {
  it('shows the cards sorted by name, a disabled one as disabled, strings as data', () => {
    const v = view(makePlan());
    expect(v.connectors.map((c) => [c.linkName, c.enabled, c.stage, c.authType])).toEqual([
      ['legacy', false, 'ready', 'OAuth2'],
      ['crm', true, 'ready', 'OAuth2'],
    ]);
    // Escaping is the page's (Preact's) job: the view carries user text as it is.
    expect(v.connectors[0]!.name).toBe(HOSTILE.html);
    expect(v.by).toBe('Dana');
  });

  it('never carries a secret or a fingerprint: a fingerprint recorded or not, that is all', () => {
    const v = view(rotationPlan());
    const crm = v.connectors.find((c) => c.linkName === 'crm')!;
    expect(crm.secrets).toEqual([{ name: 'clientSecret', label: 'Client secret', state: 'fingerprint recorded' }]);
    expect(crm.parameters.find((p) => p.key === 'clientId')).toEqual({ key: 'clientId', label: 'Client ID', value: '1000.ABCDEF' });
    const text = JSON.stringify(v);
    expect(text).not.toContain(fingerprint('crm-secret-1'));
    expect(text).not.toContain(fingerprint('crm-secret-2'));
  });

  it('marks what the plan does: changed with the field diff, the authorizations revoked on the connector and each connection', () => {
    const v = view(rotationPlan());
    const crm = v.connectors.find((c) => c.linkName === 'crm')!;
    expect(crm.marks).toEqual([
      {
        what: 'changed',
        actions: ['a1'],
        rules: [{ id: 'R5', href: '/docs/rules.md#r5' }],
        changes: [
          { symbol: '~', path: 'authentication.clientId', from: '1000.ABCDEF', to: '1000.NEWCLIENT' },
          { symbol: '~', path: 'authentication.clientSecret', from: '(sensitive)', to: '(sensitive, changed)' },
        ],
      },
    ]);
    expect(crm.revoked.map((r) => r.connection)).toEqual(['crm_sales', 'crm_support', 'crm_ops']);
    const sales = crm.connections.find((c) => c.linkName === 'crm_sales')!;
    expect(sales.revoked).toEqual([
      { connection: 'crm_sales', account: 'alice', cause: 'clientId, clientSecret changed', rule: { id: 'R5', href: '/docs/rules.md#r5' } },
    ]);
    expect(sales.usages).toEqual([
      { app: 'sales', component: 'workflow:x', kind: 'deluge-invokeurl' },
      { app: 'apps/orders.dg', component: 'script', kind: 'deluge-invokeurl', where: 'apps/orders.dg:6:2' },
    ]);
    expect(v.plan!.graph.nodes.map((n) => n.id)).toEqual(['a1']);
  });

  it('shows a connector the plan creates as a card that is not on the target yet, and a blocked one with its rule', () => {
    const plan = makePlan({
      actions: [connectorCreate('a1', 'erp', connectorSpec({ name: 'Acme ERP' }))],
      blocked: [{ kind: 'Connector', linkName: 'legacy', rule: 'R10', message: 'must be replaced', hint: 'plan with --allow-replace' }],
    });
    const v = view(plan);
    const erp = v.connectors.find((c) => c.linkName === 'erp')!;
    expect(erp).toMatchObject({ exists: false, stage: 'draft', marks: [{ what: 'created', actions: ['a1'] }] });
    expect(erp.secrets[0]!.state).toBe('not recorded');
    expect(v.connectors.find((c) => c.linkName === 'legacy')!.marks).toEqual([
      { what: 'blocked', actions: [], changes: [], rules: [{ id: 'R10', href: '/docs/rules.md#r10' }], message: 'must be replaced', hint: 'plan with --allow-replace' },
    ]);
  });

  it('says why there is no plan', () => {
    const v = view({ error: 'the manifests are invalid' });
    expect(v.plan).toBeNull();
    expect(v.planError).toBe('the manifests are invalid');
    expect(v.connectors).toHaveLength(2);
  });

  it('reads a connection’s authorizations in one place', () => {
    const s = account();
    expect(authorizationsOf(s.connections.get('crm_sales')!)).toEqual([{ status: 'authorized', account: 'alice' }]);
    expect(authorizationsOf(s.connections.get('crm_support')!)).toEqual([{ status: 'unauthorized', account: null }]);
  });
});

describe('instruction lines, cut into text and values to copy', () => {
  it('makes every double-quoted value a value', () => {
    expect(segments('Client ID: "1000.X", then "y"')).toEqual([{ text: 'Client ID: ' }, { value: '1000.X' }, { text: ', then ' }, { value: 'y' }]);
    expect(segments('Then Save.')).toEqual([{ text: 'Then Save.' }]);
  });

  it('loses nothing: the pieces put back together are the line', () => {
    fc.assert(
      fc.property(fc.string(), (line) => {
        const back = segments(line)
          .map((s) => ('value' in s ? `"${s.value}"` : s.text))
          .join('');
        expect(back).toBe(line);
      }),
    );
  });
});
