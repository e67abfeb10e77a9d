/**
 * better-sqlite3, loaded the first time a `local:` target is opened, never before. It is an
 * optional dependency: a job that plans against an HTTP (or PostgreSQL) target installs no native
 * code (`npm install --omit=optional`), and validate, plan against such targets, comment and every
 * `--help` run without it. Loaded with `require` (it is a CommonJS module) so that opening a local
 * target stays synchronous; the bundle keeps it external (scripts/bundle.js).
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { UserError } from '../../errors.js';

export type SqliteDatabase = BetterSqlite3.Database;
type SqliteConstructor = typeof BetterSqlite3;

const SQLITE_PACKAGE = 'better-sqlite3';

let loaded: SqliteConstructor | undefined;

/** The better-sqlite3 constructor; a UserError naming the package when it is not installed. */
export function loadSqlite(targetName: string): SqliteConstructor {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)(SQLITE_PACKAGE) as SqliteConstructor;
    return loaded;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && (error as Error).message.includes(`'${SQLITE_PACKAGE}'`)) {
      throw new UserError(`target ${targetName}: a local: target needs the optional dependency ${SQLITE_PACKAGE}, which is not installed`, {
        hint: `install it beside connectorops (npm install ${SQLITE_PACKAGE}, or reinstall connectorops without --omit=optional); http:// and https:// targets do not need it`,
      });
    }
    throw new UserError(`target ${targetName}: the optional dependency ${SQLITE_PACKAGE} is installed but could not be loaded: ${(error as Error).message}`, {
      hint: `reinstall it for this Node.js (npm rebuild ${SQLITE_PACKAGE}); http:// and https:// targets do not need it`,
    });
  }
}
