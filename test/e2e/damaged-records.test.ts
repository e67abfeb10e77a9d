/**
 * Every record read from a target passes the manifest rules before anything uses it (issue 18,
 * item 4), on every read path, not only `import`: plan, apply, `target export`, import and drift,
 * against a hand-edited SQLite file, a hand-edited PostgreSQL schema, and an HTTP target that
 * answers what it likes. A record whose link name is `../../x` (with an escape sequence) is a
 * "damaged target" error naming the record, escaped; nothing is written. Through the real CLI.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { freshSchema, startPostgres, type TestPostgres } from '../support/postgres-server.mjs';
import { cleanRepos, commitAll, fingerprint, tempRepo } from '../support/repo.js';

const EVIL = '../../x\u001b]8;;';
const SHOWN = '"../../x\\u001b]8;;"';
const TOKEN = 'damaged-records-token-0123456789';
const CRM = `kind: Connector
linkName: crm
name: Acme CRM
authentication: { type: basic }
`;

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(() => {
  server?.stop();
  cleanRepos();
});

/** The CLI in this process. */
function cli(dir: string, args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1', USER: 'ops', CONNECTOROPS_TOKEN: TOKEN } });
}

/** Each read path: what it is asked, and what would be written if it went on. */
const COMMANDS = (target: string) => [
  ['plan', '--target', target, '--out', 'plan.json'],
  ['apply', '--target', target, '--auto-approve'],
  ['target', 'export', '--target', target],
  ['import', '--target', target, '--out', 'imported'],
  ['drift', '--target', target],
];

async function expectRefusedEverywhere(dir: string, target: string, named: string): Promise<void> {
  const before = fingerprint(dir);
  for (const args of COMMANDS(target)) {
    const r = await cli(dir, args);
    const what = `${args.slice(0, 2).join(' ')}: ${r.stderr}`;
    expect(r.code, what).toBe(1);
    expect(r.stderr, what).toContain(`target ${named} is damaged: a record breaks the manifest rules; nothing was written`);
    expect(r.stderr, what).toContain(`connector ${SHOWN}: N3: a link name starts with a lower-case letter`);
    expect(r.stderr, what).toContain('connectorops target import --force FILE');
    expect(r.stdout + r.stderr, what).not.toContain('\u001b');
    expect(r.stderr, what).not.toMatch(/Internal error|\n {4}at /);
  }
  // Nothing written: no plan file or manifests (a local target's file changes only by apply's
  // lock, taken and released; its contents are checked by the caller).
  const files = (f: Record<string, string>) => Object.keys(f).filter((k) => !k.endsWith('.db') && !k.includes('.db-'));
  expect(files(fingerprint(dir))).toEqual(files(before));
  expect(existsSync(join(dir, 'imported'))).toBe(false);
  expect(readdirSync(dir).filter((f) => f.startsWith('x'))).toEqual([]);
}

describe('a record that breaks the manifest rules is refused on every read path (issue 18, item 4)', () => {
  it('SQLite edited by hand: plan, apply, target export, import and drift', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': CRM });
    commitAll(dir);
    expect((await cli(dir, ['apply', '--target', 'local:a.db', '--auto-approve'])).code).toBe(0);
    const db = new Database(join(dir, 'a.db'));
    db.prepare("UPDATE connectors SET link_name = ?, body = json_set(body, '$.linkName', ?) WHERE link_name = 'crm'").run(EVIL, EVIL);
    const contents = () => db.prepare("SELECT (SELECT value FROM meta WHERE key = 'serial') AS serial, (SELECT json_group_array(body) FROM connectors) AS rows").get();
    const before = contents();
    await expectRefusedEverywhere(dir, 'local:a.db', 'local:a.db');
    expect(contents()).toEqual(before);
    db.close();
  });

  it('PostgreSQL edited by hand: the same, and the serial does not move', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': CRM });
    commitAll(dir);
    const schema = freshSchema('damaged');
    const target = server.target(schema);
    expect((await cli(dir, ['apply', '--target', target, '--auto-approve'])).code).toBe(0);
    const url = new URL(target);
    const db = new pg.Client({ connectionString: `${url.protocol}//${url.username}@${url.host}${url.pathname}` });
    await db.connect();
    try {
      await db.query(`UPDATE ${schema}.connectors SET link_name = $1, body = jsonb_set(body::jsonb, '{linkName}', to_jsonb($1::text))::text WHERE link_name = 'crm'`, [
        EVIL,
      ]);
      const serial = async () => (await db.query(`SELECT value FROM ${schema}.meta WHERE key = 'serial'`)).rows[0] as { value: string };
      const before = await serial();
      await expectRefusedEverywhere(dir, target, target);
      expect(await serial()).toEqual(before);
    } finally {
      await db.end();
    }
  });

  it('an HTTP target that answers such a record: the client refuses it, whatever the server says', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': CRM });
    commitAll(dir);
    const snapshot = {
      formatVersion: 2,
      connectors: [{ linkName: EVIL, name: 'Acme CRM', stage: 'draft', enabled: true, authentication: { type: 'basic' } }],
      connections: [],
    };
    const stub: Server = createServer((req, res) => {
      const path = (req.url ?? '').replace(/\?.*$/, '');
      const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path === '/v1/state') answer(200, { serial: 1, digest: 'd', snapshot });
      else if (path === '/v1/snapshot') answer(200, snapshot);
      else if (path === '/v1/info') answer(200, { initialized: true, mode: 'simulated', account: null });
      else if (path === '/v1/locks' && req.method === 'POST')
        answer(201, { lock: { holder: 'ops@here', host: 'here', pid: 1, operation: 'apply', id: 'l1', startedAt: '2026-01-01T00:00:00Z' } });
      else if (path.startsWith('/v1/locks/') && req.method === 'DELETE') res.writeHead(204).end();
      else answer(404, { error: { kind: 'request', message: 'not here' } });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      await expectRefusedEverywhere(dir, url, url);
    } finally {
      stub.closeAllConnections();
      await new Promise<void>((resolve) => stub.close(() => resolve()));
    }
  });
});
