/**
 * The drift issue's body, pure (src/github/drift-issue.ts): its marker first, the findings' keys
 * read back as written whatever the names hold, and GitHub's size limit kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingKey, type DriftFinding, type DriftReport } from '../../src/drift/findings.js';
import { driftBody, driftMarker, driftTitle, recordedKeys } from '../../src/github/drift-issue.js';

function report(findings: DriftFinding[], target = 'production'): DriftReport {
  return { target, dir: null, ref: 'HEAD', commit: null, checkedAt: '2026-12-07T00:00:00.000Z', staleAfterDays: 7, findings, diagnostics: [], warnings: [] };
}
const unknown = (connection: string): DriftFinding => ({
  kind: 'unknown-connection',
  connection,
  usages: [{ app: 'Orders', component: 'function:f', file: 'a.ds', line: 1, col: 1 }],
});

describe('the drift issue body', () => {
  it('starts with the target marker and records every finding key, whatever the names hold (even "-->")', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { maxLength: 8 }), fc.string({ minLength: 1 }), (names, target) => {
        const r = report(names.map(unknown), target);
        const body = driftBody(r);
        expect(body.split('\n')[0]).toBe(driftMarker(target));
        expect(recordedKeys(body)).toEqual(r.findings.map(findingKey));
        expect(driftTitle(r)).not.toMatch(/\n/);
      }),
    );
  });

  it('stays within the limit, keeping the marker and the keys, with a note when cut', () => {
    const r = report(Array.from({ length: 400 }, (_, i) => unknown(`connection_${i}_${'x'.repeat(100)}`)));
    const body = driftBody(r, 20_000);
    expect(body.length).toBeLessThanOrEqual(20_000);
    expect(body).toContain('_(cut: too long for one GitHub issue; `connectorops drift` prints all of it)_');
    // Too many keys for the body: the count stands for them.
    expect(recordedKeys(body)).toEqual(['count:400']);
    expect(body.split('\n')[0]).toBe(driftMarker('production'));
  });
});
