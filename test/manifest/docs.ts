/** Valid manifest documents to build test repositories from; tests break one thing at a time. */

export const OAUTH2 = `kind: Connector
linkName: crm
name: Acme CRM
description: CRM of the sales team
authentication:
  type: oauth2
  grantType: authorization_code
  clientId: 1000.ABCDEF
  clientSecret: { fromEnv: CRM_CLIENT_SECRET }
  authorizeUrl: https://accounts.acme.example/oauth/authorize
  accessTokenUrl: https://accounts.acme.example/oauth/token
  refreshTokenUrl: https://accounts.acme.example/oauth/token
  scopes: [contacts.read, contacts.write]
`;

export const OAUTH1 = `kind: Connector
linkName: erp
name: ERP
authentication:
  type: oauth1
  consumerKey: key
  consumerSecret: { fromEnv: ERP_CONSUMER_SECRET }
  requestTokenUrl: https://erp.example/request
  authorizeUrl: https://erp.example/authorize
  accessTokenUrl: https://erp.example/access
`;

export const APIKEY = `kind: Connector
linkName: weather
name: Weather
authentication:
  type: apiKey
  parameterKey: X-Api-Key
  displayName: API key
  addTo: header
`;

export const BASIC = `kind: Connector
linkName: desk
name: Helpdesk
authentication:
  type: basic
`;

export const CONNECTION = `kind: Connection
linkName: crm_sales
name: CRM sales team
connector: crm
scopes: [contacts.read]
`;

export const SECRET_VALUE = 'hunter2-Sup3r-s3cret';
