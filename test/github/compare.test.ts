/**
 * `comparePlans`: what a pull request adds to and removes from the base branch's plan, by
 * op + linkName + changes for actions and by the revoked authorization for revocations.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlannedAction } from '../../src/model/actions.js';
import type { Plan, RevokedAuthorization } from '../../src/model/plan.js';
import { actionKey, comparePlans, comparisonLine, comparisonMarkdown, COMPARISON_ITEMS, isSameOutcome, revocationKey } from '../../src/github/compare.js';
import { connectionCreate, connectorUpdate, createPlan, HOSTILE, lifecycle, makePlan, rotationPlan } from '../support/plans.js';
import { unmentionedAts } from '../support/markdown-checks.js';

const revoke = (connection: string, account: string, cause = ['clientId']): RevokedAuthorization => ({
  connection,
  connector: 'crm',
  environment: 'all',
  account,
  cause,
  rule: 'R5',
});

describe('comparePlans', () => {
  it('finds nothing between a plan and itself, or a copy with other ids', () => {
    const plan = rotationPlan();
    expect(isSameOutcome(comparePlans(plan, plan))).toBe(true);
    const renumbered = { ...plan, actions: plan.actions.map((a, i) => ({ ...a, id: `a${i + 7}`, dependsOn: [] })) };
    expect(isSameOutcome(comparePlans(plan, renumbered))).toBe(true);
  });

  it('lists what the pull request adds and what it makes unnecessary', () => {
    const base = makePlan({
      actions: [lifecycle('a1', 'connection.disable', 'crm_sales', { changes: [{ path: 'enabled', from: true, to: false }] })],
      revokedAuthorizations: [revoke('crm_ops', 'carol')],
    });
    const head = makePlan({
      actions: [
        connectionCreate('a1', 'crm_x', { name: 'X', connector: 'crm', scopes: [] }),
        connectorUpdate('a2', 'crm', { name: 'CRM' }, { changes: [{ path: 'name', from: 'Acme CRM', to: 'CRM' }] }),
      ],
      revokedAuthorizations: [revoke('crm_sales', 'alice')],
    });
    const c = comparePlans(base, head);
    expect(c.added.actions.map((a) => `${a.op} ${a.linkName}`)).toEqual(['connection.create crm_x', 'connector.update crm']);
    expect(c.removed.actions.map((a) => `${a.op} ${a.linkName}`)).toEqual(['connection.disable crm_sales']);
    expect(c.added.revocations).toEqual([revoke('crm_sales', 'alice')]);
    expect(c.removed.revocations).toEqual([revoke('crm_ops', 'carol')]);
    expect(comparisonLine(c)).toBe('+2 actions, −1 action, 1 new revocation, 1 revocation no longer');
  });

  it('counts an action whose changes differ as one removed and one added', () => {
    const base = makePlan({ actions: [connectorUpdate('a1', 'crm', { name: 'B' }, { changes: [{ path: 'name', from: 'A', to: 'B' }] })] });
    const head = makePlan({ actions: [connectorUpdate('a1', 'crm', { name: 'C' }, { changes: [{ path: 'name', from: 'A', to: 'C' }] })] });
    const c = comparePlans(base, head);
    expect([c.added.actions.length, c.removed.actions.length]).toEqual([1, 1]);
  });

  it('treats a revocation with another cause as the same revocation: the same consent is lost', () => {
    const base = makePlan({ revokedAuthorizations: [revoke('crm_sales', 'alice', ['clientId'])] });
    const head = makePlan({ revokedAuthorizations: [revoke('crm_sales', 'alice', ['clientId', 'clientSecret'])] });
    expect(isSameOutcome(comparePlans(base, head))).toBe(true);
  });

  it('keys a revocation by environment and user as well (issue 19): stage and production are two authorizations, so are two users', () => {
    const at = (environment: RevokedAuthorization['environment'], user?: string): RevokedAuthorization => ({
      ...revoke('crm_sales', 'alice'),
      environment,
      ...(user !== undefined ? { user, everyUser: true as const, users: ['alice', 'bob'] } : {}),
    });
    // The base branch revokes alice's stage authorization; the pull request her production one too.
    const base = makePlan({ revokedAuthorizations: [at('stage')] });
    const head = makePlan({ revokedAuthorizations: [at('stage'), at('production')] });
    const c = comparePlans(base, head);
    expect(c.added.revocations).toEqual([at('production')]);
    expect(c.removed.revocations).toEqual([]);
    expect(comparisonMarkdown(c)).toContain('- added: revokes the authorization of crm\\_sales (account alice, production, connector crm)');
    // A logged-in user connection: each user's authorization is its own.
    const users = comparePlans(makePlan({ revokedAuthorizations: [at('all', 'alice')] }), makePlan({ revokedAuthorizations: [at('all', 'bob')] }));
    expect([users.added.revocations.length, users.removed.revocations.length]).toEqual([1, 1]);
    expect(comparisonMarkdown(users)).toContain('- added: revokes the authorization of crm\\_sales (user bob \\(alice\\), connector crm)');
  });

  it('compares as multisets', () => {
    const disable = lifecycle('a1', 'connection.disable', 'crm_sales');
    const base = makePlan({ actions: [disable] });
    const head = makePlan({ actions: [disable, { ...disable, id: 'a2' }] });
    expect(comparePlans(base, head).added.actions).toHaveLength(1);
    expect(comparePlans(head, base).removed.actions).toHaveLength(1);
  });
});

describe('comparisonMarkdown', () => {
  it('says so when the pull request changes nothing', () => {
    const plan = createPlan();
    expect(comparisonMarkdown(comparePlans(plan, plan))).toContain("The same actions and revocations as the base branch's plan");
  });

  it('has a heading, the counts and the items, escaped', () => {
    const head = makePlan({
      actions: [connectionCreate('a1', HOSTILE.html, { name: 'x', connector: 'crm', scopes: [] })],
      revokedAuthorizations: [revoke('crm_sales', '@org/team')],
    });
    const md = comparisonMarkdown(comparePlans(makePlan(), head));
    expect(md).toContain("#### Compared with the base branch's plan");
    expect(md).toContain('**+1 action, 1 new revocation**');
    expect(md).toContain('- added: create connection &lt;img src=x onerror=alert\\(1\\)&gt;');
    expect(md).not.toContain('<img');
    expect(unmentionedAts(md)).toEqual([]);
  });

  it(`lists at most ${COMPARISON_ITEMS} items, then how many more`, () => {
    const head = makePlan({ actions: Array.from({ length: 50 }, (_, i) => lifecycle(`a${i + 1}`, 'connection.delete', `c${i}`)) });
    const md = comparisonMarkdown(comparePlans(makePlan(), head));
    expect(md.split('\n').filter((l) => l.startsWith('- added:'))).toHaveLength(COMPARISON_ITEMS);
    expect(md).toContain(`- and ${50 - COMPARISON_ITEMS} more`);
  });
});

// ─── Properties ──────────────────────────────────────────────────────────────────────────────

type Bare = 'connector.enable' | 'connector.disable' | 'connection.disable' | 'connection.delete';
const OPS: ('connector.update' | Bare)[] = ['connector.update', 'connector.enable', 'connector.disable', 'connection.disable', 'connection.delete'];
/** Few link names and values, so that random plans share items often. */
const actionArb: fc.Arbitrary<PlannedAction> = fc
  .record({ op: fc.constantFrom(...OPS), link: fc.constantFrom('crm', 'erp', 'maps'), to: fc.constantFrom('A', 'B') })
  .map(({ op, link, to }) =>
    op === 'connector.update' ? connectorUpdate('a1', link, { name: to }, { changes: [{ path: 'name', from: 'Z', to }] }) : lifecycle('a1', op, link),
  );
