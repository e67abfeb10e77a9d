/**
 * Text from a target, a plan file or the environment reaches the terminal escaped (issue 18,
 * item 6): a rollout id read from a hand-edited target, a stale plan's `target` field, and $USER
 * when `--by` is not given. Through the real CLI, on real SQLite files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../support/dist.js';
import { cleanRepos, cli, commitAll, tempRepo } from '../support/repo.js';

beforeAll(() => ensureBuilt());
afterAll(() => cleanRepos());

const ESC = '\u001b';
const HOSTILE = `${ESC}]8;;https://evil.example${ESC}\\x${ESC}[2J\u202e`;
const CRM = `kind: Connector
linkName: crm
name: Acme CRM
authentication: { type: basic }
`;

function ledgerWithRollout(): string {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM });
  commitAll(dir);
  const env = { NO_COLOR: '1', CI: '1' };
  expect(cli(['target', 'init', '--target', 'local:l.db', '--mode', 'ledger'], { cwd: dir, env }).code).toBe(0);
  expect(cli(['apply', '--target', 'local:l.db', '--auto-approve'], { cwd: dir, env }).code).toBe(0);
  return dir;
}

function clean(text: string): void {
  expect(text).not.toContain(ESC);
  expect(text).not.toContain('\u202e');
  expect(text).not.toMatch(/Internal error|\n {4}at /);
}

it('$USER with escape sequences, when --by is not given, is recorded and shown escaped', () => {
  const dir = ledgerWithRollout();
  const env = { NO_COLOR: '1', CI: '1', USER: `mallory${HOSTILE}` };
  const done = cli(['rollout', 'done', 'a1', '--target', 'local:l.db'], { cwd: dir, env });
  expect(done.code, done.stderr).toBe(0);
  clean(done.stdout + done.stderr);
  const log = cli(['rollout', 'log', '--target', 'local:l.db'], { cwd: dir, env: { NO_COLOR: '1' } });
  expect(log.stdout).toContain('mallory\\u001b');
  clean(log.stdout + log.stderr);
});

it('a rollout id edited in the target is refused as damaged, escaped, never printed raw', () => {
  const dir = ledgerWithRollout();
  const db = new Database(join(dir, 'l.db'));
  db.pragma('foreign_keys = OFF');
  const { id } = db.prepare('SELECT id FROM rollouts').get() as { id: string };
  db.prepare('UPDATE rollouts SET id = ? WHERE id = ?').run(`r-${HOSTILE}`, id);
  db.prepare('UPDATE rollout_events SET rollout_id = ? WHERE rollout_id = ?').run(`r-${HOSTILE}`, id);
  db.close();
  for (const args of [['rollout'], ['rollout', 'next'], ['rollout', 'log']]) {
    const r = cli([...args, '--target', 'local:l.db'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toContain('whose id is not one connectorops makes');
    clean(r.stdout + r.stderr);
  }
});

it("a stale plan file's target field is shown escaped", () => {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM });
  commitAll(dir);
  expect(cli(['plan', '--target', 'local:a.db', '--out', 'plan.json'], { cwd: dir }).code).toBe(0);
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { target: string };
  writeFileSync(join(dir, 'plan.json'), JSON.stringify({ ...plan, target: `prod${HOSTILE}` }));
  const r = cli(['apply', 'plan.json', '--target', 'local:a.db'], { cwd: dir });
  expect(r.code).toBe(1);
  clean(r.stdout + r.stderr);
});
