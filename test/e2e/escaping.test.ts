/**
 * Text from a target, a plan file or the environment reaches the terminal escaped (issue 18,
 * item 6): a rollout id read from a hand-edited target, a stale plan's `target` field, $USER when
 * `--by` is not given, an event's time, a lock's holder and operation, an account a person typed,
 * a lock id on the command line. Through the real CLI, on real SQLite files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { cleanRepos, commitAll, tempRepo } from '../support/repo.js';
import { cli } from '../support/in-process-cli.js';

afterAll(() => cleanRepos());

const ESC = '\u001b';
const HOSTILE = `${ESC}]8;;https://evil.example${ESC}\\x${ESC}[2J\u202e`;
const CRM = `kind: Connector
linkName: crm
name: Acme CRM
authentication: { type: basic }
`;

async function ledgerWithRollout(): Promise<string> {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM });
  commitAll(dir);
  const env = { NO_COLOR: '1', CI: '1' };
  expect((await cli(['target', 'init', '--target', 'local:l.db', '--mode', 'ledger'], { cwd: dir, env })).code).toBe(0);
  expect((await cli(['apply', '--target', 'local:l.db', '--auto-approve'], { cwd: dir, env })).code).toBe(0);
  return dir;
}

function clean(text: string): void {
  expect(text).not.toContain(ESC);
  expect(text).not.toContain('\u202e');
  expect(text).not.toMatch(/Internal error|\n {4}at /);
}

it('$USER with escape sequences, when --by is not given, is recorded and shown escaped', async () => {
  const dir = await ledgerWithRollout();
  const env = { NO_COLOR: '1', CI: '1', USER: `mallory${HOSTILE}` };
  const done = await cli(['rollout', 'done', 'a1', '--target', 'local:l.db'], { cwd: dir, env });
  expect(done.code, done.stderr).toBe(0);
  clean(done.stdout + done.stderr);
  const log = await cli(['rollout', 'log', '--target', 'local:l.db'], { cwd: dir, env: { NO_COLOR: '1' } });
  expect(log.stdout).toContain('mallory\\u001b');
  clean(log.stdout + log.stderr);
});

it('a rollout id edited in the target is refused as damaged, escaped, never printed raw', async () => {
  const dir = await ledgerWithRollout();
  const db = new Database(join(dir, 'l.db'));
  db.pragma('foreign_keys = OFF');
  const { id } = db.prepare('SELECT id FROM rollouts').get() as { id: string };
  db.prepare('UPDATE rollouts SET id = ? WHERE id = ?').run(`r-${HOSTILE}`, id);
  db.prepare('UPDATE rollout_events SET rollout_id = ? WHERE rollout_id = ?').run(`r-${HOSTILE}`, id);
  db.close();
  for (const args of [['rollout'], ['rollout', 'next'], ['rollout', 'log']]) {
    const r = await cli([...args, '--target', 'local:l.db'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toContain('whose id is not one connectorops makes');
    clean(r.stdout + r.stderr);
  }
});

it("a stale plan file's target field is shown escaped", async () => {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM });
  commitAll(dir);
  expect((await cli(['plan', '--target', 'local:a.db', '--out', 'plan.json'], { cwd: dir })).code).toBe(0);
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { target: string };
  writeFileSync(join(dir, 'plan.json'), JSON.stringify({ ...plan, target: `prod${HOSTILE}` }));
  const r = await cli(['apply', 'plan.json', '--target', 'local:a.db'], { cwd: dir });
  expect(r.code).toBe(1);
  clean(r.stdout + r.stderr);
});

it('an event time and a confirmation time edited in the target are shown escaped by rollout and rollout log', async () => {
  const dir = await ledgerWithRollout();
  expect((await cli(['rollout', 'done', 'a1', '--target', 'local:l.db', '--by', 'alice'], { cwd: dir })).code).toBe(0);
  const db = new Database(join(dir, 'l.db'));
  db.prepare('UPDATE rollout_events SET at = ?').run(`2026-01-01${HOSTILE}`);
  db.prepare('UPDATE journal SET at = ?').run(`2026-01-02${HOSTILE}`);
  db.close();
  for (const args of [['rollout'], ['rollout', 'log'], ['rollout', 'next'], ['rollout', 'done', 'a1', '--by', 'bob']]) {
    const r = await cli([...args, '--target', 'local:l.db'], { cwd: dir, env: { NO_COLOR: '1' } });
    clean(r.stdout + r.stderr);
  }
  const log = await cli(['rollout', 'log', '--target', 'local:l.db'], { cwd: dir, env: { NO_COLOR: '1' } });
  expect(log.stdout).toContain('2026-01-01\\u001b]8;;');
});

it("a dead holder's lock, with a hostile holder and operation, is taken over and named escaped", async () => {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM });
  commitAll(dir);
  expect((await cli(['apply', '--target', 'local:a.db', '--auto-approve'], { cwd: dir })).code).toBe(0);
  // A pid that was this machine's and is gone now: its lock is taken over, and the note says whose it was.
  const gone = spawnSync(process.execPath, ['-e', '0']).pid;
  const db = new Database(join(dir, 'a.db'));
  db.prepare('INSERT INTO locks (slot, id, holder, host, pid, operation, started_at) VALUES (1, ?, ?, ?, ?, ?, ?)').run(
    `l-${HOSTILE}`,
    `mallory${HOSTILE}`,
    hostname(),
    gone,
    `apply${HOSTILE}`,
    `2026${HOSTILE}`,
  );
  db.close();
  writeFileSync(join(dir, 'connectors/crm.yaml'), CRM.replace('Acme CRM', 'Acme CRM 2'));
  const r = await cli(['apply', '--target', 'local:a.db', '--auto-approve'], { cwd: dir, env: { NO_COLOR: '1', CI: '1' } });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('Took over lock l-\\u001b]8;;');
  expect(r.stderr).toContain('from mallory\\u001b]8;;');
  clean(r.stdout + r.stderr);
});

it('a held lock named by a hostile holder, and a lock id typed with escapes, are shown escaped (apply, unlock)', async () => {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM });
  commitAll(dir);
  expect((await cli(['apply', '--target', 'local:a.db', '--auto-approve'], { cwd: dir })).code).toBe(0);
  const db = new Database(join(dir, 'a.db'));
  db.prepare('INSERT INTO locks (slot, id, holder, host, pid, operation, started_at) VALUES (1, ?, ?, ?, ?, ?, ?)').run(
    'l-1',
    `mallory${HOSTILE}`,
    `elsewhere${HOSTILE}`,
    1,
    `apply${HOSTILE}`,
    `2026${HOSTILE}`,
  );
  db.close();
  writeFileSync(join(dir, 'connectors/crm.yaml'), CRM.replace('Acme CRM', 'Acme CRM 2'));
  const held = await cli(['apply', '--target', 'local:a.db', '--auto-approve'], { cwd: dir, env: { NO_COLOR: '1', CI: '1' } });
  expect(held.code).toBe(1);
  expect(held.stderr).toContain('is locked by mallory\\u001b]8;;');
  clean(held.stdout + held.stderr);
  const unlock = await cli(['unlock', `l-${HOSTILE}`, '--target', 'local:a.db'], { cwd: dir });
  expect(unlock.code).toBe(1);
  clean(unlock.stdout + unlock.stderr);
});

it("an account edited in the target is escaped in apply's summary of revoked authorizations", async () => {
  const dir = tempRepo({
    'connectors/crm.yaml': CRM,
    'connections/crm_sales.yaml': 'kind: Connection\nlinkName: crm_sales\nname: CRM sales\nconnector: crm\n',
  });
  commitAll(dir);
  expect((await cli(['apply', '--target', 'local:a.db', '--auto-approve'], { cwd: dir })).code).toBe(0);
  expect((await cli(['target', 'authorize', 'crm_sales', '--account', 'alice', '--target', 'local:a.db'], { cwd: dir })).code).toBe(0);
  // `--account` refuses control characters; a hand-edited target holds what it likes.
  const db = new Database(join(dir, 'a.db'));
  db.prepare("UPDATE connections SET body = json_set(body, '$.authorizations[0].account', ?)").run(`mallory${HOSTILE}`);
  db.close();
  mkdirSync(join(dir, 'empty'));
  const r = await cli(['apply', '--dir', 'empty', '--target', 'local:a.db', '--auto-approve', '--allow-empty'], { cwd: dir, env: { NO_COLOR: '1', CI: '1' } });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('Authorizations revoked:\n  - crm_sales (account mallory\\u001b]8;;');
  clean(r.stdout + r.stderr);
});

it('names a person typed (an unknown target, URL parameters, CONNECTOROPS_SECRETS key names) are shown escaped', async () => {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM });
  const runs = [
    await cli(['plan', '--target', `prod${HOSTILE}`], { cwd: dir }),
    await cli(['plan', '--target', ` local:${HOSTILE}`], { cwd: dir }),
    await cli(['plan', '--target', `postgres://ops@127.0.0.1:1/db?schema=${encodeURIComponent(HOSTILE)}`], { cwd: dir }),
    await cli(['plan', '--target', `postgres://ops@127.0.0.1:1/db?schema=x&sslmode=${encodeURIComponent(HOSTILE)}`], { cwd: dir }),
    await cli(['plan', '--target', 'local:a.db'], { cwd: dir, env: { CONNECTOROPS_SECRETS: JSON.stringify({ [`K${HOSTILE}`]: 1 }) } }),
  ];
  for (const r of runs) {
    expect(r.stderr).toContain('\\u001b]8;;');
    clean(r.stdout + r.stderr);
  }
});
