/**
 * The linkName-change detection (R12) is indexed (src/plan/renames.ts, issue 25); the simple
 * version it replaced is kept here as the oracle, and a property checks that both match the same
 * dropped connections to the same created ones, on small random inputs where names and
 * connectors collide often.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchLinkNameChanges, type NamedConnection } from '../../src/plan/renames.js';

/** The planner's rename detection before issue 25, as it was (a scan of both lists per dropped connection). */
function simpleLinkNameChanges(gone: readonly NamedConnection[], created: readonly NamedConnection[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!created.length) return out;
  const taken = new Set<string>();
  for (const cur of gone) {
    const same = created.find((x) => !taken.has(x.linkName) && x.connector === cur.connector && x.name === cur.name);
    if (same) {
      out.set(cur.linkName, same.linkName);
      taken.add(same.linkName);
    }
  }
  for (const cur of gone) {
    if (out.has(cur.linkName)) continue;
    const others = gone.filter((g) => g.connector === cur.connector && !out.has(g.linkName));
    const fresh = created.filter((x) => x.connector === cur.connector && !taken.has(x.linkName));
    if (others.length === 1 && fresh.length === 1) {
      out.set(cur.linkName, fresh[0]!.linkName);
      taken.add(fresh[0]!.linkName);
    }
  }
  return out;
}

/** Connections with unique link names (prefixed), over a few connectors and names so that they collide. */
const connections = (prefix: string) =>
  fc
    .uniqueArray(fc.record({ id: fc.nat(30), connector: fc.constantFrom('crm', 'erp', 'hr'), name: fc.constantFrom('A', 'B', 'C', 'D') }), {
      selector: (r) => r.id,
      maxLength: 12,
    })
    .map((rs) => rs.map((r) => ({ linkName: `${prefix}${r.id}`, connector: r.connector, name: r.name })));

describe('linkName changes (R12)', () => {
  it('the indexed detection matches exactly what the simple one matched, in the same order', () => {
    fc.assert(
      fc.property(connections('old'), connections('new'), (gone, created) => {
        expect([...matchLinkNameChanges(gone, created)]).toEqual([...simpleLinkNameChanges(gone, created)]);
      }),
      { numRuns: 2000 },
    );
  });

  it('the same connector and name first, then the only one dropped and the only one created under a connector', () => {
    const c = (linkName: string, connector: string, name: string) => ({ linkName, connector, name });
    expect([...matchLinkNameChanges([c('a', 'crm', 'Sales'), c('b', 'erp', 'Ops')], [c('x', 'erp', 'Other'), c('y', 'crm', 'Sales')])]).toEqual([
      ['a', 'y'],
      ['b', 'x'],
    ]);
    // Two dropped under one connector, one created with neither's name: which one it replaces cannot be told.
    expect(matchLinkNameChanges([c('a', 'crm', 'A'), c('b', 'crm', 'B')], [c('x', 'crm', 'X')]).size).toBe(0);
  });
});
