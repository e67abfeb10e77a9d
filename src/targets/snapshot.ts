/**
 * The snapshot document (docs/targets.md, "Snapshots") as a strict zod schema, and its
 * conversion to and from the model. Pure: no files, no database. The local target uses it for
 * `target export` / `target import`; the HTTP target will reuse it for the same document on the wire.
 *
 * Conversion rules, so that export → import → export is byte-for-byte stable:
 * - `connectors` and `connections` are sorted by linkName;
 * - optional fields that are absent are omitted; `description` is always written (it may be "");
 * - apiKey with exactly one parameter is written flat (`parameterKey`, `displayName`, `addTo`),
 *   with several as `parameters: [...]`; import accepts both;
 * - OAuth2 `scopeSeparator` is omitted when it is the default `,`;
 * - `secretFingerprints` is omitted when the connector has none.
 */
import jsonc from 'jsonc-parser';
import type { z } from 'zod';
import { UserError, type Diagnostic } from '../errors.js';
import { jsonPath } from '../util/json-path.js';
import { canonicalJson, ChunkedSha256 } from '../model/canonical.js';
import { SnapshotSchema, SnapshotV1Schema, type Snapshot, type SnapshotAuthentication, type SnapshotConnection, type SnapshotConnector } from '../model/snapshot.js';
import {
  AUTH_PARAMETERS,
  authParameter,
  ENVIRONMENTS,
  type ApiKeyParameter,
  type Authentication,
  type Authorization,
  type ConnectionRecord,
  type ConnectorRecord,
  type SecretName,
  type ReadonlyState,
  type State,
} from '../model/types.js';
import { checkState, formatViolation } from '../rules/index.js';
import { descriptionProblem, linkNameProblem, nameProblem } from '../rules/names.js';
import { quoteTerminal, sanitizeTerminal } from '../util/terminal.js';
import { sortAuthorizations } from '../model/authorizations.js';
import { plural } from '../util/text.js';
import { safeParse } from '../util/safe-parse.js';

/** The snapshot format versions this build reads; it writes the last one. Version 1 is read as 2 (SnapshotV1Schema). */
const SNAPSHOT_FORMAT_VERSIONS = [1, 2] as const;

// ---------------------------------------------------------------------------------------------
// Parsing and validation

/**
 * Parses snapshot JSON text. A syntax error names `source:line:col`. Then validates like
 * `validateSnapshot`. Throws UserError; never returns a snapshot that breaks a rule.
 */
export function parseSnapshotJson(text: string, source = 'snapshot'): ValidatedSnapshot {
  let value: unknown;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    value = JSON.parse(body);
  } catch {
    const at = locateJsonError(body);
    const d: Diagnostic = { file: source, line: at.line, col: at.col, severity: 'error', code: 'json', message: at.message };
    throw new UserError(`${source} is not valid JSON; nothing was imported`, { diagnostics: [d] });
  }
  return validateSnapshot(value);
}

/**
 * Validates a whole snapshot before anything uses it: the format version, the strict schema
 * (each problem names its JSON path), unique link names, then every state invariant of rules/
 * (`checkState`). Returns the normalized snapshot, the state it describes and the records it
 * holds (ValidatedSnapshot), or throws a UserError listing every problem.
 */
export function validateSnapshot(value: unknown): ValidatedSnapshot {
  // A snapshot this function returned was checked already (the CLI validates before it opens the
  // target, the target validates again): checking 100k connections twice costs a second.
  if (isValidated(value)) return validated(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError('a snapshot is a JSON object with formatVersion, connectors and connections; nothing was imported');
  }
  const version = (value as { formatVersion?: unknown }).formatVersion;
  if (!SNAPSHOT_FORMAT_VERSIONS.includes(version as 1 | 2)) {
    const supported = SNAPSHOT_FORMAT_VERSIONS.join(', ');
    throw new UserError(
      version === undefined
        ? `the snapshot has no formatVersion; this connectorops reads formatVersion ${supported}; nothing was imported`
        : `snapshot formatVersion ${JSON.stringify(version)} is not supported: this connectorops reads formatVersion ${supported}; nothing was imported`,
      { hint: 'export the snapshot again with this version of connectorops' },
    );
  }
  const upgraded = version === 1 ? safeParse(SnapshotV1Schema, value) : ({ success: true, data: value } as const);
  const parsed = upgraded.success ? parseSnapshot(upgraded.data) : upgraded;
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(formatIssue);
    throw new UserError(listProblems('the snapshot is not valid', problems));
  }
  const problems: string[] = [];
  // In link-name order (an export always is), no two are alike: no set of 100k names needed.
  const sorted = { connectors: sortedByLinkName(parsed.data.connectors), connections: sortedByLinkName(parsed.data.connections) };
  const seen = (kind: 'connectors' | 'connections', items: { linkName: string }[], at: string) => {
    if (sorted[kind]) return;
    const names = new Set<string>();
    items.forEach((item, i) => {
      if (names.has(item.linkName)) problems.push(`${at}[${i}].linkName: N3: two ${kind} have link name '${item.linkName}'`);
      names.add(item.linkName);
    });
  };
  seen('connectors', parsed.data.connectors, 'connectors');
  seen('connections', parsed.data.connections, 'connections');
  if (problems.length) throw new UserError(listProblems('the snapshot is not valid', problems));

  // Connections written exactly as their records (isNormalConnection: an export always is), in
  // order, are their own records: the rules check them and a target writes them without a copy of
  // each (100k copies and their garbage were ~150 ms of an import's CPU, issue 25). The snapshot
  // returned keeps the same objects, so the records share nothing a caller could change.
  const own = sorted.connections && parsed.data.connections.every(isNormalConnection);
  const converted = own ? null : snapshotToState(parsed.data);
  const records = converted ?? recordsOf(parsed.data, sorted.connectors);
  const violations = checkState(records);
  if (violations.length) {
    throw new UserError(listProblems(`the snapshot has ${plural(violations.length, 'rule violation')}`, violations.map(formatViolation)));
  }
  // The document in its normalized form, as the state writes it: the connections given are kept
  // when they are written so already (an export always is), instead of a copy of each (issue 25;
  // a property test holds the two texts equal).
  const snapshot = own
    ? { ...stateToSnapshot({ connectors: records.connectors, connections: new Map() }), connections: parsed.data.connections }
    : stateToSnapshot(records);
  // The records made here are what snapshotToState(snapshot) would make again when the input was
  // in the snapshot's own order (an export always is): kept for the target to write, and, when
  // they are a conversion, for whoever asks for a state first.
  const inOrder = sorted.connectors && sorted.connections;
  VALIDATED.set(snapshot, { records: own || inOrder ? records : null, state: inOrder ? converted : null });
  return validated(snapshot);
}

