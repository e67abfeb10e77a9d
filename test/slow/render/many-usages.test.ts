/**
 * 170k usages of one connection (issue 18, item 5): the Markdown, the runbook and the PR comment
 * list the first few and count the rest, without overflowing the stack; the JSON keeps all.
 */
import { describe, expect, it } from 'vitest';
import { commentBody } from '../../../src/github/body.js';
import type { Plan } from '../../../src/model/plan.js';
import { renderPlan } from '../../../src/render/render-plan.js';
import { LISTED_USAGES } from '../../../src/render/resources.js';
import { blockedPlan, disablePlan } from '../../support/plans.js';

const N = 170_000;
const usages = Array.from({ length: N }, (_, i) => ({
  app: 'sales',
  component: `workflow:w${i}`,
  kind: 'deluge-invokeurl',
  source: 'code' as const,
  file: `apps/w${i}.ds`,
  line: 1,
  col: 1,
}));

function many(): Plan[] {
  const disable = disablePlan();
  const blocked = blockedPlan();
  return [
    { ...disable, impact: [{ connection: 'crm_sales', usages, rule: 'R15' }] },
    { ...blocked, blocked: blocked.blocked.map((b) => (b.rule === 'R14' ? { ...b, usages } : b)) },
  ];
}

describe('a connection with 170,000 usages', () => {
  it.each(['markdown', 'runbook'] as const)('%s lists the first ones and says how many more, without a stack overflow', (format) => {
    for (const plan of many()) {
      const out = renderPlan(plan, format, { color: false });
      expect(out).toContain(`and ${(N - LISTED_USAGES).toLocaleString('en-US')} more`);
      expect(out.length).toBeLessThan(100_000);
    }
  });

  it('the PR comment fits, and the JSON keeps every usage', () => {
    for (const plan of many()) {
      expect(commentBody(plan).body.length).toBeLessThanOrEqual(65_536);
      const json = JSON.parse(renderPlan(plan, 'json', { color: false })) as Plan;
      const all = [...json.impact.flatMap((i) => i.usages), ...json.blocked.flatMap((b) => b.usages ?? [])];
      expect(all.length).toBe(N);
    }
  });
});
