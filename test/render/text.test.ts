import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/render/render-plan.js';
import type { Plan } from '../../src/model/plan.js';
import {
  blockedPlan,
  connectorUpdate,
  createPlan,
  deletePlan,
  disablePlan,
  emptyPlan,
  fingerprint,
  hostilePlan,
  makePlan,
  replacePlan,
  rotationPlan,
  updatePlan,
} from '../support/plans.js';

const text = (plan: Plan, color = false) => renderPlan(plan, 'text', { color });
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

function lineIndex(output: string, needle: string): number {
  const i = output.split('\n').findIndex((l) => l.includes(needle));
  expect(i, `line containing ${JSON.stringify(needle)}`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('text: empty plan', () => {
  it('says there is nothing to do, and nothing else', () => {
    expect(text(emptyPlan())).toBe('Target: local:.connectorops/local.db (state serial 7)\n\nNo changes. The target matches the manifests.\n');
  });
});

describe('text: creates', () => {
  const out = text(createPlan());

  it('groups actions by resource with +, and lists the fields it sets', () => {
    expect(out).toContain('  + connector "crm" will be created and marked ready [R1, R2]');
    expect(out).toContain('      + name: "Acme CRM"');
    expect(out).toContain('      + authentication.clientId: "1000.ABCDEF"');
    expect(out).toContain('      + authentication.scopes: ["contacts.read", "contacts.write"]');
    expect(out).toContain('      ~ stage: "draft" → "ready"');
    expect(out).toContain('  + connection "crm_sales" will be created [R6, R11]');
  });

  it('shows a secret as (sensitive) with the variable it comes from, never its fingerprint', () => {
    expect(out).toContain('+ authentication.clientSecret: (sensitive)  # from env CRM_CLIENT_SECRET');
    expect(out).not.toContain(fingerprint('crm-secret-1'));
    expect(out).not.toContain('hmac-sha256');
  });

  it('lists the new connections as needing authorization by their owner (R11)', () => {
    expect(out).toContain("    crm_sales — new connection: authorize as the connection's owner [R11]");
  });

  it('prints the ordered steps with their dependencies', () => {
    expect(out).toContain('  1. a1 create connector "crm" [R1]');
    expect(out).toContain('  2. a2 mark connector "crm" ready [R2] (after a1)');
    expect(out).toContain('  4. a4 create connection "crm_support" [R6, R11] (after a2)');
  });

  it('ends with the footer', () => {
    expect(out.trimEnd().split('\n').pop()).toBe('Plan: 3 to create, 0 to update, 0 to delete.');
  });
});

describe('text: updates', () => {
  const out = text(updatePlan());

  it('shows changed fields with ~ and old → new', () => {
    expect(out).toContain('  ~ connector "crm" will be updated in place');
    expect(out).toContain('      ~ name: "Acme CRM" → "Acme CRM (EU)"');
    expect(out).toContain('  1. a1 update connector "crm" (name, description)');
  });

  it('shows a description as an inline word diff', () => {
    expect(out).toContain('      ~ description: "CRM of the [-sales-]{+support+} team in Europe"');
  });

  it('falls back to old → new when the two texts share no word', () => {
    const plan = makePlan({
      actions: [connectorUpdate('a1', 'crm', { description: 'Entirely new' }, { changes: [{ path: 'description', from: 'Old words', to: 'Entirely new' }] })],
    });
    expect(text(plan)).toContain('~ description: "Old words" → "Entirely new"');
  });

  it('word-diffs in colour without the plain markers', () => {
    const coloured = text(updatePlan(), true);
    expect(coloured).not.toContain('[-sales-]');
    expect(coloured).toContain('\u001b[31m');
    expect(coloured).toContain('\u001b[32m');
  });

  it('counts updates in the footer', () => {
    expect(out).toContain('Plan: 0 to create, 2 to update, 0 to delete.\n');
  });
});

describe('text: disabling a connector and its connections', () => {
  const out = text(disablePlan());

  it('shows each as ~ with enabled: true → false', () => {
    expect(out).toContain('  ~ connection "crm_sales" will be disabled [R15]');
    expect(out).toContain('  ~ connector "crm" will be disabled [R8]');
    expect(out).toContain('      ~ enabled: true → false');
  });

  it('lists the R15 impact: app, component and kind', () => {
    expect(out).toContain('Impact on applications:');
    expect(out).toContain('    connection "crm_sales": disabling it stops 2 usages [R15]');
    expect(out).toContain('      - app "sales", workflow:send_invoice (deluge-invokeurl)');
  });

  it('orders the connector after its connections', () => {
    expect(out).toContain('  3. a3 disable connector "crm" [R8] (after a1, a2)');
  });
});

describe('text: deletion', () => {
  it('uses - and counts deletes', () => {
    const out = text(deletePlan());
    expect(out).toContain('  - connection "legacy_sales" will be deleted [R9]');
    expect(out).toContain('  - connector "legacy" will be deleted [R9]');
    expect(out).toContain('Plan: 0 to create, 0 to update, 2 to delete.\n');
  });
});

describe('text: secret rotation (R5)', () => {
  const out = text(rotationPlan());

  it('says the secret changed without showing it or its fingerprints', () => {
    expect(out).toContain('      ~ authentication.clientSecret: (sensitive) → (sensitive, changed)  # from env CRM_CLIENT_SECRET');
    expect(out).not.toContain(fingerprint('crm-secret-2'));
    expect(out).not.toContain('hmac-sha256');
  });

  it('lists the revoked authorizations loudly, each with its account and cause', () => {
    expect(out).toContain('! 3 authorizations will be revoked:');
    expect(out).toContain('    crm_sales (alice) — clientId, clientSecret changed [R5]');
    expect(out).toContain('    crm_ops (carol) — clientId, clientSecret changed [R5]');
    expect(out).toContain('    crm_support — reauthorize as bob [R5]');
  });

  it('puts the revocations in the footer', () => {
    expect(out).toContain('Plan: 0 to create, 1 to update, 0 to delete. 3 authorizations will be revoked.\n');
  });

  it('uses the singular for one revocation', () => {
    const plan = rotationPlan();
    plan.revokedAuthorizations = plan.revokedAuthorizations.slice(0, 1);
    plan.summary.revokes = 1;
    const one = text(plan);
    expect(one).toContain('! 1 authorization will be revoked:');
    expect(one).toContain('Plan: 0 to create, 1 to update, 0 to delete. 1 authorization will be revoked.\n');
  });
});

describe('text: replacement', () => {
  const out = text(replacePlan());

  it('shows -/+ and why the replacement is forced', () => {
    expect(out).toContain('-/+ connection "crm_sales" must be replaced [R12, R11]');
    expect(out).toContain('      ~ connector: "crm" → "crm2"');
    expect(out).toContain("      # forces replacement: connector changed from 'crm' to 'crm2'");
  });

  it('adds the replace count to the footer', () => {
    expect(out).toContain('Plan: 0 to create, 0 to update, 0 to delete. 1 to replace. 1 authorization will be revoked.\n');
  });

  it('marks both steps as the replacement', () => {
    expect(out).toContain('  1. a1 delete connection "crm_sales" (replacement) [R12]');
    expect(out).toContain('  2. a2 create connection "crm_sales" (replacement) [R12, R11] (after a1)');
  });
});

describe('text: blocked (R14, R10)', () => {
  const out = text(blockedPlan());

  it('lists each blocked item with rule, message, hint and usages', () => {
    expect(out).toContain('  ✗ connection "crm_old" [R14]: connection \'crm_old\' cannot be deleted while applications use it: sales › workflow:send_invoice');
    expect(out).toContain('      hint: remove these usages from the applications first; connectorops never edits applications');
    expect(out).toContain('      - used by app "sales", workflow:send_invoice (deluge-invokeurl)');
    expect(out).toContain('      - used by app "billing", form:invoice/on_submit (integration-task)');
  });

  it('says a blocked replacement is a forced replacement', () => {
    expect(out).toContain('  ✗ connector "crm" [R10] # forces replacement: connector \'crm\' must be replaced: the authentication type');
  });

  it('falls back to the impact entries for usages when a blocked entry has none', () => {
    const plan = blockedPlan();
    const usages = plan.blocked[0]!.usages!;
    delete plan.blocked[0]!.usages;
    plan.impact = [{ connection: 'crm_old', usages, rule: 'R14' }];
    const fallback = text(plan);
    expect(fallback).toContain('      - used by app "billing", form:invoice/on_submit (integration-task)');
    // Shown once, under the blocked item, not again as impact.
    expect(fallback).not.toContain('Impact on applications:');
  });

  it('ends with the footer and a blocked line, not "No changes"', () => {
    expect(out).not.toContain('No changes');
    expect(out.endsWith('Plan: 0 to create, 0 to update, 0 to delete.\nBlocked: 2 problems must be resolved first; apply will carry out none of this plan.\n')).toBe(
      true,
    );
  });

  it('never leaves two blank lines in a row', () => {
    expect(out).not.toContain('\n\n\n');
  });
});

describe('text: section order', () => {
  it('changes, revoked, impact, blocked, authorization, warnings, steps, footer', () => {
    const out = text(hostilePlan());
    const order = [
      'connectorops will perform the following actions:',
      '! 1 authorization will be revoked:',
      'Impact on applications:',
      'Blocked:',
      'After apply, these connections need authorization',
      'Warnings:',
      'Steps, in order:',
      'Plan: ',
    ].map((s) => lineIndex(out, s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe('text: colour', () => {
  it('has no ANSI codes when colour is off', () => {
    for (const plan of [createPlan(), updatePlan(), rotationPlan(), replacePlan(), blockedPlan(), disablePlan()]) {
      expect(text(plan, false)).not.toMatch(ANSI);
    }
  });

  it('has ANSI codes when colour is on, whatever the environment', () => {
    expect(text(createPlan(), true)).toMatch(ANSI);
    expect(text(rotationPlan(), true)).toContain('\u001b[31m');
  });

  it('says the same thing with and without colour', () => {
    // eslint-disable-next-line no-control-regex
    const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
    for (const plan of [createPlan(), rotationPlan(), replacePlan(), blockedPlan(), disablePlan()]) {
      expect(strip(text(plan, true))).toBe(text(plan, false));
    }
  });
});

describe('text: hostile strings', () => {
  it('makes terminal escapes in user strings visible instead of acting on them', () => {
    const out = text(hostilePlan(), false);
    expect(out).not.toMatch(ANSI);
    expect(out).toContain('~ name: "red\\u001b[31mALERT\\u001b[0m" → "| pipes | here |"');
  });

  it('neutralizes bidi overrides and carriage returns', () => {
    const plan = makePlan({
      actions: [connectorUpdate('a1', 'crm', { name: 'x' }, { changes: [{ path: 'name', from: 'safe\rEVIL', to: 'abc\u202edcba' }] })],
    });
    const out = text(plan);
    expect(out).toContain('"safe\\rEVIL" → "abc\\u202edcba"');
    expect(out).not.toContain('\u202e');
  });
});
