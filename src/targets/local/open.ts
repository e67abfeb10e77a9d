/**
 * Opening the local target's SQLite file, carefully: nothing is written into a file before it is
 * known to be a connectorops target, a damaged target is an error that says what is damaged
 * (never an empty account, which an apply would then fill again), and only creating a target
 * writes its schema.
 *
 * The order matters. The file's first 100 bytes (SQLite's header) are read with plain fs before
 * SQLite opens it: a file that is not SQLite, or an SQLite database whose application_id is not
 * ours, is refused without a single pragma (`journal_mode = WAL` alone would rewrite its header).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, openSync, readSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { makeDirectories, writeProblem } from '../../fs/directories.js';
import { isSqliteHeader } from '../../fs/sqlite-file.js';
import { dirname } from 'node:path';
import { migrateToRollouts } from './rollouts.js';
import { canonicalConnectorRowText, canonicalRowText, damaged } from './rows.js';
import { loadSqlite, transaction, valueOf, type SqliteDatabase } from './sqlite-driver.js';
import { TargetError, UserError } from '../../errors.js';
import { quoteTerminal } from '../../util/terminal.js';
import { FINGERPRINT_KEY_BYTES, newFingerprintKey } from '../engine/secrets.js';
import { agree } from '../../util/text.js';

/** 'COPS': marks an SQLite file as a connectorops target, so that we never write into someone else's database. */
const APPLICATION_ID = 0x434f5053;
/** The layout of the tables below. A file with a newer version is refused, not guessed at. */
const LOCAL_SCHEMA_VERSION = 4;
export const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE connectors (link_name TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;
CREATE TABLE connections (link_name TEXT PRIMARY KEY, connector TEXT NOT NULL, body TEXT NOT NULL) STRICT;
CREATE TABLE journal (
  run_id TEXT NOT NULL, action_id TEXT NOT NULL, op TEXT NOT NULL, link_name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  serial INTEGER, at TEXT NOT NULL, error TEXT,
  PRIMARY KEY (run_id, action_id)
) STRICT;
CREATE TABLE locks (
  slot INTEGER PRIMARY KEY CHECK (slot = 1),
  id TEXT NOT NULL, holder TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
  operation TEXT NOT NULL, started_at TEXT NOT NULL
) STRICT;
`;

/** Every table and the columns the target reads and writes: a file missing one is damaged. */
const TABLES: Record<string, string[]> = {
  meta: ['key', 'value'],
  connectors: ['link_name', 'body'],
  connections: ['link_name', 'connector', 'body'],
  journal: ['run_id', 'action_id', 'op', 'link_name', 'status', 'serial', 'at', 'error'],
  locks: ['slot', 'id', 'holder', 'host', 'pid', 'operation', 'started_at'],
};

/** The target has no file yet, and the command may not create one. */
export class TargetMissingError extends UserError {
  override name = 'TargetMissingError';
  constructor(
    readonly target: string,
    readonly path: string,
  ) {
    super(`target ${target} does not exist yet: there is no file at ${quoteTerminal(path)}`, {
      hint: 'check --target (a typo makes a new, empty account); `connectorops apply` or `connectorops target import` creates it',
    });
  }
}

export interface OpenedDatabase {
  db: SqliteDatabase;
  /** The fingerprint key (32 bytes). */
  key: Buffer;
}

/**
 * Opens (and with `create`, creates) the target file at `abs`. Throws TargetMissingError when
 * there is no file and `create` is false; a UserError for anything that is not a whole
 * connectorops target. Returns the open database and its fingerprint key.
 */
export function openDatabase(abs: string, name: string, options: { create: boolean }): OpenedDatabase {
  loadSqlite(name); // before anything is created: without the driver, nothing changes
  const info = statOrNull(abs, name);
  if (!info) {
    if (!options.create) throw new TargetMissingError(name, abs);
    makeParent(abs, name);
    createAtomically(abs, name);
    return openDatabase(abs, name, { create: false });
  }
  if (!info.isFile())
    throw new UserError(`target ${name}: ${quoteTerminal(abs)} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}, not a target file`, {
      hint: 'point --target at a file',
    });
  checkHeader(abs, name, info.size);
  return withDatabase(abs, name, (db) => {
    // Only now, with the header known to be ours: WAL and a busy timeout.
    pragmas(db);
    const { key, version } = check(db, abs, name);
    if (version < LOCAL_SCHEMA_VERSION) upgrade(db, version);
    return { db, key };
  });
}

/**
 * Creates a whole target at `abs`, atomically: it is built under a temporary name beside it, then
 * linked into place, so that a concurrent reader (`target export`, another apply) sees no target
 * or a whole one, never a file still being written. A link, not a rename: when another process
 * created the target meanwhile, theirs stays (rename would replace a file they may already have
 * written to) and ours is dropped.
 */
function createAtomically(abs: string, name: string): void {
  const temp = `${abs}.${process.pid}-${randomBytes(4).toString('hex')}.creating`;
  try {
    const db = openFile(temp, name);
    try {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // In rollback-journal mode: the mark lands in the file's own header, where the next open
      // reads it with plain fs (in WAL mode page 1 would wait in the -wal file), and the file is
      // whole once closed.
      create(db);
      // WAL before it is linked into place: the switch takes an exclusive lock, and left to the
      // processes that open the new file first, they all raced for it (three processes opening
      // 300 new files each took 7 s, against 2 s for files already in WAL mode). The switch
      // rewrites only the header's mode bytes; there is nothing in the WAL to leave behind.
      db.exec('PRAGMA journal_mode = WAL');
    } finally {
      db.close();
    }
    try {
      linkSync(temp, abs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return; // created by another process meanwhile: that one counts
      // A file system without hard links: a rename, unless a target appeared meanwhile.
      if ((code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') && !existsSync(abs)) renameSync(temp, abs);
      else throw new UserError(`target ${name}: cannot create ${quoteTerminal(abs)}: ${writeProblem(error)}`, { hint: 'check the path in --target and its folder' });
    }
  } catch (error) {
    if (error instanceof UserError || error instanceof TargetError) throw error;
    throw sqliteProblem(error, name, abs);
  } finally {
    rmSync(temp, { force: true });
    rmSync(`${temp}-journal`, { force: true });
  }
}

/**
 * An account that does not exist yet, in memory: what `plan` reads for a missing local target.
 * It has the schema, no rows, serial 0 and a fingerprint key of its own, and no file anywhere.
 */
export function openEmptyInMemory(): OpenedDatabase {
  const db = loadSqlite('(an empty account in memory)').open(':memory:');
  return create(db);
}

function statOrNull(abs: string, name: string): Stats | null {
  try {
    return statSync(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw notAFolder(abs, name);
    if (code === 'ELOOP') throw new UserError(`target ${name}: ${quoteTerminal(abs)} is a symbolic link that loops`);
    throw new UserError(`target ${name}: cannot read ${quoteTerminal(abs)} (${code ?? (error as Error).message})`);
  }
}

function notAFolder(abs: string, name: string): UserError {
  return new UserError(`target ${name}: a part of ${quoteTerminal(abs)} is a file, not a folder, so the target file cannot be there`, {
    hint: 'check the path in --target (or in connectorops.yaml)',
  });
}

function makeParent(abs: string, name: string): void {
  try {
    makeDirectories(dirname(abs));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') throw notAFolder(abs, name);
    throw new UserError(`target ${name}: cannot create the folder of ${quoteTerminal(abs)}: ${writeProblem(error)}`, {
      hint: 'check the path in --target (or in connectorops.yaml)',
    });
  }
}

/** Refuses, before SQLite touches it, a file that is not SQLite or not ours. */
function checkHeader(abs: string, name: string, size: number): void {
  const hint = 'point --target at another file; `connectorops apply` creates a target where no file is';
  if (size === 0) throw new UserError(`target ${name}: ${quoteTerminal(abs)} is an empty file (0 bytes), not a connectorops target; it was left untouched`, { hint });
  const header = Buffer.alloc(100);
  let read: number;
  const fd = openSync(abs, 'r');
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (read < 100 || !isSqliteHeader(header)) {
    throw new UserError(`target ${name}: ${quoteTerminal(abs)} is not a connectorops target (not an SQLite database); it was left untouched`, { hint });
  }
  // SQLite's header keeps PRAGMA application_id at offset 68, big-endian. A target that an older
  // connectorops marked in WAL mode may have it only in its -wal file until a checkpoint: asked
  // of SQLite then, read-only.
  if (header.readUInt32BE(68) !== APPLICATION_ID && !(existsSync(`${abs}-wal`) && applicationIdOf(abs) === APPLICATION_ID)) {
    throw new UserError(`target ${name}: ${quoteTerminal(abs)} is an SQLite database, but not a connectorops target; it was left untouched`, { hint });
  }
}

function applicationIdOf(abs: string): number | null {
  try {
    const db = loadSqlite(`local:${abs}`).open(abs, { readOnly: true });
    try {
      return valueOf(db.prepare('PRAGMA application_id')) as number;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

function openFile(abs: string, name: string): SqliteDatabase {
  const driver = loadSqlite(name);
  try {
    return driver.open(abs);
  } catch (error) {
    throw new UserError(`cannot open target ${name} (${quoteTerminal(abs)}): ${(error as Error).message}`);
  }
}

function withDatabase(abs: string, name: string, use: (db: SqliteDatabase) => OpenedDatabase): OpenedDatabase {
  const db = openFile(abs, name);
  try {
    return use(db);
  } catch (error) {
    db.close();
    if (error instanceof UserError || error instanceof TargetError) throw error;
    throw sqliteProblem(error, name, abs);
  }
}

/** An error of SQLite while a target is opened or created, for a person. */
function sqliteProblem(error: unknown, name: string, abs: string): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return damaged(name, abs, 'SQLite reports that the file is malformed');
  if (code === 'SQLITE_BUSY') return new TargetError(`target ${name} is busy: another process kept it locked for more than ${BUSY_TIMEOUT_MS / 1000}s`, { status: 503 });
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return new TargetError(`target ${name}: ${(error as Error).message} (${code})`);
  return error;
}

function pragmas(db: SqliteDatabase): void {
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
}

/** A new target: the mark, the tables and the meta rows, in one transaction. */
function create(db: SqliteDatabase): OpenedDatabase {
  const key = newFingerprintKey();
  transaction(db, 'IMMEDIATE', () => {
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec(SCHEMA);
    migrateToRollouts(db);
    const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    meta.run('schema_version', LOCAL_SCHEMA_VERSION);
    meta.run('serial', 0);
    meta.run('fingerprint_key', key);
  });
  return { db, key: Buffer.from(key, 'base64') };
}

/**
 * Brings an older target up to date in one transaction: schema 1 → 2 adds rollouts
 * (local/rollouts.ts); 2 → 3 turns each connection's one `authorization` into a list of
 * `authorizations` (one entry for `all` environments of an admin connection, or none); 3 → 4
 * writes each connection and connector row as the canonical text of its record (rows.ts), which the digest is
 * made of from then on.
 */
function upgrade(db: SqliteDatabase, from: number): void {
  transaction(db, 'IMMEDIATE', () => {
    if (from < 2) migrateToRollouts(db);
    if (from < 3) db.exec(AUTHORIZATIONS_MIGRATION);
    if (from < 4) canonicalRows(db);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(LOCAL_SCHEMA_VERSION);
  });
}

/**
 * Schema 3 → 4: every connections row and every connectors row that holds a sound record of its
 * name is written again as its record's canonical text (an older connectorops wrote
 * `JSON.stringify` of the record, its keys in any order; a connector's canonical text is its
 * snapshot form). A row that does not is left as it is: loading it says what is wrong, as before.
 */
function canonicalRows(db: SqliteDatabase): void {
  const update = db.prepare('UPDATE connections SET body = ? WHERE link_name = ?');
  for (const [linkName, body] of [...db.prepare('SELECT link_name, body FROM connections').rows()]) {
    const text = canonicalRowText(linkName, body);
    if (text !== null && text !== body) update.run(text, linkName as string);
  }
  const updateConnector = db.prepare('UPDATE connectors SET body = ? WHERE link_name = ?');
  for (const [linkName, body] of [...db.prepare('SELECT link_name, body FROM connectors').rows()]) {
    const text = canonicalConnectorRowText(linkName, body);
    if (text !== null && text !== body) updateConnector.run(text, linkName as string);
  }
}

/** Schema 2 → 3: a connection's `authorization` becomes `authorizations` (SQLite's JSON functions). */
const AUTHORIZATIONS_MIGRATION = `
UPDATE connections SET body = json_set(
  json_remove(body, '$.authorization'),
  '$.authorizationOwner', 'admin',
  '$.sameAuthorizationForAllEnvironments', json('true'),
  '$.authorizations', CASE
    WHEN json_extract(body, '$.authorization.status') = 'authorized'
      THEN json_array(json_object('environment', 'all', 'account', json_extract(body, '$.authorization.account')))
    ELSE json_array()
  END)
