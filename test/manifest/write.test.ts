/** `connectorops import`'s manifests: their exact form, and that they validate back to the account (property). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateManifests } from '../../src/manifest/validate.js';
import { manifestsFor, secretEnvName } from '../../src/manifest/write.js';
import type { State } from '../../src/model/types.js';
import { validState } from '../support/arbitraries.js';
import { oauth2, state } from '../support/builders.js';

const content = (s: State, path: string, schemaPath?: string) => manifestsFor(s, schemaPath ? { schemaPath } : {}).files.find((f) => f.path === path)!.content;

describe('manifests of an account', () => {
  it('S1: derive the environment variable of each secret from the connector', () => {
    expect(secretEnvName('crm', 'clientSecret')).toBe('CRM_CLIENT_SECRET');
    expect(secretEnvName('crm_eu', 'consumerSecret')).toBe('CRM_EU_CONSUMER_SECRET');
  });

  it("write a connector in the contract's field order, defaults explicit, the secret as a reference", () => {
    const s = state().connector('crm', { name: 'Acme CRM', description: 'CRM of the sales team' }).build();
    expect(content(s, 'connectors/crm.yaml')).toBe(`kind: Connector
linkName: crm
name: Acme CRM
description: CRM of the sales team
stage: ready
enabled: true
authentication:
  type: oauth2
  grantType: authorization_code
  clientId: 1000.CLIENT
  clientSecret: { fromEnv: CRM_CLIENT_SECRET }
  authorizeUrl: https://accounts.example.com/oauth/authorize
  accessTokenUrl: https://accounts.example.com/oauth/token
  refreshTokenUrl: https://accounts.example.com/oauth/token
  scopes: [ contacts.read, contacts.write ]
  scopeSeparator: ","
`);
    expect(manifestsFor(s).variables).toEqual([{ env: 'CRM_CLIENT_SECRET', connector: 'crm', secret: 'clientSecret' }]);
  });

  it('write a connection with its scopes under an OAuth2 connector, without under others; no authorization, no usages', () => {
    const s = state()
      .connector('crm')
      .connector('keyed', { authentication: { type: 'apiKey', parameters: [{ parameterKey: 'X-Key', addTo: 'header' }] } })
      .connection('crm_sales', 'crm', { scopes: [], authorizations: [{ environment: 'all', account: 'alice' }], usages: [{ app: 'a', component: 'b', kind: 'c' }] })
      .connection('keyed_a', 'keyed', { enabled: false })
      .build();
    expect(content(s, 'connections/crm_sales.yaml')).toBe(
      'kind: Connection\nlinkName: crm_sales\nname: Connection crm_sales\nconnector: crm\nenabled: true\nscopes: []\n',
    );
    expect(content(s, 'connections/keyed_a.yaml')).toBe('kind: Connection\nlinkName: keyed_a\nname: Connection keyed_a\nconnector: keyed\nenabled: false\n');
    expect(content(s, 'connectors/keyed.yaml')).toContain('authentication:\n  type: apiKey\n  parameterKey: X-Key\n  addTo: header\n');
  });

  it('name a secret only where the target holds it or the connector is ready (where it is mandatory)', () => {
    const s = state()
      .connector('draft_no_secret', { stage: 'draft', secretFingerprints: {} })
      .connector('ready_adopted', { secretFingerprints: {} })
      .connector('o1', {
        authentication: {
          type: 'oauth1',
          consumerKey: 'k',
          requestTokenUrl: 'https://x.example/r',
          authorizeUrl: 'https://x.example/a',
          accessTokenUrl: 'https://x.example/t',
        },
      })
      .build();
    const { variables } = manifestsFor(s);
    expect(variables.map((v) => v.env)).toEqual(['O1_CONSUMER_SECRET', 'READY_ADOPTED_CLIENT_SECRET']);
    expect(content(s, 'connectors/draft_no_secret.yaml')).not.toContain('clientSecret');
    expect(content(s, 'connectors/o1.yaml')).toContain('  consumerKey: k\n  consumerSecret: { fromEnv: O1_CONSUMER_SECRET }\n  requestTokenUrl:');
  });

  it('start each file with a schema comment relative to it, only when asked', () => {
    const s = state().connector('crm', { authentication: oauth2() }).build();
    expect(content(s, 'connectors/crm.yaml', 'schema/manifest.schema.json').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/manifest.schema.json');
    expect(content(s, 'connectors/crm.yaml').startsWith('kind: Connector\n')).toBe(true);
  });

  it('validate back to the same account, for any valid account (property)', () => {
    fc.assert(
      fc.property(validState(), (s) => {
        const { files } = manifestsFor(s, { schemaPath: 'schema/manifest.schema.json' });
        const result = validateManifests(files.map((f) => ({ path: f.path, text: f.content })));
        expect(result.errors).toEqual([]);
        const { desired } = result;
        expect([...desired.connectors.keys()].sort()).toEqual([...s.connectors.keys()].sort());
        expect([...desired.connections.keys()].sort()).toEqual([...s.connections.keys()].sort());
        for (const [name, c] of s.connectors) {
          const d = desired.connectors.get(name)!;
          expect({ name: d.name, description: d.description, stage: d.stage, enabled: d.enabled, authentication: d.authentication }).toEqual({
            name: c.name,
            description: c.description,
            stage: c.stage,
            enabled: c.enabled,
            authentication: c.authentication,
          });
        }
        for (const [name, c] of s.connections) {
          const d = desired.connections.get(name)!;
          expect({ name: d.name, connector: d.connector, enabled: d.enabled, scopes: d.scopes }).toEqual({
            name: c.name,
            connector: c.connector,
            enabled: c.enabled,
            scopes: c.scopes,
          });
        }
      }),
      { numRuns: 100 },
    );
  });
});
