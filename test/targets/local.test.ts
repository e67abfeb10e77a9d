/** The local target's mechanics: the file, serial and digest, the cache across handles, the journal, import and export. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { validState } from '../support/arbitraries.js';
import { TargetError, UserError } from '../../src/errors.js';
import { canonicalJson, sha256 } from '../../src/model/canonical.js';
import { openTarget } from '../../src/targets/index.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { canonicalConnectionJson, canonicalConnectorJson, connectorOfStoredText, stateDigest, stateToSnapshot } from '../../src/targets/snapshot.js';
import { state } from '../support/builders.js';
import { openSqlite, sqlColumn, sqlValue } from '../support/sqlite.js';
import { valueOf } from '../../src/targets/local/sqlite-driver.js';
import { act, contents, openLocal, readyConnector, tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
const opened: LocalTarget[] = [];
const open = (file = 'local.db') => {
  const t = LocalTarget.open(join(tmp.dir, file));
  opened.push(t);
  return t;
};

beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
  tmp.cleanup();
});

describe('the file', () => {
  it('is created with its parent directories on first use, empty, at serial 0', async () => {
    const t = open('deep/er/local.db');
    expect(existsSync(join(tmp.dir, 'deep/er/local.db'))).toBe(true);
    const read = await t.read();
    expect(read.serial).toBe(0);
    expect(await t.exportSnapshot()).toEqual({ formatVersion: 2, connectors: [], connections: [] });
    expect(read.digest).toBe(sha256(canonicalJson({ formatVersion: 2, connectors: [], connections: [] })));
  });

  it('keeps its fingerprint key across opens; another file has another key', async () => {
    const a = open('a.db');
    const [fp] = await a.fingerprintSecrets(['s3cret']);
    await a.close();
    const again = open('a.db');
    expect(await again.fingerprintSecrets(['s3cret'])).toEqual([fp]);
    expect(again.fingerprintKeyId).toBe(a.fingerprintKeyId);
    const b = open('b.db');
    expect(b.fingerprintKeyId).not.toBe(a.fingerprintKeyId);
    expect((await b.fingerprintSecrets(['s3cret']))[0]).not.toBe(fp);
  });

  it('S2: fingerprints read hmac-sha256:<keyId>:<mac>; the key itself is in no export', async () => {
    const t = open();
    const [fp, other] = await t.fingerprintSecrets(['one', 'two']);
    expect(fp).toMatch(new RegExp(`^hmac-sha256:${t.fingerprintKeyId}:[A-Za-z0-9_-]{43}$`));
    expect(fp).not.toBe(other);
    await t.execute(act.createConnector('crm'), { clientSecret: 'one' });
    const db = openSqlite(join(tmp.dir, 'local.db'), { readOnly: true });
    const key = sqlValue(db, "SELECT value FROM meta WHERE key = 'fingerprint_key'") as string;
    db.close();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    const exported = JSON.stringify(await t.exportSnapshot());
    expect(exported).not.toContain(key);
    expect(exported).not.toContain(Buffer.from(key, 'base64').toString('hex'));
    expect(JSON.stringify(t)).not.toContain(key);
  });

  it('refuses a file that is not SQLite, and an SQLite database that is not a target, leaving them untouched', async () => {
    const text = join(tmp.dir, 'notes.txt');
    writeFileSync(text, 'hello, these are my notes and not a database at all\n'.repeat(20));
    const before = readFileSync(text);
    expect(() => LocalTarget.open(text)).toThrow(UserError);
    expect(() => LocalTarget.open(text)).toThrow(/not a connectorops target/);
    expect(readFileSync(text)).toEqual(before);

    const other = join(tmp.dir, 'other.db');
    const db = openSqlite(other);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY)');
    db.close();
    expect(() => LocalTarget.open(other)).toThrow(/is an SQLite database, but not a connectorops target/);
    const check = openSqlite(other);
    expect(sqlColumn(check, "SELECT name FROM sqlite_schema WHERE type = 'table'")).toEqual(['customers']);
    check.close();
  });

  it('refuses a target written by a newer connectorops', async () => {
    const t = open();
    await t.close();
    const db = openSqlite(join(tmp.dir, 'local.db'));
    db.prepare("UPDATE meta SET value = 99 WHERE key = 'schema_version'").run();
    db.close();
    expect(() => LocalTarget.open(join(tmp.dir, 'local.db'))).toThrow(/newer connectorops \(local schema 99; this one reads 4\)/);
  });
});

describe('schema 1 → 2 (rollouts)', () => {
  it('a file written before rollouts is migrated on open: its journal kept, rollouts and journaled confirmations work', async () => {
    const t = open();
    await t.execute(act.createConnector('crm'), { clientSecret: 's' }, { runId: 'old-run', actionId: 'a1' });
    await t.close();
    // Make it a schema-1 file, as connectorops wrote it before rollouts.
    const db = openSqlite(join(tmp.dir, 'local.db'));
    db.exec(
      "DROP TABLE rollout_events; DROP TABLE rollouts; ALTER TABLE journal DROP COLUMN actor; ALTER TABLE journal DROP COLUMN note; UPDATE meta SET value = 1 WHERE key = 'schema_version'",
    );
    db.close();

    const again = LocalTarget.open(join(tmp.dir, 'local.db'));
    try {
      expect((await again.journal('old-run')).map((e) => [e.actionId, e.status, e.by])).toEqual([['a1', 'done', undefined]]);
      await again.openRollout('r-1', { formatVersion: 1 }, { type: 'opened', by: 'alice', at: '2026-11-30T10:00:00.000Z' });
      await again.execute(act.markReady('crm'), {}, { runId: 'r-1', actionId: 'a1', by: 'bob', note: 'done in Creator' });
      expect((await again.journal('r-1'))[0]).toMatchObject({ status: 'done', by: 'bob', note: 'done in Creator' });
      expect((await again.currentRollout())?.id).toBe('r-1');
    } finally {
      await again.close();
    }
    const check = openSqlite(join(tmp.dir, 'local.db'));
    expect(sqlValue(check, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe(4);
    check.close();
  });
});

describe('schema 2 → 3 (authorizations per environment)', () => {
  it("a connection's one authorization becomes one entry for all environments; an unauthorized one none", async () => {
    const t = open();
    await readyConnector(t, 'crm');
    await t.execute(act.createConnection('crm_sales', 'crm'));
    await t.execute(act.createConnection('crm_support', 'crm'));
    await t.close();
    // Make it a schema-2 file: bodies with the one `authorization` of before.
    const db = openSqlite(join(tmp.dir, 'local.db'));
    const old = (link: string, authorization: unknown) => {
      const body = JSON.parse(valueOf(db.prepare('SELECT body FROM connections WHERE link_name = ?'), link) as string) as Record<string, unknown>;
      const { authorizationOwner: _o, sameAuthorizationForAllEnvironments: _s, authorizations: _a, ...rest } = body;
      db.prepare('UPDATE connections SET body = ? WHERE link_name = ?').run(JSON.stringify({ ...rest, authorization }), link);
    };
    old('crm_sales', { status: 'authorized', account: 'alice' });
    old('crm_support', { status: 'unauthorized' });
    db.exec("UPDATE meta SET value = 2 WHERE key = 'schema_version'");
    db.close();

    const again = LocalTarget.open(join(tmp.dir, 'local.db'));
    try {
      const byName = new Map((await again.exportSnapshot()).connections.map((c) => [c.linkName, c]));
      expect(byName.get('crm_sales')).toMatchObject({
        authorizationOwner: 'admin',
        sameAuthorizationForAllEnvironments: true,
        authorizations: [{ environment: 'all', account: 'alice' }],
      });
      expect(byName.get('crm_support')!.authorizations).toEqual([]);
    } finally {
      await again.close();
    }
    const check = openSqlite(join(tmp.dir, 'local.db'));
    expect(sqlValue(check, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe(4);
    check.close();
  });
});

describe('schema 3 → 4 (connection and connector rows as canonical text)', () => {
  /**
   * The file at `path` made a schema-3 file: each connections row as JSON.stringify of its record,
   * its keys and authorizations in another order; each connectors row as JSON.stringify of its
   * record (not the snapshot's form), its keys in another order.
   */
  const makeSchema3 = (path: string) => {
    const db = openSqlite(path);
    for (const row of db.prepare('SELECT link_name, body FROM connectors').all() as Array<{ link_name: string; body: string }>) {
      const record = connectorOfStoredText(JSON.parse(row.body) as object) as object;
      db.prepare('UPDATE connectors SET body = ? WHERE link_name = ?').run(JSON.stringify(Object.fromEntries(Object.entries(record).reverse())), row.link_name);
    }
    for (const row of db.prepare('SELECT link_name, body FROM connections').all() as Array<{ link_name: string; body: string }>) {
      const record = JSON.parse(row.body) as Record<string, unknown> & { authorizations: unknown[] };
      const shuffled = Object.fromEntries(Object.entries({ ...record, authorizations: [...record.authorizations].reverse() }).reverse());
      db.prepare('UPDATE connections SET body = ? WHERE link_name = ?').run(JSON.stringify(shuffled), row.link_name);
    }
    db.exec("UPDATE meta SET value = 3 WHERE key = 'schema_version'");
    db.close();
  };

  it('every row becomes the canonical text of its record; the state, its export and its digest are those of before', async () => {
    await fc.assert(
      fc.asyncProperty(validState(), async (s) => {
        const path = join(tmp.dir, `v3-${randomUUID()}.db`);
        const before = LocalTarget.open(path);
        await before.importSnapshot(stateToSnapshot(s), { force: true });
        await before.close();
        makeSchema3(path);
        const after = LocalTarget.open(path);
        try {
          const read = await after.read();
          expect(read.digest).toBe(stateDigest(s));
          expect(await after.exportSnapshot()).toEqual(stateToSnapshot(s));
        } finally {
          await after.close();
        }
        const check = openSqlite(path);
        expect(sqlValue(check, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe(4);
        const rows = check.prepare('SELECT link_name, body FROM connections ORDER BY link_name').all() as Array<{ link_name: string; body: string }>;
        const connectorRows = check.prepare('SELECT link_name, body FROM connectors ORDER BY link_name').all() as Array<{ link_name: string; body: string }>;
        check.close();
        expect(rows.map((r) => r.body)).toEqual([...s.connections.values()].sort((a, b) => (a.linkName < b.linkName ? -1 : 1)).map(canonicalConnectionJson));
        expect(connectorRows.map((r) => r.body)).toEqual([...s.connectors.values()].sort((a, b) => (a.linkName < b.linkName ? -1 : 1)).map(canonicalConnectorJson));
      }),
      { numRuns: 25 },
    );
  });

  it('a row that holds no sound record is left as it is, and loading it still says which one', async () => {
    const t = open();
    await readyConnector(t, 'crm');
    await t.execute(act.createConnection('crm_a', 'crm'));
    await t.execute(act.createConnection('crm_b', 'crm'));
    const crmText = canonicalConnectorJson((await t.read()).state.connectors.get('crm')!);
    await t.close();
    const path = join(tmp.dir, 'local.db');
    makeSchema3(path);
    const db = openSqlite(path);
    db.prepare('UPDATE connections SET body = ? WHERE link_name = ?').run('{"linkName":"crm_b", oops', 'crm_b');
    db.close();
    const again = open();
    await expect(again.read()).rejects.toThrow(/the connections row "crm_b" does not hold JSON/);
    const check = openSqlite(path);
    expect(sqlValue(check, "SELECT body FROM connections WHERE link_name = 'crm_b'")).toBe('{"linkName":"crm_b", oops');
    // The sound connector row was written again all the same.
    expect(sqlValue(check, "SELECT body FROM connectors WHERE link_name = 'crm'")).toBe(crmText);
    expect(sqlValue(check, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe(4);
    check.close();
  });

  it('a connectors row that holds no sound connector is left as it is, and loading it still says which one', async () => {
    const t = open();
    await readyConnector(t, 'crm');
    await t.close();
    const path = join(tmp.dir, 'local.db');
    makeSchema3(path);
    const db = openSqlite(path);
    db.prepare("UPDATE connectors SET body = ? WHERE link_name = 'crm'").run('{"linkName":"crm","authentication":{"type":"basic"}}');
    db.close();
    const again = open();
    await expect(again.read()).rejects.toThrow(/the connectors row "crm" is not a connector this connectorops wrote/);
    const check = openSqlite(path);
    expect(sqlValue(check, "SELECT body FROM connectors WHERE link_name = 'crm'")).toBe('{"linkName":"crm","authentication":{"type":"basic"}}');
    expect(sqlValue(check, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe(4);
    check.close();
  });
});

describe('serial and digest', () => {
  it('the serial grows by one per committed change; a refused action and a read leave it', async () => {
    const t = open();
    expect((await t.execute(act.createConnector('crm'), { clientSecret: 's' })).serial).toBe(1);
    expect((await t.execute(act.markReady('crm'))).serial).toBe(2);
    await expect(t.execute(act.markReady('crm'))).rejects.toThrow(TargetError);
    expect((await t.read()).serial).toBe(2);
    expect((await t.execute(act.createConnection('crm_a', 'crm'))).serial).toBe(3);
    await t.authorize('crm_a', 'alice');
    expect(await t.serial()).toBe(4);
  });

  it('the digest is sha256 of the canonical snapshot, and changes with the contents', async () => {
    const t = open();
    await readyConnector(t, 'crm');
    const a = await t.read();
    expect(a.digest).toBe(sha256(canonicalJson(await t.exportSnapshot())));
    expect(a.digest).toBe(sha256(canonicalJson(stateToSnapshot(a.state))));
    await t.execute(act.updateConnector('crm', { name: 'Other' }));
    const b = await t.read();
    expect(b.digest).not.toBe(a.digest);
    expect(b.digest).toBe(sha256(canonicalJson(await t.exportSnapshot())));
  });

  it("the digest is made of the rows' text: a row edited by hand into another text of the same record changes it, and every handle agrees, before and after its own commits", async () => {
    const t = open();
    await readyConnector(t, 'crm');
    await t.execute(act.createConnection('crm_a', 'crm'));
    await t.execute(act.createConnection('crm_b', 'crm'));
    const canonical = await t.read();
    await t.close();
    // The same record, its keys in another order: the same state, another text.
    const db = openSqlite(join(tmp.dir, 'local.db'));
    const body = JSON.parse(valueOf(db.prepare("SELECT body FROM connections WHERE link_name = 'crm_a'")) as string) as object;
    db.prepare("UPDATE connections SET body = ? WHERE link_name = 'crm_a'").run(JSON.stringify(Object.fromEntries(Object.entries(body).reverse())));
    db.close();
    const edited = open();
    const cold = await edited.read();
    expect(cold.state).toEqual(canonical.state);
    expect(cold.serial).toBe(canonical.serial);
    // Another digest for the same state: a plan made before the edit is refused as stale, the safe way.
    expect(cold.digest).not.toBe(canonical.digest);
    // A commit through the handle, then its read (its cached world) and a cold read of another handle agree.
    await edited.execute(act.updateConnection('crm_b', { name: 'Renamed' }));
    const warm = await edited.read();
    const other = await open().read();
    expect(other.serial).toBe(warm.serial);
    expect(warm.digest).toBe(other.digest);
    expect(warm.digest).not.toBe(cold.digest);
  });

  it('read() hands out a copy: changing it does not change the target', async () => {
    const t = open();
    await readyConnector(t, 'crm');
    const { state: s } = await t.read();
    s.connectors.get('crm')!.name = 'Mutated';
    s.connectors.clear();
    expect((await t.exportSnapshot()).connectors[0]!.name).toBe('Connector crm');
  });

  it('a cold read hands out what it loaded: changing it changes neither a later read nor what the next action is checked against', async () => {
    await readyConnector(open(), 'crm');
    const t = open(); // another handle: nothing cached, its first read loads the rows
    const first = await t.read();
    first.state.connectors.get('crm')!.name = 'Mutated';
    first.state.connectors.delete('crm');
    const second = await t.read();
    expect(second.state.connectors.get('crm')!.name).toBe('Connector crm');
    expect(second.digest).toBe(first.digest);
    second.state.connectors.clear();
    // The action is checked against the connector as committed (R9 needs it ready), and the export sees it.
    expect((await t.execute(act.createConnection('crm_a', 'crm'))).serial).toBe(3);
    expect((await t.exportSnapshot()).connectors.map((c) => c.name)).toEqual(['Connector crm']);
    expect((await t.read()).state.connections.has('crm_a')).toBe(true);
  });

  it('two handles on one file (two processes) see each other: rules are checked against what is committed', async () => {
    const a = open();
    const b = open();
    await b.read(); // b caches the empty state at serial 0
    await readyConnector(a, 'crm');
    // b's cache is stale; the create must still see the ready connector that a made.
    await b.execute(act.createConnection('crm_sales', 'crm'));
    // and a must see b's connection when it tries to delete the connector.
    await expect(a.execute(act.deleteConnector('crm'))).rejects.toMatchObject({ details: { rule: 'R9' } });
    expect((await a.read()).serial).toBe(3);
    expect((await b.read()).serial).toBe(3);
    expect((await a.read()).digest).toBe((await b.read()).digest);
  });
});

describe('the journal', () => {
  it('records pending → done with the serial, failed with the error, in the order written', async () => {
    const t = open();
    await t.execute(act.createConnector('crm'), { clientSecret: 's' }, { runId: 'r1', actionId: 'a1' });
    await expect(t.execute(act.deleteConnector('ghost'), {}, { runId: 'r1', actionId: 'a2' })).rejects.toThrow(/does not exist/);
    await t.execute(act.markReady('crm'), {}, { runId: 'r1', actionId: 'a3' });
    await t.execute(act.enableConnector('crm'), {}, { runId: 'r2', actionId: 'a1' });
    const entries = await t.journal('r1');
    expect(entries.map((e) => [e.actionId, e.op, e.linkName, e.status, e.serial])).toEqual([
      ['a1', 'connector.create', 'crm', 'done', 1],
      ['a2', 'connector.delete', 'ghost', 'failed', null],
      ['a3', 'connector.markReady', 'crm', 'done', 2],
    ]);
    expect(entries[1]!.error).toBe("exists: connector 'ghost' does not exist");
    expect(entries[0]!.error).toBeUndefined();
    expect(Date.parse(entries[0]!.at)).not.toBeNaN();
    expect(await t.journal('r2')).toHaveLength(1);
    expect(await t.journal('nope')).toEqual([]);
  });

  it('refuses to carry out an action that its run already journaled done; a failed one may be retried', async () => {
    const t = open();
    await t.execute(act.createConnector('crm'), {}, { runId: 'r1', actionId: 'a1' });
    await expect(t.execute(act.createConnector('crm'), {}, { runId: 'r1', actionId: 'a1' })).rejects.toThrow(/already done by a run at .* \(serial 1\)/);
    await expect(t.execute(act.markReady('crm'), {}, { runId: 'r1', actionId: 'a2' })).rejects.toThrow(/R2/);
    await t.execute(act.updateConnector('crm', {}), { clientSecret: 's' });
    await t.execute(act.markReady('crm'), {}, { runId: 'r1', actionId: 'a2' });
    expect((await t.journal('r1')).map((e) => e.status)).toEqual(['done', 'done']);
  });
});

describe('malformed actions', () => {
  it('are refused before the rules see them, naming the field, changing nothing', async () => {
    const t = open();
    const before = await contents(t);
    await expect(
      t.execute({ op: 'connector.create', kind: 'Connector', linkName: 'crm', spec: { name: 'x', authentication: { type: 'oauth3' } } } as never),
    ).rejects.toThrow(/^malformed action connector.create: spec.authentication.type: /);
    await expect(t.execute({ op: 'connector.explode', kind: 'Connector', linkName: 'crm' } as never)).rejects.toThrow(/^malformed action: op: /);
    await expect(t.execute(act.createConnector('crm'), { clientSecret: '' })).rejects.toThrow('the value given for clientSecret is empty or not text');
    expect(await contents(t)).toEqual(before);
  });

  it('a planned action with its bookkeeping fields (id, dependsOn, …) is accepted as its body', async () => {
    const t = open();
    await t.execute({ ...act.createConnector('crm'), id: 'a1', dependsOn: [], rules: ['R1'], replace: false, changes: [] } as never, { clientSecret: 's' });
    expect((await t.exportSnapshot()).connectors).toHaveLength(1);
  });
});

describe('import and export', () => {
  const sample = () =>
    state()
      .connector('crm')
      .connector('keyed', { authentication: { type: 'apiKey', parameters: [{ parameterKey: 'X-Key', addTo: 'header' }] } })
      .connection('crm_sales', 'crm', { scopes: ['contacts.read'], authorizations: [{ environment: 'all', account: 'alice' }] })
      .build();

  it('export → import into another target → export is identical', async () => {
    const a = await openLocal(tmp.dir, sample(), 'a.db');
    opened.push(a);
    const snapshot = await a.exportSnapshot();
    const b = open('b.db');
    await b.importSnapshot(snapshot);
    expect(await b.exportSnapshot()).toEqual(snapshot);
    expect((await b.read()).digest).toBe((await a.read()).digest);
  });

  it('an import of any size (whole batches of 200 rows, a rest, or fewer) stores every record as its canonical text, in order', async () => {
    // The import inserts 200 rows a statement and the rest one by one: sizes around those bounds.
    const sizes = fc.oneof(fc.constantFrom(0, 1, 199, 200, 201, 400, 401), fc.integer({ min: 0, max: 650 }));
    await fc.assert(
      fc.asyncProperty(sizes, fc.integer({ min: 1, max: 450 }), async (connections, connectors) => {
        const builder = state();
        for (let i = 0; i < connectors; i++) builder.connector(`svc_${String(i).padStart(3, '0')}`);
        for (let i = 0; i < connections; i++) builder.connection(`conn_${String(i).padStart(3, '0')}`, `svc_${String(i % connectors).padStart(3, '0')}`);
        const s = builder.build();
        const t = open(`n-${randomUUID()}.db`);
        await t.importSnapshot(stateToSnapshot(s), { force: true });
        expect(await t.exportSnapshot()).toEqual(stateToSnapshot(s));
        expect((await t.read()).digest).toBe(stateDigest(s));
        const check = openSqlite(t.path);
        const rows = sqlColumn(check, 'SELECT body FROM connections ORDER BY link_name');
        const names = sqlColumn(check, 'SELECT link_name FROM connectors ORDER BY link_name');
        check.close();
        expect(rows).toEqual([...s.connections.values()].map(canonicalConnectionJson));
        expect(names).toEqual([...s.connectors.keys()]);
      }),
      { numRuns: 12 },
    );
  });

  it('refuses to replace a non-empty target without force, changing nothing; with force replaces everything and bumps the serial', async () => {
    const t = open();
    await readyConnector(t, 'old');
    const before = await contents(t);
    const snapshot = stateToSnapshot(sample());
    const e = await t.importSnapshot(snapshot).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toMatch(/is not empty \(1 connector, 0 connections\); nothing was imported/);
    expect((e as UserError).details.hint).toMatch(/--force/);
    expect(await contents(t)).toEqual(before);
    await t.importSnapshot(snapshot, { force: true });
    expect(await t.exportSnapshot()).toEqual(snapshot);
    // Never reset: a plan made before the import must be stale.
    expect(await t.serial()).toBe(before.serial + 1);
  });

  it('refuses a snapshot that breaks rules, listing each violation with its rule id, changing nothing', async () => {
    const t = open();
    await readyConnector(t, 'old');
    const before = await contents(t);
    const bad = stateToSnapshot(
      state()
        .connector('draft_one', { stage: 'draft' })
        .connection('in_draft', 'draft_one')
        .connector('off', { enabled: false })
        .connection('on_under_off', 'off')
        .connection('orphan', 'ghost')
        .connector('crm')
        .connection('greedy', 'crm', { scopes: ['deals.read'] })
        .build(),
    );
    const e = (await t.importSnapshot(bad, { force: true }).catch((x: unknown) => x)) as UserError;
    expect(e).toBeInstanceOf(UserError);
    expect(e.message.split('\n')).toEqual([
      'the snapshot has 4 rule violations; nothing was imported:',
      "  - scopes: connection 'greedy' has scopes deals.read that connector 'crm' does not offer",
      "  - R6: connection 'in_draft' belongs to connector 'draft_one', which is in draft",
      "  - R16: connection 'on_under_off' is enabled but its connector 'off' is disabled",
      "  - R9: connection 'orphan' refers to connector 'ghost', which does not exist",
    ]);
    expect(await contents(t)).toEqual(before);
  });

  it('after an import, a read hands out its own state: changing it changes neither a later read nor what the next action is checked against', async () => {
    const source = open('source.db');
    await readyConnector(source, 'crm');
    await source.execute(act.createConnection('crm_a', 'crm'));
    const snapshot = await source.exportSnapshot();
    const t = open();
    await t.importSnapshot(snapshot);
    const first = await t.read();
    first.state.connectors.delete('crm');
    first.state.connections.clear();
    expect(await t.exportSnapshot()).toEqual(snapshot);
    const second = await t.read();
    expect(second.state.connections.has('crm_a')).toBe(true);
    expect(second.digest).toBe(sha256(canonicalJson(snapshot)));
    // The action is checked against the import, not the changed copy: R-rules see connector crm.
    await t.execute(act.createConnection('crm_b', 'crm'));
    expect((await t.exportSnapshot()).connections.map((c) => c.linkName)).toEqual(['crm_a', 'crm_b']);
  });

  it('a document handed to importSnapshot as it is, then changed by its caller while the import waits or after, changes neither the rows nor what the next action is checked against', async () => {
    const source = open('source.db');
    await readyConnector(source, 'crm');
    await source.execute(act.createConnection('crm_a', 'crm'));
    const exported = await source.exportSnapshot();
    // A plain document, as an HTTP server's body or a program's own object: written as an export writes it.
    const doc = JSON.parse(JSON.stringify(exported)) as typeof exported;
    const t = open();
    const importing = t.importSnapshot(doc);
    // Validated already (before the promise was returned); the store's transaction comes later.
    doc.connections[0]!.name = 'Changed while importing';
    doc.connections[0]!.enabled = false;
    await importing;
    expect(await t.exportSnapshot()).toEqual(exported);
    doc.connections[0]!.name = 'Changed after';
    doc.connections.push({ ...doc.connections[0]!, linkName: 'crm_z' });
    await t.execute(act.createConnection('crm_b', 'crm'));
    expect((await t.exportSnapshot()).connections.map((c) => [c.linkName, c.name, c.enabled])).toEqual([
      ['crm_a', exported.connections[0]!.name, true],
      ['crm_b', 'Connection crm_b', true],
    ]);
  });

  it('journal and lock survive an import', async () => {
    const t = open();
    await t.execute(act.createConnector('crm'), {}, { runId: 'r', actionId: 'a' });
    const lock = await t.acquireLock({ holder: 'me@here', host: 'here', pid: process.pid, operation: 'test' });
    await t.importSnapshot(stateToSnapshot(sample()), { force: true });
    expect(await t.journal('r')).toHaveLength(1);
    expect((await t.currentLock())?.id).toBe(lock.id);
  });
});

describe('openTarget', () => {
  it('opens local:PATH relative to cwd, and names it as given', async () => {
    const t = await openTarget('local:sub/x.db', { cwd: tmp.dir });
    expect(t.name).toBe('local:sub/x.db');
    expect(existsSync(join(tmp.dir, 'sub/x.db'))).toBe(true);
    await t.close();
    const named = await openTarget(`local:${join(tmp.dir, 'y.db')}`, { name: 'staging' });
    expect(named.name).toBe('staging');
    await named.close();
  });

  it('lists the accepted forms for anything else (http(s):// is the HTTP target: test/targets/http.test.ts)', async () => {
    const e = (await openTarget('sqlite:/tmp/x.db').catch((x: unknown) => x)) as UserError;
    expect(e.message).toBe("target 'sqlite:/tmp/x.db' is not a target spec");
    expect(e.details.hint).toMatch(/local:PATH .*http:\/\/HOST:PORT.*https:\/\//);
    await expect(openTarget('local:')).rejects.toThrow(/local: needs a path/);
  });
});
