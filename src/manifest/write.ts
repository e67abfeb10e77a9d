/**
 * What `connectorops import` writes: manifests (docs/manifests.md) for what a target
 * holds, one file per connector (`connectors/<linkName>.yaml`) and per connection
 * (`connections/<linkName>.yaml`). Pure: the command does the files.
 *
 * Choices (docs/targets.md, "import"):
 * - fields in the contract's order; defaults written explicitly (stage, enabled, scopeSeparator,
 *   scopes) so that a reader sees the whole account, except an empty description;
 * - secrets as `{ fromEnv: NAME }` (S1) with NAME derived from the connector (`crm` clientSecret →
 *   `CRM_CLIENT_SECRET`), written when the target holds a fingerprint or the connector is ready
 *   (where the secret is mandatory, R2a); the user must set those variables before plan/apply;
 * - authorization state and usages are not written: they are the target's, not the manifests'.
 */
import { Document, isMap, isSeq } from 'yaml';
import type { ConnectionRecord, ConnectorRecord, SecretName, State } from '../model/types.js';
import { AUTH_PARAMETERS, authParameter, SECRET_PAIRED_WITH, SECRET_PARAMETERS } from '../model/types.js';

export interface ManifestFile {
  /** Relative to the output directory, with `/` separators. */
  path: string;
  content: string;
  kind: 'Connector' | 'Connection';
  linkName: string;
}

/** An environment variable a written manifest refers to (S1). */
export interface SecretVariable {
  env: string;
  connector: string;
  secret: SecretName;
}

export interface ManifestOptions {
  /**
   * Where the manifest JSON Schema is, relative to the output directory (e.g.
   * `schema/manifest.schema.json`). When given, each file starts with a
   * `# yaml-language-server: $schema=…` comment pointing at it; when not, there is no comment.
   */
  schemaPath?: string;
}

/** The environment variable that holds a connector's secret: `crm` + clientSecret → `CRM_CLIENT_SECRET`. */
export function secretEnvName(connector: string, secret: SecretName): string {
  return `${connector.toUpperCase()}_${secret.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The manifests for a state, in path order, and the environment variables they need. */
export function manifestsFor(state: State, options: ManifestOptions = {}): { files: ManifestFile[]; variables: SecretVariable[] } {
  const files: ManifestFile[] = [];
  const variables: SecretVariable[] = [];
  const sorted = <T extends { linkName: string }>(m: Map<string, T>) => [...m.values()].sort((a, b) => (a.linkName < b.linkName ? -1 : a.linkName > b.linkName ? 1 : 0));
  for (const c of sorted(state.connectors)) {
    const { doc, secrets } = connectorDocument(c);
    variables.push(...secrets);
    const path = `connectors/${c.linkName}.yaml`;
    files.push({ path, content: render(doc, path, options), kind: 'Connector', linkName: c.linkName });
  }
  for (const c of sorted(state.connections)) {
    const connector = state.connectors.get(c.connector);
    const path = `connections/${c.linkName}.yaml`;
    files.push({ path, content: render(connectionDocument(c, connector), path, options), kind: 'Connection', linkName: c.linkName });
  }
  return { files, variables };
}

function connectorDocument(c: ConnectorRecord): { doc: Record<string, unknown>; secrets: SecretVariable[] } {
  const secrets: SecretVariable[] = [];
  const secretRef = (name: SecretName) => {
    const wanted = SECRET_PARAMETERS[c.authentication.type].includes(name) && (c.secretFingerprints[name] !== undefined || c.stage === 'ready');
    if (!wanted) return undefined;
    const env = secretEnvName(c.linkName, name);
    secrets.push({ env, connector: c.linkName, secret: name });
    return { fromEnv: env };
  };
  const a = c.authentication;
  let auth: Record<string, unknown>;
  switch (a.type) {
    case 'apiKey':
      auth = { type: 'apiKey' };
      if (a.parameters.length === 1) Object.assign(auth, clean({ ...a.parameters[0]! }));
      else if (a.parameters.length > 1) auth.parameters = a.parameters.map((p) => clean({ ...p }));
      break;
    case 'basic':
      auth = { type: 'basic' };
      break;
    case 'oauth1':
    case 'oauth2': {
      // Every parameter in the schema's order (defaults written explicitly), each secret
      // reference right after its public half (clientId, consumerKey).
      const written: Record<string, unknown> = { type: a.type };
      for (const key of AUTH_PARAMETERS[a.type]) {
        const value = authParameter(a, key);
        written[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
        for (const secret of SECRET_PARAMETERS[a.type]) if (SECRET_PAIRED_WITH[secret] === key) written[secret] = secretRef(secret);
      }
      auth = clean(written);
      break;
    }
  }
  const doc = clean({
    kind: 'Connector',
    linkName: c.linkName,
    name: c.name,
    description: c.description === '' ? undefined : c.description,
    stage: c.stage,
    enabled: c.enabled,
    authentication: auth,
  });
  return { doc, secrets };
}

function connectionDocument(c: ConnectionRecord, connector: ConnectorRecord | undefined): Record<string, unknown> {
  // Scopes mean something only under an OAuth2 connector (docs/rules.md).
  const oauth2 = connector?.authentication.type === 'oauth2' || c.scopes.length > 0;
  return clean({
    kind: 'Connection',
    linkName: c.linkName,
    name: c.name,
    connector: c.connector,
    enabled: c.enabled,
    scopes: oauth2 ? [...c.scopes] : undefined,
    // Creator's defaults are left out, as a person would write the manifest.
    authorizationOwner: c.authorizationOwner === 'admin' ? undefined : c.authorizationOwner,
    sameAuthorizationForAllEnvironments: c.sameAuthorizationForAllEnvironments ? undefined : false,
    access: c.access ? [...c.access] : undefined,
  });
}

function render(value: Record<string, unknown>, path: string, options: ManifestOptions): string {
  const doc = new Document(value);
  // `{ fromEnv: X }` and scope lists read best on one line, as the contract writes them.
  const flowify = (node: unknown, key?: string): void => {
    if (isMap(node)) {
      if (node.items.length === 1 && String((node.items[0]!.key as { value?: unknown })?.value) === 'fromEnv') node.flow = true;
      for (const pair of node.items) flowify(pair.value, String((pair.key as { value?: unknown })?.value));
    } else if (isSeq(node) && key === 'scopes') {
      node.flow = true;
    }
  };
  flowify(doc.contents);
  const body = doc.toString({ lineWidth: 0 });
  if (!options.schemaPath) return body;
  const depth = path.split('/').length - 1;
  const rel = `${'../'.repeat(depth)}${options.schemaPath}`;
  return `# yaml-language-server: $schema=${rel}\n${body}`;
}

function clean<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
