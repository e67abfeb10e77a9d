import { describe, expect, it } from 'vitest';
import { SENSITIVE } from '../../src/model/actions.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { blockedPlan, connectorUpdate, createPlan, disablePlan, fingerprint, makePlan, replacePlan, rotationPlan } from '../support/plans.js';

const json = (plan = createPlan()) => renderPlan(plan, 'json', { color: true });

describe('json', () => {
  it('is 2-space JSON with a trailing newline', () => {
    const out = json();
    expect(out.endsWith('}\n')).toBe(true);
    expect(out.split('\n')[1]).toBe('  "formatVersion": 2,');
  });

  it("keeps the contract's key order, extra fields last", () => {
    const doc = JSON.parse(json(rotationPlan()));
    expect(Object.keys(doc)).toEqual([
      'formatVersion',
      'target',
      'base',
      'source',
      'actions',
      'revokedAuthorizations',
      'impact',
      'blocked',
      'needsAuthorization',
      'summary',
      'authorizationsNeeded',
      'warnings',
    ]);
    expect(Object.keys(doc.base)).toEqual(['stateSerial', 'stateDigest']);
    expect(Object.keys(doc.source)).toEqual(['ref', 'commit', 'manifestDigest']);
    expect(Object.keys(doc.summary)).toEqual(['create', 'update', 'delete', 'replace', 'revokes', 'blocked']);
    expect(Object.keys(doc.actions[0])).toEqual(['id', 'op', 'kind', 'linkName', 'dependsOn', 'rules', 'replace', 'changes', 'set']);
    expect(Object.keys(doc.revokedAuthorizations[0])).toEqual(['connection', 'connector', 'environment', 'account', 'cause', 'rule']);
  });

  it('orders keys the same whatever order the plan object was built in', () => {
    const plan = disablePlan();
    const shuffled = Object.fromEntries(Object.entries(plan).reverse()) as typeof plan;
    expect(json(shuffled)).toBe(json(plan));
    const out = JSON.parse(json(plan));
    expect(Object.keys(out.impact[0])).toEqual(['connection', 'usages', 'rule']);
    expect(Object.keys(out.impact[0].usages[0])).toEqual(['app', 'component', 'kind']);
  });

  it('round-trips: parsing it gives the plan back', () => {
    for (const plan of [createPlan(), rotationPlan(), replacePlan(), blockedPlan(), disablePlan()]) {
      expect(JSON.parse(json(plan))).toEqual(JSON.parse(JSON.stringify(plan)));
    }
  });

  it('keeps payloads for apply, with secrets only as {fromEnv, fingerprint}', () => {
    const doc = JSON.parse(json(rotationPlan()));
    expect(doc.actions[0].set.secrets).toEqual({ clientSecret: { fromEnv: 'CRM_CLIENT_SECRET', fingerprint: fingerprint('crm-secret-2') } });
    expect(doc.actions[0].changes[1]).toEqual({ path: 'authentication.clientSecret', from: '(sensitive)', to: '(sensitive, changed)' });
    expect(JSON.parse(json(createPlan())).actions[0].spec.authentication.clientId).toBe('1000.ABCDEF');
  });

  it('drops anything but fromEnv and fingerprint from a secret, and masks a secret change (S2)', () => {
    const plan = makePlan({
      actions: [
        connectorUpdate(
          'a1',
          'crm',
          { secrets: { clientSecret: { fromEnv: 'CRM_CLIENT_SECRET', fingerprint: 'fp-long-enough', value: 'hunter2' } as never } },
          { changes: [{ path: 'authentication.clientSecret', from: 'old-secret-value', to: { fromEnv: 'X', value: 'hunter2' } }] },
        ),
      ],
    });
    const out = json(plan);
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('old-secret-value');
    expect(JSON.parse(out).actions[0].changes[0]).toEqual({ path: 'authentication.clientSecret', from: SENSITIVE, to: SENSITIVE });
  });

  it('writes from and to as null when a change omits them', () => {
    const plan = makePlan({ actions: [connectorUpdate('a1', 'crm', { description: 'x' }, { changes: [{ path: 'description', from: undefined, to: 'x' }] })] });
    expect(JSON.parse(json(plan)).actions[0].changes[0]).toEqual({ path: 'description', from: null, to: 'x' });
  });
});
