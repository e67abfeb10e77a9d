/**
 * The embedded target (`local:PATH`): the target engine (engine/engine.ts) over one SQLite file.
 * This file is the SQLite adapter: opening the file, its tables, and the store operations.
 *
 * - A write transaction is `BEGIN IMMEDIATE`: one writer at a time across processes.
 * - WAL and a busy timeout let several processes share the file (an apply, a person authorizing).
 *   `synchronous=NORMAL` is durable against a killed process; on power loss the last commits may
 *   be lost, but state, serial and journal always roll back together.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { TargetError, UserError } from '../../errors.js';
import type { ConnectionRecord, ConnectorRecord, State } from '../../model/types.js';
import type { Effects } from '../../rules/index.js';
import { holderProcessIsDead, TargetEngine } from '../engine/engine.js';
import { newFingerprintKey } from '../engine/secrets.js';
import { journalEntryOf, storedLockOf, type JournalRow, type LockClaim, type LockRow, type StoredLock, type StoreReader, type StoreWriter, type TargetStore } from '../engine/store.js';
import type { JournalContext, JournalEntry, RolloutEvent, StoredRollout, TargetMode } from '../target.js';
import { migrateToRollouts, SqliteRollouts } from './rollouts.js';

/** 'COPS': marks an SQLite file as a connectorops target, so that we never write into someone else's database. */
const APPLICATION_ID = 0x434f5053;
/** The layout of the tables below. A file with a newer version is refused, not guessed at. */
export const LOCAL_SCHEMA_VERSION = 2;
const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE IF NOT EXISTS connectors (link_name TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS connections (link_name TEXT PRIMARY KEY, connector TEXT NOT NULL, body TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS journal (
  run_id TEXT NOT NULL, action_id TEXT NOT NULL, op TEXT NOT NULL, link_name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  serial INTEGER, at TEXT NOT NULL, error TEXT, actor TEXT, note TEXT,
  PRIMARY KEY (run_id, action_id)
) STRICT;
CREATE TABLE IF NOT EXISTS locks (
  slot INTEGER PRIMARY KEY CHECK (slot = 1),
  id TEXT NOT NULL, holder TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
  operation TEXT NOT NULL, started_at TEXT NOT NULL
) STRICT;
`;

export interface LocalTargetOptions {
  /** How the user named the target, for messages (`local:.connectorops/local.db`, or a name from connectorops.yaml). */
  name?: string;
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
   * Opens the target file, creating it (and its parent directories) on first use, with a fresh
   * fingerprint key. Refuses a file that is not an SQLite database, an SQLite database that is not
   * a connectorops target, and a target written by a newer connectorops.
   */
  static open(path: string, options: LocalTargetOptions = {}): LocalTarget {
    const abs = resolve(path);
    const name = options.name ?? `local:${path}`;
    mkdirSync(dirname(abs), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(abs);
    } catch (error) {
      throw new UserError(`cannot open target ${name} (${abs}): ${(error as Error).message}`);
    }
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const key = initialize(db, abs, name);
      return new LocalTarget(abs, name, new SqliteStore(db, name, key));
    } catch (error) {
      db.close();
      if (error instanceof UserError || error instanceof TargetError) throw error;
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new UserError(`target ${name}: ${abs} is not a connectorops target (not an SQLite database)`, {
          hint: 'point --target at another file; local:PATH creates the file on first use',
        });
      }
      throw wrapSqlite(error, name);
    }
  }
}

/**
 * The store operations on the file's tables. better-sqlite3 is synchronous: each operation is done
 * when its promise is made, and the engine runs one transaction at a time on this connection.
 */
class SqliteStore implements TargetStore, StoreWriter {
  readonly fingerprintKey: Buffer;
  readonly #db: Database.Database;
  readonly #name: string;
  readonly #stmt: ReturnType<typeof prepare>;
  readonly #rollouts: SqliteRollouts;

  constructor(db: Database.Database, name: string, key: Buffer) {
    this.#db = db;
    this.#name = name;
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

  async serial(): Promise<number> {
    return Number(this.#stmt.getMeta.get('serial'));
  }

  async loadState(): Promise<State> {
    const state: State = { connectors: new Map(), connections: new Map() };
    for (const body of this.#stmt.allConnectors.all() as string[]) {
      const c = JSON.parse(body) as ConnectorRecord;
      state.connectors.set(c.linkName, c);
    }
    for (const body of this.#stmt.allConnections.all() as string[]) {
      const c = JSON.parse(body) as ConnectionRecord;
      state.connections.set(c.linkName, c);
    }
    return state;
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
    for (const c of effects.upsertConnectors) this.#stmt.upsertConnector.run(c.linkName, JSON.stringify(c));
    for (const c of effects.upsertConnections) this.#stmt.upsertConnection.run(c.linkName, c.connector, JSON.stringify(c));
  }

  async replaceContents(state: State): Promise<void> {
    this.#stmt.deleteAllConnections.run();
    this.#stmt.deleteAllConnectors.run();
    for (const c of state.connectors.values()) this.#stmt.upsertConnector.run(c.linkName, JSON.stringify(c));
    for (const c of state.connections.values()) this.#stmt.upsertConnection.run(c.linkName, c.connector, JSON.stringify(c));
  }

  async journalPending(key: JournalContext, op: string, linkName: string, at: string): Promise<void> {
    this.#stmt.journalPending.run({ ...keyOf(key), op, link_name: linkName, at, actor: key.by ?? null, note: key.note ?? null });
  }

  async journalFinish(key: JournalContext, outcome: { status: 'done' | 'failed'; serial: number | null; at: string; error: string | null }): Promise<void> {
    this.#stmt.journalFinish.run({ ...keyOf(key), ...outcome });
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
    return wrapSqlite(error, this.#name);
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

function prepare(db: Database.Database) {
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    allConnectors: db.prepare('SELECT body FROM connectors').pluck(),
    allConnections: db.prepare('SELECT body FROM connections').pluck(),
    countConnectors: db.prepare('SELECT count(*) AS n FROM connectors'),
    countConnections: db.prepare('SELECT count(*) AS n FROM connections'),
    upsertConnector: db.prepare('INSERT INTO connectors (link_name, body) VALUES (?, ?) ON CONFLICT (link_name) DO UPDATE SET body = excluded.body'),
    upsertConnection: db.prepare(
      'INSERT INTO connections (link_name, connector, body) VALUES (?, ?, ?) ON CONFLICT (link_name) DO UPDATE SET connector = excluded.connector, body = excluded.body',
    ),
    deleteConnector: db.prepare('DELETE FROM connectors WHERE link_name = ?'),
    deleteConnection: db.prepare('DELETE FROM connections WHERE link_name = ?'),
    deleteAllConnectors: db.prepare('DELETE FROM connectors'),
    deleteAllConnections: db.prepare('DELETE FROM connections'),
    journalGet: db.prepare('SELECT * FROM journal WHERE run_id = ? AND action_id = ?'),
    // Upsert keeps the rowid, so `ORDER BY rowid` is the order in which actions were first journaled.
    journalPending: db.prepare(
      `INSERT INTO journal (run_id, action_id, op, link_name, status, serial, at, error, actor, note)
       VALUES (@run_id, @action_id, @op, @link_name, 'pending', NULL, @at, NULL, @actor, @note)
       ON CONFLICT (run_id, action_id) DO UPDATE SET op = excluded.op, link_name = excluded.link_name, status = 'pending', serial = NULL,
         at = excluded.at, error = NULL, actor = excluded.actor, note = excluded.note`,
    ),
    journalFinish: db.prepare('UPDATE journal SET status = @status, serial = @serial, at = @at, error = @error WHERE run_id = @run_id AND action_id = @action_id'),
    journalOf: db.prepare('SELECT * FROM journal WHERE run_id = ? ORDER BY rowid'),
    getLock: db.prepare('SELECT * FROM locks WHERE slot = 1'),
    insertLock: db.prepare('INSERT INTO locks (slot, id, holder, host, pid, operation, started_at) VALUES (1, @id, @holder, @host, @pid, @operation, @started_at)'),
    deleteLock: db.prepare('DELETE FROM locks WHERE id = ?'),
  };
}

/** Creates the tables and the meta rows on first use; returns the fingerprint key. */
function initialize(db: Database.Database, abs: string, name: string): Buffer {
  return db
    .transaction(() => {
      const appId = db.pragma('application_id', { simple: true }) as number;
      if (appId !== APPLICATION_ID) {
        const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
        if (appId !== 0 || tables > 0) {
          throw new UserError(`target ${name}: ${abs} is an SQLite database, but not a connectorops target; it was left untouched`, {
            hint: 'point --target at another file; local:PATH creates the file on first use',
          });
        }
        db.pragma(`application_id = ${APPLICATION_ID}`);
      }
      db.exec(SCHEMA);
      const meta = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
      meta.run('schema_version', LOCAL_SCHEMA_VERSION);
      meta.run('serial', 0);
      meta.run('fingerprint_key', newFingerprintKey());
      let version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as number;
      if (version === 1 || version === LOCAL_SCHEMA_VERSION) {
        // Schema 1 → 2 adds rollouts (and a new file gets them the same way).
        migrateToRollouts(db);
        if (version === 1) db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(LOCAL_SCHEMA_VERSION);
        version = LOCAL_SCHEMA_VERSION;
      }
      if (version !== LOCAL_SCHEMA_VERSION) {
        throw new UserError(`target ${name} was written by a newer connectorops (local schema ${version}; this one reads ${LOCAL_SCHEMA_VERSION})`, {
          hint: 'upgrade connectorops',
        });
      }
      const key = db.prepare("SELECT value FROM meta WHERE key = 'fingerprint_key'").pluck().get() as string;
      return Buffer.from(key, 'base64');
    })
    .immediate();
}

function keyOf(journal: JournalContext): { run_id: string; action_id: string } {
  return { run_id: journal.runId, action_id: journal.actionId };
}

function wrapSqlite(error: unknown, name: string): Error {
  if (error instanceof TargetError || error instanceof UserError) return error;
  const code = (error as { code?: string } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
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
