/**
 * The one-line cause that a `local:` target gives when better-sqlite3 is installed but does not
 * load. The real failures (a package installed with --ignore-scripts, a native part that is no
 * library) run through the installed CLI in test/e2e/package.test.ts; these are the errors Node
 * and `bindings` raise, as they word them, including the one no test here can provoke: a build
 * for another Node.js.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cause, loadSqlite, transaction, valueOf } from '../../src/targets/local/sqlite-driver.js';
import { tempDir } from '../support/target.js';

function dlopenError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_DLOPEN_FAILED' });
}

describe('cause', () => {
  it('names the missing build for the error of `bindings`, without its list of tried paths', () => {
    const error = new Error('Could not locate the bindings file. Tried:\n → /a/build/better_sqlite3.node\n → /a/build/Release/better_sqlite3.node');
    expect(cause(error)).toBe(
      'its compiled part (build/Release/better_sqlite3.node) is missing: it was installed without running its install script (npm install --ignore-scripts?), or its build failed',
    );
  });

  it('names both ABI versions for a build made for another Node.js', () => {
    const error = dlopenError(
      "The module '/a/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 127. This version of Node.js requires\nNODE_MODULE_VERSION 115. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
    );
    expect(cause(error)).toBe(`it was compiled for another Node.js (NODE_MODULE_VERSION 127), and this Node.js ${process.version} needs NODE_MODULE_VERSION 115`);
  });

  it('keeps the first line of anything else, with its code, made safe for a terminal and short', () => {
    expect(cause(dlopenError('/a/better_sqlite3.node: invalid ELF header\nmore'))).toBe('/a/better_sqlite3.node: invalid ELF header (ERR_DLOPEN_FAILED)');
    expect(cause(new Error('\u001b[31mred\u001b[0m'))).toBe('\\u001b[31mred\\u001b[0m');
    expect(cause(new Error('x'.repeat(400)))).toBe(`${'x'.repeat(300)}…`);
    expect(cause('a string')).toBe('a string');
    expect(cause(new Error(''))).toBe('no reason given');
  });
});

describe('loadSqlite', () => {
  it('is node:sqlite wherever Node.js has it (22.13 and later), better-sqlite3 on Node.js 20', () => {
    const driver = loadSqlite('local:test.db');
    expect(driver.name).toBe(Number(process.versions.node.split('.')[0]) >= 22 ? 'node:sqlite' : 'better-sqlite3');
    const db = driver.open(':memory:');
    expect({ ...(db.prepare('SELECT 1 AS one').get() as object) }).toEqual({ one: 1 });
    db.close();
    expect(loadSqlite('local:other.db')).toBe(driver);
  });
});

/**
 * The driver contract (src/targets/local/sqlite-driver.ts) that open.ts, local-target.ts and
 * rollouts.ts rely on. `npm test` runs this file twice: on Node 20 (better-sqlite3) and on Node 24
 * (node:sqlite, scripts/node24.mjs), so both implementations pass the same suite.
 */
