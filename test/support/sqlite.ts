/**
 * A raw SQLite connection to a file, through the same driver the local target uses on this
 * Node.js (node:sqlite from 22.13, better-sqlite3 on 20): tests that damage a file, read its
 * tables or check its pragmas run unchanged on both (better-sqlite3 is built for one Node.js only).
 */
import { loadSqlite, valueOf, type SqliteDatabase } from '../../src/targets/local/sqlite-driver.js';

export type { SqliteDatabase } from '../../src/targets/local/sqlite-driver.js';

export function openSqlite(path: string, options: { readOnly?: boolean } = {}): SqliteDatabase {
  return loadSqlite(`local:${path}`).open(path, options);
}

/** The first column of the first row of `sql`. */
export function sqlValue(db: SqliteDatabase, sql: string): unknown {
  return valueOf(db.prepare(sql));
}

/** The first column of every row of `sql`. */
export function sqlColumn(db: SqliteDatabase, sql: string): unknown[] {
  return (db.prepare(sql).all() as Array<Record<string, unknown>>).map((row) => Object.values(row)[0]);
}
