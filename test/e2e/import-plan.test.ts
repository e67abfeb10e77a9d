/**
 * Bringing an existing account under Git (issue: embedded target): `connectorops import` writes
 * manifests for what a target holds; a plan of those manifests, with the secrets' variables set,
 * is empty and revokes nothing. Real CLI, real SQLite target, the repository's own examples.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { ROOT } from '../support/dist.js';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('connectorops-import-plan-');
});
afterEach(() => tmp.cleanup());

const SECRETS = { CRM_CLIENT_SECRET: 'crm-value-1', BILLING_CLIENT_SECRET: 'billing-value-1', LEGACY_ERP_CONSUMER_SECRET: 'erp-value-1' };
const BASE_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1' };
const T = ['--target', 'local:acct.db'];

const cli = (args: string[], env: NodeJS.ProcessEnv = { ...BASE_ENV, ...SECRETS }): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env });

/** The examples of this repository, applied to a fresh target, two connections authorized. */
async function accountFromExamples(): Promise<void> {
  cpSync(join(ROOT, 'connectors'), join(tmp.dir, 'examples/connectors'), { recursive: true });
  cpSync(join(ROOT, 'connections'), join(tmp.dir, 'examples/connections'), { recursive: true });
  expect((await cli(['apply', '--dir', 'examples', ...T, '--auto-approve'])).code).toBe(0);
  expect((await cli(['target', 'authorize', 'crm_sales', '--account', 'alice', ...T])).code).toBe(0);
  expect((await cli(['target', 'authorize', 'billing_finance', '--account', 'finance-bot', ...T])).code).toBe(0);
}

describe('import, then plan', () => {
  it('gives an empty plan that revokes nothing when the secrets are set (exit 0 with --detailed-exitcode)', async () => {
    await accountFromExamples();
    const imported = await cli(['import', ...T, '--out', 'repo']);
    expect(imported.code).toBe(0);
    // It tells the user which variables to set: the ones the plan needs.
    for (const name of Object.keys(SECRETS)) expect(imported.stdout + imported.stderr).toContain(name);

    const plan = await cli(['plan', '--dir', 'repo', ...T, '--json', '--detailed-exitcode']);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const json = JSON.parse(plan.stdout) as Plan;
    expect(json.actions).toEqual([]);
    expect(json.revokedAuthorizations).toEqual([]);
    expect(json.summary).toEqual({ create: 0, update: 0, delete: 0, replace: 0, revokes: 0, blocked: 0 });
    for (const value of Object.values(SECRETS)) expect(plan.stdout).not.toContain(value);
  });

  it('R5: a secret rotated after the import is a revoking change, and only that', async () => {
    await accountFromExamples();
    expect((await cli(['import', ...T, '--out', 'repo'])).code).toBe(0);
    const plan = await cli(['plan', '--dir', 'repo', ...T, '--json'], { ...BASE_ENV, ...SECRETS, CRM_CLIENT_SECRET: 'crm-value-2' });
    expect(plan.code).toBe(0);
    const json = JSON.parse(plan.stdout) as Plan;
    expect(json.actions.map((a) => `${a.op} ${a.linkName}`)).toEqual(['connector.update crm']);
    expect(json.actions[0]!.changes).toEqual([{ path: 'authentication.clientSecret', from: '(sensitive)', to: '(sensitive, changed)' }]);
    expect(json.revokedAuthorizations).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientSecret'], rule: 'R5' },
    ]);
    expect(plan.stdout).not.toContain('crm-value-2');
  });

  it('adopts secrets an account snapshot has no fingerprint for: no revocation, and apply records them', async () => {
    await accountFromExamples();
    // An account recorded elsewhere: the same contents, no fingerprints.
    const exported = JSON.parse((await cli(['target', 'export', ...T])).stdout) as { connectors: { secretFingerprints?: unknown }[] };
    for (const c of exported.connectors) delete c.secretFingerprints;
    writeFileSync(join(tmp.dir, 'account.json'), JSON.stringify(exported));
    expect((await cli(['target', 'import', 'account.json', '--target', 'local:other.db'])).code).toBe(0);
    expect((await cli(['import', '--target', 'local:other.db', '--out', 'repo'])).code).toBe(0);

    const plan = await cli(['plan', '--dir', 'repo', '--target', 'local:other.db', '--json']);
    expect(plan.code).toBe(0);
    const json = JSON.parse(plan.stdout) as Plan;
    expect(json.revokedAuthorizations).toEqual([]);
    const adopted = json.actions.flatMap((a) => a.changes.filter((c) => c.from === '(sensitive, not recorded)').map((c) => `${a.linkName} ${c.path}`));
    expect(adopted.sort()).toEqual(['billing authentication.clientSecret', 'crm authentication.clientSecret', 'legacy_erp authentication.consumerSecret']);
    expect(plan.stderr).toMatch(/adopts the value of CRM_CLIENT_SECRET; nothing is revoked/);

    expect((await cli(['apply', '--dir', 'repo', '--target', 'local:other.db', '--auto-approve'])).code).toBe(0);
    const after = await cli(['plan', '--dir', 'repo', '--target', 'local:other.db', '--json', '--detailed-exitcode']);
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as Plan).actions).toEqual([]);
    // The authorizations survived the adoption.
    const state = JSON.parse((await cli(['target', 'export', '--target', 'local:other.db'])).stdout) as { connections: { linkName: string; authorizations: unknown }[] };
    expect(state.connections.find((c) => c.linkName === 'crm_sales')!.authorizations).toEqual([{ environment: 'all', account: 'alice' }]);
    expect(readFileSync(join(tmp.dir, 'other.db')).includes(Buffer.from('crm-value-1'))).toBe(false);
  });
  it('an --out that cannot hold manifests (a file, or a path under /proc) is a clear error, never an internal one or a hang', async () => {
    await accountFromExamples();
    writeFileSync(join(tmp.dir, 'notes.txt'), 'a file\n');
    for (const [out, why] of [
      ['notes.txt', 'a part of the path is a file, not a folder'],
      ['/proc/connectorops-import-test', 'a folder cannot be created there'],
    ] as const) {
      const r = await cli(['import', ...T, '--out', out]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`cannot write manifests to "${out}": ${why}`);
      expect(r.stderr).not.toContain('Internal error');
    }
    expect(readFileSync(join(tmp.dir, 'notes.txt'), 'utf8')).toBe('a file\n');
  });

  it('a target record whose link name leaves --out (a hand-edited target) is a "damaged target" error naming it; nothing is written', async () => {
    await accountFromExamples();
    const db = new Database(join(tmp.dir, 'acct.db'));
    const evil = '../../../x\u001b]8;;';
    const row = db.prepare('SELECT link_name FROM connectors LIMIT 1').get() as { link_name: string };
    db.prepare("UPDATE connectors SET link_name = ?, body = json_set(body, '$.linkName', ?) WHERE link_name = ?").run(evil, evil, row.link_name);
    db.prepare("UPDATE connections SET connector = ?, body = json_set(body, '$.connector', ?) WHERE connector = ?").run(evil, evil, row.link_name);
    db.close();
    const before = readdirSync(tmp.dir).sort();
    const r = await cli(['import', ...T, '--out', 'a/b/c']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('target local:acct.db is damaged');
    expect(r.stderr).toContain('connector "../../../x\\u001b]8;;": N3: a link name starts with a lower-case letter');
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).not.toContain('Internal error');
    expect(readdirSync(tmp.dir).sort()).toEqual(before);
    expect(existsSync(join(tmp.dir, 'a'))).toBe(false);
  });
});
