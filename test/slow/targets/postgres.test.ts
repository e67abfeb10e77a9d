/**
 * The PostgreSQL target on a real, throwaway PostgreSQL server (test/support/postgres.ts): what
 * the conformance suite cannot say — URLs, a schema per target created by the first write and
 * never by a read, schema versions, writers from several connections — and the faults a user
 * meets, with the real CLI in real processes: `kill -9` of an apply, a server restart in the
 * middle of an apply, two applies at once. Nothing waits on time: every step waits for output,
 * for a process to exit, or for the server.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TargetError, UserError } from '../../../src/errors.js';
import { HttpTarget } from '../../../src/targets/http/client.js';
import { PostgresTarget, POSTGRES_SCHEMA_VERSION } from '../../../src/targets/postgres/postgres-target.js';
import { STEPS } from '../../../src/targets/postgres/schema.js';
import { parsePostgresUrl } from '../../../src/targets/postgres/url.js';
import { canonicalConnectionJson, canonicalConnectorJson, snapshotToState, stateDigest, stateToSnapshot } from '../../../src/targets/snapshot.js';
import type { State } from '../../../src/model/types.js';
import { validState } from '../../support/arbitraries.js';
import { state } from '../../support/builders.js';
import { killHard, startChild, type Child } from '../../support/child.js';
import { BIN, ROOT, ensureBuilt } from '../../support/dist.js';
import { freshSchema, startPostgres, type TestPostgres } from '../../support/postgres-server.mjs';
import { act, tempDir } from '../../support/target.js';

let server: TestPostgres;
let admin: pg.Client;
beforeAll(async () => {
  server = await startPostgres();
  admin = await adminClient();
  ensureBuilt();
}, 300_000);
afterAll(async () => {
  await admin?.end().catch(() => {});
  server?.stop();
});

/** The test's own connection, to look at the tables; a restart of the server ends it (then we open another). */
async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** `account` imported into a new target, then read by another engine (a cold read); the schema is dropped after. */
async function importedAndRead(account: State): Promise<Awaited<ReturnType<PostgresTarget['read']>>> {
  const schema = freshSchema('any');
  const t = await PostgresTarget.open(server.target(schema), { create: true });
  await t.importSnapshot(stateToSnapshot(account));
  await t.close();
  const reader = await PostgresTarget.open(server.target(schema));
  try {
    return await reader.read();
  } finally {
    await reader.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  }
}

async function schemaExists(schema: string): Promise<boolean> {
  const { rowCount } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rowCount === 1;
}