/**
 * SnapshotSchema.safeParse, with the connections (most of a snapshot) checked by
 * isSnapshotConnection instead of the schema when every one passes it: what it accepts, the
 * schema accepts and reads alike (a property test holds them so). Anything else is parsed whole by
 * the schema, so that its problems are reported as they always were. The schema cost a 100k-row
 * import ~1 s of CPU, twice what JSON.parse of the text costs (issue 25).
 */
function parseSnapshot(value: unknown): { success: true; data: z.output<typeof SnapshotSchema> } | { success: false; error: z.ZodError } {
  const connections = (value as { connections?: unknown }).connections;
  if (isPlainObject(value) && Array.isArray(connections) && connections.length > 0 && allSnapshotConnections(connections)) {
    // The connectors likewise (20k of them cost the schema ~70 ms warm, ~140 ms in a fresh process).
    const connectors = value.connectors;
    const fast = isListOf(connectors, isSnapshotConnector);
    const others = safeParse(SnapshotSchema, fast ? { ...value, connectors: [], connections: [] } : { ...value, connections: [] });
    if (others.success) {
      const data = { ...others.data, connections: connections as z.output<typeof SnapshotSchema>['connections'] };
      return { success: true, data: fast ? { ...data, connectors: connectors as z.output<typeof SnapshotSchema>['connectors'] } : data };
    }
  }
  return safeParse(SnapshotSchema, value);
}

function allSnapshotConnections(list: unknown[]): boolean {
  for (let i = 0; i < list.length; i++) if (!isSnapshotConnection(list[i])) return false;
  return true;
}

const CONNECTION_KEYS = new Set([
  'linkName',
  'name',
  'connector',
  'enabled',
  'scopes',
  'authorizationOwner',
  'sameAuthorizationForAllEnvironments',
  'access',
  'authorizations',
  'usages',
]);
const AUTHORIZATION_KEYS = new Set(['environment', 'account', 'user']);
const AUTHORIZATION_ENVIRONMENTS = new Set<unknown>(['all', ...ENVIRONMENTS]);
const USAGE_KEYS = new Set(['app', 'component', 'kind']);

/**
 * True only for a connection the snapshot schema (SnapshotConnectionSchema, strict) accepts as
 * it is: a plain object with no other keys, every field of its type, the defaulted ones absent
 * or given. False says nothing: the schema then looks at it, and says what is wrong.
 */
export function isSnapshotConnection(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (!CONNECTION_KEYS.has(key)) return false;
  const c = value;
  return (
    typeof c.linkName === 'string' &&
    typeof c.name === 'string' &&
    typeof c.connector === 'string' &&
    typeof c.enabled === 'boolean' &&
    (c.scopes === undefined || isTextList(c.scopes)) &&
    (c.authorizationOwner === undefined || c.authorizationOwner === 'admin' || c.authorizationOwner === 'user') &&
    (c.sameAuthorizationForAllEnvironments === undefined || typeof c.sameAuthorizationForAllEnvironments === 'boolean') &&
    (c.access === undefined || isTextList(c.access)) &&
    (c.authorizations === undefined || isListOf(c.authorizations, isAuthorization)) &&
    (c.usages === undefined || isListOf(c.usages, isUsage))
  );
}

const CONNECTOR_KEYS = new Set(['linkName', 'name', 'description', 'stage', 'enabled', 'authentication', 'secretFingerprints']);
const FINGERPRINT_KEYS = new Set(['clientSecret', 'consumerSecret']);
const OAUTH1_KEYS = new Set(['type', ...AUTH_PARAMETERS.oauth1]);
const OAUTH2_KEYS = new Set(['type', ...AUTH_PARAMETERS.oauth2]);

/**
 * True only for a connector the snapshot schema (SnapshotConnectorSchema, strict) accepts as it
 * is, authenticated by basic, OAuth 1 or OAuth 2: a plain object with no other keys, every field
 * of its type, the defaulted ones absent or given. An apiKey connector (two written forms, and
 * refinements of their own) is always left to the schema. False says nothing: the schema then
 * looks at it, and says what is wrong.
 */
export function isSnapshotConnector(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (!CONNECTOR_KEYS.has(key)) return false;
  const c = value;
  return (
    typeof c.linkName === 'string' &&
    typeof c.name === 'string' &&
    (c.description === undefined || typeof c.description === 'string') &&
    (c.stage === 'draft' || c.stage === 'ready') &&
    typeof c.enabled === 'boolean' &&
    isWrittenAuthentication(c.authentication) &&
    (c.secretFingerprints === undefined || isFingerprints(c.secretFingerprints))
  );
}

