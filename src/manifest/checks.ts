/**
 * The semantic checks that need more than one field or more than one document. One function per
 * rule, each citing its rule id (or, for the unnumbered basics, a short code) as the diagnostic
 * code. They see every document that passed the schema, duplicates included, with the means to
 * locate any of their fields.
 */
import type { Diagnostic } from '../errors.js';
import type { DesiredConnection, DesiredConnector, SecretName, SourceLocation } from '../model/types.js';
import { missingMandatory } from '../rules/authentication.js';
import type { Locator } from './yaml.js';
import { agree } from '../util/text.js';

export interface Located<T> {
  value: T;
  /** Only the locator, not the parsed document: its raw value need not outlive the schema check. */
  doc: Locator;
}

export interface CheckInput {
  /** In file order; the first of several with one link name is the one that counts. */
  connectors: readonly Located<DesiredConnector>[];
  connections: readonly Located<DesiredConnection>[];
  /**
   * Link names of connector documents that failed the schema: a connection that refers to one is
   * not reported again as a dangling reference.
   */
  brokenConnectors: ReadonlySet<string>;
  /** Files the YAML parser refused: what they define is unknown. */
  unparsed: readonly string[];
  /** The first connector of each link name: the one connections refer to. */
  connectorsByLink: ReadonlyMap<string, Located<DesiredConnector>>;
}

export type Check = (input: CheckInput) => Diagnostic[];

function at(where: SourceLocation, code: Diagnostic['code'], message: string, hint?: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return { ...where, severity, code, message, ...(hint ? { hint } : {}) };
}

function where(doc: Locator, path: readonly PropertyKey[]): string {
  const l = doc.locate(path);
  return `${l.file}:${l.line}:${l.col}`;
}

/** The first connector of each link name: the one connections refer to. */
export function connectorIndex(connectors: readonly Located<DesiredConnector>[]): Map<string, Located<DesiredConnector>> {
  const index = new Map<string, Located<DesiredConnector>>();
  for (const c of connectors) if (!index.has(c.value.linkName)) index.set(c.value.linkName, c);
  return index;
}

/** The diagnostics `check` finds for each connection whose connector is defined. */
function perConnection(
  input: CheckInput,
  check: (connection: DesiredConnection, c: Located<DesiredConnection>, connector: Located<DesiredConnector>) => Diagnostic[],
): Diagnostic[] {
  return input.connections.flatMap((c) => {
    const connector = input.connectorsByLink.get(c.value.connector);
    return connector ? check(c.value, c, connector) : [];
  });
}

/** N3: a link name is unique among connectors, and unique among connections. */
const uniqueLinkNames: Check = (input) => {
  const out: Diagnostic[] = [];
  const scan = (kind: string, items: readonly Located<{ linkName: string }>[]) => {
    const first = new Map<string, Located<{ linkName: string }>>();
    for (const item of items) {
      const seen = first.get(item.value.linkName);
      if (!seen) first.set(item.value.linkName, item);
      else {
        out.push(
          at(
            item.doc.locate(['linkName']),
            'N3',
            `${kind} linkName '${item.value.linkName}' is defined twice: also defined at ${where(seen.doc, ['linkName'])}`,
            `a link name is unique among ${kind}s: rename or remove one of them`,
          ),
        );
      }
    }
  };
  scan('connector', input.connectors);
  scan('connection', input.connections);
  return out;
};

/**
 * `reference`: a connection names a connector that exists in the manifests. A reference to a
 * connector whose document has errors (or, while a file could not be parsed at all, to any unknown
 * connector) is not checked: it is said once per connector, as a warning, never as a second error.
 */
const connectorExists: Check = (input) => {
  const names = [...input.connectorsByLink.keys()].sort();
  const hint = names.length ? `known connectors: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}` : 'add a kind: Connector manifest for it';
  const out: Diagnostic[] = [];
  const unchecked = new Map<string, Located<DesiredConnection>[]>();
  for (const c of input.connections) {
    const connector = c.value.connector;
    if (input.connectorsByLink.has(connector)) continue;
    if (input.brokenConnectors.has(connector) || input.unparsed.length) {
      const list = unchecked.get(connector) ?? [];
      list.push(c);
      unchecked.set(connector, list);
      continue;
    }
    out.push(at(c.doc.locate(['connector']), 'reference', `connection '${c.value.linkName}' refers to connector '${connector}', which no manifest defines`, hint));
  }
  const files = input.unparsed.length ? ` (${input.unparsed.join(', ')} could not be parsed)` : '';
  for (const [connector, refs] of unchecked) {
    const who = refs.map((c) => `'${c.value.linkName}'`).join(', ');
    out.push(
      at(
        refs[0]!.doc.locate(['connector']),
        'reference',
        `not checked: ${agree(refs.length, 'connection')} ${who} ${agree(refs.length, 'refers', 'refer')} to connector '${connector}', whose manifest has errors${files}`,
        'fix the errors above; the references are checked once it parses',
        'warning',
      ),
    );
  }
  return out;
};