describe('URLs', () => {
  const env = {};
  it('postgres:// and postgresql://, the schema from ?schema= (default connectorops), the rest for node-postgres', () => {
    const a = parsePostgresUrl('postgres://ops@db.example:6543/acme?schema=acme_prod', 'prod', env);
    expect(a.schema).toBe('acme_prod');
    expect(a.config).toMatchObject({ user: 'ops', host: 'db.example', port: 6543, database: 'acme' });
    expect(parsePostgresUrl('postgresql://ops@db.example/acme', 'prod', env).schema).toBe('connectorops');
  });

  it('the password from the URL, else PGPASSWORD; sslmode with libpq meanings, else PGSSLMODE', () => {
    expect(parsePostgresUrl('postgres://ops:s3cret@h/d', 'n', { PGPASSWORD: 'other' }).config.password).toBe('s3cret');
    expect(parsePostgresUrl('postgres://ops@h/d', 'n', { PGPASSWORD: 'from-env' }).config.password).toBe('from-env');
    expect(parsePostgresUrl('postgres://ops@h/d?sslmode=disable', 'n', {}).config.ssl).toBe(false);
    expect(parsePostgresUrl('postgres://ops@h/d?sslmode=require', 'n', {}).config.ssl).toMatchObject({ rejectUnauthorized: false });
    expect(parsePostgresUrl('postgres://ops@h/d', 'n', { PGSSLMODE: 'verify-full' }).config.ssl).toEqual({});
  });

  it('refuses what it cannot use, saying what a target URL is', () => {
    expect(() => parsePostgresUrl('postgres://ops@h/d?schema=Bad-Name', 'n', env)).toThrow(/schema 'Bad-Name' is not a plain PostgreSQL name/);
    expect(() => parsePostgresUrl('postgres://ops@h/', 'n', env)).toThrow(/names no database/);
    expect(() => parsePostgresUrl('postgres://ops@h/d?sslmode=sometimes', 'n', env)).toThrow(/sslmode 'sometimes' is not one of libpq's/);
    // A stray % in the database's name: was an Internal error (URIError: URI malformed).
    expect(() => parsePostgresUrl('postgres://ops:hunter2@h/post%gres', 'n', env)).toThrow(
      /^target n: the database name in the URL is not percent-encoded right \(a % is %25\)$/,
    );
    expect(() => parsePostgresUrl('postgres://ops:hunter2@h/post%gres', 'n', env)).toThrow(UserError);
  });

  it('a server that cannot be reached: a TargetError for people, without the password', async () => {
    const e = (await PostgresTarget.open(`postgres://ops:hunter2-s3cret@127.0.0.1:1/db`).catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toMatch(/^cannot reach target postgres:\/\/ops@127\.0\.0\.1:1\/db: /);
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain('hunter2');
  });

  it('a Unix socket that is not there (?host=/path): a TargetError for people, without the password (was an Internal error: connect ENOENT)', async () => {
    const dir = tempDir('connectorops-pgsock-');
    try {
      const e = (await PostgresTarget.open(`postgres://ops:hunter2-s3cret@localhost/db?host=${dir.dir}/none`).catch((x: unknown) => x)) as TargetError;
      expect(e).toBeInstanceOf(TargetError);
      expect(e.message).toMatch(/^cannot reach target postgres:\/\/ops@localhost\/db: connect ENOENT .*\/none\/\.s\.PGSQL\.5432$/);
      expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain('hunter2');
    } finally {
      dir.cleanup();
    }
  });
});

describe('TLS (issue 18, item 5)', () => {
  it('sslrootcert (sslcert, sslkey) is read only when a regular file of at most 1 MiB (issue 18, item 8)', () => {
    const tmp = tempDir('connectorops-cert-');
    const dir = tmp.dir;
    try {
      const big = join(dir, 'big.pem');
      writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 65));
      for (const [param, path, why] of [
        ['sslrootcert', '/dev/zero', 'is not a regular file'],
        ['sslcert', dir, 'is not a regular file'],
        ['sslkey', big, 'has 2097152 bytes, more than a certificate file holds'],
        ['sslrootcert', join(dir, 'none.pem'), 'cannot be read (ENOENT)'],
      ] as const) {
        expect(() => parsePostgresUrl(`postgres://ops@h/d?sslmode=verify-full&${param}=${encodeURIComponent(path)}`, 'prod', {})).toThrow(
          `target prod: ${param} "${path}" ${why}`,
        );
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('sslmode=require against a server without TLS: a clear error naming the server and the sslmode, not an internal one', async () => {
    const url = server.target(freshSchema('tls')) + '&sslmode=require';
    const e = (await PostgresTarget.open(url.replace('postgres://postgres@', 'postgres://postgres:tls-pw-0042@')).catch((x: unknown) => x)) as UserError;
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(
      `target postgres://postgres@127.0.0.1:${server.port}/postgres?schema=${/schema=(\w+)/.exec(url)![1]}: the server 127.0.0.1:${server.port} does not accept TLS connections, and the URL asks for sslmode=require`,
    );
    expect(e.details.hint).toContain('sslmode=prefer');
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain('tls-pw-0042');
  });
});

describe('a schema per target', () => {
  it('a read never creates the target: "does not exist yet"; the first write creates it', async () => {
    const schema = freshSchema('lazy');
    const t = await PostgresTarget.open(server.target(schema), { name: 'lazy' });
    try {
      const e = (await t.read().catch((x: unknown) => x)) as UserError;
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toBe(`target lazy does not exist yet (database postgres has no connectorops schema '${schema}')`);
      await expect(t.journal('r')).rejects.toThrow(/does not exist yet/);
      await expect(t.fingerprintSecrets(['x'])).rejects.toThrow(/does not exist yet/);
      // Nor do unlock and authorize, which have nothing to act on.
      await expect(t.forceUnlock('0000abcd')).rejects.toThrow(/does not exist yet/);
      await expect(t.authorize('crm_sales', 'alice')).rejects.toThrow(/does not exist yet/);
      expect(await schemaExists(schema)).toBe(false);
      await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' });
      expect(await schemaExists(schema)).toBe(true);
      expect((await t.read()).serial).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('several targets in one database, each in its own schema, with its own key and serial', async () => {
    const [a, b] = await Promise.all([freshSchema('a'), freshSchema('b')].map((s) => PostgresTarget.open(server.target(s), { create: true })));
    try {
      await a!.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' });
      expect((await a!.read()).serial).toBe(1);
      expect((await b!.read()).serial).toBe(0);
      expect(a!.fingerprintKeyId).not.toBe(b!.fingerprintKeyId);
    } finally {
      await a!.close();
      await b!.close();
    }
  });

  it('an existing target opens in one round trip with the key the careful path reads (the one that created or upgraded it)', async () => {
    const schema = freshSchema('key');
    const created = await PostgresTarget.open(server.target(schema), { create: true });
    const [made] = await created.fingerprintSecrets(['s3cret-one']).finally(() => created.close());
    const stored = (await admin.query<{ value: string }>(`SELECT value FROM ${schema}.meta WHERE key = 'fingerprint_key'`)).rows[0]!.value;
    const opened = await PostgresTarget.open(server.target(schema));
    try {
      expect(await opened.fingerprintSecrets(['s3cret-one'])).toEqual([made]);
      // A damaged key row: the one-round-trip path finds no key, and the careful path says what it always said.
      await admin.query(`DELETE FROM ${schema}.meta WHERE key = 'fingerprint_key'`);
      const e = (await PostgresTarget.open(server.target(schema), { name: 'prod' }).catch((x: unknown) => x)) as TargetError;
      expect(e).toBeInstanceOf(TargetError);
      expect(e.message).toBe(`target prod: schema '${schema}' has no fingerprint key; it is damaged`);
    } finally {
      await opened.close();
      await admin.query(`INSERT INTO ${schema}.meta VALUES ('fingerprint_key', $1)`, [stored]);
    }
  });

  it('a schema holding other tables is refused and left untouched', async () => {
    const schema = freshSchema('theirs');
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.invoices (id int)`);
    await expect(PostgresTarget.open(server.target(schema), { create: true, name: 'x' })).rejects.toThrow(
      `target x: schema '${schema}' holds tables that are not a connectorops target; it was left untouched`,
    );
    const { rows } = await admin.query('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema]);
    expect(rows).toEqual([{ tablename: 'invoices' }]);
  });

  it('a pre-created, empty schema is used as it is', async () => {
    const schema = freshSchema('granted');
    await admin.query(`CREATE SCHEMA ${schema}`);
    const t = await PostgresTarget.open(server.target(schema), { create: true });
    expect((await t.read()).serial).toBe(0);
    await t.close();
  });
});

describe('schema versions', () => {
  it('an older schema is upgraded in one transaction, keeping its contents', async () => {
    const schema = freshSchema('old');
    // A target as version 1 of the layout left it, holding a connector.
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(STEPS[0]!(`"${schema}"`));
    const record = state().connector('crm').build().connectors.get('crm')!;
    await admin.query(`UPDATE ${schema}.schema_version SET version = 1`);
    await admin.query(`INSERT INTO ${schema}.meta VALUES ('serial', '7'), ('fingerprint_key', $1)`, [Buffer.alloc(32, 7).toString('base64')]);
    await admin.query(`INSERT INTO ${schema}.connectors VALUES ('crm', $1)`, [JSON.stringify(record)]);

    const t = await PostgresTarget.open(server.target(schema));
    try {
      const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_version`);
      expect(rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
      const r = await t.read();
      expect(r.serial).toBe(7);
      expect([...r.state.connectors.keys()]).toEqual(['crm']);
      // The step 2 column is there: a lock records its session.
      const lock = await t.acquireLock({ holder: 'me@here', host: 'here', pid: 1, operation: 'apply' });
      const held = await admin.query(`SELECT session FROM ${schema}.locks`);
      expect(held.rows[0].session).toMatch(/^\d+$/);
      await t.releaseLock(lock.id);
      // The step 5 function is there: an action on the cached state commits through it.
      expect((await t.execute(act.createConnector('billing'), { clientSecret: 's3cret-one' }, { runId: 'r', actionId: 'a1' })).serial).toBe(8);
      expect((await admin.query(`SELECT status, serial FROM ${schema}.journal`)).rows).toEqual([{ status: 'done', serial: '8' }]);
    } finally {
      await t.close();
    }
  });

  it("an existing target's connections move to a list of authorizations (step 4): one for all environments, or none", async () => {
    const schema = freshSchema('auths');
    await admin.query(`CREATE SCHEMA ${schema}`);
    for (const step of STEPS.slice(0, 3)) await admin.query(step(`"${schema}"`));
    await admin.query(`UPDATE ${schema}.schema_version SET version = 3`);
    await admin.query(`INSERT INTO ${schema}.meta VALUES ('serial', '3'), ('fingerprint_key', $1)`, [Buffer.alloc(32, 7).toString('base64')]);
    const connector = state().connector('crm').build().connectors.get('crm')!;
    await admin.query(`INSERT INTO ${schema}.connectors VALUES ('crm', $1)`, [JSON.stringify(connector)]);
    // Connection bodies as schema 3 wrote them: one `authorization` each.
    const old = (linkName: string, authorization: unknown) =>
      JSON.stringify({ linkName, name: `Connection ${linkName}`, connector: 'crm', enabled: true, scopes: [], authorization, usages: [] });
    await admin.query(`INSERT INTO ${schema}.connections VALUES ('crm_sales', 'crm', $1), ('crm_support', 'crm', $2)`, [
      old('crm_sales', { status: 'authorized', account: 'alice' }),
      old('crm_support', { status: 'unauthorized' }),
    ]);

    const t = await PostgresTarget.open(server.target(schema));
    try {
      const connections = (await t.read()).state.connections;
      expect(connections.get('crm_sales')).toMatchObject({
        authorizationOwner: 'admin',
        sameAuthorizationForAllEnvironments: true,
        authorizations: [{ environment: 'all', account: 'alice' }],
      });
      expect(connections.get('crm_support')!.authorizations).toEqual([]);
      expect((await admin.query(`SELECT version FROM ${schema}.schema_version`)).rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    } finally {
      await t.close();
    }
  });

  it("a schema 5 target: each connection and connector row is written again as its record's canonical text, a row it cannot keep whole is left as it is (step 6)", async () => {
    const schema = freshSchema('canonical');
    await admin.query(`CREATE SCHEMA ${schema}`);
    for (const step of STEPS.slice(0, 5)) await admin.query(step(`"${schema}"`));
    await admin.query(`UPDATE ${schema}.schema_version SET version = 5`);
    await admin.query(`INSERT INTO ${schema}.meta VALUES ('serial', '4'), ('fingerprint_key', $1)`, [Buffer.alloc(32, 7).toString('base64')]);
    const account = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { scopes: ['b', 'a'], authorizations: [{ environment: 'all', account: 'alice' }] })
      .connection('crm_support', 'crm', { usages: [{ app: 'desk', component: 'workflow:x', kind: 'sms' }] })
      .build();
    // As schema 5 wrote them: JSON.stringify of the record, its keys in any order (here the reverse of canonical).
    const reversed = (record: object) => JSON.stringify(Object.fromEntries(Object.entries(record).reverse()));
    await admin.query(`INSERT INTO ${schema}.connectors VALUES ('crm', $1)`, [reversed(account.connectors.get('crm')!)]);
    // A connector with a field its canonical text does not keep: left as it is, as a connection is.
    const extraConnector = JSON.stringify({ ...account.connectors.get('crm'), linkName: 'erp_extra', note: 'kept' });
    await admin.query(`INSERT INTO ${schema}.connectors VALUES ('erp_extra', $1)`, [extraConnector]);
    for (const c of account.connections.values()) await admin.query(`INSERT INTO ${schema}.connections VALUES ($1, 'crm', $2)`, [c.linkName, reversed(c)]);
    // A field the canonical text does not keep: rewriting would lose it, so the row stays as it is.
    const extra = JSON.stringify({ ...account.connections.get('crm_support'), linkName: 'crm_extra', note: 'kept' });
    await admin.query(`INSERT INTO ${schema}.connections VALUES ('crm_extra', 'crm', $1)`, [extra]);

    const t = await PostgresTarget.open(server.target(schema));
    await t.close();
    expect((await admin.query(`SELECT version FROM ${schema}.schema_version`)).rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    const bodies = new Map(
      (await admin.query<{ link_name: string; body: string }>(`SELECT link_name, body FROM ${schema}.connections`)).rows.map((r) => [r.link_name, r.body]),
    );
    expect(bodies).toEqual(
      new Map([
        ['crm_extra', extra],
        ['crm_sales', canonicalConnectionJson(account.connections.get('crm_sales')!)],
        ['crm_support', canonicalConnectionJson(account.connections.get('crm_support')!)],
      ]),
    );
    const connectorBodies = new Map(
      (await admin.query<{ link_name: string; body: string }>(`SELECT link_name, body FROM ${schema}.connectors`)).rows.map((r) => [r.link_name, r.body]),
    );
    expect(connectorBodies).toEqual(
      new Map([
        ['crm', canonicalConnectorJson(account.connectors.get('crm')!)],
        ['erp_extra', extraConnector],
      ]),
    );
    // Read in byte order, whatever the database's default collation: the order of JavaScript's strings for link names.
    const { rows } = await admin.query(
      `SELECT collation_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'connections' AND column_name = 'link_name'`,
      [schema],
    );
    expect(rows).toEqual([{ collation_name: 'C' }]);
    // With the row that is not canonical gone, the digest made of the rows' text is the state's.
    await admin.query(`DELETE FROM ${schema}.connections WHERE link_name = 'crm_extra'`);
    await admin.query(`DELETE FROM ${schema}.connectors WHERE link_name = 'erp_extra'`);
    const reader = await PostgresTarget.open(server.target(schema));
    try {
      const read = await reader.read();
      expect(read.state).toEqual(account);
      expect(read.digest).toBe(stateDigest(account));
    } finally {
      await reader.close();
    }
  });

  it("a schema 6 target: connector rows move to byte order, and commit_action finds a done entry through the journal's key (step 7)", async () => {
    const schema = freshSchema('seven');
    await admin.query(`CREATE SCHEMA ${schema}`);
    for (const step of STEPS.slice(0, 6)) await admin.query(step(`"${schema}"`));
    await admin.query(`UPDATE ${schema}.schema_version SET version = 6`);
    await admin.query(`INSERT INTO ${schema}.meta VALUES ('serial', '2'), ('fingerprint_key', $1)`, [Buffer.alloc(32, 7).toString('base64')]);
    const account = state().connector('ab').connector('a_c').connector('a1').connection('a_c_sales', 'a_c').build();
    // As schema 6 wrote them: each row its record's canonical text.
    for (const c of account.connectors.values()) await admin.query(`INSERT INTO ${schema}.connectors VALUES ($1, $2)`, [c.linkName, canonicalConnectorJson(c)]);
    for (const c of account.connections.values()) {
      await admin.query(`INSERT INTO ${schema}.connections VALUES ($1, $2, $3)`, [c.linkName, c.connector, canonicalConnectionJson(c)]);
    }

    const t = await PostgresTarget.open(server.target(schema));
    try {
      expect((await admin.query(`SELECT version FROM ${schema}.schema_version`)).rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
      const { rows } = await admin.query(
        `SELECT table_name, collation_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'link_name' ORDER BY table_name`,
        [schema],
      );
      expect(rows).toEqual([
        { table_name: 'connections', collation_name: 'C' },
        { table_name: 'connectors', collation_name: 'C' },
        { table_name: 'journal', collation_name: null },
      ]);
      const read = await t.read();
      expect(read.state).toEqual(account);
      expect(read.digest).toBe(stateDigest(account));
      // The step 7 function: an action commits through it, once; the same action again is refused as done and writes nothing.
      const key = { runId: 'r', actionId: 'a1' };
      expect((await t.execute(act.createConnector('billing'), { clientSecret: 's3cret-one' }, key)).serial).toBe(3);
      const other = await PostgresTarget.open(server.target(schema));
      try {
        await other.exportSnapshot();
        const refused = await other.execute(act.createConnector('billing'), { clientSecret: 's3cret-one' }, key).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(TargetError);
        expect((refused as TargetError).message).toMatch(/^action a1 of run r is already done by a run at .* \(serial 3\); it is not carried out twice$/);
      } finally {
        await other.close();
      }
      expect((await admin.query(`SELECT status, serial FROM ${schema}.journal`)).rows).toEqual([{ status: 'done', serial: '3' }]);
      expect((await admin.query(`SELECT value FROM ${schema}.meta WHERE key = 'serial'`)).rows).toEqual([{ value: '3' }]);
    } finally {
      await t.close();
    }
  });

  it("a database whose default collation is not byte order (ICU en-US): connectors and connections are read in link-name order, the digest is the state's", async () => {
    const database = freshSchema('icu');
    // ICU's en-US puts `_` before digits (a_c, a1, ab); JavaScript's order, the digest's, is a1, a_c, ab.
    await admin.query(`CREATE DATABASE ${database} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' TEMPLATE template0`);
    try {
      const url = `${server.url.replace(/\/postgres$/, `/${database}`)}?schema=t`;
      const account = state().connector('ab').connector('a_c').connector('a1').connection('ab_x', 'ab').connection('a_c_x', 'a_c').connection('a1_x', 'a1').build();
      const t = await PostgresTarget.open(url, { create: true });
      await t.importSnapshot(stateToSnapshot(account)).finally(() => t.close());
      const reader = await PostgresTarget.open(url);
      try {
        const read = await reader.read();
        expect([...read.state.connectors.keys()]).toEqual(['a1', 'a_c', 'ab']);
        expect([...read.state.connections.keys()]).toEqual(['a1_x', 'a_c_x', 'ab_x']);
        expect(read.digest).toBe(stateDigest(account));
      } finally {
        await reader.close();
      }
    } finally {
      await admin.query(`DROP DATABASE ${database}`);
    }
  });

  it('a newer schema is refused with a clear message, and nothing is changed', async () => {
    const schema = freshSchema('new');
    const t = await PostgresTarget.open(server.target(schema), { create: true });
    await t.close();
    await admin.query(`UPDATE ${schema}.schema_version SET version = ${POSTGRES_SCHEMA_VERSION + 1}`);
    const e = (await PostgresTarget.open(server.target(schema), { name: 'prod' }).catch((x: unknown) => x)) as UserError;
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(
      `target prod was written by a newer connectorops (PostgreSQL schema version ${POSTGRES_SCHEMA_VERSION + 1}; this one reads ${POSTGRES_SCHEMA_VERSION}); nothing was changed`,
    );
    expect(e.details.hint).toBe('upgrade connectorops');
  });
});

describe('reading the rows', () => {
  it('a body edited by hand into two objects, or into something not JSON, is a damaged target, not two records', async () => {
    const schema = freshSchema('bodies');
    const t = await PostgresTarget.open(server.target(schema), { create: true });
    await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' });
    await t.execute(act.createConnector('erp'), { clientSecret: 's3cret-one' });
    await t.close();
    const { rows } = await admin.query<{ body: string }>(`SELECT body FROM ${schema}.connectors WHERE link_name = 'crm'`);
    const other = rows[0]!.body.replace('"crm"', '"evil"');
    for (const body of [`${rows[0]!.body},${other}`, '{"linkName": "crm"', '[]', 'null']) {
      await admin.query(`UPDATE ${schema}.connectors SET body = $1 WHERE link_name = 'crm'`, [body]);
      const reader = await PostgresTarget.open(server.target(schema));
      try {
        await expect(reader.read()).rejects.toThrow(/the table connectors holds a body that is not a JSON object; the target is damaged/);
      } finally {
        await reader.close();
      }
    }
  });

  it("any account: a cold read gives the state imported, and the digest made of the rows' text is the state's (stateDigest)", async () => {
    await fc.assert(
      fc.asyncProperty(validState(4, 8), async (account) => {
        const read = await importedAndRead(account);
        // The state as its snapshot holds it (authorizations sorted), as a read always gave it back.
        expect(read.state).toEqual(snapshotToState(stateToSnapshot(account)));
        expect(read.digest).toBe(stateDigest(account));
      }),
      { numRuns: 25 },
    );
  });

  it('a table of several pages (2,000 rows each): every row once, and the same digest; after actions a warm read digests as a cold one', async () => {
    for (const n of [4_000, 4_001]) {
      const b = state().connector('crm');
      // Link names whose byte order is not their numbers' order, across the pages' edges.
      for (let i = 0; i < n; i++) b.connection(`crm_${i}`, 'crm', { scopes: i % 3 ? [] : ['contacts.read'] });
      const account = b.build();
      const schema = freshSchema('pages');
      const t = await PostgresTarget.open(server.target(schema), { create: true });
      try {
        await t.importSnapshot(stateToSnapshot(account));
        const reader = await PostgresTarget.open(server.target(schema));
        const cold = await reader.read().finally(() => reader.close());
        expect(cold.state.connections.size).toBe(n);
        expect(cold.state).toEqual(account);
        expect(cold.digest).toBe(stateDigest(account));
        // Actions commit through commit_action (one round trip), which writes the rows' canonical text too.
        await t.execute(act.deleteConnection('crm_1999'));
        account.connections.delete('crm_1999');
        await t.execute(act.updateConnection('crm_10', { name: 'Renamed', scopes: ['contacts.read'] }));
        account.connections.set('crm_10', { ...account.connections.get('crm_10')!, name: 'Renamed', scopes: ['contacts.read'] });
        const warm = await t.read();
        expect(warm.digest).toBe(stateDigest(account));
        const again = await PostgresTarget.open(server.target(schema));
        expect((await again.read().finally(() => again.close())).digest).toBe(stateDigest(account));
        const { rows } = await admin.query<{ body: string }>(`SELECT body FROM ${schema}.connections WHERE link_name = 'crm_10'`);
        expect(rows[0]!.body).toBe(canonicalConnectionJson(account.connections.get('crm_10')!));
      } finally {
        await t.close();
      }
    }
  });

  it("a cold read's state is the caller's own: changing it changes neither what an action is judged against nor the next read", async () => {
    const schema = freshSchema('own');
    const t = await PostgresTarget.open(server.target(schema), { create: true });
    await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' });
    await t.execute(act.markReady('crm'));
    await t.close();
    const reader = await PostgresTarget.open(server.target(schema));
    try {
      const cold = await reader.read();
      const name = cold.state.connectors.get('crm')!.name;
      cold.state.connectors.get('crm')!.name = 'changed by the caller';
      cold.state.connectors.delete('crm');
      // The rules judge this against the engine's state: refused (no connector 'crm') had the caller's delete reached it.
      expect((await reader.execute(act.createConnection('crm_sales', 'crm'))).serial).toBe(cold.serial + 1);
      const warm = await reader.read();
      expect(warm.state.connectors.get('crm')!.name).toBe(name);
      expect([...warm.state.connections.keys()]).toEqual(['crm_sales']);
    } finally {
      await reader.close();
    }
  });
});

describe('several writers', () => {
  it('two engines on the same cached serial, one journaled action at once: carried out once, the other refused as done', async () => {
    const schema = freshSchema('race');
    const a = await PostgresTarget.open(server.target(schema), { create: true });
    const b = await PostgresTarget.open(server.target(schema));
    try {
      for (const t of [a, b]) expect((await t.read()).serial).toBe(0);
      // Both judge the action against the same cached state and send it in one call each: the
      // writers' lock orders the two calls, and the second sees the first's serial and entry.
      const journal = { runId: 'r', actionId: 'a1' };
      const outcomes = await Promise.allSettled([a, b].map((t) => t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' }, journal)));
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = outcomes.find((o) => o.status === 'rejected')!;
      expect(String(refused.reason)).toMatch(/action a1 of run r is already done by a run at .* \(serial 1\)/);
      const r = await a.read();
      expect(r.serial).toBe(1);
      expect([...r.state.connectors.keys()]).toEqual(['crm']);
      expect((await a.journal('r')).map((e) => [e.status, e.serial])).toEqual([['done', 1]]);
      // Two different actions on one cached serial: the second call finds the serial moved, writes
      // nothing, and the engine carries its action out in a transaction of its own.
      await Promise.all([a, b].map((t, i) => t.execute(act.createConnector(`c${i}`), { clientSecret: 's3cret-one' }, { runId: 'r', actionId: `b${i}` })));
      expect((await a.journal('r')).map((e) => e.serial).sort()).toEqual([1, 2, 3]);
      expect((await b.read()).digest).toBe((await a.read()).digest);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('two connections carrying out actions at once: every action once, serials 1..N without a gap', async () => {
    const schema = freshSchema('writers');
    const a = await PostgresTarget.open(server.target(schema), { create: true });
    const b = await PostgresTarget.open(server.target(schema));
    try {
      const run = (t: PostgresTarget, prefix: string) =>
        (async () => {
          for (let i = 0; i < 25; i++) await t.execute(act.createConnector(`${prefix}${i}`), { clientSecret: 's3cret-one' }, { runId: prefix, actionId: `a${i}` });
        })();
      await Promise.all([run(a, 'left'), run(b, 'right')]);
      const r = await a.read();
      expect(r.serial).toBe(50);
      expect(r.state.connectors.size).toBe(50);
      const serials = [...(await a.journal('left')), ...(await b.journal('right'))].map((e) => e.serial).sort((x, y) => x! - y!);
      expect(serials).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      // Each side's cache caught up with the other's commits.
      expect((await b.read()).digest).toBe(r.digest);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('unlock of a lock held by another live session ends that session: its run carries out nothing more', async () => {
    const schema = freshSchema('unlock');
    const holder = await PostgresTarget.open(server.target(schema), { create: true });
    const other = await PostgresTarget.open(server.target(schema));
    try {
      const lock = await holder.acquireLock({ holder: 'ci@runner', host: 'runner', pid: 42, operation: 'apply' });
      await expect(other.acquireLock({ holder: 'me@here', host: 'here', pid: 1, operation: 'apply' })).rejects.toThrow(/is locked by ci@runner/);
      expect(await other.forceUnlock(lock.id)).toBe(true);
      const mine = await other.acquireLock({ holder: 'me@here', host: 'here', pid: 1, operation: 'apply' });
      expect(mine.tookOverFrom).toBeUndefined();
      await expect(holder.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' })).rejects.toThrow(/the lock \w+ of this run was lost/);
      expect((await other.read()).serial).toBe(0);
      await other.releaseLock(mine.id);
    } finally {
      await holder.close();
      await other.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The real CLI, in real processes.

let tmp: ReturnType<typeof tempDir>;
const children: Child[] = [];
beforeEach(() => {
  tmp = tempDir('connectorops-pg-e2e-');
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) await killHard(c);
  tmp.cleanup();
});

const ENV: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1' };

function git(...args: string[]): void {
  const r = spawnSync('git', args, {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** A repository of `n` apiKey connectors with two connections each (4n actions: create, markReady, two connections), and `production` naming the target. */
function bigRepo(schema: string, n: number): number {
  git('init', '-q', '-b', 'main');
  const write = (path: string, text: string) => {
    spawnSync('mkdir', ['-p', join(tmp.dir, path, '..')]);
    writeFileSync(join(tmp.dir, path), text);
  };
  for (let i = 0; i < n; i++) {
    write(`connectors/c${i}.yaml`, `kind: Connector\nlinkName: c${i}\nname: Connector ${i}\nauthentication:\n  type: apiKey\n  parameterKey: key\n`);
    write(
      `connections/c${i}.yaml`,
      `kind: Connection\nlinkName: c${i}_a\nname: A ${i}\nconnector: c${i}\n---\nkind: Connection\nlinkName: c${i}_b\nname: B ${i}\nconnector: c${i}\n`,
    );
  }
  write('connectorops.yaml', `targets:\n  production:\n    url: ${server.target(schema)}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', 'manifests');
  return 4 * n;
}

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp.dir, encoding: 'utf8', env: ENV, input: '' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function start(script: string, args: string[]): Child {
  const child = startChild(script, args, { cwd: tmp.dir, env: ENV, stderrLines: true });
  children.push(child);
  return child;
}

/** The `nth` line of the child's output that matches (seen or to come). */
function nthLine(child: Child, match: RegExp, nth = 1): Promise<string> {
  return child.waitFor((l) => match.test(l) && child.lines.filter((x) => match.test(x)).length >= nth);
}

/** The serial and journal of the target, read by a fresh connection. */
async function serialOf(schema: string): Promise<number> {
  const { rows } = await admin.query(`SELECT value FROM ${schema}.meta WHERE key = 'serial'`);
  return Number(rows[0].value);
}

const T = ['--target', 'production'];

// Real processes on a shared 2-core machine: generous, never a timing assertion.
describe('the CLI against a PostgreSQL target', { timeout: 180_000 }, () => {
  it('plan on a target that does not exist yet says so and creates nothing; apply creates it and converges', async () => {
    const schema = freshSchema('cli');
    const total = bigRepo(schema, 2);
    const plan = cli(['plan', ...T]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('target production does not exist yet');
    expect(await schemaExists(schema)).toBe(false);
    const apply = cli(['apply', ...T, '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('The target now matches the manifests.');
    expect(await serialOf(schema)).toBe(total);
    expect(cli(['plan', ...T]).stdout).toContain('No changes');
  });

  it('kill -9 of an apply mid-run: the advisory lock is free at once, and a rerun converges with every action done once', async () => {
    const schema = freshSchema('kill');
    const total = bigRepo(schema, 60);
    const k = 20 + Math.floor(Math.random() * 100);
    const apply = start(BIN, ['apply', ...T, '--auto-approve']);
    await nthLine(apply, /^✓ a\d+ /, k);
    await killHard(apply);
    expect((await apply.exited).signal, `k=${k}`).toBe('SIGKILL');

    const rerun = cli(['apply', ...T, '--auto-approve']);
    expect(rerun.code, `k=${k}\n${rerun.stderr}`).toBe(0);
    // Taken at once: no wait, and the dead holder named.
    expect(rerun.stderr).toMatch(/^Took over lock [0-9a-f]+ of production from \S+ \(pid \d+, apply since \S+\): that process is no longer running\./m);
    expect(rerun.stdout).toContain('The target now matches the manifests.');
    expect(await serialOf(schema)).toBe(total);
  });

  it('a restart of the server mid-apply: the apply fails cleanly (or finishes); a rerun converges, nothing lost or done twice', async () => {
    const schema = freshSchema('restart');
    const total = bigRepo(schema, 60);
    const apply = start(BIN, ['apply', ...T, '--auto-approve']);
    await nthLine(apply, /^✓ a\d+ /);
    server.restart();
    await admin.end().catch(() => {});
    admin = await adminClient();
    const first = await apply.exited;
    expect(apply.stderr()).not.toMatch(/Internal error| {4}at /);
    if (first.code !== 0) expect(apply.stderr()).toMatch(/^Error: /m);

    const rerun = cli(['apply', ...T, '--auto-approve']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/The target (now )?matches the manifests/);
    // Every action committed exactly once: each bumps the serial by one.
    expect(await serialOf(schema)).toBe(total);
  });

  it('two applies from two processes: serialized by the lock, the second names the first; unlock releases a held lock', async () => {
    const schema = freshSchema('two');
    bigRepo(schema, 2);
    // The first apply, stopped after its first action (the real command; it waits for `go` lines).
    const first = start(join(ROOT, 'test/fixtures/apply/step-apply.mjs'), [...T, '--auto-approve']);
    await nthLine(first, /^before 1 /);
    first.process.stdin.write('go\n');
    await nthLine(first, /^after 1 /);
    const heldBy = new RegExp(`is locked by \\S+ \\(pid ${first.process.pid}\\) since \\S+, for apply \\(lock ([0-9a-f]{8})\\)`);
    const refused = cli(['apply', ...T, '--auto-approve']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(heldBy);
    const id = heldBy.exec(refused.stderr)![1]!;
    expect(refused.stderr).toContain(`connectorops unlock ${id} --target production`);
    // A second apply that waits: it goes ahead once the first is done, and finds nothing left to do.
    const second = start(BIN, ['apply', ...T, '--auto-approve', '--lock-timeout', '120']);
    await nthLine(second, new RegExp(`^Waiting up to 120s for the lock of production: held by \\S+ \\(pid ${first.process.pid}\\)`));
    first.process.stdin.write('go\n'.repeat(100));
    expect((await first.exited).code, first.stderr()).toBe(0);
    expect((await second.exited).code, second.stderr()).toBe(0);
    expect(second.lines.join('\n')).toContain('No changes. The target matches the manifests.');
    expect(second.stderr()).not.toContain('Took over');

    // A holder that stays: `unlock` with the printed command releases it.
    const holder = start(join(ROOT, 'test/fixtures/targets/hold-lock.mjs'), [server.target(schema), 'apply']);
    const lock = JSON.parse(await nthLine(holder, /^\{/)) as { id: string };
    const refusedToo = cli(['apply', ...T, '--auto-approve']);
    expect(refusedToo.stderr).toContain(`connectorops unlock ${lock.id} --target production`);
    expect(cli(['unlock', lock.id, ...T])).toMatchObject({ code: 0, stdout: `Released lock ${lock.id} of target production.\n` });
    const after = cli(['apply', ...T, '--auto-approve']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).not.toContain('Took over');
    holder.process.stdin.end();
  });
});

describe('import and export', () => {
  it('target import creates the target; export gives the same snapshot back', async () => {
    const schema = freshSchema('import');
    const snapshot = stateToSnapshot(state().connector('crm').connection('crm_sales', 'crm').build());
    writeFileSync(join(tmp.dir, 'snap.json'), JSON.stringify(snapshot));
    const url = server.target(schema);
    const imported = cli(['target', 'import', 'snap.json', '--target', url]);
    expect(imported.code, imported.stderr).toBe(0);
    const exported = cli(['target', 'export', '--target', url]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual(snapshot);
  });

  it('serve --target postgres://… serves it over HTTP: the same state, serial and digest', async () => {
    const schema = freshSchema('serve');
    const direct = await PostgresTarget.open(server.target(schema), { create: true });
    try {
      await direct.importSnapshot(stateToSnapshot(state().connector('crm').build()));
      const token = 'serve-postgres-token-0123456789';
      const serving = startChild(BIN, ['serve', '--target', server.target(schema), '--port', '0'], { cwd: tmp.dir, env: { ...ENV, CONNECTOROPS_TOKEN: token } });
      children.push(serving);
      const url = /on (http:\/\/\S+)$/.exec(await serving.waitFor((l) => l.startsWith('Serving ')))![1]!;
      const remote = new HttpTarget(url, { token });
      const [over, here] = [await remote.read(), await direct.read()];
      expect(over.serial).toBe(here.serial);
      expect(over.digest).toBe(here.digest);
      await remote.execute(act.disableConnector('crm'), {});
      expect((await direct.read()).serial).toBe(here.serial + 1);
      await remote.close();
      serving.process.kill('SIGTERM');
      expect((await serving.exited).code).toBe(0);
    } finally {
      await direct.close();
    }
  });
});