function isWrittenAuthentication(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const a = value;
  switch (a.type) {
    case 'basic':
      for (const key in a) if (key !== 'type') return false;
      return true;
    case 'oauth1':
      for (const key in a) if (!OAUTH1_KEYS.has(key)) return false;
      return isOptionalText(a.consumerKey) && isOptionalText(a.requestTokenUrl) && isOptionalText(a.authorizeUrl) && isOptionalText(a.accessTokenUrl);
    case 'oauth2':
      for (const key in a) if (!OAUTH2_KEYS.has(key)) return false;
      return (
        (a.grantType === undefined || a.grantType === 'authorization_code' || a.grantType === 'client_credentials') &&
        isOptionalText(a.clientId) &&
        isOptionalText(a.authorizeUrl) &&
        isOptionalText(a.accessTokenUrl) &&
        isOptionalText(a.refreshTokenUrl) &&
        (a.scopes === undefined || isTextList(a.scopes)) &&
        (a.scopeSeparator === undefined || a.scopeSeparator === ',' || a.scopeSeparator === ' ' || a.scopeSeparator === '+') &&
        (a.addTo === undefined || a.addTo === 'header' || a.addTo === 'query')
      );
    default:
      return false;
  }
}

function isFingerprints(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (!FINGERPRINT_KEYS.has(key)) return false;
  return isOptionalText(value.clientSecret) && isOptionalText(value.consumerSecret);
}

function isOptionalText(value: unknown): boolean {
  return value === undefined || isText(value);
}

function isAuthorization(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (!AUTHORIZATION_KEYS.has(key)) return false;
  const a = value;
  return AUTHORIZATION_ENVIRONMENTS.has(a.environment) && isText(a.account) && (a.user === undefined || isText(a.user));
}

function isUsage(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (!USAGE_KEYS.has(key)) return false;
  const u = value;
  return isText(u.app) && isText(u.component) && isText(u.kind);
}

/** An object made by JSON.parse or a literal: `for…in` then sees exactly its own keys, as the schema reads them. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The schema's Text: a string of at least one character. */
function isText(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function isTextList(value: unknown): boolean {
  return isListOf(value, isText);
}

/** An array every element of which passes (a hole does not: the schema reads it as undefined). */
function isListOf(value: unknown, check: (item: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!check(value[i])) return false;
  return true;
}

/**
 * Snapshots that validateSnapshot returned (callers treat them as read-only), each with the records
 * validation checked and the state it made, until someone takes it. The CLI validates a file's
 * snapshot and passes the snapshot on; the target validates it again, writes its records and may
 * need its state: without this, a 100k-row import converted the whole account twice (issue 25).
 */
const VALIDATED = new WeakMap<object, { records: ReadonlyState | null; state: State | null }>();

function isValidated(value: unknown): value is Snapshot {
  return value !== null && typeof value === 'object' && VALIDATED.has(value);
}

/** What validateSnapshot returns. */
export interface ValidatedSnapshot {
  /** The document in its normalized form (read-only). */
  snapshot: Snapshot;
  /** A state of the caller's own, to change as it likes: each caller who asks gets another. */
  state: State;
  /**
   * The records the snapshot describes, as `state` has them, to read and never change: they may
   * be the snapshot's own connection objects (a target writes its rows from these; issue 25).
   */
  records: ReadonlyState;
}

/**
 * The answer for a validated snapshot. `state` is made when it is asked for: a state made at
 * validation goes to the first caller who asks (whoever takes it may change it), every later one
 * gets a fresh conversion, so no two callers ever share one. `records` are those validation
 * checked, until they are handed out as a state; then a conversion of the snapshot.
 */
function validated(snapshot: Snapshot): ValidatedSnapshot {
  const kept = VALIDATED.get(snapshot)!;
  return {
    snapshot,
    get state(): State {
      const state = kept.state ?? snapshotToState(snapshot);
      if (kept.state) kept.records = null;
      kept.state = null;
      return state;
    },
    get records(): ReadonlyState {
      return (kept.records ??= snapshotToState(snapshot));
    },
  };
}

/**
 * The records of a document every connection of which is written as its record (isNormalConnection)
 * and in link-name order: the connections themselves (in a read-only map over the list), the
 * connectors converted (and put in link-name order, as snapshotToState of the normalized snapshot
 * has them).
 */
function recordsOf(document: Snapshot, connectorsSorted: boolean): ReadonlyState {
  const connectors = new Map<string, ConnectorRecord>();
  for (const c of connectorsSorted ? document.connectors : [...document.connectors].sort(byLinkName)) connectors.set(c.linkName, connectorFromSnapshot(c));
  // A normal connection has every field of a ConnectionRecord, in the record's order, and no other.
  return { connectors, connections: new SortedRecords(document.connections as readonly ConnectionRecord[]) };
}

/**
 * A list of records in strict link-name order as a read-only map by link name, without a Map:
 * making one of 100k connections (hashing every name) was ~40 ms of an import, which only walks
 * the records (the rules, the rows). A lookup searches the list.
 */
export class SortedRecords<T extends { readonly linkName: string }> implements ReadonlyMap<string, T> {
  readonly #list: readonly T[];

  /** `list` is in strict link-name order (JavaScript's string order) and is not changed afterwards. */
  constructor(list: readonly T[]) {
    this.#list = list;
  }

  get size(): number {
    return this.#list.length;
  }

  get(key: string): T | undefined {
    let low = 0;
    let high = this.#list.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const name = this.#list[middle]!.linkName;
      if (name === key) return this.#list[middle];
      if (name < key) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  forEach(fn: (value: T, key: string, map: ReadonlyMap<string, T>) => void, thisArg?: unknown): void {
    for (const record of this.#list) fn.call(thisArg, record, record.linkName, this);
  }

  values(): MapIterator<T> {
    return this.#list.values();
  }

  *keys(): MapIterator<string> {
    for (const record of this.#list) yield record.linkName;
  }

  *entries(): MapIterator<[string, T]> {
    for (const record of this.#list) yield [record.linkName, record];
  }

  [Symbol.iterator](): MapIterator<[string, T]> {
    return this.entries();
  }
}

/** True when each item's link name comes after the one before it (so no two are alike). */
function sortedByLinkName(items: readonly { linkName: string }[]): boolean {
  for (let i = 1; i < items.length; i++) if (!(items[i - 1]!.linkName < items[i]!.linkName)) return false;
  return true;
}

const NORMAL_CONNECTION_KEYS = [
  'linkName',
  'name',
  'connector',
  'enabled',
  'scopes',
  'authorizationOwner',
  'sameAuthorizationForAllEnvironments',
  'authorizations',
  'usages',
];
const NORMAL_CONNECTION_KEYS_WITH_ACCESS = [...NORMAL_CONNECTION_KEYS.slice(0, 7), 'access', ...NORMAL_CONNECTION_KEYS.slice(7)];

/** True for a (checked) connection written exactly as connectionToSnapshot writes it. */
function isNormalConnection(c: SnapshotConnection): boolean {
  if (!hasKeysInOrder(c, c.access === undefined ? NORMAL_CONNECTION_KEYS : NORMAL_CONNECTION_KEYS_WITH_ACCESS)) return false;
  const authorizations = c.authorizations!;
  for (const a of authorizations) if (!hasKeysInOrder(a, a.user === undefined ? ['environment', 'account'] : ['environment', 'account', 'user'])) return false;
  if (authorizations.length > 1 && sortAuthorizations([...authorizations]).some((a, i) => a !== authorizations[i])) return false;
  for (const u of c.usages!) if (!hasKeysInOrder(u, ['app', 'component', 'kind'])) return false;
  return true;
}

/** True when `value`'s own keys are `keys`, in that order, none of them undefined. */
function hasKeysInOrder(value: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in value) {
    if (key !== keys[i] || (value as Record<string, unknown>)[key] === undefined) return false;
    i++;
  }
  return i === keys.length;
}

const MAX_LISTED = 50;

function listProblems(head: string, problems: string[]): string {
  const shown = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
  if (problems.length > MAX_LISTED) shown.push(`  … and ${problems.length - MAX_LISTED} more`);
  return `${head}; nothing was imported:\n${shown.join('\n')}`;
}

// Messages name paths and keys only: a value in a snapshot is never quoted, in case someone put a
// secret where it does not belong (S2).
function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = jsonPath([...issue.path, key]);
      if (key === 'clientSecret' || key === 'consumerSecret') {
        return `${path}: S1: a snapshot never holds a secret, only its fingerprint under secretFingerprints`;
      }
      return `${path}: unknown key`;
    });
  }
  return [`${jsonPath(issue.path)}: ${issue.message}`];
}

