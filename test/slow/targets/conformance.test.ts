/**
 * The Target contract (src/targets/target.ts), with the same assertions against every
 * implementation: the local target itself, the HTTP target (the real HttpTarget over real
 * HTTP on 127.0.0.1, served by the real server over a real local target), and the PostgreSQL
 * target on a real, throwaway PostgreSQL server (a schema of its own per test). Plan and apply
 * must not be able to tell them apart: same results, same serials and digests, same error
 * classes with the same rule ids and messages.
 *
 * Then the CLI itself (`main`, as bin/connectorops.js runs it) on each of the three stores (issue
 * 19): authorizing per environment and per user, a client-id change revoking each authorization,
 * Connection Access warnings and blocks, a ledger's authorize steps per environment in the GitHub
 * issue's task list (the GitHub stand-in), and the migration of an existing target and of a
 * version 1 snapshot.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TargetError, UserError } from '../../../src/errors.js';
import { canonicalJson, sha256 } from '../../../src/model/canonical.js';
import { HttpTarget } from '../../../src/targets/http/client.js';
import { startServer } from '../../../src/targets/http/server.js';
import type { TargetEngine } from '../../../src/targets/engine/engine.js';
import { LocalTarget } from '../../../src/targets/local/local-target.js';
import { PostgresTarget } from '../../../src/targets/postgres/postgres-target.js';
import { LockHeldError } from '../../../src/targets/lock.js';
import { stateDigest, stateToSnapshot } from '../../../src/targets/snapshot.js';
import type { LockRequest, Target } from '../../../src/targets/target.js';
import { oauth2, state } from '../../support/builders.js';
import { freshSchema, startPostgres, type TestPostgres } from '../../support/postgres-server.mjs';
import { act, secretRefs, tempDir } from '../../support/target.js';
import { main } from '../../../src/cli/main.js';
import { GROUP_LIMIT, defaultConcurrency } from '../../../src/apply/executor.js';
import { memIo } from '../../apply/support.js';
import { ACTIONS_BOT, GitHubStandIn } from '../../support/github-server.js';
import { openSqlite } from '../../support/sqlite.js';

const TOKEN = 'conformance-token-0123456789';

interface Subject {
  /** The target under test. */
  target: Target;
  /** The engine behind it (the same object for `local` and `postgres`): the truth to compare with. */
  store: TargetEngine;
  /** Opens another, empty target of the same kind. */
  another(): Promise<Target>;
  close(): Promise<void>;
}

type Factory = (dir: string) => Promise<Subject>;

const local: Factory = async (dir) => {
  const store = LocalTarget.open(join(dir, 'a.db'), { name: 'local:a.db' });
  const others: LocalTarget[] = [];
  return {
    target: store,
    store,
    async another() {
      const t = LocalTarget.open(join(dir, `other-${others.length}.db`));
      others.push(t);
      return t;
    },
    async close() {
      for (const t of [store, ...others]) await t.close();
    },
  };
};

const http: Factory = async (dir) => {
  const closers: Array<() => Promise<void>> = [];
  const serve = async (file: string) => {
    const store = LocalTarget.open(join(dir, file));
    const running = await startServer({ target: store, token: TOKEN, host: '127.0.0.1', port: 0, log: () => {} });
    const target = new HttpTarget(running.url, { token: TOKEN });
    closers.push(
      () => target.close(),
      () => running.close(),
      () => store.close(),
    );
    return { store, target };
  };
  const { store, target } = await serve('a.db');
  let n = 0;
  return {
    target,
    store,
    async another() {
      return (await serve(`other-${n++}.db`)).target;
    },
    async close() {
      for (const c of closers) await c();
    },
  };
};

let server: TestPostgres | undefined;
beforeAll(async () => {
  server = await startPostgres();
}, 180_000);
afterAll(() => server?.stop());

const postgres: Factory = async () => {
  // Named as from connectorops.yaml: the URL itself would be shell-quoted in the unlock command (its `?`).
  const open = (schema: string) => PostgresTarget.open(server!.target(schema), { create: true, name: 'shared' });
  const store = await open(freshSchema('conformance'));
  const others: PostgresTarget[] = [];
  return {
    target: store,
    store,
    async another() {
      const t = await open(freshSchema('other'));
      others.push(t);
      return t;
    },
    async close() {
      for (const t of [store, ...others]) await t.close();
    },
  };
};

const someoneElse: LockRequest = { holder: 'ci@runner-7', host: 'runner-7.elsewhere.example', pid: 4242, operation: 'apply' };
const me: LockRequest = { holder: 'me@here', host: 'here.example', pid: 1, operation: 'apply' };