WHERE json_valid(body) AND json_type(body, '$.authorization') = 'object';`;

/** Checks an existing target's tables and meta rows; returns its fingerprint key and schema version. Writes nothing. */
function check(db: SqliteDatabase, abs: string, name: string): { key: Buffer; version: number } {
  return transaction(db, 'DEFERRED', () => {
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)');
    for (const [table, wanted] of Object.entries(TABLES)) {
      const have = new Set((columns.all(table) as Array<{ name: string }>).map((c) => c.name));
      if (have.size === 0) throw damaged(name, abs, `its ${table} table is missing`);
      const missing = wanted.filter((c) => !have.has(c));
      if (missing.length) throw damaged(name, abs, `its ${table} table lacks the ${agree(missing.length, 'column')} ${missing.join(', ')}`);
    }
    const meta = db.prepare('SELECT value FROM meta WHERE key = ?');
    const version = valueOf(meta, 'schema_version');
    if (version === undefined) throw damaged(name, abs, 'its meta table has no schema_version');
    if (typeof version === 'number' && version > LOCAL_SCHEMA_VERSION) {
      throw new UserError(`target ${name} was written by a newer connectorops (local schema ${version}; this one reads ${LOCAL_SCHEMA_VERSION})`, {
        hint: 'upgrade connectorops',
      });
    }
    if (version !== 1 && version !== 2 && version !== 3 && version !== LOCAL_SCHEMA_VERSION)
      throw damaged(name, abs, 'its schema_version is not a version this connectorops wrote');
    const serial = valueOf(meta, 'serial');
    if (typeof serial !== 'number' || !Number.isSafeInteger(serial) || serial < 0) throw damaged(name, abs, 'its serial is missing or not a whole number');
    const key = valueOf(meta, 'fingerprint_key');
    const bytes = typeof key === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(key) ? Buffer.from(key, 'base64') : null;
    if (!bytes || bytes.length !== FINGERPRINT_KEY_BYTES) throw damaged(name, abs, `its fingerprint_key is missing or not ${FINGERPRINT_KEY_BYTES} bytes`);
    return { key: bytes, version };
  });
}