// ---------------------------------------------------------------------------------------------
// Conversion

/** The snapshot of a state: sorted, optional absent fields omitted (see the file comment). */
export function stateToSnapshot(state: ReadonlyState): Snapshot {
  const connectors = [...state.connectors.values()].sort(byLinkName).map(connectorToSnapshot);
  const connections = [...state.connections.values()].sort(byLinkName).map(connectionToSnapshot);
  return { formatVersion: 2, connectors, connections };
}

/** The state a (validated) snapshot describes. Accepts apiKey flat or as a list. */
export function snapshotToState(snapshot: Snapshot): State {
  const state: State = { connectors: new Map(), connections: new Map() };
  for (const c of snapshot.connectors) state.connectors.set(c.linkName, connectorFromSnapshot(c));
  for (const c of snapshot.connections) state.connections.set(c.linkName, connectionFromSnapshot(c));
  return state;
}

/** sha256 of the canonical snapshot JSON: the digest a target reports with its serial. */
export function stateDigest(state: State): string {
  // canonicalJson(stateToSnapshot(state)) hashed as it is written, record by record: the connections
  // (most of an account) by canonicalConnectionJson, without a snapshot copy or a sorted copy of each.
  // A property test holds it equal to sha256(canonicalJson(stateToSnapshot(state))).
  const hash = new ChunkedSha256();
  hash.write('{"connections":[');
  [...state.connections.values()].sort(byLinkName).forEach((c, i) => hash.write(i ? `,${canonicalConnectionJson(c)}` : canonicalConnectionJson(c)));
  return digestWithConnectors(hash, state.connectors);
}

/**
 * `stateDigest` of a state whose connections (and, for a store that keeps them so, connectors) are
 * given as their stored text: `connections` is
 * `canonicalConnectionJson` of every connection, in link-name order (JavaScript's string order, as
 * `stateDigest` sorts), each text or a run of them joined by `,` one element of the list. The texts
 * go into the hash as they are: no record is written again. For a store whose connection rows hold
 * exactly the canonical text of their record (issue 25), `stateDigestOfTexts(rows, state.connectors)`
 * equals `stateDigest(state)` (a property test holds them so). `connectors` is either the records
 * (their canonical text is written here) or `canonicalConnectorJson` of each, in link-name order,
 * each one element (one row's text) or a run joined by `,`, as for the connections.
 *
 * Why a digest from the rows' text is sound even when a row was edited by hand into text that is
 * not canonical (keys in another order, spaces): the hash is of the exact text, and the text
 * determines the records, so two equal digests always mean two equal states. A non-canonical row
 * can only make the digest differ from the digest of the same state written canonically: a plan
 * then refused as stale (the safe direction), never a stale plan accepted. A target engine over
 * such a store computes every digest it reports from the rows' text (store.ts, `connectionTexts`),
 * so that its own digests, before and after its own commits, agree with each other.
 */