describe.each([
  ['local', local],
  ['http', http],
  ['postgres', postgres],
] as const)('the Target contract: %s', (kind, factory) => {
  let tmp: ReturnType<typeof tempDir>;
  let s: Subject;
  let t: Target;

  beforeEach(async () => {
    tmp = tempDir('connectorops-conformance-');
    s = await factory(tmp.dir);
    t = s.target;
  });
  afterEach(async () => {
    await s.close();
    tmp.cleanup();
  });

  /** The serial and the export, to check that a refusal changed nothing. */
  const contents = async () => ({ serial: (await t.read()).serial, snapshot: JSON.stringify(await t.exportSnapshot()) });

  it('group commit (apply hands a target groups only where it says so): the local target only; PostgreSQL and HTTP take one action at a time', async () => {
    expect(t.groupCommit === true).toBe(kind === 'local');
    // (The rest of the default goes by the spec as typed, which these targets are not named by.)
    expect(defaultConcurrency(t.name, t) === GROUP_LIMIT).toBe(kind === 'local');
  });

  it('an empty target: serial 0, the digest of the empty snapshot, no contents', async () => {
    const r = await t.read();
    expect(r.serial).toBe(0);
    expect(r.state.connectors.size + r.state.connections.size).toBe(0);
    expect(r.digest).toBe(stateDigest(r.state));
    expect(await t.exportSnapshot()).toEqual({ formatVersion: 2, connectors: [], connections: [] });
  });

  it('read: the state, serial and digest the local target behind it has', async () => {
    await t.execute(act.createConnector('crm', oauth2(), { secrets: secretRefs('clientSecret') }), { clientSecret: 'crm-s3cret-value' });
    await t.execute(act.markReady('crm'), {});
    await t.execute(act.createConnection('crm_sales', 'crm', ['contacts.read']), {});
    const r = await t.read();
    const truth = await s.store.read();
    expect(r.serial).toBe(3);
    expect(r.serial).toBe(truth.serial);
    expect(r.digest).toBe(truth.digest);
    expect(r.state).toEqual(truth.state);
    expect(r.digest).toBe(sha256(canonicalJson(await t.exportSnapshot())));
    // A copy: changing it changes nothing.
    r.state.connectors.clear();
    expect((await t.read()).state.connectors.size).toBe(1);
  });

  it('fingerprints: in order, under the target’s own key (the one the stored fingerprints use)', async () => {
    expect(await t.fingerprintSecrets([])).toEqual([]);
    const fps = await t.fingerprintSecrets(['one-s3cret', 'two-s3cret', 'one-s3cret']);
    expect(fps).toEqual(await s.store.fingerprintSecrets(['one-s3cret', 'two-s3cret', 'one-s3cret']));
    expect(fps[0]).toBe(fps[2]);
    expect(fps[0]).not.toBe(fps[1]);
    expect(fps[0]).toMatch(new RegExp(`^hmac-sha256:${s.store.fingerprintKeyId}:`));
    await t.execute(act.createConnector('crm', oauth2(), { secrets: secretRefs('clientSecret') }), { clientSecret: 'one-s3cret' });
    expect((await t.read()).state.connectors.get('crm')!.secretFingerprints.clientSecret).toBe(fps[0]);
  });

  it('execute: each committed action bumps the serial by one and returns it', async () => {
    expect((await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' })).serial).toBe(1);
    expect(await t.execute(act.markReady('crm'), {})).toEqual({ serial: 2, revoked: [] });
    expect((await t.execute(act.createConnection('crm_a', 'crm'), {})).serial).toBe(3);
    // A planned action with its bookkeeping fields is accepted as its body.
    await t.execute({ ...act.createConnection('crm_b', 'crm'), id: 'a9', dependsOn: ['a1'], changes: [] } as never, {});
    expect((await t.read()).serial).toBe(4);
  });

  it('a rule refusal: TargetError with the rule id, the same message, and nothing changed', async () => {
    await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' });
    await t.execute(act.markReady('crm'), {});
    await t.execute(act.createConnection('crm_sales', 'crm'), {});
    const before = await contents();
    const e = (await t.execute(act.deleteConnector('crm'), {}).catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.details.rule).toBe('R9');
    expect(e.message).toMatch(/^R9: .*crm_sales.*crm/);
    const direct = (await s.store.execute(act.deleteConnector('crm'), {}).catch((x: unknown) => x)) as TargetError;
    expect(e.message).toBe(direct.message);
    expect(e.details.hint).toBe(direct.details.hint);
    expect(await contents()).toEqual(before);
  });

  it('a malformed action or secret: TargetError (400) naming the field, nothing changed', async () => {
    const before = await contents();
    await expect(t.execute({ op: 'connector.explode', kind: 'Connector', linkName: 'crm' } as never, {})).rejects.toThrow(/^malformed action: op: /);
    await expect(t.execute({ op: 'connection.update', kind: 'Connection', linkName: 'x', set: { connector: 'y' } } as never, {})).rejects.toMatchObject({
      details: { rule: 'R12', status: 400 },
    });
    await expect(t.execute(act.createConnector('crm'), { clientSecret: '' })).rejects.toThrow('the value given for clientSecret is empty or not text');
    await expect(t.execute(act.createConnector('crm'), { notASecret: 'x' } as never)).rejects.toMatchObject({ details: { rule: 'S1', status: 400 } });
    expect(await contents()).toEqual(before);
  });

  it('revocations as the target saw them happen (R5)', async () => {
    await t.execute(act.createConnector('crm', oauth2(), { secrets: secretRefs('clientSecret') }), { clientSecret: 'first-s3cret' });
    await t.execute(act.markReady('crm'), {});
    await t.execute(act.createConnection('crm_sales', 'crm'), {});
    await t.authorize('crm_sales', 'alice');
    const out = await t.execute(act.updateConnector('crm', { secrets: secretRefs('clientSecret') }), { clientSecret: 'second-s3cret' });
    expect(out.revoked).toEqual([{ connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientSecret'], rule: 'R5' }]);
    expect((await t.read()).state.connections.get('crm_sales')!.authorizations).toEqual([]);
  });

  it('authorizations per environment: each environment on its own, R5 revokes each one, deauthorize removes what it names', async () => {
    await t.execute(act.createConnector('crm', oauth2(), { secrets: secretRefs('clientSecret') }), { clientSecret: 'first-s3cret' });
    await t.execute(act.markReady('crm'), {});
    await t.execute(act.createConnection('crm_sales', 'crm', [], 'CRM sales', { sameAuthorizationForAllEnvironments: false }), {});
    // A connection with one authorization per environment needs its environment (R18), nothing changed.
    const before = await contents();
    await expect(t.authorize('crm_sales', 'alice')).rejects.toMatchObject({ details: { rule: 'R18' } });
    await expect(t.authorize('crm_sales', 'alice', undefined, { environment: 'production', user: 'alice' })).rejects.toThrow(/admin connection/);
    expect(await contents()).toEqual(before);
    await t.authorize('crm_sales', 'bob', undefined, { environment: 'stage' });
    await t.authorize('crm_sales', 'alice', undefined, { environment: 'production' });
    expect((await t.read()).state.connections.get('crm_sales')!.authorizations).toEqual([
      { environment: 'stage', account: 'bob' },
      { environment: 'production', account: 'alice' },
    ]);
    // A client-secret change revokes both, one entry each.
    const out = await t.execute(act.updateConnector('crm', { secrets: secretRefs('clientSecret') }), { clientSecret: 'second-s3cret' });
    expect(out.revoked).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'stage', account: 'bob', cause: ['clientSecret'], rule: 'R5' },
      { connection: 'crm_sales', connector: 'crm', environment: 'production', account: 'alice', cause: ['clientSecret'], rule: 'R5' },
    ]);
    await t.authorize('crm_sales', 'alice', undefined, { environment: 'production' });
    await t.authorize('crm_sales', 'bob', undefined, { environment: 'stage' });
    expect(await t.deauthorize('crm_sales', { environment: 'stage' })).toEqual([{ environment: 'stage', account: 'bob' }]);
    expect((await t.read()).state.connections.get('crm_sales')!.authorizations).toEqual([{ environment: 'production', account: 'alice' }]);
    await expect(t.deauthorize('crm_sales', { environment: 'development' })).rejects.toThrow(
      "connection 'crm_sales' holds no authorization for environment 'development'",
    );
    // On a ledger it is journaled (the audit trail of target deauthorize), once: a second send of one id is refused.
    const journal = { runId: 'ledger', actionId: 'deauthorize-1', by: 'trent', note: 'environment production' };
    expect(await t.deauthorize('crm_sales', { environment: 'production' }, journal)).toEqual([{ environment: 'production', account: 'alice' }]);
    expect((await t.journal('ledger')).map((e) => [e.op, e.linkName, e.status, e.by, e.note])).toEqual([
      ['connection.deauthorize', 'crm_sales', 'done', 'trent', 'environment production'],
    ]);
    await t.authorize('crm_sales', 'alice', undefined, { environment: 'production' });
    await expect(t.deauthorize('crm_sales', { environment: 'production' }, journal)).rejects.toThrow(/already done/);
    // A connection that holds nothing: the hint says there is nothing to record, not the error again.
    await t.deauthorize('crm_sales', { environment: 'production' });
    await expect(t.deauthorize('crm_sales', { environment: 'production' })).rejects.toMatchObject({
      details: { hint: 'nothing to record: it is not authorized at all (target export shows what each connection holds)' },
    });
  });

  it('a logged-in user connection: one authorization per user; R13 revokes every user, each listed with the users known', async () => {
    await t.execute(act.createConnector('crm', oauth2(), { secrets: secretRefs('clientSecret') }), { clientSecret: 'first-s3cret' });
    await t.execute(act.markReady('crm'), {});
    await t.execute(act.createConnection('crm_team', 'crm', ['contacts.read'], 'CRM team', { authorizationOwner: 'user' }), {});
    await expect(t.authorize('crm_team', 'x')).rejects.toThrow(/logged-in user connection: name the user/);
    await t.authorize('crm_team', 'bob@acme.example', undefined, { user: 'bob' });
    await t.authorize('crm_team', 'carol@acme.example', undefined, { user: 'carol' });
    const out = await t.execute(act.updateConnection('crm_team', { scopes: ['contacts.write'] }), {});
    const users = { everyUser: true, users: ['bob', 'carol'] };
    expect(out.revoked).toEqual([
      { connection: 'crm_team', connector: 'crm', environment: 'all', account: 'bob@acme.example', user: 'bob', cause: ['scopes'], rule: 'R13', ...users },
      { connection: 'crm_team', connector: 'crm', environment: 'all', account: 'carol@acme.example', user: 'carol', cause: ['scopes'], rule: 'R13', ...users },
    ]);
    // A deactivated user: Creator revokes that user's authorizations.
    await t.authorize('crm_team', 'bob@acme.example', undefined, { user: 'bob' });
    expect(await t.deauthorize('crm_team', { user: 'bob' })).toEqual([{ environment: 'all', account: 'bob@acme.example', user: 'bob' }]);
    expect((await t.read()).state.connections.get('crm_team')!.authorizations).toEqual([]);
  });

  it('the journal: pending → done with the serial, failed with the error, in order; done is never done twice', async () => {
    await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' }, { runId: 'r1', actionId: 'a1' });
    await expect(t.execute(act.deleteConnector('ghost'), {}, { runId: 'r1', actionId: 'a2' })).rejects.toMatchObject({ details: { rule: 'exists' } });
    await t.execute(act.markReady('crm'), {}, { runId: 'r1', actionId: 'a3' });
    const entries = await t.journal('r1');
    expect(entries.map((e) => [e.actionId, e.op, e.linkName, e.status, e.serial])).toEqual([
      ['a1', 'connector.create', 'crm', 'done', 1],
      ['a2', 'connector.delete', 'ghost', 'failed', null],
      ['a3', 'connector.markReady', 'crm', 'done', 2],
    ]);
    expect(entries[1]!.error).toBe("exists: connector 'ghost' does not exist");
    expect('error' in entries[0]!).toBe(false);
    expect(entries).toEqual(await s.store.journal('r1'));
    // Done is never done twice. The local target refuses the repeat; over HTTP, where a repeat is
    // how a client recovers a lost answer, the server answers it with the first result (issue 8).
    const repeat = t.execute(act.markReady('crm'), {}, { runId: 'r1', actionId: 'a3' });
    // Over HTTP a repeat is answered with the first result (idempotent actions); a store refuses it.
    if (kind !== 'http') await expect(repeat).rejects.toThrow(/already done by a run at .* \(serial 2\)/);
    else expect(await repeat).toEqual({ serial: 2, revoked: [] });
    expect((await t.read()).serial).toBe(2);
    expect(await t.journal('no such run')).toEqual([]);
  });

  it('the lock: taken, refused to another with a LockHeldError naming the holder and the unlock command for this target', async () => {
    const held = await s.store.acquireLock(someoneElse);
    const e = (await t.acquireLock(me, { timeoutMs: 0 }).catch((x: unknown) => x)) as LockHeldError;
    expect(e).toBeInstanceOf(LockHeldError);
    expect(e).toBeInstanceOf(UserError);
    expect(e.lock).toEqual(held);
    expect(e.target).toBe(t.name);
    expect(e.message).toBe(`target ${t.name} is locked by ci@runner-7 (pid 4242) since ${held.startedAt}, for apply (lock ${held.id})`);
    expect(e.details.hint).toContain(`connectorops unlock ${held.id} --target ${t.name}`);

    expect(await t.forceUnlock('00000000')).toBe(false);
    expect(await t.forceUnlock(held.id)).toBe(true);
    const mine = await t.acquireLock(me, { timeoutMs: 0 });
    expect(mine).toMatchObject({ ...me, id: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(mine.tookOverFrom).toBeUndefined();
    expect((await s.store.currentLock())?.id).toBe(mine.id);
    await t.releaseLock('ffffffff'); // someone else's id: nothing happens
    expect((await s.store.currentLock())?.id).toBe(mine.id);
    await t.releaseLock(mine.id);
    expect(await s.store.currentLock()).toBeNull();
  });

  it('the lock: a waiting acquire gets it as soon as the holder lets go', async () => {
    const held = await s.store.acquireLock(someoneElse);
    const waiting = t.acquireLock(me, { timeoutMs: 60_000 });
    await s.store.releaseLock(held.id);
    const got = await waiting;
    expect(got.holder).toBe('me@here');
    expect((await s.store.currentLock())?.id).toBe(got.id);
  });

  it('export → import into another target → export is identical; the serial is bumped, never reset', async () => {
    const sample = state()
      .connector('crm')
      .connector('keyed', { authentication: { type: 'apiKey', parameters: [{ parameterKey: 'X-Key', addTo: 'header' }] } })
      .connection('crm_sales', 'crm', { scopes: ['contacts.read'], authorizations: [{ environment: 'all', account: 'alice' }] })
      .build();
    await t.importSnapshot(stateToSnapshot(sample));
    const exported = await t.exportSnapshot();
    expect(exported).toEqual(stateToSnapshot(sample));
    expect(JSON.stringify(exported)).toBe(JSON.stringify(await s.store.exportSnapshot()));
    const other = await s.another();
    await other.importSnapshot(exported);
    expect(JSON.stringify(await other.exportSnapshot())).toBe(JSON.stringify(exported));
    expect((await other.read()).serial).toBe(1);
    expect((await other.read()).digest).toBe((await t.read()).digest);
  });

  it('import refuses a non-empty target without force (UserError, nothing changed), replaces it with force', async () => {
    await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' });
    const before = await contents();
    const e = (await t.importSnapshot(stateToSnapshot(state().connector('other').build())).catch((x: unknown) => x)) as UserError;
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/is not empty \(1 connector, 0 connections\); nothing was imported/);
    expect(e.details.hint).toMatch(/--force/);
    expect(await contents()).toEqual(before);
    await t.importSnapshot(stateToSnapshot(state().connector('other').build()), { force: true });
    const after = await t.read();
    expect([...after.state.connectors.keys()]).toEqual(['other']);
    expect(after.serial).toBe(before.serial + 1);
  });

  it('import refuses a snapshot that breaks rules, listing each with its rule id (UserError), nothing changed', async () => {
    const bad = stateToSnapshot(state().connector('crm', { stage: 'draft' }).connection('crm_sales', 'crm').build());
    const e = (await t.importSnapshot(bad).catch((x: unknown) => x)) as UserError;
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/^the snapshot has 1 rule violation; nothing was imported:\n {2}- R6: /);
    expect((await t.read()).serial).toBe(0);
  });

  it('authorize: the connection becomes authorized; an unknown one is 404, a disabled one R11', async () => {
    await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' });
    await t.execute(act.markReady('crm'), {});
    await t.execute(act.createConnection('crm_sales', 'crm'), {});
    await t.authorize('crm_sales', ' alice ');
    const r = await t.read();
    expect(r.state.connections.get('crm_sales')!.authorizations).toEqual([{ environment: 'all', account: 'alice' }]);
    await t.authorize('crm_sales', 'alice');
    expect((await t.read()).serial).toBe(r.serial);
    await expect(t.authorize('ghost', 'alice')).rejects.toMatchObject({ name: 'TargetError', details: { status: 404 } });
    await expect(t.authorize('crm_sales', '')).rejects.toMatchObject({ name: 'TargetError', details: { status: 400 } });
    await t.execute(act.disableConnection('crm_sales'), {});
    await expect(t.authorize('crm_sales', 'bob')).rejects.toMatchObject({ name: 'TargetError', details: { rule: 'R11' } });
  });

  it('mode: simulated until initialized; init records mode and account once, on an empty target only', async () => {
    expect(await t.info()).toEqual({ mode: 'simulated', account: null, initialized: false });
    await t.initialize('ledger', 'Acme (EU)');
    expect(await t.info()).toEqual({ mode: 'ledger', account: 'Acme (EU)', initialized: true });
    await t.initialize('ledger', 'Acme (EU)'); // the same again changes nothing
    await expect(t.initialize('simulated', null)).rejects.toMatchObject({
      name: 'UserError',
      message: expect.stringContaining('is already a ledger target for Acme (EU)'),
    });
    expect(await s.store.info()).toEqual({ mode: 'ledger', account: 'Acme (EU)', initialized: true });

    const other = await s.another();
    await other.execute(act.createConnector('crm'), {});
    await expect(other.initialize('ledger', null)).rejects.toMatchObject({ name: 'UserError', message: expect.stringContaining('is not empty') });
    expect((await other.info()).initialized).toBe(false);
  });

  it('rollouts: at most one open; steps journaled with who and the note; closed with an event; the log keeps all', async () => {
    expect(await t.currentRollout()).toBeNull();
    expect(await t.rollouts()).toEqual([]);
    const opened = { type: 'opened' as const, by: 'alice', at: '2026-11-30T10:00:00.000Z' };
    const document = { formatVersion: 1, id: 'r-1', anything: ['the', { target: 'stores it as it is' }] };
    await t.openRollout('r-1', document, opened);
    expect(await t.currentRollout()).toEqual({ id: 'r-1', document, open: true, events: [opened] });
    await expect(t.openRollout('r-2', {}, opened)).rejects.toMatchObject({
      name: 'TargetError',
      details: { status: 409 },
      message: expect.stringContaining('already has an open rollout (r-1)'),
    });

    await t.execute(act.createConnector('crm'), { clientSecret: 's3cret-one' }, { runId: 'r-1', actionId: 'a1', by: 'bob', note: 'clicked "Save"' });
    await t.execute(act.markReady('crm'), {}, { runId: 'r-1', actionId: 'a2', by: 'bob' });
    await t.execute(act.createConnection('crm_sales', 'crm'), {}, { runId: 'r-1', actionId: 'a3', by: 'bob' });
    await t.authorize('crm_sales', 'carol', { runId: 'r-1', actionId: 'auth1', by: 'carol' });
    const journal = await t.journal('r-1');
    expect(journal.map((e) => [e.actionId, e.op, e.status, e.by, e.note])).toEqual([
      ['a1', 'connector.create', 'done', 'bob', 'clicked "Save"'],
      ['a2', 'connector.markReady', 'done', 'bob', undefined],
      ['a3', 'connection.create', 'done', 'bob', undefined],
      ['auth1', 'connection.authorize', 'done', 'carol', undefined],
    ]);
    expect(journal.map((e) => e.serial)).toEqual([1, 2, 3, 4]);
    expect(journal).toEqual(await s.store.journal('r-1'));
    // An authorization that breaks a rule is journaled failed, and changes nothing.
    await t.execute(act.disableConnection('crm_sales'), {});
    await expect(t.authorize('crm_sales', 'dave', { runId: 'r-1', actionId: 'auth2', by: 'dave' })).rejects.toMatchObject({ details: { rule: 'R11' } });
    expect((await t.journal('r-1')).at(-1)).toMatchObject({ actionId: 'auth2', status: 'failed', by: 'dave' });

    const closed = { type: 'closed' as const, by: 'carol', at: '2026-11-30T11:00:00.000Z', note: 'all done' };
    await expect(t.closeRollout('r-9', closed)).rejects.toMatchObject({ name: 'TargetError', details: { status: 409 } });
    await t.closeRollout('r-1', closed);
    expect(await t.currentRollout()).toBeNull();
    await expect(t.closeRollout('r-1', closed)).rejects.toMatchObject({ details: { status: 409 } });
    await t.openRollout('r-2', { formatVersion: 1 }, opened);
    expect(await t.rollouts()).toEqual([
      { id: 'r-1', document, open: false, events: [opened, closed] },
      { id: 'r-2', document: { formatVersion: 1 }, open: true, events: [opened] },
    ]);
    expect(await t.rollouts()).toEqual(await s.store.rollouts());
  });

  it('a closed target refuses every call with a TargetError', async () => {
    await t.close();
    await expect(t.read()).rejects.toThrow(/is closed/);
    await expect(t.execute(act.createConnector('crm'), {})).rejects.toBeInstanceOf(TargetError);
    await t.close(); // twice is harmless
  });
});

// ─── Through the CLI (issue 19): authorizations per environment and per user, on every store ──────

/**
 * A store as the CLI reaches it: `--target` and the variables it needs (the HTTP token), and a
 * way back in time: `toOldFormat` rewrites what it holds as connectorops wrote it before
 * authorizations per environment (one `authorization` per connection: SQLite schema 2, PostgreSQL
 * step 3), so that the next CLI run meets an existing target of that format.
 */
interface CliStore {
  target(): string;
  env: NodeJS.ProcessEnv;
  toOldFormat(): Promise<void>;
  close(): Promise<void>;
}

/** A connection body as schema 2 / step 3 wrote it (shared admin connections only: all there was). */
function oldConnectionBody(body: string): string {
  const {
    authorizationOwner: _o,
    sameAuthorizationForAllEnvironments: _s,
    access: _a,
    authorizations,
    ...rest
  } = JSON.parse(body) as Record<string, unknown> & {
    authorizations: Array<{ account: string }>;
  };
  const [first] = authorizations;
  return JSON.stringify({ ...rest, authorization: first ? { status: 'authorized', account: first.account } : { status: 'unauthorized' } });
}

function oldSqliteFile(file: string): void {
  const db = openSqlite(file);
  try {
    const rows = db.prepare('SELECT link_name, body FROM connections').all() as Array<{ link_name: string; body: string }>;
    for (const r of rows) db.prepare('UPDATE connections SET body = ? WHERE link_name = ?').run(oldConnectionBody(r.body), r.link_name);
    db.exec("UPDATE meta SET value = 2 WHERE key = 'schema_version'");
  } finally {
    db.close();
  }
}

const cliStores: Record<'local' | 'http' | 'postgres', (dir: string) => Promise<CliStore>> = {
  async local(dir) {
    const file = join(dir, 'acct.db');
    return { target: () => `local:${file}`, env: {}, toOldFormat: async () => oldSqliteFile(file), close: async () => {} };
  },
  async http(dir) {
    const file = join(dir, 'acct.db');
    let store: LocalTarget;
    let running: Awaited<ReturnType<typeof startServer>>;
    const serve = async () => {
      store = LocalTarget.open(file, { name: 'local:acct.db' });
      running = await startServer({ target: store, token: TOKEN, host: '127.0.0.1', port: 0, log: () => {} });
    };
    const stop = async () => {
      await running.close();
      await store.close();
    };
    await serve();
    return {
      target: () => running.url,
      env: { CONNECTOROPS_TOKEN: TOKEN },
      // The file behind the server is rewritten while nothing holds it, then served again.
      async toOldFormat() {
        await stop();
        oldSqliteFile(file);
        await serve();
      },
      close: stop,
    };
  },
  async postgres() {
    const schema = freshSchema('cli');
    const admin = new pg.Client({ connectionString: server!.url });
    await admin.connect();
    return {
      target: () => server!.target(schema),
      env: {},
      async toOldFormat() {
        const { rows } = await admin.query<{ link_name: string; body: string }>(`SELECT link_name, body FROM ${schema}.connections`);
        for (const r of rows) await admin.query(`UPDATE ${schema}.connections SET body = $1 WHERE link_name = $2`, [oldConnectionBody(r.body), r.link_name]);
        await admin.query(`UPDATE ${schema}.schema_version SET version = 3`);
      },
      close: () => admin.end(),
    };
  },
};

const CRM_SECRET = 'crm-s3cret-never-shown-19';
const GH_TOKEN = 'ghs_conformanceTokenNeverPrinted19';
const REPO = 'acme/infra';

/**
 * The project: connector crm, connection crm_sales with one authorization per environment and
 * Connection Access, crm_team a logged-in user connection; code in billing (which has access)
 * and in reports (which has not) calls crm_sales. `plain`: one shared admin connection only.
 */
function writeProject(dir: string, options: { clientId?: string; access?: string[]; plain?: boolean } = {}): void {
  const files: Record<string, string> = {
    'connectorops.yaml': options.plain ? '' : "environments: [development, stage, production]\nusages:\n  from: ['apps/**/*.ds']\n",
    'connectors/crm.yaml': [
      'kind: Connector',
      'linkName: crm',
      'name: Acme CRM',
      'stage: ready',
      'authentication:',
      '  type: oauth2',
      '  grantType: authorization_code',
      `  clientId: ${options.clientId ?? '1000.FIRST'}`,
      '  clientSecret: { fromEnv: CRM_CLIENT_SECRET }',
      '  authorizeUrl: https://accounts.acme.example/oauth/authorize',
      '  accessTokenUrl: https://accounts.acme.example/oauth/token',
      '  scopes: [contacts.read]',
      '',
    ].join('\n'),
    'connections/crm.yaml': options.plain
      ? 'kind: Connection\nlinkName: crm_sales\nname: CRM sales\nconnector: crm\nscopes: [contacts.read]\n'
      : [
          'kind: Connection',
          'linkName: crm_sales',
          'name: CRM sales',
          'connector: crm',
          'scopes: [contacts.read]',
          'sameAuthorizationForAllEnvironments: false',
          `access: [${(options.access ?? ['sales', 'billing']).join(', ')}]`,
          '---',
          'kind: Connection',
          'linkName: crm_team',
          'name: CRM team',
          'connector: crm',
          'scopes: [contacts.read]',
          'authorizationOwner: user',
          '',
        ].join('\n'),
  };
  if (!options.plain) {
    const app = (name: string) => `application "${name}"\n{\n\tfunctions\n\t{\n\t\tvoid f()\n\t\t{\n\t\t\tinvokeurl [ connection:"crm_sales" ];\n\t\t}\n\t}\n}\n`;
    files['apps/billing.ds'] = app('billing');
    files['apps/reports.ds'] = app('reports');
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

interface PlanJson {
  actions: Array<{ op: string; linkName: string }>;
  revokedAuthorizations: Array<{ connection: string; environment: string; account: string; user?: string; rule: string; everyUser?: true; users?: string[] }>;
  needsAuthorization: string[];
  authorizationsNeeded: Array<{ connection: string; environment: string; account?: string; everyUser?: true; users?: string[] }>;
  blocked: Array<{ linkName: string; rule: string; usages?: Array<{ app: string; file?: string }> }>;
  warnings: Array<{ code: string; message: string }>;
}

describe.each(['local', 'http', 'postgres'] as const)('the CLI, authorizations per environment and per user: %s', (kind) => {
  let tmp: ReturnType<typeof tempDir>;
  let store: CliStore;
  let gh: GitHubStandIn;

  beforeEach(async () => {
    tmp = tempDir('connectorops-conformance-cli-');
    store = await cliStores[kind](tmp.dir);
    gh = await GitHubStandIn.start();
    gh.addToken(GH_TOKEN, ACTIONS_BOT).setPermission('alice', 'write');
  });
  afterEach(async () => {
    await gh.close();
    await store.close();
    tmp.cleanup();
  });

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const env = { NO_COLOR: '1', USER: 'ops', CRM_CLIENT_SECRET: CRM_SECRET, GITHUB_TOKEN: GH_TOKEN, GITHUB_API_URL: gh.url, ...store.env };
    const io = memIo(tmp.dir, env);
    const code = await main([...args, '--target', store.target()], io);
    const out = { code, out: io.out(), err: io.err() };
    // Secrets never in any output.
    for (const secret of [CRM_SECRET, GH_TOKEN, TOKEN]) expect(out.out + out.err).not.toContain(secret);
    return out;
  }
  async function ok(args: string[]): Promise<string> {
    const r = await cli(args);
    expect(r.code, `${args.join(' ')}\n${r.out}\n${r.err}`).toBe(0);
    return r.out;
  }
  const plan = async () => JSON.parse(await ok(['plan', '--json'])) as PlanJson;
  const exported = async () => JSON.parse(await ok(['target', 'export'])) as { formatVersion: number; connections: Array<Record<string, unknown>> };
  const authorizationsOf = async (link: string) => (await exported()).connections.find((c) => c.linkName === link)!.authorizations;

  it('authorizes per environment and per user, names what a partly authorized connection lacks, revokes each on a client-id change, and warns or blocks on Connection Access', async () => {
    writeProject(tmp.dir);
    await ok(['apply', '--auto-approve']);
    let p = await plan();
    expect(p.actions).toEqual([]);
    // Nothing authorized yet: each environment of crm_sales; crm_team's users authorize on first use.
    expect(p.authorizationsNeeded).toEqual([
      { connection: 'crm_sales', environment: 'development' },
      { connection: 'crm_sales', environment: 'stage' },
      { connection: 'crm_sales', environment: 'production' },
    ]);
    // A1: reports calls crm_sales without Connection Access: a warning at the call.
    expect(p.warnings.filter((w) => w.code === 'A1').map((w) => w.message)).toEqual([
      expect.stringMatching(
        /^apps\/reports\.ds:7:\d+: application 'reports' calls connection 'crm_sales' .*not in its Connection Access .*the call will fail at run time \(A1\)$/,
      ),
    ]);

    // Separate authorizations need --environment; the error lists what the connection lacks.
    const bare = await cli(['target', 'authorize', 'crm_sales', '--account', 'bob']);
    expect(bare.code).toBe(1);
    expect(bare.err).toContain('it still lacks development, stage, production');
    await ok(['target', 'authorize', 'crm_sales', '--account', 'bob', '--environment', 'stage']);
    await ok(['target', 'authorize', 'crm_sales', '--account', 'alice', '--environment', 'production']);
    expect((await cli(['target', 'authorize', 'crm_sales', '--account', 'z', '--environment', 'development', '--user', 'zed'])).err).toMatch(/admin connection/);
    // A logged-in user connection needs --user.
    const noUser = await cli(['target', 'authorize', 'crm_team', '--account', 'bob@acme.example']);
    expect(noUser.code).toBe(1);
    expect(noUser.err).toMatch(/logged-in user connection/);
    await ok(['target', 'authorize', 'crm_team', '--account', 'bob@acme.example', '--user', 'bob']);
    await ok(['target', 'authorize', 'crm_team', '--account', 'carol@acme.example', '--user', 'carol']);
    expect(await authorizationsOf('crm_sales')).toEqual([
      { environment: 'stage', account: 'bob' },
      { environment: 'production', account: 'alice' },
    ]);

    // Authorized in stage and production, not development: the plan names it and development.
    p = await plan();
    expect(p.needsAuthorization).toEqual(['crm_sales']);
    expect(p.authorizationsNeeded).toEqual([{ connection: 'crm_sales', environment: 'development' }]);
    expect(await ok(['plan'])).toContain("crm_sales — authorize as the connection's owner in development [R11]");

    // A client-id change revokes every authorization: one entry each, every user of crm_team.
    writeProject(tmp.dir, { clientId: '1000.SECOND' });
    p = await plan();
    const users = { everyUser: true, users: ['bob', 'carol'] };
    expect(
      p.revokedAuthorizations.map(({ connection, environment, account, user, rule, everyUser, users }) => ({
        connection,
        environment,
        account,
        user,
        rule,
        everyUser,
        users,
      })),
    ).toEqual([
      { connection: 'crm_sales', environment: 'stage', account: 'bob', user: undefined, rule: 'R5', everyUser: undefined, users: undefined },
      { connection: 'crm_sales', environment: 'production', account: 'alice', user: undefined, rule: 'R5', everyUser: undefined, users: undefined },
      { connection: 'crm_team', environment: 'all', account: 'bob@acme.example', user: 'bob', rule: 'R5', ...users },
      { connection: 'crm_team', environment: 'all', account: 'carol@acme.example', user: 'carol', rule: 'R5', ...users },
    ]);
    expect(p.authorizationsNeeded).toEqual([
      { connection: 'crm_sales', environment: 'development' },
      { connection: 'crm_sales', environment: 'stage', account: 'bob' },
      { connection: 'crm_sales', environment: 'production', account: 'alice' },
      { connection: 'crm_team', environment: 'all', ...users },
    ]);
    const text = await ok(['plan']);
    expect(text).toContain('4 authorizations will be revoked');
    expect(text).toContain('every user of the connection must authorize again (the users the target knows: bob, carol)');
    await ok(['apply', '--auto-approve']);
    expect(await authorizationsOf('crm_sales')).toEqual([]);
    expect(await authorizationsOf('crm_team')).toEqual([]);

    // A2: billing loses access while its code calls crm_sales: blocked, the call listed.
    writeProject(tmp.dir, { clientId: '1000.SECOND', access: ['sales'] });
    const blocked = await cli(['plan', '--json']);
    expect(blocked.code).toBe(1);
    expect((JSON.parse(blocked.out) as PlanJson).blocked).toMatchObject([{ linkName: 'crm_sales', rule: 'A2', usages: [{ app: 'billing', file: 'apps/billing.ds' }] }]);
  });

  it('on a ledger: one authorize step per environment and one announce step for the user connection, in the GitHub issue’s task list; ticked, each environment is recorded', async () => {
    writeProject(tmp.dir);
    await ok(['target', 'init', '--mode', 'ledger', '--account', 'Acme']);
    await ok(['apply', '--auto-approve']);
    const status = JSON.parse(await ok(['rollout', '--format', 'json'])) as { steps: Array<{ kind: string; title: string }> };
    expect(status.steps.filter((s) => s.kind === 'authorize').map((s) => s.title)).toEqual([
      'authorize connection "crm_sales" in development (by the connection\'s owner)',
      'authorize connection "crm_sales" in stage (by the connection\'s owner)',
      'authorize connection "crm_sales" in production (by the connection\'s owner)',
      'users must each authorize connection "crm_team" (announce it to them)',
    ]);

    const created = await cli(['rollout', 'issue', '--repo', REPO]);
    expect(created.code, created.err).toBe(0);
    const body = gh.issues(REPO)[0]!.body;
    const items = body.split('\n').filter((l) => /^- \[ \] \*\*\w+\*\* (authorize|users must)/.test(l));
    expect(items.map((l) => l.replace(/^- \[ \] \*\*\w+\*\* /, '').replace(/ · after .*$/, ''))).toEqual([
      'authorize connection "crm\\_sales" in development (by the connection\'s owner)',
      'authorize connection "crm\\_sales" in stage (by the connection\'s owner)',
      'authorize connection "crm\\_sales" in production (by the connection\'s owner)',
      'users must each authorize connection "crm\\_team" (announce it to them)',
    ]);
    // Each environment's step says, in Creator's words, where to authorize: Reuse or Link New Account.
    for (const env of ['Development', 'Stage', 'Production']) {
      expect(body).toContain(`Authorize new connection "crm_sales" in ${env} as the connection's owner [R11].`);
      expect(body).toContain(`(link name "crm_sales") › ${env}: Reuse an account already authorized, or Link New Account`);
    }
    expect(body).toContain('Tell every user of connection "crm_team" to authorize it, each for themselves [R11].');
    expect(body).toContain('Why: a logged-in user connection: each user authorizes it on first use.');
    expect(body).toContain('Done when: the users were told (confirm this step once it is announced).');

    // Every box ticked by alice: recorded in order; the rollout closes, each environment authorized.
    gh.editIssue(REPO, 1, (b) => b.replace(/- \[ \] \*\*/g, '- [x] **'));
    const synced = await cli(['rollout', 'sync', '--issue', '1', '--repo', REPO, '--actor', 'alice']);
    expect(synced.code, synced.err).toBe(0);
    expect(gh.issues(REPO)[0]!.state).toBe('closed');
    expect(await authorizationsOf('crm_sales')).toEqual([
      { environment: 'development', account: 'alice' },
      { environment: 'stage', account: 'alice' },
      { environment: 'production', account: 'alice' },
    ]);
    expect(await authorizationsOf('crm_team')).toEqual([]);
    expect(await plan()).toMatchObject({ actions: [], needsAuthorization: [] });

    // Someone revokes Stage's in Creator: the ledger says so, and the next plan asks for Stage again.
    expect(await ok(['target', 'deauthorize', 'crm_sales', '--environment', 'stage', '--by', 'trent'])).toContain("connection 'crm_sales' lost 1 authorization");
    const p = await plan();
    expect(p).toMatchObject({ actions: [], needsAuthorization: ['crm_sales'] });
    expect(p.authorizationsNeeded).toEqual([{ connection: 'crm_sales', environment: 'stage' }]);
  });

  it('target adopt takes LINK@ENV=ACCOUNT; the environments still lacking get a rollout step each, and done, the plan is empty', async () => {
    writeProject(tmp.dir);
    const refused = await cli(['target', 'adopt', '--authorized', 'crm_sales=alice']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('give one --authorized crm_sales@ENV=ACCOUNT per environment');
    // Refused before the target is opened: nothing was created (the HTTP server's file exists already).
    if (kind !== 'http') expect((await cli(['target', 'export'])).err).toContain('does not exist yet');
    // A new target on every store, a PostgreSQL schema too: adopt creates it.
    const adopted = await ok(['target', 'adopt', '--authorized', 'crm_sales@production=alice']);
    expect(adopted).toMatch(/^Unauthorized: "?crm_sales"? \(development, stage\) \(pass --authorized/m);
    expect(await authorizationsOf('crm_sales')).toEqual([{ environment: 'production', account: 'alice' }]);
    const p = await plan();
    expect(p).toMatchObject({ actions: [], needsAuthorization: ['crm_sales'] });
    expect(p.authorizationsNeeded).toEqual([
      { connection: 'crm_sales', environment: 'development' },
      { connection: 'crm_sales', environment: 'stage' },
    ]);
    await ok(['apply', '--auto-approve']);
    const status = JSON.parse(await ok(['rollout', '--format', 'json'])) as { steps: Array<{ id: string; title: string }> };
    expect(status.steps.map((s) => s.title)).toEqual([
      'authorize connection "crm_sales" in development (by the connection\'s owner)',
      'authorize connection "crm_sales" in stage (by the connection\'s owner)',
    ]);
    await ok(['rollout', 'done', ...status.steps.map((s) => s.id), '--by', 'dana']);
    expect((await authorizationsOf('crm_sales')) as unknown[]).toHaveLength(3);
    expect(await plan()).toMatchObject({ actions: [], needsAuthorization: [] });
  });

  it('an existing target of the format before, and a version 1 snapshot: one authorization becomes one for all environments', async () => {
    writeProject(tmp.dir, { plain: true });
    await ok(['apply', '--auto-approve']);
    await ok(['target', 'authorize', 'crm_sales', '--account', 'alice']);
    const now = await exported();
    await store.toOldFormat();

    // The next CLI run meets the old format, and reads it as today's.
    const migrated = await exported();
    expect(migrated).toEqual(now);
    expect(migrated.connections[0]).toMatchObject({
      authorizationOwner: 'admin',
      sameAuthorizationForAllEnvironments: true,
      authorizations: [{ environment: 'all', account: 'alice' }],
    });
    expect(await plan()).toMatchObject({ actions: [], needsAuthorization: [] });
    writeProject(tmp.dir, { plain: true, clientId: '1000.SECOND' });
    expect((await plan()).revokedAuthorizations).toMatchObject([{ connection: 'crm_sales', environment: 'all', account: 'alice', rule: 'R5' }]);

    // A snapshot of formatVersion 1 still imports, its one authorization for all environments.
    const v1 = {
      ...now,
      formatVersion: 1,
      connections: now.connections.map(({ authorizationOwner: _o, sameAuthorizationForAllEnvironments: _s, authorizations, ...c }) => ({
        ...c,
        authorization: (authorizations as unknown[]).length ? { status: 'authorized', account: 'alice' } : { status: 'unauthorized' },
      })),
    };
    writeFileSync(join(tmp.dir, 'v1.json'), JSON.stringify(v1));
    await ok(['target', 'import', 'v1.json', '--force']);
    expect((await exported()).connections).toEqual(now.connections);
  });
});
