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
import type { SqliteDriver } from './sqlite-port.js';

export { cause } from './driver-better-sqlite3.js';
export { transaction, valueOf, type SqliteDatabase, type SqliteDriver, type SqliteStatement, type SqlValue } from './sqlite-port.js';

let loaded: SqliteDriver | undefined;

/** The driver of this Node.js, known to work; a UserError naming better-sqlite3 when it is needed and does not load. */
export function loadSqlite(targetName: string): SqliteDriver {
  loaded ??= openNodeSqlite() ?? openBetterSqlite3(targetName);
  return loaded;
}
