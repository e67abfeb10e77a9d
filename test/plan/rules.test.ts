/**
 * Every rule-driven edge and consequence of the planner, one test (or a few) per rule id of
 * docs/rules.md. Each builds a current state and a desired state, plans, and checks the
 * actions, their order (dependsOn) and what the plan says about consequences.
 */
import { describe, expect, it } from 'vitest';
import { SENSITIVE, SENSITIVE_CHANGED, SENSITIVE_NOT_RECORDED } from '../../src/model/actions.js';
import type { Authentication } from '../../src/model/types.js';
import { oauth2, state } from '../support/builders.js';
import { action, dependsOnTransitively, desired, desiredOf, ops, planFor } from '../support/desired.js';

const alice = [{ environment: 'all' as const, account: 'alice' }];
const bob = [{ environment: 'all' as const, account: 'bob' }];

function before(plan: ReturnType<typeof planFor>, first: [string, string], then: [string, string]): boolean {
  return dependsOnTransitively(plan, action(plan, ...then).id, action(plan, ...first).id);
}

describe('no change', () => {
  it('plans nothing when the target already is the desired state', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { scopes: ['contacts.read'], authorizations: alice })
      .build();
    const plan = planFor(current, desiredOf(current));
    expect(plan.actions).toEqual([]);
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, replace: 0, revokes: 0, blocked: 0 });
    expect(plan.warnings).toEqual([]);
  });

  it('treats scopes as sets: reordering them is no change (R4 and R13 do not apply)', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { scopes: ['contacts.read', 'contacts.write'], authorizations: alice })
      .build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.authentication = oauth2({ scopes: ['contacts.write', 'contacts.read'] });
    want.connections.get('crm_sales')!.scopes = ['contacts.write', 'contacts.read'];
    expect(planFor(current, want).actions).toEqual([]);
  });
});

