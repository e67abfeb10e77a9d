/**
 * Local target files that are not what they claim, through the real CLI (issue 13): an unrelated
 * SQLite database is never changed, a damaged target is a clear error naming the damage (for
 * read-only commands too), and no mangled target file or plan file reaches "Internal error".
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { stateToSnapshot } from '../../src/targets/snapshot.js';
import { state } from '../support/builders.js';
import { openSqlite, sqlValue, type SqliteDatabase } from '../support/sqlite.js';
import { cleanRepos, commitAll, tempRepo } from '../support/repo.js';
import { cli, type CliResult } from '../support/in-process-cli.js';

afterAll(() => cleanRepos());

const ENV = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1' };
const CRM = `kind: Connector
linkName: crm
name: Acme CRM
authentication: { type: basic }
`;

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A clear refusal: exit 1, no stack trace, no internal error. */
function refused(r: CliResult): string {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/Internal error|\n {4}at /);
  return r.stderr;
}

/** A repository with one manifest and a real target holding two connectors and a connection. */
async function withTarget(): Promise<{ dir: string; db: string }> {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM });
  commitAll(dir);
  const db = join(dir, 'acct.db');
  const target = LocalTarget.open(db);
  await target.importSnapshot(stateToSnapshot(state().connector('crm').connector('desk').connection('crm_sales', 'crm').build()));
  await target.close();
  return { dir, db };
}

const run = (dir: string, ...args: string[]) => cli(args, { cwd: dir, env: ENV });
const readers = (db: string) => [
  ['target', 'export', '--target', `local:${db}`],
  ['plan', '--target', `local:${db}`],
];

describe('a file that is not a connectorops target is left untouched', () => {
  it('an unrelated SQLite database: not switched to WAL, not marked, not given tables', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': CRM });
    const other = join(dir, 'other.db');
    const db = openSqlite(other);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('mine')");
    db.close();
    const before = hash(other);
    for (const args of [...readers(other), ['apply', '--auto-approve', '--target', `local:${other}`]]) {
      expect(refused(await run(dir, ...args))).toContain(`is an SQLite database, but not a connectorops target; it was left untouched`);
    }
    expect(hash(other)).toBe(before);
    expect(existsSync(`${other}-wal`)).toBe(false);
    const check = openSqlite(other, { readOnly: true });
    expect(sqlValue(check, 'PRAGMA journal_mode')).toBe('delete');
    check.close();
  });

  it('a 0-byte file is not an empty account', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': CRM, 'acct.db': '' });
    for (const args of readers(join(dir, 'acct.db')))
      expect(refused(await run(dir, ...args))).toContain('is an empty file (0 bytes), not a connectorops target; it was left untouched');
    expect(readFileSync(join(dir, 'acct.db')).length).toBe(0);
  });

  it('--target local:FILE/x.db, where FILE is a regular file, is a clear error', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': CRM, FILE: 'just a file\n', 'empty.json': '{"formatVersion": 1, "connectors": [], "connections": []}' });
    for (const args of [['target', 'export'], ['plan'], ['apply', '--auto-approve'], ['target', 'import', 'empty.json']]) {
      expect(refused(await run(dir, ...args, '--target', 'local:FILE/x.db'))).toContain('is a file, not a folder, so the target file cannot be there');
    }
  });
});

describe('a damaged target is an error that says what is damaged', () => {
  const damages: [string, (db: SqliteDatabase) => void, string][] = [
    ['a dropped connections table', (db) => db.exec('DROP TABLE connections'), 'its connections table is missing'],
    ['a row that is not JSON', (db) => db.exec("UPDATE connectors SET body = '{not json' WHERE link_name = 'crm'"), 'the connectors row "crm" does not hold JSON'],
    [
      'an unknown authentication type',
      (db) => db.exec("UPDATE connectors SET body = json_set(body, '$.authentication.type', 'kerberos') WHERE link_name = 'crm'"),
      'the connectors row "crm" is not a connector this connectorops wrote',
    ],
    [
      'a fingerprint_key that is not 32 bytes',
      (db) => db.exec("UPDATE meta SET value = 'c2hvcnQ=' WHERE key = 'fingerprint_key'"),
      'its fingerprint_key is missing or not 32 bytes',
    ],
    ['a missing serial', (db) => db.exec("DELETE FROM meta WHERE key = 'serial'"), 'its serial is missing or not a whole number'],
  ];
  it.each(damages)('%s', async (_, damage, says) => {
    const { dir, db } = await withTarget();
    const raw = openSqlite(db);
    damage(raw);
    raw.close();
    const before = hash(db);
    for (const args of readers(db)) expect(refused(await run(dir, ...args))).toContain(`is damaged (${JSON.stringify(db)}): ${says}; nothing was changed`);
    expect(hash(db)).toBe(before);
    // apply takes (and gives back) the lock before it reads the account: the bytes move, the contents do not.
    expect(refused(await run(dir, 'apply', '--auto-approve', '--target', `local:${db}`))).toContain(`is damaged (${JSON.stringify(db)}): ${says}; nothing was changed`);
  });

  it('a malformed page', async () => {
    const { dir, db } = await withTarget();
    const bytes = readFileSync(db);
    // Page 2 onwards (the tables' pages): garbage where SQLite expects a b-tree page header.
    bytes.fill(0xa5, 4096, Math.min(bytes.length, 4096 * 4));
    writeFileSync(db, bytes);
    for (const args of readers(db)) expect(refused(await run(dir, ...args))).toMatch(/is damaged \(.*\): (SQLite reports that the file is malformed|its \w+ table)/);
  });
});

