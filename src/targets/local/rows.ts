/**
 * The local target's rows of connectors and connections, as records: read, checked, and (schema 4)
 * written as text. Shared by the store (local-target.ts) and the schema upgrade (open.ts).
 *
 * A connection row holds exactly the text `canonicalConnectionJson` writes for its record (issue
 * 25): the digest of the account is then the rows' text as it is, in link-name order, with no
 * canonical text written per read (snapshot.ts, `stateDigestOfTexts`, says why that is sound).
 * A connector row holds `canonicalConnectorJson` of its record alike (the snapshot's form), so the
 * digest writes no connector's text either.
 */
import { UserError } from '../../errors.js';
import { SECRET_PARAMETERS } from '../../model/types.js';
import type { ConnectionRecord, ConnectorRecord } from '../../model/types.js';
import { quoteTerminal } from '../../util/terminal.js';
import { canonicalConnectionJson, canonicalConnectorJson, connectorOfStoredText } from '../snapshot.js';
import type { SqliteStatement } from './sqlite-port.js';

const RESTORE_HINT =
  'restore the file from a backup, or move it away and load a snapshot into a new target with `connectorops target import` (a `target export` of a healthy copy)';

/** A file that is a connectorops target, but not a whole one. */
export function damaged(name: string, path: string, what: string): UserError {
  return new UserError(`target ${name} is damaged (${quoteTerminal(path)}): ${what}; nothing was changed`, { hint: RESTORE_HINT });
}

/** A table's rows as read: link names and bodies side by side, in link-name order (no object per row). */
export interface Rows {
  names: unknown[];
  bodies: unknown[];
}

/**
 * The rows of `statement` (`SELECT link_name, body … ORDER BY link_name`), in JavaScript's string
 * order. SQLite orders by bytes (UTF-8), which is the same order for link names (ASCII by N3); a
 * name edited by hand into something else is sorted here, so the order holds whatever the file holds.
 */
