import { describe, expect, it } from 'vitest';
import { checkFreshness, type Now } from '../../src/apply/stale.js';
import type { Plan } from '../../src/model/plan.js';
import type { JournalEntry } from '../../src/targets/target.js';
import { connectorCreate, connectorSpec, lifecycle } from '../support/plans.js';

function plan(overrides: Partial<Plan> = {}): Plan {
  return {
    formatVersion: 2,
    authorizationsNeeded: [],
    target: 'local:.connectorops/local.db',
    base: { stateSerial: 7, stateDigest: 'sha256:aaaa' },
    source: { ref: null, commit: null, manifestDigest: 'sha256:mmmm' },
    actions: [connectorCreate('a1', 'crm'), lifecycle('a2', 'connector.markReady', 'crm', { dependsOn: ['a1'] }), lifecycle('a3', 'connector.disable', 'old')],
    revokedAuthorizations: [],
    impact: [],
    blocked: [],
    needsAuthorization: [],
    summary: { create: 1, update: 1, delete: 0, replace: 0, revokes: 0, blocked: 0 },
    warnings: [],
    ...overrides,
  };
}

const now = (o: Partial<Now> = {}): Now => ({ target: 'local:.connectorops/local.db', serial: 7, digest: 'sha256:aaaa', manifestDigest: 'sha256:mmmm', ...o });
const entry = (actionId: string, status: JournalEntry['status'], serial: number | null): JournalEntry => ({
  runId: 'run',
  actionId,
  op: 'x',
  linkName: 'y',
  status,
  serial,
  at: '2026-01-01T00:00:00Z',
});

describe('checkFreshness', () => {
  it('is fresh when the target, its serial and digest and the manifests are as planned', () => {
    expect(checkFreshness(plan(), now(), [])).toEqual({ kind: 'fresh' });
  });

  it('is stale when someone else changed the target (serial moved), with old → new', () => {
    const f = checkFreshness(plan(), now({ serial: 9, digest: 'sha256:bbbb' }), []);
    expect(f.kind).toBe('stale');
    if (f.kind !== 'stale') return;
    expect(f.reasons).toEqual([expect.objectContaining({ what: 'serial', from: '7', to: '9' })]);
    expect(f.reasons[0]!.message).toContain('serial 7 → 9');
  });

  it('is stale when the contents changed under the same serial (digest)', () => {
    const f = checkFreshness(plan(), now({ digest: 'sha256:cccc' }), []);
    expect(f.kind === 'stale' && f.reasons[0]!.what).toBe('digest');
  });

  it('is stale when the manifests changed, and says both digests', () => {
    const f = checkFreshness(plan(), now({ manifestDigest: 'sha256:nnnn' }), []);
    expect(f.kind === 'stale' && f.reasons.map((r) => [r.what, r.from, r.to])).toEqual([['manifests', 'sha256:mmmm', 'sha256:nnnn']]);
  });

  it('is stale for another target, whatever the journal says', () => {
    const f = checkFreshness(plan(), now({ target: 'local:/elsewhere.db' }), [entry('a1', 'done', 8)]);
    expect(f.kind === 'stale' && f.reasons.map((r) => r.what)).toEqual(['target']);
  });

  it("resumes when the serial moved only by this plan's own journaled actions", () => {
    const f = checkFreshness(plan(), now({ serial: 8, digest: 'sha256:dddd' }), [entry('a1', 'done', 8), entry('a2', 'pending', null)]);
    expect(f).toEqual({ kind: 'resume', done: new Set(['a1']), lastSerial: 8 });
  });

  it('is stale when someone changed the target after a partial run (serial past the journal)', () => {
    const f = checkFreshness(plan(), now({ serial: 9, digest: 'sha256:eeee' }), [entry('a1', 'done', 8)]);
    expect(f.kind).toBe('stale');
    if (f.kind === 'stale') expect(f.reasons[0]!.message).toMatch(/serial 7 → 9.*account for serial 8 only/);
  });

  it('is stale when the plan was already applied in full (a plan applied twice, terraform#24078)', () => {
    const journal = [entry('a1', 'done', 8), entry('a2', 'done', 9), entry('a3', 'done', 10)];
    const f = checkFreshness(plan(), now({ serial: 10, digest: 'sha256:ffff' }), journal);
    expect(f.kind === 'stale' && f.reasons.map((r) => r.what)).toEqual(['applied']);
  });

  it('does not resume when the manifests changed too', () => {
    const f = checkFreshness(plan(), now({ serial: 8, digest: 'sha256:dddd', manifestDigest: 'sha256:zzzz' }), [entry('a1', 'done', 8)]);
    expect(f.kind === 'stale' && f.reasons.map((r) => r.what)).toEqual(['manifests']);
  });

  it('ignores journal entries of actions the plan does not have', () => {
    const f = checkFreshness(plan(), now({ serial: 8, digest: 'sha256:dddd' }), [entry('a99', 'done', 8)]);
    expect(f.kind).toBe('stale');
  });

  it('treats a failed entry as not done', () => {
    const f = checkFreshness(plan(), now({ serial: 8, digest: 'sha256:dddd' }), [entry('a1', 'done', 8), entry('a2', 'failed', null)]);
    expect(f.kind === 'resume' && [...f.done]).toEqual(['a1']);
  });
});

describe("a plan file's secret references (issue 18, item 8)", () => {
  const withSecret = (fromEnv: string) => plan({ actions: [connectorCreate('a1', 'crm', connectorSpec({ secrets: { clientSecret: { fromEnv, fingerprint: null } } }))] });
  const refs = new Map([['crm', { clientSecret: { fromEnv: 'CRM_SECRET' } }]]);

  it('equal to the manifests: fresh', () => {
    expect(checkFreshness(withSecret('CRM_SECRET'), now({ secretRefs: refs }), [])).toEqual({ kind: 'fresh' });
  });

  it('a hand-edited one naming another variable (GITHUB_TOKEN) is stale, naming both', () => {
    const f = checkFreshness(withSecret('GITHUB_TOKEN'), now({ secretRefs: refs }), []);
    expect(f).toEqual({
      kind: 'stale',
      reasons: [
        {
          what: 'secret',
          from: 'GITHUB_TOKEN',
          to: 'CRM_SECRET',
          message: 'the plan reads GITHUB_TOKEN for clientSecret of connector "crm", but the manifests name CRM_SECRET',
        },
      ],
    });
  });

  it('a secret the manifests do not have is stale too', () => {
    const f = checkFreshness(withSecret('CRM_SECRET'), now({ secretRefs: new Map() }), []);
    expect(f.kind).toBe('stale');
  });
});
