/**
 * The pure drift comparison (src/drift/findings.ts) and its renderings, on built states: the kinds
 * the end-to-end tests cannot reach (Connection Access, which only a manifest with `access` has),
 * and the invariants: a usage is "unknown" exactly when neither side knows its connection, every
 * finding has its own key, and every rendering escapes what users wrote.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDrift, findingKey, type DriftInput, type DriftReport } from '../../src/drift/findings.js';
import type { DesiredConnection } from '../../src/model/types.js';
import { INVOKEURL_KIND, type CodeUsage } from '../../src/model/usages.js';
import { renderDriftMarkdown, renderDriftText } from '../../src/render/drift.js';
import { state } from '../support/builders.js';
import { desired } from '../support/desired.js';
import { ownTagsOnly, unmentionedAts } from '../support/markdown-checks.js';
import { emptyPlan } from '../support/plans.js';

const usage = (connection: string, app = 'Orders', line = 1): CodeUsage => ({
  connection,
  app,
  component: 'function:sync',
  kind: INVOKEURL_KIND,
  file: 'apps/orders.ds',
  line,
  col: 5,
});

function input(parts: Partial<DriftInput>): DriftInput {
  return {
    desired: desired().connector('crm').connection('crm_sales', 'crm').build(),
    ledger: state().connector('crm').connection('crm_sales', 'crm').build(),
    rollout: null,
    plan: emptyPlan(),
    usages: [],
    now: new Date('2026-12-07T00:00:00Z'),
    staleAfterDays: 7,
    ...parts,
  };
}

function report(findings: DriftReport['findings']): DriftReport {
  return { target: 'production', dir: null, ref: null, commit: null, checkedAt: '2026-12-07T00:00:00.000Z', staleAfterDays: 7, findings, diagnostics: [], warnings: [] };
}

describe('findDrift', () => {
  it('finds nothing when the manifests, the ledger and the code agree', () => {
    expect(findDrift(input({ usages: [usage('crm_sales')] }))).toEqual([]);
  });

  it('Connection Access: a usage from an application the manifest leaves out, only where the manifest has `access`', () => {
    const d = desired().connector('crm').connection('crm_sales', 'crm').build();
    const usages = [usage('crm_sales', 'Orders'), usage('crm_sales', 'Billing', 3), usage('crm_sales', 'Billing', 9)];
    expect(findDrift(input({ desired: d, usages }))).toEqual([]);
    (d.connections.get('crm_sales') as DesiredConnection & { access: string[] }).access = ['Orders'];
    const found = findDrift(input({ desired: d, usages }));
    expect(found).toEqual([
      {
        kind: 'usage-without-access',
        connection: 'crm_sales',
        app: 'Billing',
        access: ['Orders'],
        usages: [
          { app: 'Billing', component: 'function:sync', file: 'apps/orders.ds', line: 3, col: 5 },
          { app: 'Billing', component: 'function:sync', file: 'apps/orders.ds', line: 9, col: 5 },
        ],
      },
    ]);
    expect(findingKey(found[0]!)).toBe('usage-without-access:crm_sales:Billing');
    expect(renderDriftText(report(found))).toContain('Usage without Connection Access: application "Billing" calls connection "crm_sales", whose access is "Orders"');
  });

  it('a usage is unknown exactly when neither the manifests nor the ledger know its connection; one finding per connection, each key its own', () => {
    const names = fc.constantFrom('crm_sales', 'billing', 'erp', 'hand_made', 'x');
    fc.assert(
      fc.property(fc.uniqueArray(names), fc.uniqueArray(names), fc.array(fc.tuple(names, fc.nat(50))), (inManifests, inLedger, calls) => {
        const d = desired().connector('crm');
        for (const n of inManifests) d.connection(n, 'crm');
        const l = state().connector('crm');
        for (const n of inLedger) l.connection(n, 'crm');
        const found = findDrift(input({ desired: d.build(), ledger: l.build(), usages: calls.map(([n, line]) => usage(n, 'Orders', line + 1)) }));
        const known = new Set([...inManifests, ...inLedger]);
        const unknown = [...new Set(calls.map(([n]) => n).filter((n) => !known.has(n)))].sort();
        expect(found.filter((f) => f.kind === 'unknown-connection').map((f) => (f.kind === 'unknown-connection' ? f.connection : ''))).toEqual(unknown);
        expect(found.filter((f) => f.kind === 'ledger-only').map((f) => (f.kind === 'ledger-only' ? f.linkName : ''))).toEqual(
          inLedger.filter((n) => !inManifests.includes(n)).sort(),
        );
        const keys = found.map(findingKey);
        expect(new Set(keys).size).toBe(keys.length);
      }),
    );
  });

  it('renders any name the users wrote escaped: no live @mention or HTML in Markdown, no control character on a terminal', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (name, app) => {
        const found = findDrift(input({ usages: [usage(name === 'crm_sales' ? 'x' : name, app)] }));
        // Inside the fenced commands the name stays as typed (GitHub links no mention in code).
        const md = renderDriftMarkdown({ ...report(found), target: `${name} @team` }).replace(/^(`{3,})text\n[\s\S]*?^\1$/gm, '');
        expect(unmentionedAts(md)).toEqual([]);
        expect(ownTagsOnly(md)).toEqual([]);
        // eslint-disable-next-line no-control-regex -- the property: no control character reaches the terminal
        expect(renderDriftText(report(found)).replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }),
    );
  });
});