describe('connector lifecycle', () => {
  it('R1: a new connector is created (draft, enabled), then marked ready', () => {
    const plan = planFor(state().build(), desired().connector('crm').build());
    expect(ops(plan)).toEqual(['connector.create crm', 'connector.markReady crm']);
    const create = action(plan, 'connector.create', 'crm');
    expect(create.changes).toContainEqual({ path: 'stage', from: null, to: 'draft' });
    expect(create.changes).toContainEqual({ path: 'enabled', from: null, to: true });
    expect(create.changes.every((c) => c.from === null)).toBe(true);
    expect(action(plan, 'connector.markReady', 'crm').dependsOn).toEqual([create.id]);
    expect(action(plan, 'connector.markReady', 'crm').rules).toContain('R1');
    expect(plan.summary.create).toBe(1);
  });

  it('R1: a new draft connector that should be disabled is created, then disabled', () => {
    const plan = planFor(state().build(), desired().connector('crm', { stage: 'draft', enabled: false }).build());
    expect(ops(plan)).toEqual(['connector.create crm', 'connector.disable crm']);
    expect(action(plan, 'connector.disable', 'crm').dependsOn).toEqual([action(plan, 'connector.create', 'crm').id]);
  });

  it('R2: marking ready comes after the update that sets the mandatory parameters (R2a)', () => {
    const current = state()
      .connector('crm', { stage: 'draft', authentication: oauth2({ clientId: undefined }) })
      .build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.stage = 'ready';
    want.connectors.get('crm')!.authentication = oauth2();
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connector.update crm', 'connector.markReady crm']);
    const ready = action(plan, 'connector.markReady', 'crm');
    expect(ready.dependsOn).toEqual([action(plan, 'connector.update', 'crm').id]);
    expect(ready.rules).toEqual(expect.arrayContaining(['R2', 'R2a']));
    expect(ready.changes).toEqual([{ path: 'stage', from: 'draft', to: 'ready' }]);
  });

  it('R2: ready → draft has no way back: replacement, blocked without --allow-replace', () => {
    const current = state().connector('crm').build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.stage = 'draft';
    const plan = planFor(current, want);
    expect(plan.actions).toEqual([]);
    expect(plan.blocked).toEqual([expect.objectContaining({ kind: 'Connector', linkName: 'crm', rule: 'R10' })]);
    expect(plan.blocked[0]!.message).toMatch(/no way back to draft \(R2\)/);
    expect(plan.blocked[0]!.hint).toMatch(/--allow-replace/);

    const allowed = planFor(current, want, { allowReplace: true });
    expect(ops(allowed)).toEqual(['connector.delete crm', 'connector.create crm']);
    expect(allowed.actions.every((a) => a.replace)).toBe(true);
    expect(action(allowed, 'connector.create', 'crm').rules).toEqual(expect.arrayContaining(['R2', 'R10']));
    expect(action(allowed, 'connector.create', 'crm').reason).toMatch(/no way back to draft/);
    expect(allowed.summary.replace).toBe(1);
  });

  it('R2b, R7: a disabled draft connector that should become ready is enabled, marked ready, and disabled again', () => {
    const current = state().connector('crm', { stage: 'draft', enabled: false }).build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.stage = 'ready';
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connector.enable crm', 'connector.markReady crm', 'connector.disable crm']);
    expect(before(plan, ['connector.enable', 'crm'], ['connector.markReady', 'crm'])).toBe(true);
    expect(before(plan, ['connector.markReady', 'crm'], ['connector.disable', 'crm'])).toBe(true);
    expect(action(plan, 'connector.enable', 'crm').reason).toMatch(/R7/);
    expect(action(plan, 'connector.markReady', 'crm').rules).toEqual(expect.arrayContaining(['R2b', 'R7']));
    // Only the stage changed: the connector counts once, as an update.
    expect(plan.summary).toMatchObject({ update: 1, create: 0 });
  });

  it('R3: in draft, a type change is one update that sets every parameter of the new type, secrets included', () => {
    const current = state()
      .connector('pay', { stage: 'draft', authentication: { type: 'apiKey', parameters: [{ parameterKey: 'key' }] } })
      .build();
    const want = desired().connector('pay', { stage: 'draft' }).build();
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connector.update pay']);
    const update = action(plan, 'connector.update', 'pay');
    expect(update.rules).toContain('R3');
    expect(update.op === 'connector.update' && update.set.authentication?.type).toBe('oauth2');
    expect(update.op === 'connector.update' && update.set.secrets?.clientSecret).toEqual({ fromEnv: 'PAY_CLIENT_SECRET', fingerprint: 'fp-pay' });
    expect(update.changes).toContainEqual({ path: 'authentication.type', from: 'apiKey', to: 'oauth2' });
    expect(update.changes).toContainEqual({ path: 'authentication.parameterKey', from: 'key', to: null });
    expect(update.changes).toContainEqual({ path: 'authentication.clientSecret', from: null, to: SENSITIVE });
  });

  it('R3: a type change on a ready connector forces replacement; with --allow-replace, delete then create', () => {
    const current = state().connector('crm').build();
    const want = desired()
      .connector('crm', { authentication: { type: 'basic' } })
      .build();
    const blocked = planFor(current, want);
    expect(blocked.blocked.map((b) => b.rule)).toEqual(['R10']);
    expect(blocked.blocked[0]!.message).toMatch(/oauth2 → basic\) \(R3\)/);
    const plan = planFor(current, want, { allowReplace: true });
    expect(ops(plan)).toEqual(['connector.delete crm', 'connector.create crm', 'connector.markReady crm']);
    expect(action(plan, 'connector.create', 'crm').dependsOn).toEqual([action(plan, 'connector.delete', 'crm').id]);
    expect(action(plan, 'connector.create', 'crm').rules).toEqual(expect.arrayContaining(['R3', 'R10']));
  });

  it('R4: removing a scope of a ready connector forces replacement', () => {
    const current = state().connector('crm').build();
    const want = desired()
      .connector('crm', { authentication: oauth2({ scopes: ['contacts.read'] }) })
      .build();
    const plan = planFor(current, want);
    expect(plan.blocked).toHaveLength(1);
    expect(plan.blocked[0]!.message).toMatch(/removed: contacts\.write\) \(R4\)/);
    expect(ops(planFor(current, want, { allowReplace: true }))).toEqual(['connector.delete crm', 'connector.create crm', 'connector.markReady crm']);
  });

  it('R4: in draft, scopes may be removed in place', () => {
    const current = state().connector('crm', { stage: 'draft' }).build();
    const want = desired()
      .connector('crm', { stage: 'draft', authentication: oauth2({ scopes: ['contacts.read'] }) })
      .build();
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connector.update crm']);
    expect(plan.blocked).toEqual([]);
  });

  it('R4: adding a scope is in place, and the connections that ask for it wait for the update', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { scopes: ['contacts.read'] })
      .build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.authentication = oauth2({ scopes: ['contacts.read', 'contacts.write', 'deals.read'] });
    want.connections.get('crm_sales')!.scopes = ['contacts.read', 'deals.read'];
    desiredAdd(want, 'crm_new', 'crm', ['deals.read']);
    const plan = planFor(current, want);
    const update = action(plan, 'connector.update', 'crm');
    expect(update.changes).toEqual([{ path: 'authentication.scopes', from: ['contacts.read', 'contacts.write'], to: ['contacts.read', 'contacts.write', 'deals.read'] }]);
    expect(action(plan, 'connection.update', 'crm_sales').dependsOn).toEqual([update.id]);
    expect(action(plan, 'connection.create', 'crm_new').dependsOn).toEqual([update.id]);
    expect(action(plan, 'connection.create', 'crm_new').rules).toContain('R4');
  });
});

