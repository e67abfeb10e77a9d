/**
 * The pure core of loading: file texts in, desired state and diagnostics out. Schema first, then
 * the named semantic checks (checks.ts). Synchronous and total: bad input is a diagnostic, never
 * an exception.
 */
import type { Diagnostic } from '../errors.js';
import { canonicalJson, sha256 } from '../model/canonical.js';
import type { Authentication, DesiredConnection, DesiredConnector, DesiredState, SecretName, SecretRef } from '../model/types.js';
import { CHECKS, connectorIndex, type CheckInput, type Located } from './checks.js';
import { CONFIG_FILE, emptyConfig, parseConfig, type ProjectConfig } from './config.js';
import { issuesToDiagnostics } from './zod-issues.js';
import { closest } from '../util/text.js';
import { ConnectionDoc, ConnectorDoc, KINDS, type ConnectionDocT, type ConnectorDocT } from './schema.js';
import { parseYamlFile, type ParsedDocument } from './yaml.js';
import { safeParse } from '../util/safe-parse.js';

/** A file as a ManifestSource delivers it: path relative to the manifest dir, `/`-separated. */
export interface ManifestText {
  path: string;
  text: string;
}

export interface Validation {
  desired: DesiredState;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  config: ProjectConfig;
}

/**
 * Validates a set of files: every `connectors/`/`connections/` document, and `connectorops.yaml`.
 * `desired` holds the documents that passed the schema (the first of each link name); it is only
 * meant to be used when `errors` is empty.
 */
export function validateManifests(files: readonly ManifestText[]): Validation {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const report = (ds: readonly Diagnostic[]) => {
    for (const d of ds) (d.severity === 'error' ? errors : warnings).push(d);
  };
  let config = emptyConfig();
  const input: { connectors: Located<DesiredConnector>[]; connections: Located<DesiredConnection>[]; brokenConnectors: Set<string>; unparsed: string[] } = {
    connectors: [],
    connections: [],
    brokenConnectors: new Set(),
    unparsed: [],
  };

  for (const file of sortedByPath(files)) {
    if (file.path === CONFIG_FILE) {
      const c = parseConfig(file.path, file.text);
      config = c.config;
      report(c.errors);
      report(c.warnings);
      continue;
    }
    const parsed = parseYamlFile(file.path, file.text);
    report(parsed.diagnostics);
    if (parsed.diagnostics.some((d) => d.severity === 'error' && d.code === 'yaml')) {
      // What it defines is unknown: references to it are "not checked", never "no manifest defines".
      input.unparsed.push(file.path);
      for (const m of file.text.matchAll(LINK_NAME_LINE)) input.brokenConnectors.add(m[1]!);
    }
    for (const doc of parsed.documents) report(validateDocument(doc, input));
  }

  const checkInput: CheckInput = { ...input, connectorsByLink: connectorIndex(input.connectors) };
  for (const check of CHECKS) report(check(checkInput));

  const desired: DesiredState = { connectors: new Map(), connections: new Map() };
  for (const [linkName, { value }] of checkInput.connectorsByLink) desired.connectors.set(linkName, value);
  for (const { value } of input.connections) if (!desired.connections.has(value.linkName)) desired.connections.set(value.linkName, value);

  return { desired, errors: sortDiagnostics(errors), warnings: sortDiagnostics(warnings), config };
}

