import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { ZWSP } from '../../src/render/escape.js';
import {
  blockedPlan,
  createPlan,
  deletePlan,
  disablePlan,
  emptyPlan,
  fingerprint,
  HOSTILE,
  hostilePlan,
  replacePlan,
  rotationPlan,
  updatePlan,
} from '../support/plans.js';
import { ownTagsOnly, tableColumnProblems, unmentionedAts } from '../support/markdown-checks.js';

const md = (plan: Plan) => renderPlan(plan, 'markdown', { color: true });

describe('markdown: layout', () => {
  it('an empty plan is a heading, the target and "No changes"', () => {
    expect(md(emptyPlan())).toBe(
      '### connectorops plan\n\nTarget: local:\\.connectorops/local\\.db · state serial 7 · source HEAD (3b18e512dba7)\n\n**No changes.** The target matches the manifests.\n',
    );
  });

  it('puts the summary line and the revoked authorizations before any <details>', () => {
    const out = md(rotationPlan());
    const summary = out.indexOf('**Plan: 0 to create, 1 to update, 0 to delete. 3 authorizations will be revoked.**');
    const warning = out.indexOf('> [!WARNING]');
    const details = out.indexOf('<details>');
    expect(summary).toBeGreaterThan(0);
    expect(warning).toBeGreaterThan(summary);
    expect(details).toBeGreaterThan(warning);
    expect(out).toContain('> **3 authorizations will be revoked.**');
    expect(out).toContain('> | crm\\_sales | alice | crm | clientId, clientSecret changed | R5 |');
    expect(out).toContain('> | crm\\_ops | carol | crm | clientId, clientSecret changed | R5 |');
  });

  it('puts blocked items after the revocations and before the detail', () => {
    const out = md(hostilePlan());
    const warning = out.indexOf('> [!WARNING]');
    const caution = out.indexOf('> [!CAUTION]');
    expect(caution).toBeGreaterThan(warning);
    expect(out.indexOf('<details>')).toBeGreaterThan(caution);
  });

  it('lists blocked items with rule, message, hint and usages', () => {
    const out = md(blockedPlan());
    expect(out).toContain('> **Blocked: 2 problems must be resolved first; apply will carry out none of this plan.**');
    expect(out).toContain("> - **connection crm\\_old** (R14): connection 'crm\\_old' cannot be deleted while applications use it: sales › workflow:send\\_invoice");
    expect(out).toContain('>   - Hint: remove these usages from the applications first; connectorops never edits applications');
    expect(out).toContain('>   - Used by app sales, workflow:send\\_invoice (deluge\\-invokeurl)');
    expect(out).toContain('> - **connector crm** (R10): Forces replacement:');
  });

  it('collapses changes, steps, impact and authorizations in <details>, with blank lines around the body', () => {
    const out = md(disablePlan());
    expect(out).toContain('<details><summary>Changes to 3 resources</summary>\n\n#### `~` connection crm\\_sales will be disabled (R15)');
    expect(out).toContain('<details><summary>Steps, in order (3)</summary>\n\n1. a1 disable connection crm\\_sales \\[R15\\]\n');
    expect(out).toContain('3. a3 disable connector crm \\[R8\\], after a1, a2\n\n</details>');
    expect(out).toContain('<details><summary>Impact on applications</summary>');
    expect(out).toContain('| crm\\_sales | sales | workflow:send\\_invoice | deluge\\-invokeurl | R15 |');
    expect(out).toContain('Disabling 1 connection stops 2 usages in applications (R15)');
    expect(out.match(/<details>/g)).toHaveLength(out.match(/<\/details>/g)!.length);
  });

  it('shows field changes in a table per resource', () => {
    const out = md(updatePlan());
    expect(out).toContain('#### `~` connector crm will be updated in place');
    expect(out).toContain('| `~` | name | "Acme CRM" → "Acme CRM \\(EU\\)" |');
  });

  it('shows a description change as a word diff with <del> and <ins>', () => {
    expect(md(updatePlan())).toContain('| `~` | description | CRM of the <del>sales</del><ins>support</ins> team in Europe |');
  });

  it('shows a replacement with -/+ and why it is forced', () => {
    const out = md(replacePlan());
    expect(out).toContain('**Plan: 0 to create, 0 to update, 0 to delete. 1 to replace. 1 authorization will be revoked.**');
    expect(out).toContain('#### `-/+` connection crm\\_sales must be replaced (R12, R11)');
    expect(out).toContain("**Forces replacement:** connector changed from 'crm' to 'crm2'");
  });

  it('lists who must authorize after apply', () => {
    expect(md(createPlan())).toContain("- crm\\_sales: new connection, authorize as the connection's owner (R11)");
    expect(md(rotationPlan())).toContain('- crm\\_support: reauthorize as bob (R5)');
  });

  it('shows deletions', () => {
    expect(md(deletePlan())).toContain('#### `-` connector legacy will be deleted (R9)');
  });
});

describe('markdown: secrets (S2)', () => {
  it('says "(sensitive, changed)" and never prints a fingerprint', () => {
    const out = md(rotationPlan());
    expect(out).toContain('| `~` | authentication\\.clientSecret | \\(sensitive\\) → \\(sensitive, changed\\) (from env CRM\\_CLIENT\\_SECRET) |');
    expect(out).not.toContain(fingerprint('crm-secret-2'));
    expect(out).not.toContain('hmac');
    expect(md(createPlan())).not.toContain(fingerprint('crm-secret-1'));
  });
});

describe('markdown: hostile user strings', () => {
  const out = md(hostilePlan());

  it('injects no HTML', () => {
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    expect(ownTagsOnly(out)).toEqual([]);
  });

  it('triggers no @mention', () => {
    expect(out).toContain(`@${ZWSP}team`);
    expect(unmentionedAts(out)).toEqual([]);
  });

  it('keeps pipes from splitting table cells', () => {
    expect(out).toContain('"\\| pipes \\| here \\|"');
    expect(tableColumnProblems(out)).toEqual([]);
  });

  it('renders **bold** literally', () => {
    expect(out).not.toMatch(/(^|[^\\])\*\*bold/);
    expect(out).toContain('\\*\\*bold\\*\\* and \\_it\\_');
  });

  it('leaves no control character', () => {
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(HOSTILE.ansi).toContain('\u001b');
  });
});
