/**
 * Usages found in code, in the pure planner: merged with the target's (without duplicates, each
 * with its source), they block deletion and replacement (R14) and count as impact (R15); a usage
 * of a connection nothing defines is a warning.
 */
import { describe, expect, it } from 'vitest';
import type { CodeUsage } from '../../src/model/usages.js';
import { state } from '../support/builders.js';
import { action, desiredOf, ops, planFor } from '../support/desired.js';

const code = (connection: string, over: Partial<CodeUsage> = {}): CodeUsage => ({
  connection,
  app: 'Order Desk',
  component: 'function:orders.send_invoice',
  kind: 'deluge-invokeurl',
  file: 'apps/order-desk.ds',
  line: 168,
  col: 6,
  ...over,
});

describe('usages from code', () => {
  it('R14: deleting a connection that code uses is blocked, naming file, line, application and component', () => {
    const current = state().connector('crm').connection('crm_old', 'crm').build();
    const want = desiredOf(current);
    want.connections.delete('crm_old');
    for (const allowReplace of [false, true]) {
      const plan = planFor(current, want, {
        allowReplace,
        usages: [code('crm_old'), code('crm_old', { app: 'scripts/sync.dg', component: 'script', file: 'scripts/sync.dg', line: 3, col: 2 })],
      });
      expect(ops(plan)).toEqual([]);
      expect(plan.blocked).toEqual([
        expect.objectContaining({
          kind: 'Connection',
          linkName: 'crm_old',
          rule: 'R14',
          message:
            "connection 'crm_old' cannot be deleted while applications use it: " +
            'Order Desk › function:orders.send_invoice (deluge-invokeurl at apps/order-desk.ds:168:6), ' +
            'scripts/sync.dg › script (deluge-invokeurl at scripts/sync.dg:3:2) (R14)',
          usages: [
            { app: 'Order Desk', component: 'function:orders.send_invoice', kind: 'deluge-invokeurl', source: 'code', file: 'apps/order-desk.ds', line: 168, col: 6 },
            { app: 'scripts/sync.dg', component: 'script', kind: 'deluge-invokeurl', source: 'code', file: 'scripts/sync.dg', line: 3, col: 2 },
          ],
        }),
      ]);
    }
  });

  it('R14: a replacement that deletes a used connection is blocked too, even with --allow-replace', () => {
    const current = state().connector('crm').connector('erp').connection('crm_sales', 'crm').build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.connector = 'erp';
    const plan = planFor(current, want, { allowReplace: true, usages: [code('crm_sales')] });
    expect(plan.blocked.map((b) => `${b.linkName} ${b.rule}`)).toContain('crm_sales R14');
    expect(ops(plan)).not.toContain('connection.delete crm_sales');
  });

  it('R15: disabling a connection that code uses lists the usages as impact', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm').build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.enabled = false;
    const plan = planFor(current, want, { usages: [code('crm_sales')] });
    expect(plan.impact).toEqual([{ connection: 'crm_sales', rule: 'R15', usages: [expect.objectContaining({ source: 'code', file: 'apps/order-desk.ds', line: 168 })] }]);
    expect(action(plan, 'connection.disable', 'crm_sales').rules).toContain('R15');
  });

  it('merges with the target: a usage both know is listed once, as code; the others keep their source', () => {
    const recorded = [
      { app: 'Order Desk', component: 'function:orders.send_invoice', kind: 'deluge-invokeurl' },
      { app: 'support', component: 'page:home', kind: 'page-panel' },
    ];
    const current = state().connector('crm').connection('crm_sales', 'crm', { usages: recorded }).build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.enabled = false;
    const plan = planFor(current, want, { usages: [code('crm_sales'), code('crm_sales')] });
    expect(plan.impact[0]!.usages).toEqual([
      { app: 'support', component: 'page:home', kind: 'page-panel', source: 'target' },
      { app: 'Order Desk', component: 'function:orders.send_invoice', kind: 'deluge-invokeurl', source: 'code', file: 'apps/order-desk.ds', line: 168, col: 6 },
    ]);
  });

  it('a usage of a connection that no manifest and no target defines is a warning, with a guess', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm').build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.name = 'Renamed';
    const plan = planFor(current, want, { usages: [code('crm_slaes'), code('nothing_like_it', { line: 9 }), code('crm_sales')] });
    expect(plan.blocked).toEqual([]);
    expect(plan.warnings).toEqual([
      {
        code: 'usage-unknown-connection',
        message: "Deluge code calls connection 'crm_slaes' (apps/order-desk.ds:168:6), which no manifest and no target defines: did you mean 'crm_sales'?",
      },
      {
        code: 'usage-unknown-connection',
        message:
          "Deluge code calls connection 'nothing_like_it' (apps/order-desk.ds:9:6), which no manifest and no target defines: a typo in the code, or a connection made outside Git?",
      },
    ]);
  });

  it('a usage of a connection the manifests create is no warning, and nothing blocks its creation', () => {
    const current = state().connector('crm').build();
    const want = desiredOf(current);
    want.connections.set('crm_new', {
      linkName: 'crm_new',
      name: 'New',
      connector: 'crm',
      enabled: true,
      scopes: [],
      authorizationOwner: 'admin',
      sameAuthorizationForAllEnvironments: true,
      source: { file: 'connections/new.yaml', line: 1, col: 1 },
    });
    const plan = planFor(current, want, { usages: [code('crm_new')] });
    expect(plan.warnings).toEqual([]);
    expect(ops(plan)).toEqual(['connection.create crm_new']);
  });
});
