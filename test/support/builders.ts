/**
 * Readable states for tests: `state().connector('crm', { stage: 'draft' }).connection('crm_sales', 'crm').build()`.
 * Defaults make a valid account: ready, enabled OAuth2 connectors with every mandatory parameter.
 */
import type { Authentication, ConnectionRecord, ConnectorRecord, State } from '../../src/model/types.js';

export function oauth2(overrides: Partial<Extract<Authentication, { type: 'oauth2' }>> = {}): Authentication {
  return {
    type: 'oauth2',
    grantType: 'authorization_code',
    clientId: '1000.CLIENT',
    authorizeUrl: 'https://accounts.example.com/oauth/authorize',
    accessTokenUrl: 'https://accounts.example.com/oauth/token',
    refreshTokenUrl: 'https://accounts.example.com/oauth/token',
    scopes: ['contacts.read', 'contacts.write'],
    scopeSeparator: ',',
    ...overrides,
  };
}

export class StateBuilder {
  private readonly s: State = { connectors: new Map(), connections: new Map() };

  connector(linkName: string, overrides: Partial<ConnectorRecord> = {}): this {
    const authentication = overrides.authentication ?? oauth2();
    this.s.connectors.set(linkName, {
      linkName,
      name: `Connector ${linkName}`,
      description: '',
      stage: 'ready',
      enabled: true,
      authentication,
      secretFingerprints:
        authentication.type === 'oauth2' ? { clientSecret: `fp-${linkName}` } : authentication.type === 'oauth1' ? { consumerSecret: `fp-${linkName}` } : {},
      ...overrides,
    });
    return this;
  }

  connection(linkName: string, connector: string, overrides: Partial<ConnectionRecord> = {}): this {
    this.s.connections.set(linkName, {
      linkName,
      name: `Connection ${linkName}`,
      connector,
      enabled: true,
      scopes: [],
      authorizationOwner: 'admin',
      sameAuthorizationForAllEnvironments: true,
      authorizations: [],
      usages: [],
      ...overrides,
    });
    return this;
  }

  build(): State {
    return this.s;
  }
}

export function state(): StateBuilder {
  return new StateBuilder();
}
