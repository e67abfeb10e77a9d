/**
 * The embedded target (`local:PATH`): the target engine (engine/engine.ts) over one SQLite file.
 * This file is the SQLite adapter: opening the file, its tables, and the store operations.
 *
 * - A write transaction is `BEGIN IMMEDIATE`: one writer at a time across processes.
 * - WAL and a busy timeout let several processes share the file (an apply, a person authorizing).
 *   `synchronous=NORMAL` is durable against a killed process; on power loss the last commits may
 *   be lost, but state, serial and journal always roll back together.
 */
import { resolve } from 'node:path';
import { valueOf, type SqliteDatabase, type SqliteStatement, type SqlValue } from './sqlite-driver.js';
import { TargetError, UserError } from '../../errors.js';
import type { ConnectorRecord, ReadonlyState, State } from '../../model/types.js';
import type { Effects } from '../../rules/index.js';
import { holderProcessIsDead, TargetEngine } from '../engine/engine.js';
import {
  journalEntryOf,
  storedLockOf,
  type JournalOutcome,
  type JournalRow,
  type LockClaim,
  type LockRow,
  type StoredLock,
  type StoreReader,
  type StoreWriter,
  type TargetStore,
} from '../engine/store.js';
import type { JournalContext, JournalEntry, RolloutEvent, StoredRollout, TargetMode } from '../target.js';
import { BUSY_TIMEOUT_MS, openDatabase, openEmptyInMemory } from './open.js';
import { SqliteRollouts } from './rollouts.js';
import { connectionsOfRows, connectorsOfRows, damaged, joinedConnections, joinedConnectors, joinedSql, joinedTexts, readRows, type Joined } from './rows.js';
import { canonicalConnectionJson, canonicalConnectorJson, SortedRecords } from '../snapshot.js';

export { TargetMissingError } from './open.js';

export interface LocalTargetOptions {
  /** How the user named the target, for messages (`local:.connectorops/local.db`, or a name from connectorops.yaml). */
  name?: string;
  /**
   * Create the file when there is none (default true). Commands that only read pass false: a
   * typo in a path must not leave an empty account behind (TargetMissingError instead).
   */
  create?: boolean;
}

/** The embedded target. Open it with `LocalTarget.open(path)` (or `openTarget('local:PATH')`). */
export class LocalTarget extends TargetEngine {
  /** The absolute path of the SQLite file. */
  readonly path: string;

  private constructor(path: string, name: string, store: SqliteStore) {
    super(name, store);
    this.path = path;
  }

  /**
   * Opens the target file; creates it (and its parent directories) with a fresh fingerprint key
   * when there is none, unless `create` is false (then TargetMissingError). Refuses, without
   * changing it, a file that is not an SQLite database, an SQLite database that is not a
   * connectorops target, a damaged target, and a target written by a newer connectorops
   * (open.ts).
   */
  static open(path: string, options: LocalTargetOptions = {}): LocalTarget {
    const abs = resolve(path);
    const name = options.name ?? `local:${path}`;
    const { db, key } = openDatabase(abs, name, { create: options.create ?? true });
    return LocalTarget.#wrap(abs, name, db, key);
  }

  /**
   * The account at `path` as it is before it exists: empty, serial 0, in memory only (nothing is
   * written anywhere). `plan` reads this for a local target that has no file yet.
   */
  static empty(path: string, options: Pick<LocalTargetOptions, 'name'> = {}): LocalTarget {
    const { db, key } = openEmptyInMemory();
    return LocalTarget.#wrap(resolve(path), options.name ?? `local:${path}`, db, key);
  }

  static #wrap(abs: string, name: string, db: SqliteDatabase, key: Buffer): LocalTarget {
    try {
      return new LocalTarget(abs, name, new SqliteStore(db, name, key, abs));
    } catch (error) {
      db.close();
      throw wrapSqlite(error, name, abs);
    }
  }
}

