import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/apply/executor.js';
import { formatDuration, formatSummary, lineProgress, ttyProgress } from '../../src/apply/progress.js';
import type { Plan } from '../../src/model/plan.js';
import { state } from '../support/builders.js';
import { connectionCreate, connectorCreate, lifecycle } from '../support/plans.js';

const a1 = connectorCreate('a1', 'crm');
const a2 = lifecycle('a2', 'connector.markReady', 'crm', { dependsOn: ['a1'] });
const a3 = connectionCreate('a3', 'crm_sales', { name: 'CRM', connector: 'crm', scopes: [] }, { dependsOn: ['a2'] });
const a4 = lifecycle('a4', 'connection.disable', 'crm_old');

function sink(isTTY = false) {
  let text = '';
  return { isTTY, write: (t: string) => (text += t), text: () => text };
}

const plan: Plan = {
  formatVersion: 2,
  authorizationsNeeded: [],
  target: 'local:x.db',
  base: { stateSerial: 1, stateDigest: 'sha256:a' },
  source: { ref: null, commit: null, manifestDigest: 'sha256:m' },
  actions: [a1, a2, a3, a4],
  revokedAuthorizations: [{ connection: 'crm_support', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientId'], rule: 'R5' }],
  impact: [],
  blocked: [],
  needsAuthorization: ['crm_sales', 'crm_support'],
  summary: { create: 2, update: 1, delete: 0, replace: 0, revokes: 1, blocked: 0 },
  warnings: [],
};

describe('progress', () => {
  it('formats durations for people', () => {
    expect(formatDuration(0.42)).toBe('0.4ms');
    expect(formatDuration(12.4)).toBe('12ms');
    expect(formatDuration(3200)).toBe('3.2s');
    expect(formatDuration(125_000)).toBe('2m05s');
  });

  it('in CI writes one line per finished action, with its duration and the rule of a failure', () => {
    const out = sink();
    const p = lineProgress(out);
    p.onEvent({ type: 'skipped', action: a1 });
    p.onEvent({ type: 'start', action: a4, started: 2, total: 4 });
    p.onEvent({ type: 'done', action: a4, ms: 12, revoked: [], confirmed: false });
    p.onEvent({ type: 'failed', action: a2, ms: 3, error: "disabled connector 'crm' cannot be marked ready", rule: 'R7' });
    expect(out.text()).toBe(
      '↷ a1 connector.create crm (done by an earlier run of this plan)\n' +
        '✓ a4 connection.disable crm_old (12ms)\n' +
        "✗ a2 connector.markReady crm R7: disabled connector 'crm' cannot be marked ready (3.0ms)\n",
    );
  });

  it('on a terminal rewrites one live line with \\r, and clears it at the end', () => {
    const out = sink(true);
    let clock = 0;
    const p = ttyProgress(out, () => clock);
    p.onEvent({ type: 'start', action: a1, started: 1, total: 4 });
    clock = 3200;
    p.onEvent({ type: 'done', action: a1, ms: 3200, revoked: [], confirmed: false });
    p.onEvent({ type: 'start', action: a2, started: 2, total: 4 });
    p.stop();
    const text = out.text();
    expect(text).toContain('\r[1/4] connector.create crm … 0.0ms');
    expect(text).toContain('\r[2/4] connector.markReady crm … 0.0ms');
    expect(text).not.toContain('\n');
    expect(text.endsWith('\r')).toBe(true);
  });

  it('summarises done / failed / not started, then who needs authorization and what was revoked', () => {
    const result: ExecutionResult = {
      runId: 'sha256:0123456789abcdef',
      total: 4,
      done: [
        { action: a1, ms: 5, serial: 2, revoked: [], how: 'executed' },
        { action: a4, ms: 1, serial: 3, revoked: [], how: 'journal' },
      ],
      failed: [{ action: a2, ms: 3, error: "R7: disabled connector 'crm' cannot be marked ready", rule: 'R7', hint: "enable connector 'crm' first" }],
      notStarted: [{ action: a3, reason: { kind: 'dependency-failed', failed: 'a2', via: 'a2' } }],
      cancelled: false,
      revoked: [],
    };
    const after = state().connector('crm').connection('crm_support', 'crm').build();
    const text = formatSummary(result, plan, after);
    expect(text).toContain('Apply failed: 2 done (1 by an earlier run), 1 failed, 1 not started (of 4 actions; run 0123456789ab).');
    expect(text).toContain("  ✗ a2 connector.markReady crm: R7: disabled connector 'crm' cannot be marked ready\n      hint: enable connector 'crm' first");
    expect(text).toContain('  - a3 connection.create crm_sales (depends on a2, which failed)');
    expect(text).toContain('  ✓ a4 connection.disable crm_old (earlier run)');
    // crm_sales was never created: it needs no authorization. crm_support lost alice (an earlier run did it).
    expect(text).toMatch(/need authorization[^\n]*\n {2}- crm_support\n/);
    expect(text).not.toMatch(/- crm_sales\n/);
    expect(text).toContain('  - crm_support (account alice) of connector crm: clientId changed (R5)');
  });

  it('lists a connection authorized in one environment that still lacks another the plan named (issue 19)', () => {
    const result: ExecutionResult = { runId: 'sha256:0123456789abcdef', total: 0, done: [], failed: [], notStarted: [], cancelled: false, revoked: [] };
    const partly: Plan = {
      ...plan,
      actions: [],
      revokedAuthorizations: [],
      needsAuthorization: ['crm_sales', 'crm_support'],
      authorizationsNeeded: [
        { connection: 'crm_sales', environment: 'stage' },
        { connection: 'crm_support', environment: 'stage' },
      ],
    };
    const separate = { sameAuthorizationForAllEnvironments: false } as const;
    const after = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { ...separate, authorizations: [{ environment: 'production', account: 'alice' }] })
      .connection('crm_support', 'crm', { ...separate, authorizations: [{ environment: 'stage', account: 'bob' }] })
      .build();
    const text = formatSummary(result, partly, after);
    // crm_sales is authorized in production only: stage is still owed. crm_support got its stage one.
    expect(text).toMatch(/need authorization[^\n]*\n {2}- crm_sales\n/);
    expect(text).not.toMatch(/- crm_support\n/);
  });
});