/** R6: a draft connector has no connections. */
const noConnectionsOfDraft: Check = (input) =>
  perConnection(input, (conn, c, connector) =>
    connector.value.stage !== 'draft'
      ? []
      : [
          at(
            c.doc.locate(['connector']),
            'R6',
            `connection '${conn.linkName}' belongs to connector '${connector.value.linkName}', which is in draft (${where(connector.doc, ['stage'])})`,
            'mark the connector ready (stage: ready) or remove the connection',
          ),
        ],
  );

/** R16: a connection can be enabled only while its connector is enabled. */
const noEnabledUnderDisabled: Check = (input) =>
  perConnection(input, (conn, c, connector) =>
    connector.value.enabled || !conn.enabled
      ? []
      : [
          at(
            c.doc.locate(['enabled']),
            'R16',
            `connection '${conn.linkName}' is enabled, but its connector '${connector.value.linkName}' is disabled (${where(connector.doc, ['enabled'])})`,
            'set enabled: false on the connection, or enable the connector',
          ),
        ],
  );

/** `scopes`: a connection asks only for scopes its OAuth2 connector declares; non-OAuth2 connections have none. */
const connectionScopes: Check = (input) =>
  perConnection(input, (conn, c, connector) => {
    const auth = connector.value.authentication;
    if (conn.scopes.length === 0) return [];
    if (auth.type !== 'oauth2') {
      return [
        at(
          c.doc.locate(['scopes'], 'key'),
          'scopes',
          `connection '${conn.linkName}' has scopes, but its connector '${connector.value.linkName}' uses ${auth.type}, which has none`,
          'scopes apply only to OAuth2 connectors: remove them',
        ),
      ];
    }
    const offered = new Set(auth.scopes);
    return conn.scopes.flatMap((scope, i) =>
      offered.has(scope)
        ? []
        : [
            at(
              c.doc.locate(['scopes', i]),
              'scopes',
              `scope '${scope}' of connection '${conn.linkName}' is not one of connector '${connector.value.linkName}''s scopes (${where(connector.doc, ['authentication', 'scopes'])})`,
              auth.scopes.length ? `the connector offers: ${auth.scopes.join(', ')}` : 'the connector declares no scopes',
            ),
          ],
    );
  });

/** `scopes` (warning): a scope listed twice in one list is noise, and was probably meant to be another. */
const repeatedScopes: Check = (input) => {
  const out: Diagnostic[] = [];
  const scan = (doc: Locator, path: string[], scopes: readonly string[]) => {
    const seen = new Set<string>();
    scopes.forEach((s, i) => {
      if (seen.has(s)) out.push(at(doc.locate([...path, i]), 'scopes', `scope '${s}' is listed twice`, undefined, 'warning'));
      seen.add(s);
    });
  };
  for (const c of input.connectors) if (c.value.authentication.type === 'oauth2') scan(c.doc, ['authentication', 'scopes'], c.value.authentication.scopes);
  for (const c of input.connections) scan(c.doc, ['scopes'], c.value.scopes);
  return out;
};

/** R2 (R2a): a ready connector has every mandatory authentication parameter of its type. */
const readyHasMandatory: Check = (input) => {
  const out: Diagnostic[] = [];
  for (const c of input.connectors) {
    if (c.value.stage !== 'ready') continue;
    const secrets = new Set(Object.keys(c.value.secrets) as SecretName[]);
    const missing = missingMandatory(c.value.authentication, secrets);
    if (missing.length === 0) continue;
    out.push(
      at(
        c.doc.locate(['authentication'], 'key'),
        'R2',
        `ready connector '${c.value.linkName}' lacks mandatory ${c.value.authentication.type} ${agree(missing.length, 'parameter')}: ${missing.join(', ')}`,
        'set them, or keep the connector in stage: draft until they are known',
      ),
    );
  }
  return out;
};

/** `unused` (warning): authorizeUrl means nothing to the client_credentials grant. */
const unusedParameters: Check = (input) =>
  input.connectors
    .filter(
      (c) => c.value.authentication.type === 'oauth2' && c.value.authentication.grantType === 'client_credentials' && c.value.authentication.authorizeUrl !== undefined,
    )
    .map((c) => at(c.doc.locate(['authentication', 'authorizeUrl']), 'unused', `authorizeUrl is not used by the client_credentials grant`, 'remove it', 'warning'));

export const CHECKS: readonly Check[] = [
  uniqueLinkNames,
  connectorExists,
  noConnectionsOfDraft,
  noEnabledUnderDisabled,
  connectionScopes,
  repeatedScopes,
  readyHasMandatory,
  unusedParameters,
];
