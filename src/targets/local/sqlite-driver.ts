/**
 * better-sqlite3, loaded the first time a `local:` target is opened, never before. It is an
 * optional dependency: a job that plans against an HTTP (or PostgreSQL) target installs no native
 * code (`npm install --omit=optional`), and validate, plan against such targets, comment and every
 * `--help` run without it. Loaded with `require` (it is a CommonJS module) so that opening a local
 * target stays synchronous; the bundle keeps it external (scripts/bundle.js).
 *
 * Three ways it can fail, each a UserError that names the package, says why in one line, and what
 * to do (docs/install.md): not installed; installed, but its JavaScript does not load; installed,
 * but its native part does not load. better-sqlite3 loads the native part only when the first
 * database is opened, so `loadSqlite` opens one in memory at once: a package installed without its
 * build (`npm install --ignore-scripts`), or built for another Node.js, is reported here, before
 * anything is created, instead of failing wherever a target happens to be opened.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { UserError } from '../../errors.js';
import { quoteTerminal, sanitizeTerminal } from '../../util/terminal.js';

export type SqliteDatabase = BetterSqlite3.Database;
type SqliteConstructor = typeof BetterSqlite3;

const SQLITE_PACKAGE = 'better-sqlite3';
const OTHER_TARGETS = 'postgres:// and http(s):// targets do not need it';

let loaded: SqliteConstructor | undefined;

/** The better-sqlite3 constructor, known to work; a UserError naming the package when it does not. */
export function loadSqlite(targetName: string): SqliteConstructor {
  if (loaded) return loaded;
  const load = createRequire(import.meta.url);
  let Database: SqliteConstructor;
  try {
    Database = load(SQLITE_PACKAGE) as SqliteConstructor;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && (error as Error).message.includes(`'${SQLITE_PACKAGE}'`)) {
      throw new UserError(`target ${targetName}: a local: target needs the optional dependency ${SQLITE_PACKAGE}, which is not installed`, {
        hint: `install it beside connectorops (npm install ${SQLITE_PACKAGE}, or reinstall connectorops without --omit=optional); ${OTHER_TARGETS}`,
      });
    }
    throw unusable(targetName, error, where(load));
  }
  try {
    new Database(':memory:').close();
  } catch (error) {
    throw unusable(targetName, error, where(load));
  }
  loaded = Database;
  return loaded;
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
