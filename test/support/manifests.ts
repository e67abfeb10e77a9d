/**
 * Small manifests and Deluge code for the end-to-end tests that need an account with one API-key
 * connector (`crm`, no secret) and connections on it, and code that calls them.
 */

/** Connector `crm`: API key, no secret to set. */
export const CRM_API_KEY = `kind: Connector
linkName: crm
name: Acme CRM
authentication:
  type: apiKey
  parameterKey: X-Api-Key
`;

/** A connection on `crm`, named as its link name; `extra` adds YAML lines. */
export const crmConnection = (linkName: string, extra = '') => `kind: Connection\nlinkName: ${linkName}\nname: ${linkName}\nconnector: crm\n${extra}`;

/** A Creator export (`.ds`) of application `app` whose function `sync` calls `connection` (its `connection` key on line 11). */
export const delugeCalling = (connection: string, app = 'Order Desk') =>
  `application "${app}"\n{\n\tfunctions\n\t{\n\t\tvoid sync()\n\t\t{\n\t\t\tr = invokeurl\n\t\t\t[\n\t\t\t\turl :"https://crm.example/api"\n\t\t\t\ttype :GET\n\t\t\t\tconnection :"${connection}"\n\t\t\t];\n\t\t}\n\t}\n}\n`;
