/**
 * The pure rules: `transition` never changes its world, returns every violation with its rule id,
 * and its effects applied step by step keep every invariant of `checkState`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ActionBody } from '../../src/model/actions.js';
import { checkState, formatViolation, revokingChanges, transition, World } from '../../src/rules/index.js';
import { fingerprintKeyId, fingerprintsComparable } from '../../src/model/fingerprint.js';
import { stateToSnapshot } from '../../src/targets/snapshot.js';
import { oauth2, state } from '../support/builders.js';
import { act } from '../support/target.js';

describe('transition', () => {
  it('is pure: a refused and an allowed action leave the world as it was', () => {
    const s = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
      .build();
    const world = new World(s);
    const before = JSON.stringify(stateToSnapshot(s));
    expect(transition(world, act.deleteConnector('crm')).ok).toBe(false);
    const ok = transition(world, act.updateConnector('crm', { authentication: oauth2({ clientId: 'other' }) }));
    expect(ok.ok).toBe(true);
    expect(JSON.stringify(stateToSnapshot(world.state))).toBe(before);
  });

  it('R9: returns the violation with its rule id, in the `R9: …` form that errors print', () => {
    const world = new World(state().connector('crm').connection('crm_sales', 'crm').build());
    const t = transition(world, act.deleteConnector('crm'));
    expect(t.ok).toBe(false);
    if (t.ok) return;
    expect(t.violations.map(formatViolation)).toEqual(["R9: delete connection 'crm_sales' before deleting connector 'crm'"]);
    expect(t.violations[0]).toMatchObject({ rule: 'R9', kind: 'Connector', linkName: 'crm' });
  });

  it('R5: revoked authorizations name connection, connector, account and cause; applying the effects unauthorizes them', () => {
    const world = new World(
      state()
        .connector('crm')
        .connection('crm_a', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
        .connection('crm_b', 'crm')
        .build(),
    );
    const t = transition(world, act.updateConnector('crm', {}), { clientSecret: 'fp-new' });
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.effects.revoked).toEqual([{ connection: 'crm_a', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientSecret'], rule: 'R5' }]);
    world.apply(t.effects);
    expect(world.connection('crm_a')!.authorizations).toEqual([]);
    expect(world.connector('crm')!.secretFingerprints.clientSecret).toBe('fp-new');
  });

  it('keeps every invariant of checkState through any sequence of accepted actions (property)', () => {
    const names = ['a', 'b', 'c'];
    const conns = ['a_1', 'a_2', 'b_1', 'c_1'];
    const auths = [oauth2(), oauth2({ scopes: ['contacts.read'] }), { type: 'apiKey' as const, parameters: [{ parameterKey: 'K' }] }, { type: 'basic' as const }];
    const action: fc.Arbitrary<{ a: ActionBody; secret: boolean }> = fc.oneof(
      fc
        .record({ n: fc.constantFrom(...names), auth: fc.constantFrom(...auths) })
        .map(({ n, auth }) => ({ a: act.createConnector(n, auth), secret: auth.type === 'oauth2' })),
      fc
        .record({ n: fc.constantFrom(...names), auth: fc.constantFrom(...auths) })
        .map(({ n, auth }) => ({ a: act.updateConnector(n, { authentication: auth }), secret: false })),
      fc.record({ n: fc.constantFrom(...names), op: fc.constantFrom('markReady', 'enableConnector', 'disableConnector', 'deleteConnector') }).map(({ n, op }) => ({
        a: (act as unknown as Record<string, (n: string) => ActionBody>)[op]!(n),
        secret: false,
      })),
      fc
        .record({ c: fc.constantFrom(...conns), scopes: fc.subarray(['contacts.read', 'contacts.write']) })
        .map(({ c, scopes }) => ({ a: act.createConnection(c, c.split('_')[0]!, scopes), secret: false })),
      fc
        .record({ c: fc.constantFrom(...conns), scopes: fc.subarray(['contacts.read', 'contacts.write']) })
        .map(({ c, scopes }) => ({ a: act.updateConnection(c, { scopes }), secret: false })),
      fc.record({ c: fc.constantFrom(...conns), op: fc.constantFrom('enableConnection', 'disableConnection', 'deleteConnection') }).map(({ c, op }) => ({
        a: (act as unknown as Record<string, (n: string) => ActionBody>)[op]!(c),
        secret: false,
      })),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const world = new World(state().build());
        for (const { a, secret } of actions) {
          const t = transition(world, a, secret ? { clientSecret: 'fp' } : {});
          if (t.ok) world.apply(t.effects);
          expect(checkState(world.state)).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkState', () => {
  it('R6: a connection of a draft connector is a violation', () => {
    expect(checkState(state().connector('crm', { stage: 'draft' }).connection('crm_sales', 'crm').build()).map(formatViolation)).toEqual([
      "R6: connection 'crm_sales' belongs to connector 'crm', which is in draft",
    ]);
  });

  it('R16: an enabled connection under a disabled connector is a violation', () => {
    expect(checkState(state().connector('crm', { enabled: false }).connection('crm_sales', 'crm').build()).map((v) => v.rule)).toEqual(['R16']);
  });

  it('R9: a connection of a connector that does not exist is a violation', () => {
    expect(checkState(state().connection('crm_sales', 'ghost').build()).map((v) => v.rule)).toEqual(['R9']);
  });

  it('R2: a ready connector lacking a mandatory non-secret parameter is a violation; a missing fingerprint is not (adoption)', () => {
    expect(
      checkState(
        state()
          .connector('crm', { authentication: oauth2({ clientId: undefined }) })
          .build(),
      ).map((v) => v.rule),
    ).toEqual(['R2']);
    expect(checkState(state().connector('crm', { secretFingerprints: {} }).build())).toEqual([]);
  });

  it('S1: a fingerprint for a secret that the authentication type does not have is a violation', () => {
    const s = state()
      .connector('keyed', { authentication: { type: 'apiKey', parameters: [{ parameterKey: 'K' }] }, secretFingerprints: { clientSecret: 'fp' } })
      .build();
    expect(checkState(s).map(formatViolation)).toEqual(["S1: connector 'keyed' has a fingerprint for clientSecret, which authentication type apiKey does not have"]);
  });

  it('N1/N2/N3 and scopes: names, descriptions, link names and scopes not offered are violations', () => {
    const s = state()
      .connector('Bad', { name: 'x#', description: 'a<b' })
      .connector('crm')
      .connection('crm_sales', 'crm', { scopes: ['deals.read'] })
      .build();
    expect(
      checkState(s)
        .map((v) => v.rule)
        .sort(),
    ).toEqual(['N1', 'N2', 'N3', 'scopes']);
  });
});

describe('R5 and fingerprints under different keys', () => {
  const ours = 'hmac-sha256:aaaaaaaaaaaa:bbbb';
  const oursOther = 'hmac-sha256:aaaaaaaaaaaa:cccc';
  const foreign = 'hmac-sha256:0123456789ab:cccc';
  const side = (fp?: string) => ({ authentication: oauth2(), fingerprints: fp === undefined ? {} : { clientSecret: fp } });

  it('R5: a changed fingerprint under the same key revokes; an equal one does not', () => {
    expect(revokingChanges(side(ours), side(oursOther))).toEqual(['clientSecret']);
    expect(revokingChanges(side(ours), side(ours))).toEqual([]);
  });

  it('R5: no earlier fingerprint, or one under another key, is adoption: nothing revoked', () => {
    expect(revokingChanges(side(undefined), side(ours))).toEqual([]);
    expect(revokingChanges(side(foreign), side(ours))).toEqual([]);
  });

  it('S2: key ids are read from the target format only; other strings compare only with each other', () => {
    expect(fingerprintKeyId(ours)).toBe('aaaaaaaaaaaa');
    expect(fingerprintKeyId('opaque')).toBeNull();
    expect(fingerprintsComparable(ours, foreign)).toBe(false);
    expect(fingerprintsComparable('fp-a', 'fp-b')).toBe(true);
    expect(fingerprintsComparable('fp-a', ours)).toBe(false);
    expect(revokingChanges(side('fp-a'), side('fp-b'))).toEqual(['clientSecret']);
  });
});