export function readRows(statement: SqliteStatement): Rows {
  const names: unknown[] = [];
  const bodies: unknown[] = [];
  let ordered = true;
  for (const row of statement.rows()) {
    const name = row[0];
    if (ordered && names.length && !((names[names.length - 1] as string) < (name as string))) ordered = false;
    names.push(name);
    bodies.push(row[1]);
  }
  if (ordered) return { names, bodies };
  const order = names.map((_, i) => i).sort((a, b) => byText(String(names[a]), String(names[b])));
  return { names: order.map((i) => names[i]), bodies: order.map((i) => bodies[i]) };
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A whole table in one row: the bodies joined by `,` inside `[…]` (one JSON array, when each body
 * is one JSON text), the link names joined by line breaks, the count, and whether SQLite finds
 * every body a JSON text of its own (`json_valid`), all in link-name order. One JSON.parse of the
 * array then makes every record: a 100k-row read makes no object per row, and keeps one string
 * (the digest's text) instead of 100k (issue 25). SQLite aggregates an ordered subquery in its
 * order (an ORDER BY inside group_concat would sort again, in a temporary B-tree: +55 ms), but does
 * not promise it: the readers below check that the names come in order and read row by row if not.
 * Both aggregates see the same rows in one pass, so the i-th name is the i-th body's.
 *
 * The brackets are in the aggregate itself, not put around it with `||`, which copied the 35 MB of
 * a 100k read twice: the first row's body comes with `[` before it, and a last row of no record
 * (NULL name and body, which count, min and the names' group_concat skip) brings the `]`, with
 * group_concat's separator taken from each row (none before the `]`): ~10 ms less of a 100k read's
 * ~130 ms query (measured, issue 25). The `]` row leaves an empty last name, so that the readers
 * below see where it was aggregated: should SQLite ever aggregate the union in another order, the
 * names do not end with it, and they read row by row (`namesOf`).
 */
export function joinedSql(table: 'connectors' | 'connections', withValidity: boolean): string {
  const valid = withValidity ? ', min(json_valid(body)) AS valid' : '';
  const piece = `iif(link_name = (SELECT min(link_name) FROM ${table}), '[' || body, body)`;
  const rows = `SELECT * FROM (SELECT link_name, body, ${piece} AS piece, ',' AS separator FROM ${table} ORDER BY link_name)`;
  return `SELECT group_concat(piece, separator) AS bodies, group_concat(coalesce(link_name, ''), char(10)) AS names, count(link_name) AS n${valid} FROM (${rows} UNION ALL SELECT NULL, NULL, ']', '')`;
}

/**
 * The `n` names of a `joinedSql` answer, or null unless the `]` row (the empty last name) was
 * aggregated last, so that the bodies' text is `[`, the rows' bodies in the names' order, `]`.
 */
function namesOf(row: Joined): string[] | null {
  if (typeof row.names !== 'string' || typeof row.n !== 'number') return null;
  const names = row.names.split('\n');
  if (names.length !== row.n + 1 || names.pop() !== '') return null;
  return names;
}

/** What `joinedSql` answers. */
export interface Joined {
  bodies: unknown;
  names: unknown;
  n: unknown;
  valid?: unknown;
}

/** The records of a `joinedSql` answer, and their text for the digest. */
export interface JoinedRecords<T> {
  records: Map<string, T>;
  /** The bodies joined by `,`, in link-name order (empty: no rows). */
  texts: readonly string[];
  /** The same records again, made from the same text (already checked). */
  again: () => Map<string, T>;
}

/**
 * The connections of one `joinedSql('connections', true)` answer, or null when it is not exactly
 * one sound record per row, in order: then the rows are read one by one (readRows,
 * connectionsOfRows), which says which row is wrong, in the words it always used.
 */
export function joinedConnections(row: Joined): JoinedRecords<ConnectionRecord> | null {
  return joinedRecords(row, (value) => value, isConnectionRecord);
}

/** The connectors of one `joinedSql('connectors', true)` answer, or null as joinedConnections (then connectorsOfRows). */
export function joinedConnectors(row: Joined): JoinedRecords<ConnectorRecord> | null {
  return joinedRecords(row, connectorOfStoredText, isConnectorRecord);
}

/**
 * The records of one `joinedSql` answer (with validity), or null when it is not exactly one sound
 * record per row, in order. What this accepts, row by row reading accepts alike (a property test
 * holds them so, for both tables): SQLite found each body one JSON text, so the array's elements
 * are the rows' bodies, one each; and each is checked as parseRow and `isRecord` check it, after
 * `recordOf` (the row's form to the record's, as the row-by-row read converts it).
 */
function joinedRecords<T extends { linkName: string }>(
  row: Joined,
  recordOf: (value: { linkName?: unknown }) => unknown,
  isRecord: (value: unknown) => value is T,
): JoinedRecords<T> | null {
  if (row.n === 0) return { records: new Map(), texts: [], again: () => new Map() };
  if (row.valid !== 1 || typeof row.bodies !== 'string') return null;
  const names = namesOf(row);
  if (!names) return null;
  let list: unknown;
  try {
    list = JSON.parse(row.bodies);
  } catch {
    return null;
  }
  if (!Array.isArray(list) || list.length !== names.length) return null;
  const records = new Map<string, T>();
  for (let i = 0; i < list.length; i++) {
    const value: unknown = list[i];
    const name = names[i]!;
    if (value === null || typeof value !== 'object' || (value as { linkName?: unknown }).linkName !== name || (i > 0 && !(names[i - 1]! < name))) return null;
    const r = recordOf(value);
    if (!isRecord(r)) return null;
    records.set(r.linkName, r);
  }
  const bodies = row.bodies;
  const again = () => {
    const out = new Map<string, T>();
    for (const value of JSON.parse(bodies) as Array<{ linkName?: unknown }>) {
      const r = recordOf(value) as T;
      out.set(r.linkName, r);
    }
    return out;
  };
  // The text without its brackets: a slice of the one string, not a copy.
  return { records, texts: [bodies.slice(1, -1)], again };
}

/** A table's rows' text in link-name order from a `joinedSql` answer (without validity), or null when the names are not in JavaScript's order or the `]` row was not aggregated last. */
export function joinedTexts(row: Joined): readonly string[] | null {
  if (row.n === 0) return [];
  if (typeof row.bodies !== 'string') return null;
  const names = namesOf(row);
  if (!names) return null;
  for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) return null;
  return [row.bodies.slice(1, -1)];
}

/** The connectors the rows hold; a row that does not hold a connector of its name is a damaged target. */
export function connectorsOfRows(rows: Rows, name: string, path: string): Map<string, ConnectorRecord> {
  const connectors = new Map<string, ConnectorRecord>();
  for (let i = 0; i < rows.names.length; i++) {
    const c = connectorOfStoredText(parseRow(rows, i, 'connectors', name, path));
    if (!isConnectorRecord(c)) throw damaged(name, path, `the connectors row ${describeRow(rows.names[i])} is not a connector this connectorops wrote`);
    connectors.set(c.linkName, c);
  }
  return connectors;
}

/** The connections the rows hold; a row that does not hold a connection of its name is a damaged target. */
export function connectionsOfRows(rows: Rows, name: string, path: string): Map<string, ConnectionRecord> {
  const connections = new Map<string, ConnectionRecord>();
  for (let i = 0; i < rows.names.length; i++) {
    const c = parseRow(rows, i, 'connections', name, path);
    if (!isConnectionRecord(c)) throw damaged(name, path, `the connections row ${describeRow(rows.names[i])} is not a connection this connectorops wrote`);
    connections.set(c.linkName, c);
  }
  return connections;
}

function parseRow(rows: Rows, i: number, table: string, name: string, path: string): { linkName?: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(String(rows.bodies[i]));
  } catch {
    throw damaged(name, path, `the ${table} row ${describeRow(rows.names[i])} does not hold JSON`);
  }
  if (value === null || typeof value !== 'object' || (value as { linkName?: unknown }).linkName !== rows.names[i]) {
    throw damaged(name, path, `the ${table} row ${describeRow(rows.names[i])} does not hold a record of that name`);
  }
  return value;
}

/** A row's link name for a message: escaped, and short (the file may be anyone's). */
function describeRow(linkName: unknown): string {
  const text = typeof linkName === 'string' ? linkName : String(linkName);
  return quoteTerminal(text.length > 80 ? `${text.slice(0, 79)}…` : text);
}

/**
 * A connections row's text as schema 4 keeps it, for the upgrade from schema 3: the canonical text
 * of the record it holds, or null for a row that is not a sound record of its name (kept as it is,
 * so that loading it still says what is wrong with it).
 */
export function canonicalRowText(linkName: unknown, body: unknown): string | null {
  let value: unknown;
  try {
    value = JSON.parse(String(body));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || (value as { linkName?: unknown }).linkName !== linkName || !isConnectionRecord(value)) return null;
  try {
    return canonicalConnectionJson(value);
  } catch {
    // Authorizations too broken to sort (not records): the load says what is wrong, as before.
    return null;
  }
}

/**
 * A connectors row's text as schema 4 keeps it, for the upgrade from schema 3 (which kept
 * `JSON.stringify` of the record): the canonical text of the connector it holds, or null for a row
 * that is not a sound connector of its name (kept as it is: loading it says what is wrong).
 */
export function canonicalConnectorRowText(linkName: unknown, body: unknown): string | null {
  let value: unknown;
  try {
    value = JSON.parse(String(body));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || (value as { linkName?: unknown }).linkName !== linkName) return null;
  const c = connectorOfStoredText(value);
  if (!isConnectorRecord(c)) return null;
  try {
    return canonicalConnectorJson(c);
  } catch {
    return null;
  }
}

/*
 * The fields the rules read, checked on every row as it is loaded: a record that lacks one would
 * crash deep inside rules/ instead of saying that the file is damaged. Not the zod record schema on
 * purpose: loading 100k rows is on the path of every plan, and these checks cost next to nothing.
 */
const AUTH_TYPES = new Set(Object.keys(SECRET_PARAMETERS));

function isConnectorRecord(c: unknown): c is ConnectorRecord {
  const r = c as Partial<ConnectorRecord>;
  return (
    typeof r.name === 'string' &&
    typeof r.description === 'string' &&
    (r.stage === 'draft' || r.stage === 'ready') &&
    typeof r.enabled === 'boolean' &&
    r.authentication !== null &&
    typeof r.authentication === 'object' &&
    AUTH_TYPES.has(r.authentication.type) &&
    r.secretFingerprints !== null &&
    typeof r.secretFingerprints === 'object'
  );
}

function isConnectionRecord(c: unknown): c is ConnectionRecord {
  const r = c as Partial<ConnectionRecord>;
  return (
    typeof r.name === 'string' &&
    typeof r.connector === 'string' &&
    typeof r.enabled === 'boolean' &&
    Array.isArray(r.scopes) &&
    r.scopes.every((s) => typeof s === 'string') &&
    Array.isArray(r.usages) &&
    (r.authorizationOwner === 'admin' || r.authorizationOwner === 'user') &&
    typeof r.sameAuthorizationForAllEnvironments === 'boolean' &&
    Array.isArray(r.authorizations) &&
    r.authorizations.every((a) => a !== null && typeof a === 'object' && typeof a.environment === 'string' && typeof a.account === 'string')
  );
}
