/**
 * One step, confirmed by several people at once; one action, carried out by two processes at
 * once (issue 18 item 2): on a real PostgreSQL server (and on SQLite), with real processes, the step is recorded
 * once, by one person, and the others are told who did it and when; the action is carried out
 * once and journaled `done`, never `failed … already exists`. And over HTTP, an idempotency key
 * (run and action id) names one action: another action sent with it is refused with 409.
 *
 * Nothing waits on time: children say "ready" once connected, and all get "go" at once.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { startServer } from '../../src/targets/http/server.js';
import { killHard, startChild, type Child } from '../support/child.js';
import { BIN, ROOT, ensureBuilt } from '../support/dist.js';
import { commitAll, writeFiles } from '../support/repo.js';
import { freshSchema, startPostgres, type TestPostgres } from '../support/postgres-server.mjs';
import { act, tempDir } from '../support/target.js';

let server: TestPostgres;
let admin: pg.Client;
let tmp: ReturnType<typeof tempDir>;
const children: Child[] = [];

beforeAll(async () => {
  server = await startPostgres();
  admin = new pg.Client({ connectionString: server.url });
  admin.on('error', () => {});
  await admin.connect();
  ensureBuilt();
}, 300_000);
afterAll(async () => {
  await admin?.end().catch(() => {});
  server?.stop();
});
beforeEach(() => {
  tmp = tempDir('connectorops-concurrent-');
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) await killHard(c);
  tmp.cleanup();
});

const ENV: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1', CRM_SECRET: 'crm-s3cret-value-0001' };

function start(script: string, args: string[]): Child {
  const child = startChild(script, args, { cwd: tmp.dir, env: ENV });
  children.push(child);
  return child;
}

async function finished(c: Child): Promise<{ code: number | null; out: string; err: string }> {
  const closed = c.process.exitCode === null ? once(c.process, 'close') : Promise.resolve();
  const { code } = await c.exited;
  await closed;
  return { code, out: c.lines.join('\n'), err: c.stderr() };
}

async function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const c = start(BIN, args);
  c.process.stdin.end();
  return finished(c);
}

async function serialOf(schema: string): Promise<number> {
  const { rows } = await admin.query<{ value: string }>(`SELECT value FROM "${schema}".meta WHERE key = 'serial'`);
  return Number(rows[0]!.value);
}

/** One OAuth2 connector (the rollout's first step creates it). */
const CONNECTOR = [
  'kind: Connector',
  'linkName: crm',
  'name: Acme CRM',
  'authentication:',
  '  type: oauth2',
  '  grantType: authorization_code',
  '  clientId: 1000.CRM',
  '  clientSecret: { fromEnv: CRM_SECRET }',
  '  authorizeUrl: https://accounts.acme.example/oauth/authorize',
  '  accessTokenUrl: https://accounts.acme.example/oauth/token',
  '  scopes: [contacts.read]',
  '',
].join('\n');

/**
 * `people` confirmed one step at once (`results` in their order) and the journal holds `rows` for
 * it: exactly one row, done, by one of them, who alone exited 0; every other one was told "already
 * done", by whom and when, and no internal error.
 */
function expectOneWinner(
  people: readonly string[],
  results: readonly { code: number | null; err: string }[],
  rows: readonly { status: string; actor: string; at: string }[],
): void {
  expect(rows).toHaveLength(1);
  expect(rows[0]!.status).toBe('done');
  const winner = rows[0]!.actor;
  expect(people).toContain(winner);
  expect(results.filter((r) => r.code === 0)).toHaveLength(1);
  expect(results[people.indexOf(winner)]!.code).toBe(0);
  for (const [i, r] of results.entries()) {
    if (i === people.indexOf(winner)) continue;
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('already done');
    expect(r.err).toContain(winner);
    expect(r.err).toContain(rows[0]!.at);
    expect(r.err).not.toMatch(/Internal error/);
  }
}

describe('on PostgreSQL, one step confirmed by several people at once', () => {
  it('is recorded once, by one of them; the others are told it is already done, by whom and when', async () => {
    const schema = freshSchema('steps');
    const T = ['--target', server.target(schema)];
    writeFiles(tmp.dir, { 'connectors/crm.yaml': CONNECTOR, '.gitignore': '*.db*\n' });
    commitAll(tmp.dir, 'crm');
    const init = await cli(['target', 'init', ...T, '--mode', 'ledger', '--account', 'Acme']);
    expect(init.code, init.err).toBe(0);
    const apply = await cli(['apply', ...T, '--auto-approve']);
    expect(apply.code, apply.err).toBe(0);
    const id = /Rollout (r-[0-9a-f]+) opened/.exec(apply.out)![1]!;
    const before = await serialOf(schema);

    const people = ['P1', 'P2', 'P3', 'P4'];
    const runs = people.map((by) => {
      const c = start(BIN, ['rollout', 'done', 'a1', ...T, '--by', by]);
      c.process.stdin.end();
      return c;
    });
    const results = await Promise.all(runs.map(finished));

    const { rows } = await admin.query<{ status: string; actor: string; at: string; serial: string }>(
      `SELECT status, actor, at, serial FROM "${schema}".journal WHERE run_id = $1 AND action_id = 'a1'`,
      [id],
    );
    expect(await serialOf(schema)).toBe(before + 1);
    expectOneWinner(people, results, rows);
  });
});