export function stateDigestOfTexts(connections: readonly string[], connectors: ReadonlyMap<string, ConnectorRecord> | readonly string[]): string {
  const hash = new ChunkedSha256();
  hash.write('{"connections":[');
  writeTexts(hash, connections);
  if (!connectorsAsTexts(connectors)) return digestWithConnectors(hash, connectors);
  // The connectors as their rows hold them too: `canonicalConnectorJson` of each, in link-name
  // order, as the connections above (issue 25: writing 20k connectors' text cost a read ~50 ms).
  hash.write('],"connectors":[');
  writeTexts(hash, connectors);
  return digestEnd(hash);
}

function connectorsAsTexts(connectors: ReadonlyMap<string, ConnectorRecord> | readonly string[]): connectors is readonly string[] {
  return Array.isArray(connectors);
}

function writeTexts(hash: ChunkedSha256, texts: readonly string[]): void {
  texts.forEach((text, i) => {
    if (i) hash.write(',');
    hash.writeLong(text);
  });
}

/** The rest of stateDigest's text after the connections: the connectors, canonical, in link-name order, and the format version. */
function digestWithConnectors(hash: ChunkedSha256, connectors: ReadonlyMap<string, ConnectorRecord>): string {
  hash.write('],"connectors":[');
  [...connectors.values()].sort(byLinkName).forEach((c, i) => hash.write(i ? `,${canonicalConnectorJson(c)}` : canonicalConnectorJson(c)));
  return digestEnd(hash);
}

function digestEnd(hash: ChunkedSha256): string {
  hash.write(`],"formatVersion":${SNAPSHOT_FORMAT_VERSIONS.at(-1)!}}`);
  return hash.digest();
}

/**
 * `canonicalJson(connectionToSnapshot(c))`: the same fields, written in sorted key order as text,
 * member by member, as JSON.stringify writes an object built with its keys in that order (a value
 * it would leave out, `undefined`, is left out). No object is built per connection: on a 100k
 * account the objects and their garbage cost twice the text (measured).
 */
export function canonicalConnectionJson(c: ConnectionRecord): string {
  return quickConnectionJson(c) ?? memberConnectionJson(c);
}

/** JSON.stringify of a string with nothing to escape: no quote, backslash, control character or surrogate. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** `JSON.stringify(s)` for a string: with nothing to escape, the string in quotes, as JSON.stringify writes it. */
function quote(s: string): string {
  return PLAIN_STRING.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * memberConnectionJson's text, written in one template per record when every field it always
 * writes has the type the record's type gives it; undefined otherwise (a record a store handed
 * back broken), and memberConnectionJson writes it. Half the CPU of a 100k digest (measured):
 * no chain of partial strings per member, and no JSON.stringify call per plain string.
 */
function quickConnectionJson(c: ConnectionRecord): string | undefined {
  if (
    typeof c.authorizationOwner !== 'string' ||
    typeof c.connector !== 'string' ||
    typeof c.enabled !== 'boolean' ||
    typeof c.linkName !== 'string' ||
    typeof c.name !== 'string' ||
    typeof c.sameAuthorizationForAllEnvironments !== 'boolean' ||
    !Array.isArray(c.scopes) ||
    !Array.isArray(c.authorizations) ||
    !Array.isArray(c.usages)
  ) {
    return undefined;
  }
  const scopes = flatValueJson(c.scopes);
  if (scopes === undefined) return undefined;
  const list = c.authorizations.length > 1 ? copyAuthorizations(c.authorizations) : c.authorizations;
  let authorizations = '';
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (typeof a.account !== 'string' || typeof a.environment !== 'string') return undefined;
    const user = JSON.stringify(a.user);
    const item = `{"account":${quote(a.account)},"environment":${quote(a.environment)}${user === undefined ? '' : `,"user":${user}`}}`;
    authorizations += i ? `,${item}` : item;
  }
  let usages = '';
  for (let i = 0; i < c.usages.length; i++) {
    const u = c.usages[i]!;
    if (typeof u.app !== 'string' || typeof u.component !== 'string' || typeof u.kind !== 'string') return undefined;
    const item = `{"app":${quote(u.app)},"component":${quote(u.component)},"kind":${quote(u.kind)}}`;
    usages += i ? `,${item}` : item;
  }
  const access = c.access ? `"access":${JSON.stringify(c.access)},` : '';
  return (
    `{${access}"authorizationOwner":${quote(c.authorizationOwner)},"authorizations":[${authorizations}],"connector":${quote(c.connector)},` +
    `"enabled":${c.enabled},"linkName":${quote(c.linkName)},"name":${quote(c.name)},` +
    `"sameAuthorizationForAllEnvironments":${c.sameAuthorizationForAllEnvironments},"scopes":${scopes},"usages":[${usages}]}`
  );
}

/** canonicalConnectionJson for any record, whatever its fields hold: member by member (exported for its property test). */
export function memberConnectionJson(c: ConnectionRecord): string {
  // Authorizations in their stable order: one (most connections) or none is in it already.
  const list = c.authorizations.length > 1 ? copyAuthorizations(c.authorizations) : c.authorizations;
  let authorizations = '[';
  for (const a of list) {
    const item = member(member(member('{', '"account":', a.account), '"environment":', a.environment), '"user":', a.user);
    authorizations += authorizations.length > 1 ? `,${item}}` : `${item}}`;
  }
  let usages = '[';
  for (const u of c.usages) {
    const item = member(member(member('{', '"app":', u.app), '"component":', u.component), '"kind":', u.kind);
    usages += usages.length > 1 ? `,${item}}` : `${item}}`;
  }
  // `access` sorts first; most connections have none.
  let out = c.access ? `{"access":${JSON.stringify(c.access)}` : '{';
  out = member(out, '"authorizationOwner":', c.authorizationOwner);
  out = `${out}${out.length > 1 ? ',' : ''}"authorizations":${authorizations}]`;
  out = member(out, '"connector":', c.connector);
  out = member(out, '"enabled":', c.enabled);
  out = member(out, '"linkName":', c.linkName);
  out = member(out, '"name":', c.name);
  out = member(out, '"sameAuthorizationForAllEnvironments":', c.sameAuthorizationForAllEnvironments);
  out = member(out, '"scopes":', c.scopes);
  return `${out},"usages":${usages}]}`;
}