describe(`the SQLite driver contract (${loadSqlite('local:x').name} on Node ${process.versions.node})`, () => {
  const tmp = tempDir('connectorops-driver-');
  afterAll(() => tmp.cleanup());
  const driver = () => loadSqlite('local:test.db');
  const fresh = (name: string) => {
    const db = driver().open(join(tmp.dir, name));
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, v ANY) STRICT');
    return db;
  };

  it('binds positional and named parameters; rows are objects by column name; no row is undefined', () => {
    const db = fresh('params.db');
    db.prepare('INSERT INTO t (k, n, v) VALUES (?, ?, ?)').run('a', 1, 'one');
    db.prepare('INSERT INTO t (k, n, v) VALUES (@k, @n, @v)').run({ k: 'b', n: 2, v: null });
    expect(
      db
        .prepare('SELECT k, n, v FROM t ORDER BY k')
        .all()
        .map((r) => ({ ...(r as object) })),
    ).toEqual([
      { k: 'a', n: 1, v: 'one' },
      { k: 'b', n: 2, v: null },
    ]);
    expect(valueOf(db.prepare('SELECT n FROM t WHERE k = ?'), 'b')).toBe(2);
    expect(db.prepare('SELECT n FROM t WHERE k = ?').get('zzz')).toBeUndefined();
    expect(valueOf(db.prepare('SELECT n FROM t WHERE k = ?'), 'zzz')).toBeUndefined();
    db.close();
  });

  it("rows() gives each row as an array of its columns in the statement's order, with parameters, as often as asked", () => {
    const db = fresh('rows.db');
    const insert = db.prepare('INSERT INTO t (k, n, v) VALUES (?, ?, ?)');
    insert.run('b', 2, null);
    insert.run('a', 1, 'one');
    const select = db.prepare('SELECT v, k, n FROM t WHERE n >= ? ORDER BY k');
    expect([...select.rows(0)]).toEqual([
      ['one', 'a', 1],
      [null, 'b', 2],
    ]);
    expect([...select.rows(2)]).toEqual([[null, 'b', 2]]);
    // The statement's other forms are unchanged by it: objects by column name.
    expect({ ...(select.get(2) as object) }).toEqual({ v: null, k: 'b', n: 2 });
    expect([...db.prepare('SELECT k FROM t WHERE n > 5').rows()]).toEqual([]);
    db.close();
  });

  it('a transaction commits when its function returns and rolls back when it throws', () => {
    const db = fresh('tx.db');
    const insert = db.prepare('INSERT INTO t (k, n) VALUES (?, ?)');
    expect(db.inTransaction).toBe(false);
    transaction(db, 'IMMEDIATE', () => {
      expect(db.inTransaction).toBe(true);
      insert.run('kept', 1);
    });
    expect(() =>
      transaction(db, 'IMMEDIATE', () => {
        insert.run('gone', 2);
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(db.inTransaction).toBe(false);
    expect(
      db
        .prepare('SELECT k FROM t')
        .all()
        .map((r) => (r as { k: string }).k),
    ).toEqual(['kept']);
    db.close();
  });

  it("errors carry SQLite's code as better-sqlite3 names it", () => {
    const db = fresh('codes.db');
    db.prepare('INSERT INTO t (k) VALUES (?)').run('a');
    expect(() => db.prepare('INSERT INTO t (k) VALUES (?)').run('a')).toThrow(expect.objectContaining({ code: expect.stringMatching(/^SQLITE_CONSTRAINT/) }));
    expect(() => db.prepare('INSERT INTO t (k, n) VALUES (?, ?)').run('b', 'not a number')).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^SQLITE_CONSTRAINT/) }),
    );
    // A second connection that wants the write lock while the first holds it, without waiting.
    const other = driver().open(join(tmp.dir, 'codes.db'));
    other.exec('PRAGMA busy_timeout = 0');
    db.exec('BEGIN IMMEDIATE');
    expect(() => other.exec('BEGIN IMMEDIATE')).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    db.exec('ROLLBACK');
    other.close();
    db.close();
  });

  it('read-only: a missing file is an error and is not created; a write is refused', () => {
    const missing = join(tmp.dir, 'missing.db');
    expect(() => driver().open(missing, { readOnly: true })).toThrow(expect.objectContaining({ code: 'SQLITE_CANTOPEN' }));
    expect(existsSync(missing)).toBe(false);
    fresh('ro.db').close();
    const db = driver().open(join(tmp.dir, 'ro.db'), { readOnly: true });
    expect(() => db.exec("INSERT INTO t (k) VALUES ('x')")).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY' }));
    db.close();
  });

  it('a file that is not SQLite is SQLITE_NOTADB when read', () => {
    const path = join(tmp.dir, 'text.db');
    writeFileSync(path, 'not a database\n'.repeat(100));
    const db = driver().open(path);
    expect(() => db.prepare('SELECT * FROM sqlite_schema').all()).toThrow(expect.objectContaining({ code: 'SQLITE_NOTADB' }));
    db.close();
  });
});