function desiredAdd(want: ReturnType<typeof desiredOf>, linkName: string, connector: string, scopes: string[], enabled = true): void {
  want.connections.set(linkName, {
    linkName,
    name: `Connection ${linkName}`,
    connector,
    enabled,
    scopes,
    authorizationOwner: 'admin',
    sameAuthorizationForAllEnvironments: true,
    source: { file: 'x.yaml', line: 1, col: 1 },
  });
}

describe('R5: revoking parameters', () => {
  const revokingCase = (auth: Authentication, change: (a: Authentication) => Authentication, cause: string) => {
    const current = state()
      .connector('svc', { authentication: auth })
      .connection('svc_a', 'svc', { authorizations: alice })
      .connection('svc_b', 'svc', { authorizations: [] })
      .build();
    const want = desiredOf(current);
    want.connectors.get('svc')!.authentication = change(structuredClone(auth));
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connector.update svc']);
    // Only the authorized connection is revoked (R5: unauthorized ones are not affected); both need
    // authorization after apply, the one that was unauthorized already too (issue 24).
    expect(plan.revokedAuthorizations).toEqual([{ connection: 'svc_a', connector: 'svc', environment: 'all', account: 'alice', cause: [cause], rule: 'R5' }]);
    expect(plan.needsAuthorization).toEqual(['svc_a', 'svc_b']);
    expect(plan.summary.revokes).toBe(1);
    expect(action(plan, 'connector.update', 'svc').rules).toContain('R5');
  };

  it('R5 oauth2 clientId revokes the authorized connections', () => {
    revokingCase(oauth2(), (a) => ({ ...(a as Extract<Authentication, { type: 'oauth2' }>), clientId: '1000.OTHER' }), 'clientId');
  });

  it('R5 oauth2 grantType revokes the authorized connections', () => {
    revokingCase(oauth2(), (a) => ({ ...(a as Extract<Authentication, { type: 'oauth2' }>), grantType: 'client_credentials' }), 'grantType');
  });

  it('R5 oauth1 consumerKey revokes the authorized connections', () => {
    const oauth1: Authentication = { type: 'oauth1', consumerKey: 'k1', requestTokenUrl: 'https://x/r', authorizeUrl: 'https://x/a', accessTokenUrl: 'https://x/t' };
    revokingCase(oauth1, (a) => ({ ...(a as Extract<Authentication, { type: 'oauth1' }>), consumerKey: 'k2' }), 'consumerKey');
  });

  it('R5 apiKey parameterKey revokes the authorized connections', () => {
    revokingCase({ type: 'apiKey', parameters: [{ parameterKey: 'key' }] }, () => ({ type: 'apiKey', parameters: [{ parameterKey: 'X-Key' }] }), 'parameterKey');
  });

  it('R5 oauth2 clientSecret: a changed fingerprint is a revoking change, shown only as markers', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm', { authorizations: alice }).build();
    const plan = planFor(current, desiredOf(current), { fingerprints: { crm: 'fp-crm-rotated' } });
    const update = action(plan, 'connector.update', 'crm');
    expect(update.changes).toEqual([{ path: 'authentication.clientSecret', from: SENSITIVE, to: SENSITIVE_CHANGED }]);
    expect(update.op === 'connector.update' && update.set).toEqual({ secrets: { clientSecret: { fromEnv: 'CRM_CLIENT_SECRET', fingerprint: 'fp-crm-rotated' } } });
    expect(plan.revokedAuthorizations).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientSecret'], rule: 'R5' },
    ]);
  });

  it('R5 oauth1 consumerSecret: a changed fingerprint is a revoking change', () => {
    const oauth1: Authentication = { type: 'oauth1', consumerKey: 'k1', requestTokenUrl: 'https://x/r', authorizeUrl: 'https://x/a', accessTokenUrl: 'https://x/t' };
    const current = state().connector('erp', { authentication: oauth1 }).connection('erp_sync', 'erp', { authorizations: bob }).build();
    const plan = planFor(current, desiredOf(current), { fingerprints: { erp: 'fp-erp-2' } });
    expect(action(plan, 'connector.update', 'erp').changes).toEqual([{ path: 'authentication.consumerSecret', from: SENSITIVE, to: SENSITIVE_CHANGED }]);
    expect(plan.revokedAuthorizations).toEqual([{ connection: 'erp_sync', connector: 'erp', environment: 'all', account: 'bob', cause: ['consumerSecret'], rule: 'R5' }]);
  });

  it('R5: a parameter that is not revoking (authorizeUrl) revokes nothing', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm', { authorizations: alice }).build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.authentication = oauth2({ authorizeUrl: 'https://accounts.example.com/v2/authorize' });
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connector.update crm']);
    expect(plan.revokedAuthorizations).toEqual([]);
    expect(plan.needsAuthorization).toEqual([]);
  });

  it('R5: a secret the target has no fingerprint of is adopted: recorded, with a warning, revoking nothing', () => {
    const current = state().connector('crm', { secretFingerprints: {} }).connection('crm_sales', 'crm', { authorizations: alice }).build();
    const plan = planFor(current, desiredOf(current));
    const update = action(plan, 'connector.update', 'crm');
    expect(update.changes).toEqual([{ path: 'authentication.clientSecret', from: SENSITIVE_NOT_RECORDED, to: SENSITIVE }]);
    expect(plan.revokedAuthorizations).toEqual([]);
    expect(plan.warnings).toEqual([expect.objectContaining({ code: 'secret-adopted', linkName: 'crm' })]);
  });

  it('R5: a fingerprint made under another key (foreign) is adopted, not a change', () => {
    const current = state()
      .connector('crm', { secretFingerprints: { clientSecret: 'hmac-sha256:aaaa1111:abcdefgh' } })
      .connection('crm_sales', 'crm', { authorizations: alice })
      .build();
    const plan = planFor(current, desiredOf(current), { fingerprints: { crm: 'hmac-sha256:bbbb2222:zyxwvuts' } });
    expect(action(plan, 'connector.update', 'crm').changes[0]).toMatchObject({ from: SENSITIVE_NOT_RECORDED });
    expect(plan.revokedAuthorizations).toEqual([]);
  });

  it('R5: an unset env var leaves the secret as it is, with a warning, and revokes nothing', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm', { authorizations: alice }).build();
    const plan = planFor(current, desiredOf(current), { fingerprints: { crm: null } });
    expect(plan.actions).toEqual([]);
    expect(plan.warnings).toEqual([
      {
        code: 'secret-unset',
        kind: 'Connector',
        linkName: 'crm',
        message: "CRM_CLIENT_SECRET is not set: the clientSecret of 'crm' is assumed unchanged; set it to detect a rotation (R5)",
      },
    ]);
  });

  it('R5: an unset env var still plans a create, sending the secret apply will read', () => {
    const plan = planFor(state().build(), desired().connector('crm').build(), { fingerprints: { crm: null } });
    const create = action(plan, 'connector.create', 'crm');
    expect(create.changes).toContainEqual({ path: 'authentication.clientSecret', from: null, to: SENSITIVE });
    expect(create.op === 'connector.create' && create.spec.secrets).toEqual({ clientSecret: { fromEnv: 'CRM_CLIENT_SECRET', fingerprint: null } });
    expect(plan.warnings[0]!.message).toMatch(/CRM_CLIENT_SECRET is not set.*apply needs CRM_CLIENT_SECRET/);
  });

  it('R5: a draft whose secret was never recorded, becoming ready with its env var unset, still sends it (R2a needs it)', () => {
    const current = state().connector('crm', { stage: 'draft', secretFingerprints: {} }).build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.stage = 'ready';
    const plan = planFor(current, want, { fingerprints: { crm: null } });
    expect(ops(plan)).toEqual(['connector.update crm', 'connector.markReady crm']);
    expect(plan.warnings[0]!.message).toMatch(/apply needs/);
  });

  it('R5 + R13: one entry per connection, with the causes merged', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { scopes: ['contacts.read'], authorizations: alice })
      .build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.authentication = oauth2({ clientId: 'other' });
    want.connections.get('crm_sales')!.scopes = ['contacts.write'];
    const plan = planFor(current, want, { fingerprints: { crm: 'fp-crm-2' } });
    expect(plan.revokedAuthorizations).toHaveLength(1);
    expect(plan.revokedAuthorizations[0]!.cause).toEqual(expect.arrayContaining(['clientId', 'clientSecret', 'scopes']));
  });
});

