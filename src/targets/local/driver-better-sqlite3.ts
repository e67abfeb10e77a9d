/**
 * The better-sqlite3 implementation of the SQLite driver (sqlite-driver.ts): on Node.js 20, which
 * has no `node:sqlite`. Loaded with `require` (it is a CommonJS module) so that opening a local
 * target stays synchronous; the bundle keeps it external (scripts/bundle.js).
 *
 * better-sqlite3 loads its native part only when the first database is opened, so loading opens
 * one in memory at once: a package installed without its build (`npm install --ignore-scripts`),
 * or built for another Node.js, is reported here, before anything is created, instead of failing
 * wherever a target happens to be opened.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { UserError } from '../../errors.js';
import { quoteTerminal, sanitizeTerminal } from '../../util/terminal.js';
import type { SqliteDatabase, SqliteDriver, SqliteStatement } from './sqlite-port.js';

type SqliteConstructor = typeof BetterSqlite3;

const SQLITE_PACKAGE = 'better-sqlite3';
const OTHER_TARGETS = 'postgres:// and http(s):// targets do not need it';
const BUILT_IN = 'Node.js 22.13 and later need no optional dependency (their node:sqlite is built in)';

/** better-sqlite3 as a driver; a UserError naming the package when it does not load. */
export function openBetterSqlite3(targetName: string): SqliteDriver {
  const Database = loadBetterSqlite3(targetName);
  return {
    name: 'better-sqlite3',
    open(path, options = {}) {
      return wrap(new Database(path, options.readOnly ? { readonly: true, fileMustExist: true } : {}));
    },
  };
}

function wrap(db: BetterSqlite3.Database): SqliteDatabase {
  return {
    exec: (sql) => void db.exec(sql),
    prepare(sql): SqliteStatement {
      const statement = db.prepare(sql);
      // Raw mode (arrays) is a statement's setting: a second one of the same SQL, made when first asked for.
      let raw: BetterSqlite3.Statement | undefined;
      return {
        run: (...parameters) => void statement.run(...parameters),
        get: (...parameters) => statement.get(...parameters),
        all: (...parameters) => statement.all(...parameters),
        rows: (...parameters) => (raw ??= db.prepare(sql).raw(true)).iterate(...parameters) as Iterable<unknown[]>,
      };
    },
    get inTransaction() {
      return db.inTransaction;
    },
    close: () => void db.close(),
  };
}

function loadBetterSqlite3(targetName: string): SqliteConstructor {
  const load = createRequire(import.meta.url);
  let Database: SqliteConstructor;
  try {
    Database = load(SQLITE_PACKAGE) as SqliteConstructor;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && (error as Error).message.includes(`'${SQLITE_PACKAGE}'`)) {
      throw new UserError(`target ${targetName}: a local: target needs the optional dependency ${SQLITE_PACKAGE}, which is not installed`, {
        hint: `install it beside connectorops (npm install ${SQLITE_PACKAGE}, or reinstall connectorops without --omit=optional); ${OTHER_TARGETS}; ${BUILT_IN}`,
      });
    }
    throw unusable(targetName, error, where(load));
  }
  try {
    new Database(':memory:').close();
  } catch (error) {
    throw unusable(targetName, error, where(load));
  }
  return Database;
}

/** The folder whose node_modules holds better-sqlite3: where `npm rebuild` fixes it. */
function where(load: NodeJS.Require): string | null {
  try {
    // …/node_modules/better-sqlite3/package.json → …
    return dirname(dirname(dirname(load.resolve(`${SQLITE_PACKAGE}/package.json`))));
  } catch {
    return null;
  }
}

function unusable(targetName: string, error: unknown, folder: string | null): UserError {
  const rebuild = `npm rebuild ${SQLITE_PACKAGE}${folder ? ` in ${quoteTerminal(folder)}` : ''}`;
  return new UserError(`target ${targetName}: the optional dependency ${SQLITE_PACKAGE} is installed but cannot be loaded: ${cause(error)}`, {
    hint: `rebuild it for this Node.js (${rebuild}; its install script must be allowed to run), or reinstall connectorops; ${OTHER_TARGETS}`,
  });
}

/** Why better-sqlite3 did not load, in one line (the errors of `bindings` and dlopen run to many). */
export function cause(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('Could not locate the bindings file')) {
    return `its compiled part (build/Release/better_sqlite3.node) is missing: it was installed without running its install script (npm install --ignore-scripts?), or its build failed`;
  }
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(message);
  if (versions) {
    return `it was compiled for another Node.js (NODE_MODULE_VERSION ${versions[1]}), and this Node.js ${process.version} needs NODE_MODULE_VERSION ${versions[2]}`;
  }
  const firstLine = message.split('\n').find((l) => l.trim() !== '') ?? 'no reason given';
  const code = (error as { code?: unknown }).code;
  const line = sanitizeTerminal(firstLine.trim());
  return `${line.length > 300 ? `${line.slice(0, 300)}…` : line}${typeof code === 'string' && !line.includes(code) ? ` (${code})` : ''}`;
}