/**
 * `canonicalJson(connectorToSnapshot(c))`: in one template when every field has its type and the
 * authentication is basic, OAuth 1 or OAuth 2 (quickConnectorJson), otherwise member by member. The
 * members cost a 100k-connection read ~0.1 s of CPU for its 20k connectors (measured, issue 25).
 */
export function canonicalConnectorJson(c: ConnectorRecord): string {
  return quickConnectorJson(c) ?? memberConnectorJson(c);
}

/**
 * The connector a stored text holds, for a store whose connector rows are `canonicalConnectorJson`
 * (the snapshot's form: apiKey flat when it has one parameter, OAuth 2's default separator and
 * empty fingerprints left out): `value` is that text parsed. The record form (what older stores
 * wrote) reads alike. A value whose authentication is not one of the four types is returned as it
 * is, so that the caller's check of the record names what is wrong, as it did before.
 */
export function connectorOfStoredText(value: object): unknown {
  const auth = (value as { authentication?: unknown }).authentication;
  if (auth === null || typeof auth !== 'object' || !Object.hasOwn(AUTH_PARAMETERS, (auth as { type?: unknown }).type as string)) return value;
  try {
    return connectorFromSnapshot(value as SnapshotConnector);
  } catch {
    return value;
  }
}

/** Each authentication type's keys in its snapshot form (`type` among them), sorted as canonicalJson sorts them; apiKey (flat or a list) is left to the members. */
const SORTED_AUTH_KEYS: Readonly<Record<string, readonly string[]>> = {
  basic: ['type'],
  oauth1: [...AUTH_PARAMETERS.oauth1, 'type'].sort(),
  oauth2: [...AUTH_PARAMETERS.oauth2, 'type'].sort(),
};

/** memberConnectorJson's text in one template, or undefined when a field is not of its type or the authentication is not one the template writes. */
function quickConnectorJson(c: ConnectorRecord): string | undefined {
  const { description, enabled, linkName, name, stage, secretFingerprints } = c;
  if (
    typeof description !== 'string' ||
    typeof enabled !== 'boolean' ||
    typeof linkName !== 'string' ||
    typeof name !== 'string' ||
    typeof stage !== 'string' ||
    secretFingerprints === null ||
    typeof secretFingerprints !== 'object'
  ) {
    return undefined;
  }
  const { clientSecret, consumerSecret } = secretFingerprints;
  if ((clientSecret !== undefined && typeof clientSecret !== 'string') || (consumerSecret !== undefined && typeof consumerSecret !== 'string')) return undefined;
  const authentication = quickAuthenticationJson(c.authentication);
  if (authentication === undefined) return undefined;
  let fingerprints = '';
  if (clientSecret !== undefined || consumerSecret !== undefined) {
    const client = clientSecret !== undefined ? `"clientSecret":${quote(clientSecret)}` : '';
    const consumer = consumerSecret !== undefined ? `"consumerSecret":${quote(consumerSecret)}` : '';
    fingerprints = `,"secretFingerprints":{${client}${client && consumer ? ',' : ''}${consumer}}`;
  }
  return `{"authentication":${authentication},"description":${quote(description)},"enabled":${enabled},"linkName":${quote(linkName)},"name":${quote(name)}${fingerprints},"stage":${quote(stage)}}`;
}

/**
 * `flatCanonicalJson(authenticationToSnapshot(auth))` for basic, OAuth 1 and OAuth 2 whose values
 * are strings, booleans or lists of strings, written from the record (the default scope separator
 * left out, as the snapshot leaves it); undefined for anything else.
 */
function quickAuthenticationJson(auth: Authentication): string | undefined {
  if (auth === null || typeof auth !== 'object') return undefined;
  const keys = Object.hasOwn(SORTED_AUTH_KEYS, auth.type) ? SORTED_AUTH_KEYS[auth.type] : undefined;
  // authenticationToSnapshot copies OAuth 2's scopes as a list: anything else is its business.
  if (keys === undefined || (auth.type === 'oauth2' && !Array.isArray(auth.scopes))) return undefined;
  let out = '';
  for (const key of keys) {
    const value: unknown = key === 'type' ? auth.type : (auth as unknown as Record<string, unknown>)[key];
    if (value === undefined || (key === 'scopeSeparator' && auth.type === 'oauth2' && value === ',')) continue;
    const json = flatValueJson(value);
    if (json === undefined) return undefined;
    out += out ? `,"${key}":${json}` : `"${key}":${json}`;
  }
  return `{${out}}`;
}

/** canonicalConnectorJson for any record, whatever its fields hold: member by member, the authentication through canonicalJson where it is not flat (exported for its property test). */
export function memberConnectorJson(c: ConnectorRecord): string {
  const authentication = authenticationToSnapshot(c.authentication);
  let out = `{"authentication":${flatCanonicalJson(authentication) ?? canonicalJson(authentication)}`;
  out = canonicalMember(out, '"description":', c.description);
  out = canonicalMember(out, '"enabled":', c.enabled);
  out = canonicalMember(out, '"linkName":', c.linkName);
  out = canonicalMember(out, '"name":', c.name);
  const { clientSecret, consumerSecret } = c.secretFingerprints;
  if (clientSecret !== undefined || consumerSecret !== undefined) {
    const fingerprints = canonicalMember(canonicalMember('{', '"clientSecret":', clientSecret), '"consumerSecret":', consumerSecret);
    out = `${out},"secretFingerprints":${fingerprints}}`;
  }
  out = canonicalMember(out, '"stage":', c.stage);
  return `${out}}`;
}