describe('connections', () => {
  it('R6: a connection of a new connector is created after the connector is marked ready', () => {
    const plan = planFor(
      state().build(),
      desired()
        .connector('crm')
        .connection('crm_sales', 'crm', { scopes: ['contacts.read'] })
        .build(),
    );
    expect(ops(plan)).toEqual(['connector.create crm', 'connector.markReady crm', 'connection.create crm_sales']);
    const create = action(plan, 'connection.create', 'crm_sales');
    expect(create.dependsOn).toEqual([action(plan, 'connector.markReady', 'crm').id]);
    expect(create.rules).toEqual(expect.arrayContaining(['R6', 'R11']));
  });

  it('R7: a new connection of a connector that is and stays disabled: enable, create, disable connection, disable connector', () => {
    const current = state().connector('erp', { enabled: false }).build();
    const want = desiredOf(current);
    desiredAdd(want, 'erp_sync', 'erp', [], false);
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connector.enable erp', 'connection.create erp_sync', 'connection.disable erp_sync', 'connector.disable erp']);
    expect(before(plan, ['connector.enable', 'erp'], ['connection.create', 'erp_sync'])).toBe(true);
    expect(before(plan, ['connection.create', 'erp_sync'], ['connection.disable', 'erp_sync'])).toBe(true);
    expect(before(plan, ['connection.disable', 'erp_sync'], ['connector.disable', 'erp'])).toBe(true);
    expect(action(plan, 'connector.enable', 'erp').rules).toContain('R7');
    // The connector passes through enabled and ends as it was: it is no change of its own.
    expect(plan.summary).toMatchObject({ create: 1, update: 0 });
  });

  it('R8: disabling a connector waits for its connections to be disabled', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm').connection('crm_support', 'crm').build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.enabled = false;
    want.connections.get('crm_sales')!.enabled = false;
    want.connections.get('crm_support')!.enabled = false;
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connection.disable crm_sales', 'connection.disable crm_support', 'connector.disable crm']);
    expect(action(plan, 'connector.disable', 'crm').dependsOn).toEqual(['a1', 'a2']);
    expect(action(plan, 'connection.disable', 'crm_sales').rules).toContain('R8');
    expect(plan.summary.update).toBe(3);
  });

  it('R8: an enabled connection that is deleted is gone before its connector is disabled', () => {
    const current = state().connector('crm').connection('crm_old', 'crm').build();
    const want = desiredOf(current);
    want.connections.delete('crm_old');
    want.connectors.get('crm')!.enabled = false;
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connection.delete crm_old', 'connector.disable crm']);
    expect(action(plan, 'connector.disable', 'crm').dependsOn).toEqual([action(plan, 'connection.delete', 'crm_old').id]);
  });

  it('R9: deleting a connector waits for the deletion of its connections', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm').connection('crm_support', 'crm', { enabled: false }).build();
    const plan = planFor(current, desired().build());
    expect(ops(plan)).toEqual(['connection.delete crm_sales', 'connection.delete crm_support', 'connector.delete crm']);
    expect(action(plan, 'connector.delete', 'crm').dependsOn).toEqual(['a1', 'a2']);
    expect(action(plan, 'connector.delete', 'crm').rules).toContain('R9');
    expect(plan.summary).toMatchObject({ delete: 3 });
  });

  it('R9: a connector deletion that waits for a blocked connection deletion is blocked too, saying what it waits for', () => {
    const usage = { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' };
    const current = state()
      .connector('crm')
      .connection('crm_used', 'crm', { usages: [usage] })
      .connection('crm_free', 'crm')
      .build();
    const plan = planFor(current, desired().build());
    // The remaining actions are still listed.
    expect(ops(plan)).toEqual(['connection.delete crm_free']);
    expect(plan.blocked).toEqual([
      {
        kind: 'Connector',
        linkName: 'crm',
        rule: 'R9',
        message: "The deletion of connector 'crm' waits for the deletion of connection 'crm_used', which is blocked (R14: connection 'crm_used')",
      },
      expect.objectContaining({ kind: 'Connection', linkName: 'crm_used', rule: 'R14' }),
    ]);
    expect(plan.summary.blocked).toBe(2);
  });

  it('R10: replacing a connector deletes and recreates its connections unauthorized, listing the revoked authorizations', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { authorizations: alice })
      .connection('crm_support', 'crm', { enabled: false })
      .connection('crm_gone', 'crm', { authorizations: bob })
      .build();
    const want = desiredOf(current);
    want.connections.delete('crm_gone');
    want.connectors.get('crm')!.authentication = { type: 'basic' };
    want.connectors.get('crm')!.secrets = {};
    const plan = planFor(current, want, { allowReplace: true });
    expect(ops(plan)).toEqual([
      'connection.delete crm_gone',
      'connection.delete crm_sales',
      'connection.delete crm_support',
      'connector.delete crm',
      'connector.create crm',
      'connector.markReady crm',
      'connection.create crm_sales',
      'connection.create crm_support',
      'connection.disable crm_support',
    ]);
    expect(action(plan, 'connection.create', 'crm_sales').replace).toBe(true);
    expect(action(plan, 'connection.create', 'crm_sales').rules).toContain('R10');
    expect(action(plan, 'connection.create', 'crm_sales').dependsOn).toEqual(
      expect.arrayContaining([action(plan, 'connection.delete', 'crm_sales').id, action(plan, 'connector.markReady', 'crm').id]),
    );
    // crm_gone is a deletion the manifests asked for: its authorization is lost too, and listed (issue 8).
    expect(plan.revokedAuthorizations).toEqual([
      { connection: 'crm_gone', connector: 'crm', environment: 'all', account: 'bob', cause: ['deleted'], rule: 'R11' },
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['replaced', 'authentication.type'], rule: 'R10' },
    ]);
    // crm_support is recreated disabled: it cannot be authorized until it is enabled (R11), a warning says so.
    expect(plan.needsAuthorization).toEqual(['crm_sales']);
    expect(plan.warnings.filter((w) => w.code === 'authorize-once-enabled').map((w) => w.linkName)).toEqual(['crm_support']);
    expect(plan.summary).toMatchObject({ replace: 3, delete: 1, revokes: 2 });
  });

  it('R10: without --allow-replace, the connector and its recreated connections are blocked, the reason in words', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm', { authorizations: alice }).build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.authentication = { type: 'basic' };
    want.connectors.get('crm')!.secrets = {};
    const plan = planFor(current, want);
    expect(plan.actions).toEqual([]);
    expect(plan.blocked.map((b) => [b.kind, b.linkName, b.rule])).toEqual([
      ['Connector', 'crm', 'R10'],
      ['Connection', 'crm_sales', 'R10'],
    ]);
    expect(plan.blocked[0]!.message).toContain("replacing it deletes its connection 'crm_sales' (R10) and recreates 'crm_sales' unauthorized");
    expect(plan.blocked[0]!.message).toContain("the authorizations of 'crm_sales' (alice) are lost");
    expect(plan.blocked[1]!.message).toMatch(/losing the authorization of account 'alice'/);
    expect(plan.revokedAuthorizations).toEqual([]);
  });

  it('R11: a new connection that should be disabled is disabled after it is created, and is not listed as needing authorization until enabled', () => {
    const current = state().connector('crm').build();
    const want = desiredOf(current);
    desiredAdd(want, 'crm_new', 'crm', [], false);
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connection.create crm_new', 'connection.disable crm_new']);
    expect(action(plan, 'connection.disable', 'crm_new').dependsOn).toEqual([action(plan, 'connection.create', 'crm_new').id]);
    expect(action(plan, 'connection.create', 'crm_new').rules).toContain('R11');
    expect(plan.needsAuthorization).toEqual([]);
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: 'authorize-once-enabled', kind: 'Connection', linkName: 'crm_new' }));

    const enabled = desiredOf(current);
    desiredAdd(enabled, 'crm_new', 'crm', []);
    expect(planFor(current, enabled).needsAuthorization).toEqual(['crm_new']);
  });

  it('R12: a connection moved to another connector is a replacement, blocked without --allow-replace', () => {
    const current = state().connector('crm').connector('erp').connection('sync', 'crm', { authorizations: alice }).build();
    const want = desiredOf(current);
    want.connections.get('sync')!.connector = 'erp';
    const plan = planFor(current, want);
    expect(plan.actions).toEqual([]);
    expect(plan.blocked).toEqual([expect.objectContaining({ kind: 'Connection', linkName: 'sync', rule: 'R12' })]);
    expect(plan.blocked[0]!.message).toMatch(/moves from connector 'crm' to 'erp'/);

    const allowed = planFor(current, want, { allowReplace: true });
    expect(ops(allowed)).toEqual(['connection.delete sync', 'connection.create sync']);
    expect(action(allowed, 'connection.create', 'sync').dependsOn).toEqual([action(allowed, 'connection.delete', 'sync').id]);
    expect(action(allowed, 'connection.create', 'sync').rules).toContain('R12');
    expect(allowed.revokedAuthorizations).toEqual([
      { connection: 'sync', connector: 'crm', environment: 'all', account: 'alice', cause: ['replaced', 'connector'], rule: 'R12' },
    ]);
    expect(allowed.needsAuthorization).toEqual(['sync']);
  });

  it('R12: a connection moved off a connector that is deleted goes before the connector; its new connector is ready first', () => {
    const current = state().connector('crm').connection('sync', 'crm').build();
    const want = desired().connector('erp').connection('sync', 'erp').build();
    const plan = planFor(current, want, { allowReplace: true });
    expect(before(plan, ['connection.delete', 'sync'], ['connector.delete', 'crm'])).toBe(true);
    expect(before(plan, ['connector.markReady', 'erp'], ['connection.create', 'sync'])).toBe(true);
    expect(before(plan, ['connection.delete', 'sync'], ['connection.create', 'sync'])).toBe(true);
  });

  it('R13: a scope change of an authorized connection revokes it; an unauthorized one is not revoked, and needs authorization still', () => {
    const current = state()
      .connector('crm')
      .connection('crm_a', 'crm', { scopes: ['contacts.read'], authorizations: alice })
      .connection('crm_b', 'crm', { scopes: ['contacts.read'] })
      .build();
    const want = desiredOf(current);
    want.connections.get('crm_a')!.scopes = ['contacts.read', 'contacts.write'];
    want.connections.get('crm_b')!.scopes = ['contacts.write'];
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connection.update crm_a', 'connection.update crm_b']);
    expect(action(plan, 'connection.update', 'crm_a').rules).toContain('R13');
    expect(plan.revokedAuthorizations).toEqual([{ connection: 'crm_a', connector: 'crm', environment: 'all', account: 'alice', cause: ['scopes'], rule: 'R13' }]);
    expect(plan.needsAuthorization).toEqual(['crm_a', 'crm_b']);
  });

  it('R13: a rename is in place and keeps the authorization', () => {
    const current = state().connector('crm').connection('crm_a', 'crm', { authorizations: alice }).build();
    const want = desiredOf(current);
    want.connections.get('crm_a')!.name = 'Renamed';
    const plan = planFor(current, want);
    expect(action(plan, 'connection.update', 'crm_a').changes).toEqual([{ path: 'name', from: 'Connection crm_a', to: 'Renamed' }]);
    expect(plan.revokedAuthorizations).toEqual([]);
  });

  it('R14: deleting a connection with usages is blocked, listing every usage, even with --allow-replace', () => {
    const usages = [
      { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' },
      { app: 'support', component: 'page:dashboard', kind: 'page-panel' },
    ];
    const current = state().connector('crm').connection('crm_old', 'crm', { usages }).connection('crm_keep', 'crm').build();
    const want = desiredOf(current);
    want.connections.delete('crm_old');
    want.connections.get('crm_keep')!.name = 'Kept';
    for (const allowReplace of [false, true]) {
      const plan = planFor(current, want, { allowReplace });
      expect(plan.blocked).toEqual([
        {
          kind: 'Connection',
          linkName: 'crm_old',
          rule: 'R14',
          message:
            "connection 'crm_old' cannot be deleted while applications use it: sales › workflow:send_invoice (deluge-invokeurl), support › page:dashboard (page-panel) (R14)",
          hint: 'remove these usages from the applications first; connectorops never edits applications',
          // The target records them: each says so.
          usages: usages.map((u) => ({ ...u, source: 'target' })),
        },
      ]);
      expect(ops(plan)).toEqual(['connection.update crm_keep']);
    }
  });

  it('R14: a replacement (R10) of a connection with usages is blocked by R14 even when allowed', () => {
    const usage = { app: 'sales', component: 'form:order', kind: 'integration-task' };
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { usages: [usage] })
      .build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.authentication = { type: 'basic' };
    want.connectors.get('crm')!.secrets = {};
    const plan = planFor(current, want, { allowReplace: true });
    expect(plan.blocked.map((b) => `${b.linkName} ${b.rule}`)).toEqual(['crm R9', 'crm_sales R14']);
    expect(plan.actions).toEqual([]);
  });

  it('R15: disabling a connection with usages lists them as impact', () => {
    const usage = { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' };
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { usages: [usage] })
      .connection('crm_free', 'crm')
      .build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.enabled = false;
    want.connections.get('crm_free')!.enabled = false;
    const plan = planFor(current, want);
    expect(plan.impact).toEqual([{ connection: 'crm_sales', usages: [{ ...usage, source: 'target' }], rule: 'R15' }]);
    expect(action(plan, 'connection.disable', 'crm_sales').rules).toContain('R15');
  });

  it('R16: a connection is enabled after its connector is', () => {
    const current = state().connector('crm', { enabled: false }).connection('crm_sales', 'crm', { enabled: false }).build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.enabled = true;
    want.connections.get('crm_sales')!.enabled = true;
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connector.enable crm', 'connection.enable crm_sales']);
    expect(action(plan, 'connection.enable', 'crm_sales').dependsOn).toEqual([action(plan, 'connector.enable', 'crm').id]);
    expect(action(plan, 'connection.enable', 'crm_sales').rules).toContain('R16');
  });

  it('R17: disabling and enabling keep the authorization: nothing revoked, nothing to authorize', () => {
    const current = state()
      .connector('crm')
      .connection('crm_a', 'crm', { authorizations: alice })
      .connection('crm_b', 'crm', { enabled: false, authorizations: bob })
      .build();
    const want = desiredOf(current);
    want.connections.get('crm_a')!.enabled = false;
    want.connections.get('crm_b')!.enabled = true;
    const plan = planFor(current, want);
    expect(ops(plan)).toEqual(['connection.disable crm_a', 'connection.enable crm_b']);
    expect(plan.revokedAuthorizations).toEqual([]);
    expect(plan.needsAuthorization).toEqual([]);
    expect(action(plan, 'connection.disable', 'crm_a').rules).toContain('R17');
  });
});