/**
 * The store operations on the file's tables. The SQLite driver is synchronous: each operation is done
 * when its promise is made, and the engine runs one transaction at a time on this connection.
 */
class SqliteStore implements TargetStore, StoreWriter {
  readonly fingerprintKey: Buffer;
  readonly #db: SqliteDatabase;
  readonly #name: string;
  readonly #path: string;
  readonly #stmt: ReturnType<typeof prepare>;
  readonly #rollouts: SqliteRollouts;

  constructor(db: SqliteDatabase, name: string, key: Buffer, path: string) {
    this.#db = db;
    this.#name = name;
    this.#path = path;
    this.fingerprintKey = key;
    this.#stmt = prepare(db);
    this.#rollouts = new SqliteRollouts(db);
  }

  async requireKey(): Promise<Buffer> {
    return this.fingerprintKey;
  }

  reading<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.#transaction('BEGIN DEFERRED', fn);
  }

  writing<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return this.#transaction('BEGIN IMMEDIATE', fn);
  }

  async #transaction<T>(begin: string, fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    this.#db.exec(begin);
    try {
      const result = await fn(this);
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** TargetStore.savepoint: SQLite's SAVEPOINT, in the `writing` transaction this runs in. */
  async savepoint<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    this.#db.exec('SAVEPOINT action');
    try {
      const value = await fn();
      this.#db.exec('RELEASE action');
      return { ok: true, value };
    } catch (error) {
      // Some errors (a full disk, an I/O error) make SQLite roll back the whole transaction:
      // then later statements would run outside any transaction, each on its own. Nothing of this
      // transaction can commit: say so, and the caller gives the whole batch up.
      if (!this.#db.inTransaction) throw error;
      this.#db.exec('ROLLBACK TO action');
      this.#db.exec('RELEASE action');
      return { ok: false, error };
    }
  }

  async serial(): Promise<number> {
    return Number(valueOf(this.#stmt.getMeta, 'serial'));
  }

  async loadState(): Promise<State> {
    return (await this.loadStateAgain()).state;
  }

  async loadStateAgain(): Promise<{ state: State; again: () => State; connectionTexts: readonly string[]; connectorTexts: readonly string[] }> {
    // Every connector and connection checked as it is loaded (rows.ts); the rows' text is kept, so
    // that `again` makes the same records (checked already) without reading the file. Each table in
    // one query and one JSON.parse; row by row when that is not one sound record per row, which
    // names the row that is not.
    let connectorTexts: readonly string[];
    let connectors: () => Map<string, ConnectorRecord>;
    const joinedC = joinedConnectors(this.#stmt.joinedConnectors.get() as Joined);
    if (joinedC) {
      const first = joinedC.records;
      let made = false;
      // The first call gets the records already made; a later one makes them again from the text.
      connectors = () => (made ? joinedC.again() : ((made = true), first));
      connectorTexts = joinedC.texts;
    } else {
      const connectorRows = readRows(this.#stmt.allConnectors);
      connectors = () => connectorsOfRows(connectorRows, this.#name, this.#path);
      // Every body is a string once connectorsOfRows has read them (JSON.parse of each succeeded on its text).
      connectorTexts = connectorRows.bodies as string[];
    }
    const joined = joinedConnections(this.#stmt.joinedConnections.get() as Joined);
    if (joined) {
      return {
        state: { connectors: connectors(), connections: joined.records },
        again: () => ({ connectors: connectors(), connections: joined.again() }),
        connectionTexts: joined.texts,
        connectorTexts,
      };
    }
    const connectionRows = readRows(this.#stmt.allConnections);
    const again = () => ({ connectors: connectors(), connections: connectionsOfRows(connectionRows, this.#name, this.#path) });
    const state = again();
    // Every body is a string now (JSON.parse of each succeeded on its text).
    return { state, again, connectionTexts: connectionRows.bodies as string[], connectorTexts };
  }

  /** The connections rows' canonical text in link-name order (rows.ts): what the digest is made of. */
  async connectionTexts(): Promise<readonly string[]> {
    return joinedTexts(this.#stmt.joinedConnectionTexts.get() as Joined) ?? readRows(this.#stmt.allConnections).bodies.map(String);
  }

  /** The connectors rows' canonical text in link-name order: the digest's other part. */
  async connectorTexts(): Promise<readonly string[]> {
    return joinedTexts(this.#stmt.joinedConnectorTexts.get() as Joined) ?? readRows(this.#stmt.allConnectors).bodies.map(String);
  }

  async counts(): Promise<{ connectors: number; connections: number }> {
    return { connectors: (this.#stmt.countConnectors.get() as { n: number }).n, connections: (this.#stmt.countConnections.get() as { n: number }).n };
  }

  async journalEntry(key: JournalContext): Promise<JournalEntry | null> {
    const row = this.#stmt.journalGet.get(key.runId, key.actionId) as JournalRow | undefined;
    return row ? journalEntryOf(row) : null;
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    return (this.#stmt.journalOf.all(runId) as JournalRow[]).map(journalEntryOf);
  }

  async lock(): Promise<StoredLock | null> {
    const row = this.#stmt.getLock.get() as LockRow | undefined;
    return row ? storedLockOf(row) : null;
  }

  async targetInfo(): Promise<{ mode: TargetMode; account: string | null } | null> {
    return this.#rollouts.targetInfo();
  }

  async openRollout(): Promise<StoredRollout | null> {
    return this.#rollouts.open();
  }

  async rollouts(): Promise<StoredRollout[]> {
    return this.#rollouts.all();
  }

  async rolloutExists(id: string): Promise<boolean> {
    return this.#rollouts.exists(id);
  }

  async setTargetInfo(mode: TargetMode, account: string | null): Promise<void> {
    this.#rollouts.setTargetInfo(mode, account);
  }

  async insertRollout(id: string, document: unknown): Promise<void> {
    this.#rollouts.insert(id, document);
  }

  async closeRollout(id: string): Promise<void> {
    this.#rollouts.close(id);
  }

  async insertRolloutEvent(id: string, event: RolloutEvent): Promise<void> {
    this.#rollouts.insertEvent(id, event);
  }

  async setSerial(serial: number): Promise<void> {
    this.#stmt.setMeta.run('serial', serial);
  }

  async writeEffects(effects: Effects): Promise<void> {
    // Same order as World.apply, so the file and the cache agree.
    for (const name of effects.deleteConnections) this.#stmt.deleteConnection.run(name);
    for (const name of effects.deleteConnectors) this.#stmt.deleteConnector.run(name);
    for (const c of effects.upsertConnectors) this.#stmt.upsertConnector.run(c.linkName, canonicalConnectorJson(c));
    for (const c of effects.upsertConnections) this.#stmt.upsertConnection.run(c.linkName, c.connector, canonicalConnectionJson(c));
  }

  async replaceContents(state: ReadonlyState): Promise<void> {
    this.#stmt.deleteAllConnections.run();
    this.#stmt.deleteAllConnectors.run();
    // The tables are empty now: plain inserts, no conflict handling, IMPORT_BATCH_ROWS rows a statement.
    const stmt = this.#stmt;
    // A page cache big enough for the whole import while it runs (the drivers' defaults are 2 and
    // 16 MB, and a 100k-row import then spills pages to the WAL again and again: ~18% more CPU,
    // measured); back to what it was afterwards, so that an open target does not keep 64 MB.
    const cacheSize = Number(valueOf(this.#db.prepare('PRAGMA cache_size')));
    this.#db.exec(`PRAGMA cache_size = ${IMPORT_CACHE_KIB}`);
    try {
      // In key order: each B-tree then grows at its end (a snapshot's state is in that order already).
      insertInBatches(stmt.insertConnectors, stmt.insertConnector, 2, inLinkNameOrder(state.connectors), (c, values, at) => {
        values[at] = c.linkName;
        values[at + 1] = canonicalConnectorJson(c);
      });
      insertInBatches(stmt.insertConnections, stmt.insertConnection, 3, inLinkNameOrder(state.connections), (c, values, at) => {
        values[at] = c.linkName;
        values[at + 1] = c.connector;
        values[at + 2] = canonicalConnectionJson(c);
      });
    } finally {
      this.#db.exec(`PRAGMA cache_size = ${cacheSize}`);
    }
  }

  async journalRecord(key: JournalContext, op: string, linkName: string, outcome: JournalOutcome): Promise<void> {
    // Positional parameters: no object made per action.
    this.#stmt.journalRecord.run(key.runId, key.actionId, op, linkName, outcome.status, outcome.serial, outcome.at, outcome.error, key.by ?? null, key.note ?? null);
  }

  async insertLock({ info }: StoredLock): Promise<void> {
    this.#stmt.insertLock.run({ id: info.id, holder: info.holder, host: info.host, pid: info.pid, operation: info.operation, started_at: info.startedAt });
  }

  async deleteLock(id: string): Promise<StoredLock | null> {
    const row = this.#stmt.getLock.get() as LockRow | undefined;
    if (!row || row.id !== id) return null;
    this.#stmt.deleteLock.run(id);
    return storedLockOf(row);
  }

  /** SQLite has no lock that dies with its holder: the holder's pid says whether it lives. */
  async claimLock(): Promise<LockClaim> {
    return { session: null, lost: () => false, release: async () => {} };
  }

  holderIsDead(lock: StoredLock): boolean {
    return holderProcessIsDead(lock.info);
  }

  async endSession(): Promise<void> {
    // No sessions: deleting the row is all there is to `unlock`.
  }

  describeError(error: unknown): Error {
    return wrapSqlite(error, this.#name, this.#path);
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

/** The records of `map` by link name, sorted only when they are not in that order already. */
function inLinkNameOrder<T extends { linkName: string }>(map: ReadonlyMap<string, T>): Iterable<T> {
  // A snapshot's own connections are in that order by construction: not walked once more.
  if (map instanceof SortedRecords) return map.values();
  let previous: string | null = null;
  for (const key of map.keys()) {
    if (previous !== null && !(previous < key)) return [...map.values()].sort((a, b) => (a.linkName < b.linkName ? -1 : 1));
    previous = key;
  }
  return map.values();
}

/**
 * Inserts every record of `records`, `IMPORT_BATCH_ROWS` rows a statement (`batch`, that many
 * `(?, …)` groups of `width` values) and the rest one row at a time (`single`): one call into
 * SQLite per 200 rows instead of per row. 100k connections went in in 115 ms of CPU instead of
 * 180 (measured, better-sqlite3, issue 25); the rows and their order are the same.
 * `write` puts one record's `width` values into `values` from `at` on, so no array is made per row.
 */
function insertInBatches<T>(
  batch: SqliteStatement,
  single: SqliteStatement,
  width: number,
  records: Iterable<T>,
  write: (record: T, values: SqlValue[], at: number) => void,
): void {
  const values = new Array<SqlValue>(width * IMPORT_BATCH_ROWS);
  let at = 0;
  for (const record of records) {
    write(record, values, at);
    at += width;
    if (at === values.length) {
      batch.run(...values);
      at = 0;
    }
  }
  for (let from = 0; from < at; from += width) single.run(...values.slice(from, from + width));
}

/** Rows per multi-row INSERT of an import: 100 to 300 measured the same; far below SQLite's 32,766 bound values. */
const IMPORT_BATCH_ROWS = 200;

/** SQLite's page cache during an import, as `PRAGMA cache_size` takes it (negative: KiB): 64 MB. */
const IMPORT_CACHE_KIB = -65_536;

/** `(?, ?), (?, ?), …`: IMPORT_BATCH_ROWS groups of `width` parameters, the VALUES of a batch insert. */
function rowGroups(width: number): string {
  return Array.from({ length: IMPORT_BATCH_ROWS }, () => `(${Array.from({ length: width }, () => '?').join(', ')})`).join(', ');
}

function prepare(db: SqliteDatabase) {
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    allConnectors: db.prepare('SELECT link_name, body FROM connectors ORDER BY link_name'),
    allConnections: db.prepare('SELECT link_name, body FROM connections ORDER BY link_name'),
    joinedConnections: db.prepare(joinedSql('connections', true)),
    joinedConnectionTexts: db.prepare(joinedSql('connections', false)),
    joinedConnectors: db.prepare(joinedSql('connectors', true)),
    joinedConnectorTexts: db.prepare(joinedSql('connectors', false)),
    countConnectors: db.prepare('SELECT count(*) AS n FROM connectors'),
    countConnections: db.prepare('SELECT count(*) AS n FROM connections'),
    upsertConnector: db.prepare('INSERT INTO connectors (link_name, body) VALUES (?, ?) ON CONFLICT (link_name) DO UPDATE SET body = excluded.body'),
    upsertConnection: db.prepare(
      'INSERT INTO connections (link_name, connector, body) VALUES (?, ?, ?) ON CONFLICT (link_name) DO UPDATE SET connector = excluded.connector, body = excluded.body',
    ),
    insertConnector: db.prepare('INSERT INTO connectors (link_name, body) VALUES (?, ?)'),
    insertConnection: db.prepare('INSERT INTO connections (link_name, connector, body) VALUES (?, ?, ?)'),
    insertConnectors: db.prepare(`INSERT INTO connectors (link_name, body) VALUES ${rowGroups(2)}`),
    insertConnections: db.prepare(`INSERT INTO connections (link_name, connector, body) VALUES ${rowGroups(3)}`),
    deleteConnector: db.prepare('DELETE FROM connectors WHERE link_name = ?'),
    deleteConnection: db.prepare('DELETE FROM connections WHERE link_name = ?'),
    deleteAllConnectors: db.prepare('DELETE FROM connectors'),
    deleteAllConnections: db.prepare('DELETE FROM connections'),
    journalGet: db.prepare('SELECT * FROM journal WHERE run_id = ? AND action_id = ?'),
    // Upsert keeps the rowid, so `ORDER BY rowid` is the order in which actions were first journaled.
    journalRecord: db.prepare(
      `INSERT INTO journal (run_id, action_id, op, link_name, status, serial, at, error, actor, note)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, action_id) DO UPDATE SET op = excluded.op, link_name = excluded.link_name, status = excluded.status, serial = excluded.serial,
         at = excluded.at, error = excluded.error, actor = excluded.actor, note = excluded.note
       WHERE journal.status <> 'done'`,
    ),
    journalOf: db.prepare('SELECT * FROM journal WHERE run_id = ? ORDER BY rowid'),
    getLock: db.prepare('SELECT * FROM locks WHERE slot = 1'),
    insertLock: db.prepare('INSERT INTO locks (slot, id, holder, host, pid, operation, started_at) VALUES (1, @id, @holder, @host, @pid, @operation, @started_at)'),
    deleteLock: db.prepare('DELETE FROM locks WHERE id = ?'),
  };
}

function wrapSqlite(error: unknown, name: string, path: string): Error {
  if (error instanceof TargetError || error instanceof UserError) return error;
  const code = (error as { code?: string } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return damaged(name, path, 'SQLite reports that the file is malformed');
  if (code === 'SQLITE_BUSY') {
    return new TargetError(`target ${name} is busy: another process kept it locked for more than ${BUSY_TIMEOUT_MS / 1000}s`, {
      status: 503,
      hint: 'try again when the other connectorops process has finished',
      cause: error,
    });
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') {
    return new TargetError(`target ${name} cannot be written: ${message}`, { cause: error });
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new TargetError(`target ${name}: ${message} (${code})`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
