/**
 * The local target's SQLite driver: one small interface (below), two implementations.
 *
 * - `node:sqlite` (driver-node-sqlite.ts), built into Node.js 22.13 and later: no native module,
 *   nothing to install. Used wherever it exists.
 * - better-sqlite3 (driver-better-sqlite3.ts), an optional dependency, on Node.js 20 only (it has
 *   no `node:sqlite`). Loaded the first time a `local:` target is opened, never before: a job that
 *   plans against an HTTP (or PostgreSQL) target installs no native code
 *   (`npm install --omit=optional`), and validate, plan against such targets, comment and every
 *   `--help` run without it.
 *
 * Both write the same file (SQLite 3, the same pragmas): a target written by one opens in the
 * other. The SQL above this layer (open.ts, local-target.ts, rollouts.ts) is the same for both;
 * errors carry better-sqlite3's `code` (`SQLITE_BUSY`, …) whichever driver raised them.
 *
 * Without node:sqlite, better-sqlite3 can fail three ways, each a UserError that names the
 * package, says why in one line, and what to do (docs/install.md): not installed; installed, but
 * its JavaScript does not load; installed, but its native part does not load.
 */
import { openBetterSqlite3 } from './driver-better-sqlite3.js';
import { openNodeSqlite } from './driver-node-sqlite.js';

export { cause } from './driver-better-sqlite3.js';

/** A value bound to a statement: positional (`?`) or named (`@name`, given without the `@`). */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParameters = SqlValue[] | [Record<string, SqlValue>];

/** A prepared statement. Rows are plain objects by column name (callers say which shape they expect). */
export interface SqliteStatement {
  run(...parameters: SqlParameters): void;
  get(...parameters: SqlParameters): unknown;
  all(...parameters: SqlParameters): unknown[];
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  /** Whether a transaction is open on this connection. */
  readonly inTransaction: boolean;
  close(): void;
}

export interface SqliteDriver {
  /** Which implementation: the built-in one, or the optional native module. */
  readonly name: 'node:sqlite' | 'better-sqlite3';
  /** Opens (creating unless `readOnly`) the database file at `path`, or `:memory:`. */
  open(path: string, options?: { readOnly?: boolean }): SqliteDatabase;
}

let loaded: SqliteDriver | undefined;

/** The driver of this Node.js, known to work; a UserError naming better-sqlite3 when it is needed and does not load. */
export function loadSqlite(targetName: string): SqliteDriver {
  loaded ??= openNodeSqlite() ?? openBetterSqlite3(targetName);
  return loaded;
}

/** The first column of `statement`'s first row (undefined when there is no row). */
export function valueOf(statement: SqliteStatement, ...parameters: SqlParameters): unknown {
  const row = statement.get(...parameters) as Record<string, unknown> | undefined;
  if (row === undefined) return undefined;
  for (const key in row) return row[key];
  return undefined;
}

/** `fn` in one transaction (`BEGIN IMMEDIATE` takes the write lock at once): committed when it returns, rolled back when it throws. */
export function transaction<T>(db: SqliteDatabase, mode: 'IMMEDIATE' | 'DEFERRED', fn: () => T): T {
  db.exec(`BEGIN ${mode}`);
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
