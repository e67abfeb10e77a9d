/**
 * The renderers on plans that the real planner makes (src/plan), not hand-built ones: the shapes
 * the planner produces (create changes from null, secret markers, Blocked.usages, temporary
 * enables with a reason) must all render, and S2 must hold on them.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { renderPlan, RENDER_FORMATS } from '../../src/render/render-plan.js';
import { state } from '../support/builders.js';
import { desired, planFor } from '../support/desired.js';

const OLD_FP = 'hmac-sha256:0a1b:OLDMACOLDMACOLDMACOLDMAC';
const NEW_FP = 'hmac-sha256:0a1b:NEWMAC-NEWMAC_NEWMACNEWMAC';

function all(plan: Plan): Record<(typeof RENDER_FORMATS)[number], string> {
  return Object.fromEntries(RENDER_FORMATS.map((f) => [f, renderPlan(plan, f, { color: false })])) as Record<(typeof RENDER_FORMATS)[number], string>;
}

function noFingerprints(plan: Plan, ...fps: string[]): void {
  const out = all(plan);
  for (const format of ['text', 'markdown', 'runbook'] as const) for (const fp of fps) expect(out[format], format).not.toContain(fp);
}

describe('renderers on planner output', () => {
  it('a new connector with a connection', () => {
    const plan = planFor(
      state().build(),
      desired()
        .connector('crm', { name: 'Acme CRM' })
        .connection('crm_sales', 'crm', { scopes: ['contacts.read'] })
        .build(),
      {
        fingerprints: { crm: NEW_FP },
      },
    );
    const out = all(plan);
    expect(out.text).toContain('  + connector "crm" will be created and marked ready');
    expect(out.text).toContain('      + authentication.clientSecret: (sensitive)  # from env CRM_CLIENT_SECRET');
    expect(out.text).toContain(`Plan: ${plan.summary.create} to create, 0 to update, 0 to delete.`);
    expect(out.runbook).toContain('Client secret: paste the value of environment variable CRM_CLIENT_SECRET');
    expect(out.runbook).toContain('card "Acme CRM" › ⋯ › +Add Connection');
    expect(JSON.parse(out.json)).toEqual(JSON.parse(JSON.stringify(plan)));
    noFingerprints(plan, NEW_FP);
  });

  it('a rotated secret revokes the authorized connection (R5), loudly and without fingerprints', () => {
    const current = state()
      .connector('crm', { secretFingerprints: { clientSecret: OLD_FP } })
      .connection('crm_sales', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
      .build();
    const plan = planFor(current, desired().connector('crm').connection('crm_sales', 'crm').build(), { fingerprints: { crm: NEW_FP } });
    expect(plan.revokedAuthorizations).toHaveLength(1);
    const out = all(plan);
    expect(out.text).toContain('~ authentication.clientSecret: (sensitive) → (sensitive, changed)');
    expect(out.text).toContain('! 1 authorization will be revoked:');
    expect(out.text).toMatch(/crm_sales \(alice\) — .*clientSecret.* \[R5\]/);
    expect(out.markdown.indexOf('> [!WARNING]')).toBeLessThan(out.markdown.indexOf('<details>'));
    expect(out.runbook).toContain('Ask alice to authorize connection "crm_sales" again [R5].');
    noFingerprints(plan, OLD_FP, NEW_FP);
  });

  it('disabling a used connection shows its impact (R15)', () => {
    const usages = [{ app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' }];
    const current = state().connector('crm').connection('crm_sales', 'crm', { usages }).build();
    const plan = planFor(current, desired().connector('crm', { enabled: false }).connection('crm_sales', 'crm', { enabled: false }).build());
    const out = all(plan);
    expect(out.text).toContain('disabling it stops 1 usage [R15]');
    expect(out.runbook).toContain('- app "sales", component "workflow:send_invoice" (deluge-invokeurl)');
    expect(out.runbook.indexOf('Disable connection "crm_sales"')).toBeLessThan(out.runbook.indexOf('Disable connector "crm"'));
  });

  it('deleting a used connection is blocked (R14), with its usages', () => {
    const usages = [{ app: 'billing', component: 'form:invoice', kind: 'integration-task' }];
    const current = state().connector('crm').connection('crm_old', 'crm', { usages }).build();
    const plan = planFor(current, desired().connector('crm').build());
    expect(plan.blocked.length).toBeGreaterThan(0);
    const out = all(plan);
    expect(out.text).toContain('- used by app "billing", form:invoice (integration-task)');
    expect(out.text).toContain(`Blocked: ${plan.blocked.length} problem`);
    expect(out.runbook).toContain('Remove every usage of connection "crm_old" from your applications [R14]');
    expect(out.markdown).toContain('> [!CAUTION]');
  });

  it('a connection moved to another connector: blocked without --allow-replace, -/+ with it', () => {
    const current = state()
      .connector('crm')
      .connector('crm2')
      .connection('crm_sales', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
      .build();
    const want = desired().connector('crm').connector('crm2').connection('crm_sales', 'crm2').build();
    const refused = all(planFor(current, want));
    expect(refused.text).toMatch(/✗ connection "crm_sales" \[R12\] # forces replacement: /);
    const allowed = planFor(current, want, { allowReplace: true });
    const out = all(allowed);
    expect(out.text).toContain('-/+ connection "crm_sales" must be replaced');
    expect(out.text).toContain('      + connector: "crm2"');
    expect(out.text).toMatch(/# forces replacement: .*moves from connector 'crm' to 'crm2'/);
    expect(out.text).toContain(' 1 to replace.');
    expect(out.runbook).toContain('Ask alice to authorize connection "crm_sales" again');
  });
});
