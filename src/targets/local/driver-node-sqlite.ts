/**
 * The `node:sqlite` implementation of the SQLite driver (sqlite-driver.ts): Node.js 22.13 and
 * later have SQLite built in, so a local target needs no native module there.
 *
 * Its errors are made to look like better-sqlite3's: node:sqlite raises `ERR_SQLITE_ERROR` with
 * the SQLite result code in `errcode`; the code above the driver reads `code` (`SQLITE_BUSY`, …),
 * so that is set from `errcode`, and the message is kept.
 */
import type { SqliteDatabase, SqliteDriver, SqliteStatement, SqlParameters } from './sqlite-port.js';

/** The part of node:sqlite this driver uses (this project's @types/node is Node 20's, which has none). */
interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => NodeDatabase;
}
interface NodeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
  /** Node.js 22.16 and later. */
  readonly isTransaction?: boolean;
}
interface NodeStatement {
  run(...parameters: SqlParameters): unknown;
  get(...parameters: SqlParameters): unknown;
  all(...parameters: SqlParameters): unknown[];
  /** Node.js 22.13 and later. */
  iterate?(...parameters: SqlParameters): Iterator<unknown>;
  /** Node.js 24 (and 22.16) and later. */
  setReturnArrays?(enabled: boolean): void;
}

/** SQLite's primary result codes by number, named as better-sqlite3 names them. */
const CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  23: 'SQLITE_AUTH',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};

/** node:sqlite as a driver, or null where this Node.js has none (Node.js 20; 22 before 22.13 without a flag). */
export function openNodeSqlite(): SqliteDriver | null {
  const sqlite = builtIn();
  if (!sqlite) return null;
  return {
    name: 'node:sqlite',
    open(path, options = {}) {
      return wrap(call(() => new sqlite.DatabaseSync(path, options.readOnly ? { readOnly: true } : {})));
    },
  };
}

function builtIn(): NodeSqliteModule | null {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof get !== 'function') return null;
  // Node.js 22 and 23 warn on stderr that node:sqlite is experimental, once, as it loads: not a
  // warning for a person who asked for a local target.
  const original: unknown = Reflect.get(process, 'emitWarning');
  Reflect.set(process, 'emitWarning', (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (!/SQLite/.test(text)) Reflect.apply(original as (...a: unknown[]) => void, process, [warning, ...rest]);
  });
  try {
    const sqlite = get.call(process, 'node:sqlite') as Partial<NodeSqliteModule> | undefined;
    return typeof sqlite?.DatabaseSync === 'function' ? (sqlite as NodeSqliteModule) : null;
  } catch {
    return null;
  } finally {
    Reflect.set(process, 'emitWarning', original);
  }
}

function wrap(db: NodeDatabase): SqliteDatabase {
  let open = false; // where isTransaction is missing (before 22.16): what BEGIN, COMMIT and ROLLBACK did
  return {
    exec(sql) {
      call(() => db.exec(sql));
      if (db.isTransaction === undefined) open = /^\s*BEGIN\b/i.test(sql) ? true : /^\s*(COMMIT|ROLLBACK|END)\b/i.test(sql) ? false : open;
    },
    prepare(sql): SqliteStatement {
      const statement = call(() => db.prepare(sql));
      let raw: NodeStatement | null | undefined;
      // Inline try/catch, no closure per call: these run once per row of an import or a read.
      return {
        run(...parameters) {
          try {
            statement.run(...parameters);
          } catch (error) {
            throw coded(error);
          }
        },
        get(...parameters) {
          try {
            return statement.get(...parameters);
          } catch (error) {
            throw coded(error);
          }
        },
        all(...parameters) {
          try {
            return statement.all(...parameters);
          } catch (error) {
            throw coded(error);
          }
        },
        rows(...parameters) {
          // Arrays straight from node:sqlite where it makes them (a second statement of the same SQL);
          // otherwise each row object's values, which are in the statement's column order.
          if (raw === undefined) raw = arrays(call(() => db.prepare(sql)));
          return raw ? iterated(raw, parameters) : call(() => statement.all(...parameters)).map((row) => Object.values(row as object) as unknown[]);
        },
      };
    },
    get inTransaction() {
      return db.isTransaction ?? open;
    },
    close: () => call(() => db.close()),
  };
}

/** `statement` set to return arrays, or null where this node:sqlite cannot (then it is not used). */
function arrays(statement: NodeStatement): NodeStatement | null {
  if (typeof statement.setReturnArrays !== 'function' || typeof statement.iterate !== 'function') return null;
  statement.setReturnArrays(true);
  return statement;
}

/** The rows of `statement` one at a time, its errors coded as `call` codes them. */
function* iterated(statement: NodeStatement, parameters: SqlParameters): Generator<unknown[]> {
  const rows = call(() => statement.iterate!(...parameters));
  for (;;) {
    const next = call(() => rows.next());
    if (next.done) return;
    yield next.value as unknown[];
  }
}

/** `fn()`, with an SQLite error's `code` set as better-sqlite3 sets it. */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw coded(error);
  }
}

/** An SQLite error from node:sqlite with `code` set from its result code, as better-sqlite3 sets it. */
function coded(error: unknown): unknown {
  const e = error as { code?: unknown; errcode?: unknown } | null;
  if (e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
    Object.defineProperty(e, 'code', { value: CODES[e.errcode & 0xff] ?? `SQLITE_${e.errcode}`, configurable: true, writable: true, enumerable: true });
  }
  return error;
}
