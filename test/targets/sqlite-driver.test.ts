/**
 * The one-line cause that a `local:` target gives when better-sqlite3 is installed but does not
 * load. The real failures (a package installed with --ignore-scripts, a native part that is no
 * library) run through the installed CLI in test/e2e/package.test.ts; these are the errors Node
 * and `bindings` raise, as they word them, including the one no test here can provoke: a build
 * for another Node.js.
 */
import { describe, expect, it } from 'vitest';
import { cause, loadSqlite } from '../../src/targets/local/sqlite-driver.js';

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