const revocationArb = fc
  .record({
    c: fc.constantFrom('crm_sales', 'crm_ops'),
    a: fc.constantFrom('alice', 'bob'),
    cause: fc.constantFrom(['clientId'], ['replace']).map((c) => [...c]),
    environment: fc.constantFrom<RevokedAuthorization['environment']>('all', 'stage', 'production'),
    user: fc.option(fc.constantFrom('bob', 'carol'), { nil: undefined }),
  })
  .map(({ c, a, cause, environment, user }) => ({ ...revoke(c, a, cause), environment, ...(user !== undefined ? { user } : {}) }));
const planArb: fc.Arbitrary<Plan> = fc
  .record({ actions: fc.array(actionArb, { maxLength: 8 }), revoked: fc.array(revocationArb, { maxLength: 4 }) })
  .map(({ actions, revoked }) => makePlan({ actions: actions.map((a, i) => ({ ...a, id: `a${i + 1}` })), revokedAuthorizations: revoked }));

const keys = (actions: PlannedAction[]) => actions.map(actionKey).sort();

describe('comparePlans, properties', () => {
  it('is the mirror image of itself: what head adds, base removes', () => {
    fc.assert(
      fc.property(planArb, planArb, (base, head) => {
        const there = comparePlans(base, head);
        const back = comparePlans(head, base);
        expect(back.removed).toEqual(there.added);
        expect(back.added).toEqual(there.removed);
      }),
    );
  });

  it('accounts for every item: |head| − |base| = added − removed, and added ⊆ head, removed ⊆ base', () => {
    fc.assert(
      fc.property(planArb, planArb, (base, head) => {
        const c = comparePlans(base, head);
        expect(head.actions.length - base.actions.length).toBe(c.added.actions.length - c.removed.actions.length);
        expect(head.revokedAuthorizations.length - base.revokedAuthorizations.length).toBe(c.added.revocations.length - c.removed.revocations.length);
        for (const a of c.added.actions) expect(head.actions).toContain(a);
        for (const a of c.removed.actions) expect(base.actions).toContain(a);
        for (const r of c.added.revocations) expect(head.revokedAuthorizations).toContain(r);
        // Nothing is both added and removed.
        const removed = new Set(c.removed.actions.map(actionKey));
        for (const a of c.added.actions) expect(removed.has(actionKey(a))).toBe(false);
        const gone = new Set(c.removed.revocations.map(revocationKey));
        for (const r of c.added.revocations) expect(gone.has(revocationKey(r))).toBe(false);
      }),
    );
  });

  it('does not depend on the order of either plan', () => {
    fc.assert(
      fc.property(planArb, planArb, fc.integer(), (base, head, seed) => {
        const shuffled = { ...base, actions: [...base.actions].sort((a, b) => ((actionKey(a).length * seed) % 7) - ((actionKey(b).length * seed) % 7)).reverse() };
        const c1 = comparePlans(base, head);
        const c2 = comparePlans(shuffled, head);
        expect(keys(c2.added.actions)).toEqual(keys(c1.added.actions));
        expect(keys(c2.removed.actions)).toEqual(keys(c1.removed.actions));
      }),
    );
  });

  it('finds no difference exactly when the plans hold the same items', () => {
    fc.assert(
      fc.property(planArb, planArb, (base, head) => {
        const same =
          JSON.stringify(keys(base.actions)) === JSON.stringify(keys(head.actions)) &&
          JSON.stringify(base.revokedAuthorizations.map(revocationKey).sort()) === JSON.stringify(head.revokedAuthorizations.map(revocationKey).sort());
        expect(isSameOutcome(comparePlans(base, head))).toBe(same);
      }),
    );
  });
});
