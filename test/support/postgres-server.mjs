/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temp folder, `postgres` on a free
 * loopback port, stopped and removed at the end. Nothing is mocked. PostgreSQL refuses to run as
 * root, so as root the server runs as the `postgres` system user (the Debian package creates it).
 * When no server can be started, `startPostgres` throws saying why: the tests fail, never skip.
 * JavaScript (typed by postgres-server.d.mts) so that bench/postgres.bench.js starts one the same way.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder of PostgreSQL's server binaries: PG_BINDIR, else the newest /usr/lib/postgresql/N/bin. */
function postgresBinDir() {
  const fromEnv = process.env.PG_BINDIR;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) {
    throw new Error(
      'the PostgreSQL tests need the PostgreSQL server binaries (initdb, postgres, pg_ctl), and none were found under /usr/lib/postgresql/*/bin: ' +
        'install them (apt-get install -y postgresql; .ci/run does), or set PG_BINDIR',
    );
  }
  return join(root, versions[0], 'bin');
}

/** @returns {Promise<import('./postgres-server.mjs').TestPostgres>} */
export async function startPostgres() {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const base = mkdtempSync(join(tmpdir(), 'connectorops-pg-'));
  const data = join(base, 'data');
  const run = (tool, args) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const r = spawnSync(command, argv, { encoding: 'utf8', cwd: base, timeout: 120_000 });
    if (r.status !== 0) {
      throw new Error(
        `could not start the test PostgreSQL server: ${tool} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`,
      );
    }
  };
  if (asRoot) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      throw new Error('the PostgreSQL tests run as root and need the `postgres` system user to run the server as (the postgresql package creates it)');
    }
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(base, uid, gid);
  }
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  // fsync off: a fast, clean stop (restart) loses nothing, and nothing here must survive a power cut.
  const options = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = () => run('pg_ctl', ['-D', data, '-l', join(base, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  };
  return {
    url,
    port,
    target: (schema) => `${url}?schema=${schema}`,
    restart: () => {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      start();
    },
    stop,
  };
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let schemaCount = 0;
/** A schema name of its own for one test (several targets in one database). */
export function freshSchema(prefix = 't') {
  return `${prefix}_${process.pid}_${++schemaCount}`;
}