/**
 * `canonicalJson(value)` for a plain object whose values are strings, booleans, lists of strings or
 * undefined, and no key of which starts with a digit (an authentication, most often): its keys sorted, written as text with no sorted copy
 * made; undefined for anything else, which canonicalJson then writes (a property test holds them equal).
 */
export function flatCanonicalJson(value: object): string | undefined {
  if (Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const record = value as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(record).sort()) {
    // An index-like key ("10") goes first in the object canonicalJson builds, whatever the sort says.
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) return undefined;
    // An own `__proto__` key (JSON.parse makes one) is what canonicalJson's object leaves out: its way.
    if (key === '__proto__') return undefined;
    const v = record[key];
    if (v === undefined) continue;
    const json = flatValueJson(v);
    if (json === undefined) return undefined;
    out += `${out ? ',' : ''}${quote(key)}:${json}`;
  }
  return `{${out}}`;
}

/** A string, a boolean or a list of strings as JSON.stringify writes it; undefined for anything else. */
function flatValueJson(value: unknown): string | undefined {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (!Array.isArray(value)) return undefined;
  let json = '';
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string') return undefined;
    json += i ? `,${quote(item)}` : quote(item);
  }
  return `[${json}]`;
}

/** `member` with the value as canonicalJson writes it (an object's keys sorted). */
function canonicalMember(open: string, key: string, value: unknown): string {
  return memberText(open, key, value !== null && typeof value === 'object' ? canonicalJson(value) : JSON.stringify(value));
}

/** `open` (an object's text so far, from its `{`) with `key` and `value` appended as JSON.stringify writes a member; unchanged when it would leave the value out. */
function member(open: string, key: string, value: unknown): string {
  return memberText(open, key, JSON.stringify(value));
}

/** `open` with `key` and the JSON text of its value appended; unchanged for no text (a value left out). */
function memberText(open: string, key: string, json: string | undefined): string {
  if (json === undefined) return open;
  return open.length > 1 ? `${open},${key}${json}` : `${open}${key}${json}`;
}

function byLinkName(a: { linkName: string }, b: { linkName: string }): number {
  return a.linkName < b.linkName ? -1 : a.linkName > b.linkName ? 1 : 0;
}

function connectorToSnapshot(c: ConnectorRecord): SnapshotConnector {
  const out: SnapshotConnector = {
    linkName: c.linkName,
    name: c.name,
    description: c.description,
    stage: c.stage,
    enabled: c.enabled,
    authentication: authenticationToSnapshot(c.authentication),
  };
  const fingerprints: Partial<Record<SecretName, string>> = {};
  for (const key of ['clientSecret', 'consumerSecret'] as const) {
    const fp = c.secretFingerprints[key];
    if (fp !== undefined) fingerprints[key] = fp;
  }
  if (Object.keys(fingerprints).length) out.secretFingerprints = fingerprints;
  return out;
}

function connectionToSnapshot(c: ConnectionRecord): SnapshotConnection {
  return {
    linkName: c.linkName,
    name: c.name,
    connector: c.connector,
    enabled: c.enabled,
    scopes: [...c.scopes],
    authorizationOwner: c.authorizationOwner,
    sameAuthorizationForAllEnvironments: c.sameAuthorizationForAllEnvironments,
    ...(c.access ? { access: [...c.access] } : {}),
    authorizations: copyAuthorizations(c.authorizations),
    usages: c.usages.map((u) => ({ app: u.app, component: u.component, kind: u.kind })),
  };
}

/** Authorizations in their stable order, each with only the fields it has. */
function copyAuthorizations(list: readonly Authorization[]): Authorization[] {
  return sortAuthorizations(list.map((a) => ({ environment: a.environment, account: a.account, ...(a.user !== undefined ? { user: a.user } : {}) })));
}

function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

/** Authentication as a snapshot (and a manifest) writes it: apiKey flat when it has one parameter. */
function authenticationToSnapshot(auth: Authentication): SnapshotAuthentication {
  switch (auth.type) {
    case 'apiKey': {
      if (auth.parameters.length === 1) return { type: 'apiKey', ...apiKeyParameter(auth.parameters[0]!) };
      return auth.parameters.length > 1 ? { type: 'apiKey', parameters: auth.parameters.map(apiKeyParameter) } : { type: 'apiKey' };
    }
    case 'basic':
      return { type: 'basic' };
    case 'oauth1':
      return withParameters(auth, {});
    case 'oauth2':
      // The default separator is left out, so that a snapshot reads like a manifest.
      return withParameters(auth, { scopes: [...auth.scopes], scopeSeparator: auth.scopeSeparator === ',' ? undefined : auth.scopeSeparator });
  }
}

/**
 * `auth` with its parameters in AUTH_PARAMETERS order, absent ones left out (objects are built
 * with only the keys present, never `delete`d afterwards: `delete` turns V8 objects into slow
 * dictionaries, which a 100k-row import notices). `overrides` replaces some values.
 */
function withParameters<A extends Extract<Authentication, { type: 'oauth1' | 'oauth2' }>>(auth: A, overrides: { [K in keyof A]?: A[K] | undefined }): A {
  const out: Record<string, unknown> = { type: auth.type };
  for (const key of AUTH_PARAMETERS[auth.type]) put(out, key, key in overrides ? overrides[key as keyof A] : authParameter(auth, key));
  return out as A;
}

function apiKeyParameter(p: ApiKeyParameter): ApiKeyParameter {
  const out: ApiKeyParameter = { parameterKey: p.parameterKey };
  if (p.displayName !== undefined) out.displayName = p.displayName;
  if (p.addTo !== undefined) out.addTo = p.addTo;
  return out;
}

