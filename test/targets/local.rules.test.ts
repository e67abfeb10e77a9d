/**
 * Every rule of docs/rules.md, enforced by the real local target on its own: the allowed case
 * and the refused case, where a refusal carries the rule id, says what to do, and changes nothing
 * (serial and export identical).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Authentication, SecretName } from '../../src/model/types.js';
import { TargetError } from '../../src/errors.js';
import type { LocalTarget } from '../../src/targets/local/local-target.js';
import { oauth2, state } from '../support/builders.js';
import { act, contents, expectRefused, openLocal, readyConnector, secretRefs, tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
let target: LocalTarget;

beforeEach(async () => {
  tmp = tempDir();
  target = await openLocal(tmp.dir);
});
afterEach(async () => {
  await target.close();
  tmp.cleanup();
});

const apiKey = (...keys: string[]): Authentication => ({ type: 'apiKey', parameters: keys.map((k) => ({ parameterKey: k, addTo: 'header' as const })) });
const oauth1 = (overrides: Partial<Extract<Authentication, { type: 'oauth1' }>> = {}): Authentication => ({
  type: 'oauth1',
  consumerKey: 'ck',
  requestTokenUrl: 'https://x.example/request',
  authorizeUrl: 'https://x.example/authorize',
  accessTokenUrl: 'https://x.example/access',
  ...overrides,
});

describe('names', () => {
  it('N1: refuses a connector or connection name with a forbidden character, and changes nothing; allows the listed specials', async () => {
    await expectRefused(target, act.createConnector('crm', oauth2(), { name: 'Acme #1' }), 'N1', /^N1: a name may not contain '#'/);
    await expectRefused(target, act.createConnector('crm', oauth2(), { name: '' }), 'N1', 'N1: a name cannot be empty');
    await expectRefused(target, act.createConnector('crm', oauth2(), { name: 'x'.repeat(51) }), 'N1', /at most 50 characters/);
    await target.execute(act.createConnector('crm', oauth2(), { name: 'Acme CRM * _ - @ / ! : | & ~ \\ +' }), {});
    await target.execute(act.updateConnector('crm', { authentication: oauth2() }), { clientSecret: 's' });
    await target.execute(act.markReady('crm'));
    await expectRefused(target, act.createConnection('crm_sales', 'crm', [], 'CRM [sales]'), 'N1', /^N1: a name may not contain '\['/);
    await expectRefused(target, act.updateConnector('crm', { name: '-starts with a dash' }), 'N1', /starts with a letter, a digit or _/);
    await target.execute(act.createConnection('crm_sales', 'crm', [], 'CRM sales'));
    await expectRefused(target, act.updateConnection('crm_sales', { name: 'a\tb' }), 'N1', /may not contain a tab/);
  });

  it('N2: refuses a description with a forbidden character or over 255 characters; allows the listed specials', async () => {
    await expectRefused(target, act.createConnector('crm', oauth2(), { description: 'uses <html>' }), 'N2', /^N2: a description may not contain '<'/);
    await expectRefused(target, act.createConnector('crm', oauth2(), { description: 'a'.repeat(256) }), 'N2', /at most 255 characters/);
    await target.execute(act.createConnector('crm', oauth2(), { description: 'CRM, of sales (team) - _ * @ / \\ ! : | ~ & .' }));
    await expectRefused(target, act.updateConnector('crm', { description: 'semi;colon' }), 'N2', /may not contain ';'/);
  });

  it('N3: refuses a malformed link name and a duplicate one, among connectors and among connections', async () => {
    await expectRefused(target, act.createConnector('CRM'), 'N3', /^N3: link name 'CRM': a link name starts with a lower-case letter/);
    await expectRefused(target, act.createConnector('1crm'), 'N3', /^N3: link name '1crm'/);
    await readyConnector(target, 'crm');
    await expectRefused(target, act.createConnector('crm'), 'N3', "N3: a connector with link name 'crm' already exists");
    await target.execute(act.createConnection('crm_sales', 'crm'));
    await expectRefused(target, act.createConnection('crm_sales', 'crm'), 'N3', "N3: a connection with link name 'crm_sales' already exists");
    await expectRefused(target, act.createConnection('Crm-Sales', 'crm'), 'N3', /^N3: link name 'Crm-Sales'/);
    // Connectors and connections are separate namespaces.
    await target.execute(act.createConnection('crm', 'crm'));
  });
});

describe('connector lifecycle', () => {
  it('R1: a new connector starts in draft, enabled, whatever the spec', async () => {
    const { serial } = await target.execute(act.createConnector('crm'), {});
    expect(serial).toBe(1);
    const [c] = (await target.exportSnapshot()).connectors;
    expect(c).toMatchObject({ linkName: 'crm', stage: 'draft', enabled: true });
  });

  it('R2: Mark as Ready needs every mandatory parameter (R2a) and is refused twice; allowed once complete', async () => {
    await target.execute(act.createConnector('crm', oauth2({ clientId: undefined })));
    await expectRefused(target, act.markReady('crm'), 'R2', "R2: connector 'crm' cannot be marked ready: missing mandatory parameters clientId, clientSecret");
    await target.execute(act.updateConnector('crm', { authentication: oauth2(), secrets: secretRefs('clientSecret') }), { clientSecret: 's3cret' });
    await target.execute(act.markReady('crm'));
    expect((await target.exportSnapshot()).connectors[0]!.stage).toBe('ready');
    await expectRefused(target, act.markReady('crm'), 'R2', "R2: connector 'crm' is already ready");
  });

  it('R2: each authentication type demands its own mandatory parameters before Mark as Ready', async () => {
    await target.execute(act.createConnector('keyless', { type: 'apiKey', parameters: [] }));
    await expectRefused(target, act.markReady('keyless'), 'R2', /missing mandatory parameters parameterKey$/);
    await target.execute(act.createConnector('o1', oauth1({ requestTokenUrl: undefined })));
    await expectRefused(target, act.markReady('o1'), 'R2', /missing mandatory parameters consumerSecret, requestTokenUrl$/);
    await target.execute(act.createConnector('cc', oauth2({ grantType: 'client_credentials', authorizeUrl: undefined })), { clientSecret: 's' });
    await target.execute(act.markReady('cc')); // authorizeUrl is only for authorization_code
    await target.execute(act.createConnector('b', { type: 'basic' }));
    await target.execute(act.markReady('b'));
  });

  it('R2: a ready connector cannot lose a mandatory parameter through an update', async () => {
    await readyConnector(target, 'crm');
    await expectRefused(
      target,
      act.updateConnector('crm', { authentication: oauth2({ accessTokenUrl: undefined }) }),
      'R2',
      "R2: ready connector 'crm' would lack mandatory parameters: accessTokenUrl",
    );
  });

  it('R2b/R7: a disabled connector cannot be marked ready', async () => {
    await target.execute(act.createConnector('crm'), { clientSecret: 's' });
    await target.execute(act.disableConnector('crm'));
    const e = await expectRefused(target, act.markReady('crm'), 'R7', "R7: disabled connector 'crm' cannot be marked ready");
    expect(e.details.hint).toBe("enable connector 'crm' first");
    await target.execute(act.enableConnector('crm'));
    await target.execute(act.markReady('crm'));
  });

  it('R3: the authentication type changes in draft (discarding every parameter, secrets included) but not on a ready connector', async () => {
    await target.execute(act.createConnector('crm'), { clientSecret: 's' });
    await target.execute(act.updateConnector('crm', { authentication: apiKey('X-Key') }));
    const [c] = (await target.exportSnapshot()).connectors;
    expect(c!.authentication).toEqual({ type: 'apiKey', parameterKey: 'X-Key', addTo: 'header' });
    expect(c!.secretFingerprints).toBeUndefined();
    await target.execute(act.markReady('crm'));
    const e = await expectRefused(
      target,
      act.updateConnector('crm', { authentication: oauth2() }),
      'R3',
      /^R3: the authentication type of ready connector 'crm' cannot change \(apiKey → oauth2\); R2: /,
    );
    expect(e.details.hint).toMatch(/--allow-replace/);
  });

  it('R4: a ready connector keeps its OAuth2 scopes: removing or renaming one is refused, adding one is allowed; a draft may remove', async () => {
    await target.execute(act.createConnector('draft_one'), {});
    await target.execute(act.updateConnector('draft_one', { authentication: oauth2({ scopes: ['contacts.read'] }) }));
    await readyConnector(target, 'crm');
    await expectRefused(
      target,
      act.updateConnector('crm', { authentication: oauth2({ scopes: ['contacts.read'] }) }),
      'R4',
      "R4: OAuth2 scopes of ready connector 'crm' cannot be edited or deleted (removed: contacts.write)",
    );
    await expectRefused(
      target,
      act.updateConnector('crm', { authentication: oauth2({ scopes: ['contacts.read', 'contacts.WRITE'] }) }),
      'R4',
      /removed: contacts\.write\)$/,
    );
    await target.execute(act.updateConnector('crm', { authentication: oauth2({ scopes: ['contacts.read', 'contacts.write', 'deals.read'] }) }));
    expect(((await target.exportSnapshot()).connectors.find((c) => c.linkName === 'crm')!.authentication as { scopes?: string[] }).scopes).toEqual([
      'contacts.read',
      'contacts.write',
      'deals.read',
    ]);
  });

  describe('R5: a change of a revoking parameter revokes every authorized connection of the connector, and only those', () => {
    const cases: { type: string; auth: Authentication; change: Authentication | null; secret?: SecretName; cause: string }[] = [
      { type: 'apiKey', auth: apiKey('X-Key'), change: apiKey('X-Other-Key'), cause: 'parameterKey' },
      { type: 'oauth1', auth: oauth1(), change: oauth1({ consumerKey: 'ck2' }), cause: 'consumerKey' },
      { type: 'oauth1', auth: oauth1(), change: null, secret: 'consumerSecret', cause: 'consumerSecret' },
      { type: 'oauth2', auth: oauth2(), change: oauth2({ grantType: 'client_credentials' }), cause: 'grantType' },
      { type: 'oauth2', auth: oauth2(), change: oauth2({ clientId: '1000.OTHER' }), cause: 'clientId' },
      { type: 'oauth2', auth: oauth2(), change: null, secret: 'clientSecret', cause: 'clientSecret' },
    ];
    for (const c of cases) {
      it(`R5: ${c.type} ${c.cause} revokes the authorized connections (account and cause listed), not the unauthorized ones`, async () => {
        await readyConnector(target, 'svc', c.auth, 'old-secret');
        await readyConnector(target, 'other', c.auth, 'old-secret');
        for (const name of ['svc_a', 'svc_b', 'svc_c']) await target.execute(act.createConnection(name, 'svc'));
        await target.execute(act.createConnection('other_a', 'other'));
        await target.authorize('svc_a', 'alice');
        await target.authorize('svc_c', 'carol');
        await target.authorize('other_a', 'oscar');
        const secrets = c.secret ? { [c.secret]: 'new-secret' } : {};
        const set = c.change ? { authentication: c.change } : { secrets: secretRefs(c.secret!) };
        const result = await target.execute(act.updateConnector('svc', set), secrets);
        expect(result.revoked).toEqual([
          { connection: 'svc_a', connector: 'svc', environment: 'all', account: 'alice', cause: [c.cause], rule: 'R5' },
          { connection: 'svc_c', connector: 'svc', environment: 'all', account: 'carol', cause: [c.cause], rule: 'R5' },
        ]);
        const byName = new Map((await target.exportSnapshot()).connections.map((x) => [x.linkName, x.authorizations]));
        expect(byName.get('svc_a')).toEqual([]);
        expect(byName.get('svc_b')).toEqual([]);
        expect(byName.get('svc_c')).toEqual([]);
        expect(byName.get('other_a')).toEqual([{ environment: 'all', account: 'oscar' }]);
      });
    }

    it('R5: parameters that do not revoke (URLs, display name, addTo, name) and the same secret again revoke nothing', async () => {
      await readyConnector(target, 'crm', oauth2(), 'same');
      await target.execute(act.createConnection('crm_a', 'crm'));
      await target.authorize('crm_a', 'alice');
      const r1 = await target.execute(
        act.updateConnector('crm', { authentication: oauth2({ refreshTokenUrl: 'https://other.example/refresh', addTo: 'query' }), name: 'Renamed' }),
        { clientSecret: 'same' },
      );
      expect(r1.revoked).toEqual([]);
      await readyConnector(target, 'keyed', apiKey('X-Key'));
      await target.execute(act.createConnection('keyed_a', 'keyed'));
      await target.authorize('keyed_a', 'bob');
      const r2 = await target.execute(
        act.updateConnector('keyed', { authentication: { type: 'apiKey', parameters: [{ parameterKey: 'X-Key', displayName: 'Key', addTo: 'query' }] } }),
      );
      expect(r2.revoked).toEqual([]);
      const auths = (await target.exportSnapshot()).connections.map((c) => c.authorizations?.length);
      expect(auths).toEqual([1, 1]);
    });

    it('R5: a secret the target has no fingerprint for is adopted: recorded, nothing revoked; a later change revokes', async () => {
      const s = state()
        .connector('crm', { secretFingerprints: {} })
        .connection('crm_a', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
        .build();
      await target.close();
      target = await openLocal(tmp.dir, s, 'adopt.db');
      const adopted = await target.execute(act.updateConnector('crm', { secrets: secretRefs('clientSecret') }), { clientSecret: 'the-secret' });
      expect(adopted.revoked).toEqual([]);
      const fp = (await target.exportSnapshot()).connectors[0]!.secretFingerprints!.clientSecret!;
      expect(fp).toBe((await target.fingerprintSecrets(['the-secret']))[0]);
      const changed = await target.execute(act.updateConnector('crm', { secrets: secretRefs('clientSecret') }), { clientSecret: 'rotated' });
      expect(changed.revoked.map((r) => [r.connection, r.account, r.cause])).toEqual([['crm_a', 'alice', ['clientSecret']]]);
    });

    it("R5/S2: a fingerprint made under another target's key counts as not recorded: the secret is adopted, nothing revoked", async () => {
      const foreign = 'hmac-sha256:0123456789ab:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      const s = state()
        .connector('crm', { secretFingerprints: { clientSecret: foreign } })
        .connection('crm_a', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
        .build();
      await target.close();
      target = await openLocal(tmp.dir, s, 'foreign.db');
      expect(target.fingerprintKeyId).not.toBe('0123456789ab');
      const r = await target.execute(act.updateConnector('crm', { secrets: secretRefs('clientSecret') }), { clientSecret: 'whatever' });
      expect(r.revoked).toEqual([]);
      expect((await target.exportSnapshot()).connectors[0]!.secretFingerprints!.clientSecret).toMatch(new RegExp(`^hmac-sha256:${target.fingerprintKeyId}:`));
    });
  });

  it('R6: a connection can be added only to a ready connector that exists; refused for a draft or a missing one', async () => {
    await target.execute(act.createConnector('crm'), { clientSecret: 's' });
    await expectRefused(target, act.createConnection('crm_sales', 'crm'), 'R6', "R6: connector 'crm' is in draft: mark it ready before adding connection 'crm_sales'");
    await expectRefused(target, act.createConnection('crm_sales', 'nope'), 'R6', "R6: connector 'nope' of connection 'crm_sales' does not exist");
    await target.execute(act.markReady('crm'));
    await target.execute(act.createConnection('crm_sales', 'crm', ['contacts.read']));
  });

  it('R7: a disabled connector gets no new connections', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.disableConnector('crm'));
    await expectRefused(target, act.createConnection('crm_sales', 'crm'), 'R7', "R7: connector 'crm' is disabled: enable it before adding connection 'crm_sales'");
    await target.execute(act.enableConnector('crm'));
    await target.execute(act.createConnection('crm_sales', 'crm'));
  });

  it('R8: a connector is disabled only when all its connections are; disabling keeps authorizations; enabling has no precondition', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_a', 'crm'));
    await target.execute(act.createConnection('crm_b', 'crm'));
    await target.authorize('crm_a', 'alice');
    await expectRefused(target, act.disableConnector('crm'), 'R8', "R8: disable connections 'crm_a', 'crm_b' before disabling connector 'crm'");
    await target.execute(act.disableConnection('crm_a'));
    await expectRefused(target, act.disableConnector('crm'), 'R8', "R8: disable connection 'crm_b' before disabling connector 'crm'");
    await target.execute(act.disableConnection('crm_b'));
    await target.execute(act.disableConnector('crm'));
    const snap = await target.exportSnapshot();
    expect(snap.connectors[0]!.enabled).toBe(false);
    expect(snap.connections[0]!.authorizations).toEqual([{ environment: 'all', account: 'alice' }]);
    await target.execute(act.enableConnector('crm'));
    expect((await target.exportSnapshot()).connectors[0]!.enabled).toBe(true);
  });

  it('R9: refuses to delete a connector that still has connections, and changes nothing', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_sales', 'crm'));
    await target.execute(act.disableConnection('crm_sales'));
    const e = await expectRefused(target, act.deleteConnector('crm'), 'R9', "R9: delete connection 'crm_sales' before deleting connector 'crm'");
    expect(e).toBeInstanceOf(TargetError);
    await target.execute(act.deleteConnection('crm_sales'));
    await target.execute(act.deleteConnector('crm'));
    expect(await target.exportSnapshot()).toEqual({ formatVersion: 2, connectors: [], connections: [] });
  });

  it('R10: a replacement is carried out as delete connections → delete connector → create → connections recreated unauthorized; a linkName change in place is refused', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_sales', 'crm', ['contacts.read']));
    await target.authorize('crm_sales', 'alice');
    await expectRefused(
      target,
      { op: 'connector.update', kind: 'Connector', linkName: 'crm', set: { linkName: 'crm2' } } as never,
      'R10',
      /^R10: the linkName of connector 'crm' cannot change in place/,
    );
    // The replacement as a plan orders it (R3: apiKey instead of oauth2).
    await target.execute(act.disableConnection('crm_sales'));
    await target.execute(act.deleteConnection('crm_sales'));
    await target.execute(act.deleteConnector('crm'));
    await readyConnector(target, 'crm', apiKey('X-Key'));
    await target.execute(act.createConnection('crm_sales', 'crm'));
    const snap = await target.exportSnapshot();
    expect(snap.connectors[0]!.authentication.type).toBe('apiKey');
    expect(snap.connections[0]!.authorizations).toEqual([]);
  });
});

describe('connection lifecycle', () => {
  it('R11: a new connection starts enabled and unauthorized; only authorize (a person) makes it authorized', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_sales', 'crm'));
    expect((await target.exportSnapshot()).connections[0]).toMatchObject({ enabled: true, authorizations: [], usages: [] });
    await target.authorize('crm_sales', 'alice');
    expect((await target.exportSnapshot()).connections[0]!.authorizations).toEqual([{ environment: 'all', account: 'alice' }]);
  });

  it('R11: authorize refuses an unknown connection, an empty account, a disabled connection and one under a disabled connector, changing nothing', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_sales', 'crm'));
    const before = await contents(target);
    await expect(target.authorize('nope', 'alice')).rejects.toThrow("connection 'nope' does not exist");
    await expect(target.authorize('crm_sales', '  ')).rejects.toThrow('the account cannot be empty');
    await target.execute(act.disableConnection('crm_sales'));
    const mid = await contents(target);
    await expect(target.authorize('crm_sales', 'alice')).rejects.toMatchObject({
      details: { rule: 'R11' },
      message: "R11: connection 'crm_sales' is disabled: enable it before authorizing it",
    });
    await target.execute(act.disableConnector('crm'));
    await expect(target.authorize('crm_sales', 'alice')).rejects.toThrow("R11: connection 'crm_sales' cannot be authorized while its connector 'crm' is disabled");
    expect(before.serial).toBe(mid.serial - 1);
    expect((await target.exportSnapshot()).connections[0]!.authorizations).toEqual([]);
  });

  it('R11: authorizing again with the same account changes nothing; another account takes over', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_sales', 'crm'));
    await target.authorize('crm_sales', 'alice');
    const once = await contents(target);
    await target.authorize('crm_sales', 'alice');
    expect(await contents(target)).toEqual(once);
    await target.authorize('crm_sales', 'bob');
    expect(await target.serial()).toBe(once.serial + 1);
  });

  it("R12: a connection's connector or linkName cannot change in place; the replacement is delete then create, unauthorized", async () => {
    await readyConnector(target, 'crm');
    await readyConnector(target, 'erp');
    await target.execute(act.createConnection('crm_sales', 'crm'));
    await target.authorize('crm_sales', 'alice');
    await expectRefused(
      target,
      { op: 'connection.update', kind: 'Connection', linkName: 'crm_sales', set: { connector: 'erp' } } as never,
      'R12',
      "R12: the connector of connection 'crm_sales' cannot change in place; changing it replaces the connection (delete and create)",
    );
    await expectRefused(
      target,
      { op: 'connection.update', kind: 'Connection', linkName: 'crm_sales', set: { linkName: 'x' } } as never,
      'R12',
      /^R12: the linkName of connection 'crm_sales'/,
    );
    // A rename (name) is in place and keeps the authorization.
    await target.execute(act.updateConnection('crm_sales', { name: 'Renamed' }));
    expect((await target.exportSnapshot()).connections[0]!.authorizations).toHaveLength(1);
    await target.execute(act.deleteConnection('crm_sales'));
    await target.execute(act.createConnection('crm_sales', 'erp'));
    expect((await target.exportSnapshot()).connections[0]).toMatchObject({ connector: 'erp', authorizations: [] });
  });

  it('R13: a scope change sends an authorized connection back through consent (revoked, listed with R13); unauthorized ones and reorders revoke nothing', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_a', 'crm', ['contacts.read']));
    await target.execute(act.createConnection('crm_b', 'crm', ['contacts.read']));
    await target.authorize('crm_a', 'alice');
    const reorder = await target.execute(act.updateConnection('crm_a', { scopes: ['contacts.read'] }));
    expect(reorder.revoked).toEqual([]);
    const r = await target.execute(act.updateConnection('crm_a', { scopes: ['contacts.read', 'contacts.write'] }));
    expect(r.revoked).toEqual([{ connection: 'crm_a', connector: 'crm', environment: 'all', account: 'alice', cause: ['scopes'], rule: 'R13' }]);
    const unauth = await target.execute(act.updateConnection('crm_b', { scopes: ['contacts.write'] }));
    expect(unauth.revoked).toEqual([]);
    const snap = await target.exportSnapshot();
    expect(snap.connections.map((c) => [c.linkName, c.scopes, c.authorizations])).toEqual([
      ['crm_a', ['contacts.read', 'contacts.write'], []],
      ['crm_b', ['contacts.write'], []],
    ]);
  });

  it('R13: a connection asks only for scopes its connector offers, and none under a non-OAuth2 connector', async () => {
    await readyConnector(target, 'crm');
    await readyConnector(target, 'keyed', apiKey('X-Key'));
    await expectRefused(target, act.createConnection('crm_a', 'crm', ['deals.read']), 'scopes', "scopes: scopes 'deals.read' are not among connector 'crm''s scopes");
    await expectRefused(target, act.createConnection('keyed_a', 'keyed', ['x']), 'scopes', "scopes: connector 'keyed' is not OAuth2: its connections take no scopes");
    await target.execute(act.createConnection('crm_a', 'crm', ['contacts.read']));
    await expectRefused(target, act.updateConnection('crm_a', { scopes: ['deals.read'] }), 'scopes', /not among connector 'crm''s scopes/);
  });

  it('R14: refuses to delete a connection that applications use, listing every usage, and changes nothing', async () => {
    const s = state()
      .connector('crm')
      .connection('crm_sales', 'crm', {
        usages: [
          { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' },
          { app: 'hr', component: 'page:home', kind: 'page-panel' },
        ],
      })
      .connection('crm_free', 'crm')
      .build();
    await target.close();
    target = await openLocal(tmp.dir, s, 'usages.db');
    const e = await expectRefused(
      target,
      act.deleteConnection('crm_sales'),
      'R14',
      "R14: connection 'crm_sales' is used by 2 application components (sales/workflow:send_invoice, hr/page:home)",
    );
    expect(e.details.hint).toMatch(/never edits applications/);
    await target.execute(act.deleteConnection('crm_free'));
  });

  it('R15: disabling a used connection is allowed by the target (the plan lists the impact) and keeps its usages', async () => {
    const usage = { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' };
    await target.close();
    target = await openLocal(
      tmp.dir,
      state()
        .connector('crm')
        .connection('crm_sales', 'crm', { usages: [usage] })
        .build(),
      'impact.db',
    );
    await target.execute(act.disableConnection('crm_sales'));
    expect((await target.exportSnapshot()).connections[0]).toMatchObject({ enabled: false, usages: [usage] });
  });

  it('R16: a connection is enabled only while its connector is enabled', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_sales', 'crm'));
    await target.execute(act.disableConnection('crm_sales'));
    await target.execute(act.disableConnector('crm'));
    await expectRefused(target, act.enableConnection('crm_sales'), 'R16', "R16: connector 'crm' is disabled: enable it before enabling connection 'crm_sales'");
    await target.execute(act.enableConnector('crm'));
    await target.execute(act.enableConnection('crm_sales'));
  });

  it('R17: disabling and enabling a connection keep its authorization', async () => {
    await readyConnector(target, 'crm');
    await target.execute(act.createConnection('crm_sales', 'crm'));
    await target.authorize('crm_sales', 'alice');
    await target.execute(act.disableConnection('crm_sales'));
    expect((await target.exportSnapshot()).connections[0]!.authorizations).toEqual([{ environment: 'all', account: 'alice' }]);
    await target.execute(act.enableConnection('crm_sales'));
    expect((await target.exportSnapshot()).connections[0]!.authorizations).toEqual([{ environment: 'all', account: 'alice' }]);
  });

  it('refuses an action on a connector or connection that does not exist', async () => {
    await expectRefused(target, act.markReady('ghost'), 'exists', "exists: connector 'ghost' does not exist");
    await expectRefused(target, act.enableConnection('ghost'), 'exists', "exists: connection 'ghost' does not exist");
  });
});

describe('secrets', () => {
  it('S1: a secret that the authentication type does not have is refused; an unknown secret name too', async () => {
    await expectRefused(target, act.createConnector('keyed', apiKey('X')), 'S1', "S1: secret 'clientSecret' does not belong to authentication type apiKey", {
      clientSecret: 'x',
    });
    await expect(target.execute(act.createConnector('crm'), { password: 'x' } as never)).rejects.toMatchObject({ details: { rule: 'S1' } });
    expect(await target.serial()).toBe(0);
  });

  it('S2: the secret value is never stored (file bytes), exported, journaled or put in an error; only its keyed fingerprint', async () => {
    const secret = 'Sup3r-S3cret-Value-4711';
    await target.execute(act.createConnector('crm'), { clientSecret: secret }, { runId: 'run1', actionId: 'a1' });
    await target.execute(act.createConnector('keyed', apiKey('X')), { clientSecret: secret }, { runId: 'run1', actionId: 'a2' }).catch((e: Error) => {
      expect(e.message).not.toContain(secret);
      expect(JSON.stringify(e)).not.toContain(secret);
    });
    await target.execute(act.createConnector('o1', oauth1()), { consumerSecret: secret });
    const exported = JSON.stringify(await target.exportSnapshot());
    expect(exported).not.toContain(secret);
    expect(exported).toMatch(/"clientSecret":"hmac-sha256:[0-9a-f]{12}:[A-Za-z0-9_-]{43}"/);
    expect(JSON.stringify(await target.journal('run1'))).not.toContain(secret);
    const read = await target.read();
    expect(JSON.stringify([...read.state.connectors.values()])).not.toContain(secret);
    await target.close();
    for (const suffix of ['', '-wal', '-shm']) {
      const bytes = (() => {
        try {
          return readFileSync(`${tmp.dir}/local.db${suffix}`);
        } catch {
          return Buffer.alloc(0);
        }
      })();
      expect(bytes.includes(Buffer.from(secret)), `secret in local.db${suffix}`).toBe(false);
      expect(bytes.includes(Buffer.from(secret, 'utf16le')), `secret (utf-16) in local.db${suffix}`).toBe(false);
    }
    target = await openLocal(tmp.dir);
  });
});