describe('on SQLite, one step confirmed by several people at once', () => {
  it('is recorded once, by one of them; the others are told it is already done, by whom and when', async () => {
    const T = ['--target', 'local:l.db'];
    writeFiles(tmp.dir, { 'connectors/crm.yaml': CONNECTOR, '.gitignore': '*.db*\n' });
    commitAll(tmp.dir, 'crm');
    expect((await cli(['target', 'init', ...T, '--mode', 'ledger', '--account', 'Acme'])).code).toBe(0);
    const apply = await cli(['apply', ...T, '--auto-approve']);
    expect(apply.code, apply.err).toBe(0);
    const id = /Rollout (r-[0-9a-f]+) opened/.exec(apply.out)![1]!;
    const serial = () => {
      const db = new Database(join(tmp.dir, 'l.db'), { readonly: true });
      try {
        return {
          serial: Number((db.prepare("SELECT value FROM meta WHERE key = 'serial'").get() as { value: number }).value),
          rows: db.prepare("SELECT status, actor, at FROM journal WHERE run_id = ? AND action_id = 'a1'").all(id) as { status: string; actor: string; at: string }[],
        };
      } finally {
        db.close();
      }
    };
    const before = serial().serial;

    const people = ['P1', 'P2', 'P3', 'P4'];
    const results = await Promise.all(
      people.map((by) => {
        const c = start(BIN, ['rollout', 'done', 'a1', ...T, '--by', by]);
        c.process.stdin.end();
        return finished(c);
      }),
    );

    const after = serial();
    expect(after.serial).toBe(before + 1);
    expectOneWinner(people, results, after.rows);
  });
});

describe('on PostgreSQL, one action carried out by two processes at once', () => {
  it('creates the connection once, journals it done, and refuses the other with who did it', async () => {
    const schema = freshSchema('twice');
    const url = server.target(schema);
    const { PostgresTarget } = await import('../../src/targets/postgres/postgres-target.js');
    const setup = await PostgresTarget.open(url, { create: true });
    await setup.execute(act.createConnector('crm'), { clientSecret: 's3cret' });
    await setup.execute(act.markReady('crm'));
    await setup.close();

    // Each child connects and reads (so it holds a cached state), says ready, and carries out the
    // same action with the same run and action id when told to go.
    const script = join(tmp.dir, 'execute.mjs');
    const module = pathToFileURL(join(ROOT, 'dist/targets/postgres/postgres-target.js')).href;
    writeFileSync(
      script,
      `import { PostgresTarget } from ${JSON.stringify(module)};
const [url, action, by] = process.argv.slice(2);
const target = await PostgresTarget.open(url);
await target.read();
console.log('ready');
process.stdin.once('data', async () => {
  process.stdin.pause();
  try {
    const out = await target.execute(JSON.parse(action), {}, { runId: 'r-race', actionId: 'a1', by });
    console.log('done ' + out.serial);
  } catch (error) {
    console.log('refused ' + error.message);
  }
  await target.close();
});
`,
    );
    for (let round = 0; round < 3; round++) {
      const link = `crm_sales${round}`;
      const action = JSON.stringify(act.createConnection(link, 'crm'));
      const racers = ['A', 'B', 'C'].map((by) => start(script, [url, action, `${by}${round}`]));
      await Promise.all(racers.map((c) => c.waitFor((l) => l === 'ready')));
      // The journal key is the same in every round: a done entry of round 0 refuses rounds 1 and 2.
      if (round > 0) await admin.query(`DELETE FROM "${schema}".journal`);
      const before = await serialOf(schema);
      for (const c of racers) c.process.stdin.end('go\n');
      const results = await Promise.all(racers.map(finished));
      const lines = results.map((r) => r.out.split('\n').at(-1)!);
      expect(
        lines.filter((l) => l.startsWith('done ')),
        lines.join('\n'),
      ).toHaveLength(1);
      const { rows } = await admin.query<{ status: string; actor: string; error: string | null }>(
        `SELECT status, actor, error FROM "${schema}".journal WHERE run_id = 'r-race' AND action_id = 'a1'`,
      );
      expect(rows).toEqual([{ status: 'done', actor: expect.stringMatching(/^[ABC]\d$/) as unknown, error: null }]);
      for (const l of lines.filter((x) => !x.startsWith('done '))) expect(l).toContain(`already done by ${rows[0]!.actor} at`);
      expect(await serialOf(schema)).toBe(before + 1);
      const { rowCount } = await admin.query(`SELECT 1 FROM "${schema}".connections WHERE link_name = $1`, [link]);
      expect(rowCount).toBe(1);
    }
  }, 240_000);
});

describe('over HTTP, an idempotency key names one action', () => {
  it('another action sent with the same run and action id is refused with 409, and not carried out', async () => {
    const target = LocalTarget.open(join(tmp.dir, 'acct.db'));
    const served = await startServer({ target, token: 'tok-idem-0001', port: 0, log: () => {} });
    try {
      const post = (body: unknown) =>
        fetch(`${served.url}/v1/actions`, {
          method: 'POST',
          headers: { authorization: 'Bearer tok-idem-0001', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const journal = { runId: 'r-idem', actionId: 'a1' };
      const first = await post({ action: act.createConnector('crm'), secrets: { clientSecret: 's3cret' }, journal });
      expect(first.status).toBe(200);
      const repeat = await post({ action: act.createConnector('crm'), secrets: { clientSecret: 's3cret' }, journal });
      expect(repeat.status).toBe(200);
      expect(await repeat.json()).toMatchObject({ serial: 1 });
      const other = await post({ action: act.createConnector('erp'), secrets: { clientSecret: 's3cret' }, journal });
      expect(other.status).toBe(409);
      expect(JSON.stringify(await other.json())).toContain("was already sent with another action (connector.create of 'crm')");
      expect((await target.read()).state.connectors.has('erp')).toBe(false);
      expect(await target.serial()).toBe(1);
    } finally {
      await served.close();
      await target.close();
    }
  });
});