/** A `linkName:` line, read from a file the YAML parser refused (the value is a link name, never a secret). */
const LINK_NAME_LINE = /^[ \t]*linkName:[ \t]*["']?([a-z][a-z0-9_]{0,49})["']?[ \t]*(?:#.*)?$/gm;

/** Schema-checks one document and, when it passes, adds it to `into`. Returns its diagnostics. */
function validateDocument(
  doc: ParsedDocument,
  into: { connectors: Located<DesiredConnector>[]; connections: Located<DesiredConnection>[]; brokenConnectors: Set<string> },
): Diagnostic[] {
  const value = doc.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ ...doc.start, severity: 'error', code: 'kind', message: 'a manifest document is a mapping that starts with kind: Connector or kind: Connection' }];
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind === undefined) {
    return [{ ...doc.start, severity: 'error', code: 'kind', message: 'missing kind', hint: `every document says what it is: kind: ${KINDS.join(' or kind: ')}` }];
  }
  if (kind === 'Connector') {
    const result = safeParse(ConnectorDoc, value);
    if (!result.success) {
      const linkName = (value as { linkName?: unknown }).linkName;
      if (typeof linkName === 'string') into.brokenConnectors.add(linkName);
      return issuesToDiagnostics(result.error.issues, doc, ConnectorDoc);
    }
    into.connectors.push({ value: toDesiredConnector(result.data, doc), doc: { locate: (path, at) => doc.locate(path, at) } });
    return [];
  }
  if (kind === 'Connection') {
    const result = safeParse(ConnectionDoc, value);
    if (!result.success) return issuesToDiagnostics(result.error.issues, doc, ConnectionDoc);
    into.connections.push({ value: toDesiredConnection(result.data, doc), doc: { locate: (path, at) => doc.locate(path, at) } });
    return [];
  }
  const near = typeof kind === 'string' ? closest(kind, KINDS) : undefined;
  return [
    {
      ...doc.locate(['kind']),
      severity: 'error',
      code: 'kind',
      message: `unknown kind ${JSON.stringify(kind)}`,
      hint: near ? `did you mean '${near}'?` : `kind is ${KINDS.join(' or ')}`,
    },
  ];
}

function toDesiredConnector(d: ConnectorDocT, doc: ParsedDocument): DesiredConnector {
  const secrets: Partial<Record<SecretName, SecretRef>> = {};
  let authentication: Authentication;
  const a = d.authentication;
  switch (a.type) {
    case 'apiKey': {
      // The model always holds a list: a flat parameter is a list of one.
      const list = a.parameters ?? (a.parameterKey !== undefined ? [{ parameterKey: a.parameterKey, displayName: a.displayName, addTo: a.addTo }] : []);
      authentication = { type: 'apiKey', parameters: list.map((p) => defined({ parameterKey: p.parameterKey, displayName: p.displayName, addTo: p.addTo })) };
      break;
    }
    case 'basic':
      authentication = { type: 'basic' };
      break;
    case 'oauth1': {
      const { consumerSecret, ...rest } = a;
      if (consumerSecret) secrets.consumerSecret = { fromEnv: consumerSecret.fromEnv };
      authentication = defined(rest);
      break;
    }
    case 'oauth2': {
      const { clientSecret, ...rest } = a;
      if (clientSecret) secrets.clientSecret = { fromEnv: clientSecret.fromEnv };
      authentication = defined(rest);
      break;
    }
  }
  return {
    linkName: d.linkName,
    name: d.name,
    description: d.description,
    stage: d.stage,
    enabled: d.enabled,
    authentication,
    secrets,
    source: doc.start,
  };
}

function toDesiredConnection(d: ConnectionDocT, doc: ParsedDocument): DesiredConnection {
  return {
    linkName: d.linkName,
    name: d.name,
    connector: d.connector,
    enabled: d.enabled,
    scopes: d.scopes,
    authorizationOwner: d.authorizationOwner,
    sameAuthorizationForAllEnvironments: d.sameAuthorizationForAllEnvironments,
    ...(d.access !== undefined ? { access: d.access } : {}),
    source: doc.start,
  };
}

/** Without the keys whose value is undefined, so that equal states are equal objects. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Sources list files sorted already; sorting again only when needed keeps that free. */
function sortedByPath(files: readonly ManifestText[]): readonly ManifestText[] {
  for (let i = 1; i < files.length; i++) {
    if (files[i - 1]!.path > files[i]!.path) return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  return files;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}

/**
 * sha256 of the desired state without source locations: moving, reformatting or splitting files
 * does not change it; changing what is wanted does.
 */
export function manifestDigest(desired: DesiredState): string {
  // Keyed by link name: canonicalJson sorts keys, so file order does not matter either.
  const strip = <T extends { source: unknown }>(m: Map<string, T>) => Object.fromEntries([...m].map(([linkName, { source: _source, ...rest }]) => [linkName, rest]));
  return sha256(canonicalJson({ connectors: strip(desired.connectors), connections: strip(desired.connections) }));
}