describe('mangled files never reach an internal error (property)', () => {
  it('target files with bytes flipped, cut or overwritten', async () => {
    const { dir, db } = await withTarget();
    const pristine = readFileSync(db);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ cut: fc.nat({ max: pristine.length }) }),
          fc.record({ at: fc.nat({ max: pristine.length - 1 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 512 }) }),
        ),
        async (mangle) => {
          let bytes: Buffer;
          if ('cut' in mangle) bytes = pristine.subarray(0, mangle.cut);
          else {
            bytes = Buffer.from(pristine);
            Buffer.from(mangle.bytes).copy(bytes, mangle.at);
          }
          writeFileSync(db, bytes);
          const r = await run(dir, 'target', 'export', '--target', `local:${db}`);
          expect(r.stderr).not.toContain('Internal error');
          expect([0, 1]).toContain(r.code);
        },
      ),
      { numRuns: 10 },
    );
  }, 240_000);

  it('plan files with values replaced, keys added or the text cut', async () => {
    const { dir, db } = await withTarget();
    // Blocked (R10: the manifest changes crm's authentication), which makes a plan with every part filled in.
    expect([0, 1]).toContain((await run(dir, 'plan', '--target', `local:${db}`, '--out', 'plan.json')).code);
    const plan = readFileSync(join(dir, 'plan.json'), 'utf8');
    const junk = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.constant({}), fc.constant([]), fc.constant({ value: 'x' }));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: plan.length }), junk, fc.boolean(), async (at, value, cut) => {
        let text: string;
        if (cut) text = plan.slice(0, at);
        else {
          // Replace the value after the `at`-th colon with junk (the shape breaks somewhere).
          const colons = [...plan.matchAll(/": /g)].map((m) => m.index);
          const i = colons[at % colons.length]! + 3;
          const end = plan.slice(i).search(/,\n|\n/);
          text = `${plan.slice(0, i)}${JSON.stringify(value)}${plan.slice(i + end)}`;
        }
        writeFileSync(join(dir, 'mangled.json'), text);
        for (const args of [
          ['apply', 'mangled.json', '--target', `local:${db}`],
          ['comment', 'mangled.json', '--pr', '1', '--repo', 'a/b'],
        ]) {
          const r = await run(dir, ...args);
          expect(r.stderr, text).not.toContain('Internal error');
        }
      }),
      { numRuns: 6 },
    );
  }, 240_000);

  it('a snapshot or a plan with many thousands of wrong entries is refused in words, and nothing is written', async () => {
    // zod gathers the problems of a list's entries with push(...issues), one argument each: 300,000
    // of them (a 600 KB file) overflowed the stack, and the command printed an Internal error.
    const { dir, db } = await withTarget();
    const before = hash(db);
    writeFileSync(join(dir, 'snapshot.json'), JSON.stringify({ formatVersion: 2, connectors: new Array(300_000).fill(1), connections: [] }));
    for (const at of [db, join(dir, 'new.db')]) {
      const stderr = refused(await run(dir, 'target', 'import', 'snapshot.json', '--force', '--target', `local:${at}`));
      expect(stderr).toContain('the snapshot is not valid; nothing was imported:\n  - (top level): too many problems to list (many thousands of entries are wrong)');
    }
    expect(hash(db)).toBe(before);
    expect(existsSync(join(dir, 'new.db'))).toBe(false);

    expect([0, 1]).toContain((await run(dir, 'plan', '--target', `local:${db}`, '--out', 'plan.json')).code);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { actions: unknown[] };
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ ...plan, actions: new Array(300_000).fill(1) }));
    const stderr = refused(await run(dir, 'apply', 'plan.json', '--target', `local:${db}`));
    expect(stderr).toMatch(/plan\.json is not a valid connectorops plan: \(top level\): too many problems to list/);
    expect(hash(db)).toBe(before);
  });

  it('a secret reference with an extra key (such as value) is refused', async () => {
    const dir = tempRepo({
      'connectors/crm.yaml': CRM.replace(
        'authentication: { type: basic }',
        'authentication:\n  type: oauth2\n  grantType: client_credentials\n  clientId: x\n  clientSecret: { fromEnv: CRM_SECRET }\n  accessTokenUrl: https://a.example/token\n  scopes: [a]',
      ),
    });
    commitAll(dir);
    const db = join(dir, 'acct.db');
    expect((await run(dir, 'plan', '--target', `local:${db}`, '--out', 'plan.json')).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { actions: { spec?: { secrets?: Record<string, Record<string, unknown>> } }[] };
    plan.actions[0]!.spec!.secrets!.clientSecret!.value = 'the-secret-itself';
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    const stderr = refused(await run(dir, 'apply', 'plan.json', '--target', `local:${db}`));
    expect(stderr).toMatch(/is not a valid connectorops plan: actions\[0\]\.spec\.secrets\.clientSecret(\.value)?: /);
    expect(stderr).not.toContain('the-secret-itself');
  });
});