describe('input problems', () => {
  it('R6: a desired state with a connection of a draft connector is a UserError, not a plan', () => {
    const want = desired().connector('crm', { stage: 'draft' }).connection('crm_sales', 'crm').build();
    expect(() => planFor(state().build(), want)).toThrow(/does not allow/);
  });

  it('R2: a ready connector whose manifest names no secret is a UserError', () => {
    const want = desired().connector('crm', { secrets: {} }).build();
    expect(() => planFor(state().build(), want)).toThrow(expect.objectContaining({ name: 'UserError' }));
  });
});

describe('P1: protect: patterns', () => {
  it('a protected connection is neither deleted nor replaced; its connector waits for it (R9); unprotected changes go ahead', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm', { authorizations: alice }).connector('erp').connection('erp_a', 'erp').build();
    const want = desiredOf(current);
    want.connectors.delete('crm');
    want.connections.delete('crm_sales');
    want.connections.get('erp_a')!.name = 'Renamed';
    const plan = planFor(current, want, { protect: ['crm_*'], allowReplace: true });
    expect(plan.blocked.map((b) => `${b.rule} ${b.kind} ${b.linkName}`)).toEqual(['R9 Connector crm', 'P1 Connection crm_sales']);
    expect(plan.blocked[1]!.message).toBe("connection 'crm_sales' is protected by the pattern 'crm_*' in connectorops.yaml: the plan would delete it (P1)");
    expect(ops(plan)).toEqual(['connection.update erp_a']);
  });

  it('a protected connector is not replaced, even with --allow-replace; a pattern that matches nothing changes nothing', () => {
    const current = state().connector('crm').build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.authentication = { type: 'basic' };
    want.connectors.get('crm')!.secrets = {};
    expect(planFor(current, want, { protect: ['{crm,erp}'], allowReplace: true }).blocked.map((b) => b.rule)).toEqual(['P1']);
    expect(planFor(current, want, { protect: ['billing'], allowReplace: true }).blocked).toEqual([]);
  });
});