function connectorFromSnapshot(c: SnapshotConnector): ConnectorRecord {
  const fingerprints: Partial<Record<SecretName, string>> = {};
  for (const key of ['clientSecret', 'consumerSecret'] as const) {
    const fp = c.secretFingerprints?.[key];
    if (fp !== undefined) fingerprints[key] = fp;
  }
  return {
    linkName: c.linkName,
    name: c.name,
    description: c.description ?? '',
    stage: c.stage,
    enabled: c.enabled,
    authentication: authenticationFromSnapshot(c.authentication),
    secretFingerprints: fingerprints,
  };
}

function connectionFromSnapshot(c: SnapshotConnection): ConnectionRecord {
  return {
    linkName: c.linkName,
    name: c.name,
    connector: c.connector,
    enabled: c.enabled,
    scopes: [...(c.scopes ?? [])],
    authorizationOwner: c.authorizationOwner ?? 'admin',
    sameAuthorizationForAllEnvironments: c.sameAuthorizationForAllEnvironments ?? true,
    ...(c.access ? { access: [...c.access] } : {}),
    authorizations: copyAuthorizations(c.authorizations ?? []),
    usages: (c.usages ?? []).map((u) => ({ app: u.app, component: u.component, kind: u.kind })),
  };
}

function authenticationFromSnapshot(a: SnapshotAuthentication): Authentication {
  switch (a.type) {
    case 'apiKey': {
      const list = a.parameters ?? (a.parameterKey !== undefined ? [{ parameterKey: a.parameterKey, displayName: a.displayName, addTo: a.addTo }] : []);
      return { type: 'apiKey', parameters: list.map(apiKeyParameter) };
    }
    case 'basic':
      return { type: 'basic' };
    case 'oauth1':
      return withParameters(a, {});
    case 'oauth2':
      // The defaults as overrides, not a spread copy of `a` first: one object less per connector
      // (a store's connector rows are this form, read on every cold read; issue 25).
      return withParameters(a as Extract<Authentication, { type: 'oauth2' }>, { scopes: [...(a.scopes ?? [])], scopeSeparator: a.scopeSeparator ?? ',' });
  }
}

// ---------------------------------------------------------------------------------------------
// Where JSON.parse failed (Node 20 does not always say): jsonc-parser, in strict JSON mode, knows.

/** What jsonc-parser expected, in words, by its error code. */
const EXPECTED: Readonly<Record<string, string>> = {
  ValueExpected: 'a value',
  PropertyNameExpected: 'a property name in double quotes',
  CommaExpected: "','",
  ColonExpected: "':'",
  CloseBraceExpected: "',' or '}'",
  CloseBracketExpected: "',' or ']'",
  EndOfFileExpected: 'the end of the input',
};

/** The 1-based line and column of the first syntax error in `text`, with a short reason. */
export function locateJsonError(text: string): { line: number; col: number; offset: number; message: string } {
  const errors: jsonc.ParseError[] = [];
  jsonc.parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  const offset = first ? first.offset : 0;
  const code = first ? jsonc.printParseErrorCode(first.error) : 'InvalidSymbol';
  let message: string;
  if (offset >= text.length) message = 'unexpected end of input';
  else if (code === 'UnexpectedEndOfString') message = 'unterminated string';
  else if (code === 'InvalidCharacter') message = 'a control character (a raw line break?) inside a string';
  else message = `unexpected character ${JSON.stringify(text[offset])}${EXPECTED[code] ? `; expected ${EXPECTED[code]}` : ''}`;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, col, offset, message };
}

// ---------------------------------------------------------------------------------------------
// Records read from a target

/**
 * Every record of `state` checked against the manifest rules before anything uses it: link names
 * (N3, also a connection's connector), names (N1) and descriptions (N2). A target edited by hand,
 * or a server that answers what it likes, could otherwise name a file `../../x` (import). A bad
 * record is a UserError naming the target and the record (escaped), and nothing is written.
 */

export function checkTargetRecords(state: State, target: string): void {
  const problems: string[] = [];
  // On the path of every load (100k records on a big account): plain loops, and a record is
  // described only when it breaks a rule, never for the sound ones.
  for (const [key, c] of state.connectors) {
    const n3 = linkNameProblem(c.linkName);
    const name = nameProblem(c.name);
    const description = c.description ? descriptionProblem(c.description) : null;
    if (n3 === null && name === null && description === null) continue;
    const what = `connector ${quoteTerminal(key)}`;
    if (n3 !== null) problems.push(`${what}: N3: ${n3}`);
    if (name !== null) problems.push(`${what}: N1: ${name}`);
    if (description !== null) problems.push(`${what}: N2: ${description}`);
  }
  for (const [key, c] of state.connections) {
    const n3 = linkNameProblem(c.linkName);
    const connector = linkNameProblem(c.connector);
    const name = nameProblem(c.name);
    if (n3 === null && connector === null && name === null) continue;
    const what = `connection ${quoteTerminal(key)}`;
    if (n3 !== null) problems.push(`${what}: N3: ${n3}`);
    if (connector !== null) problems.push(`${what} (its connector): N3: ${connector}`);
    if (name !== null) problems.push(`${what}: N1: ${name}`);
  }
  if (problems.length) {
    const shown = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
    if (problems.length > MAX_LISTED) shown.push(`  … and ${problems.length - MAX_LISTED} more`);
    throw new UserError(
      `target ${sanitizeTerminal(target)} is damaged: ${problems.length === 1 ? 'a record breaks' : `${problems.length} records break`} the manifest rules; nothing was written:\n${shown.join('\n')}`,
      {
        hint: 'a target only ever holds what the rules allow: the record was edited by hand or by another program; restore the target from a backup, fix the record, or replace the whole contents with connectorops target import --force FILE',
      },
    );
  }
}
