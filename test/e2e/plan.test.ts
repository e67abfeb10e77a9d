/**
 * `connectorops plan` as a user and a CI job run it: the real CLI (`node bin/connectorops.js`,
 * built into dist/), in temp git repositories, against real local targets whose current state is
 * set up with `target import` and `target authorize`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { planId } from '../../src/model/plan-document.js';
import { readPlanFile } from '../../src/planfile/file.js';
import { LocalTarget } from '../../src/targets/index.js';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;

beforeEach(() => {
  tmp = tempDir('connectorops-plan-e2e-');
});
afterEach(() => tmp.cleanup());

const ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1' };
const T = ['--target', 'local:acct.db'];

function git(...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function write(files: Record<string, string | null>): void {
  for (const [path, text] of Object.entries(files)) {
    const abs = join(tmp.dir, path);
    if (text === null) {
      spawnSync('rm', ['-f', abs]);
      continue;
    }
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

/** A git repository holding `files`, committed on main. */
function repo(files: Record<string, string>): void {
  git('init', '-q', '-b', 'main');
  write({ ...files, '.gitignore': '*.db*\n*.json\n' });
  git('add', '-A');
  git('commit', '-q', '-m', 'manifests');
}

const cli = (args: string[], env: NodeJS.ProcessEnv = ENV): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env });

async function planJson(args: string[] = [], env: NodeJS.ProcessEnv = ENV): Promise<{ code: number; plan: Plan; stderr: string }> {
  const r = await cli(['plan', '--json', ...T, ...args], env);
  expect(r.stdout, r.stderr).not.toBe('');
  return { code: r.code, plan: JSON.parse(r.stdout) as Plan, stderr: r.stderr };
}

const ops = (plan: Plan) => plan.actions.map((a) => `${a.op} ${a.linkName}`);

const CRM = (extra = '') => `kind: Connector
linkName: crm
name: Acme CRM
description: CRM of the sales team
authentication:
  type: oauth2
  grantType: authorization_code
  clientId: 1000.ABCDEF
  clientSecret: { fromEnv: CRM_CLIENT_SECRET }
  authorizeUrl: https://accounts.acme.example/oauth/authorize
  accessTokenUrl: https://accounts.acme.example/oauth/token
  scopes: [contacts.read, contacts.write]
${extra}`;

const CONNECTION = (linkName: string, extra = '') => `kind: Connection
linkName: ${linkName}
name: CRM ${linkName}
connector: crm
scopes: [contacts.read]
${extra ? `${extra}\n` : ''}`;

const AUTH = {
  type: 'oauth2' as const,
  grantType: 'authorization_code' as const,
  clientId: '1000.ABCDEF',
  authorizeUrl: 'https://accounts.acme.example/oauth/authorize',
  accessTokenUrl: 'https://accounts.acme.example/oauth/token',
  scopes: ['contacts.read', 'contacts.write'],
};

/** The target's fingerprint of `value`, made with the key of the target file (created if need be). */
async function fingerprint(value: string): Promise<string> {
  const target = LocalTarget.open(join(tmp.dir, 'acct.db'));
  try {
    return (await target.fingerprintSecrets([value]))[0]!;
  } finally {
    await target.close();
  }
}

/** The target holds crm (with the fingerprint of `secret`) and its connections; `authorized` ones are authorized by alice. */
async function importAccount(
  connections: Array<{ linkName: string; usages?: Snapshot['connections'][number]['usages']; enabled?: boolean }>,
  authorized: string[] = [],
  secret = 'old-secret-0001',
): Promise<void> {
  const snapshot: Snapshot = {
    formatVersion: 2,
    connectors: [
      {
        linkName: 'crm',
        name: 'Acme CRM',
        description: 'CRM of the sales team',
        stage: 'ready',
        enabled: true,
        authentication: AUTH,
        secretFingerprints: { clientSecret: await fingerprint(secret) },
      },
    ],
    connections: connections.map((c) => ({
      linkName: c.linkName,
      name: `CRM ${c.linkName}`,
      connector: 'crm',
      enabled: c.enabled ?? true,
      scopes: ['contacts.read'],
      authorizations: [],
      usages: c.usages ?? [],
    })),
  };
  writeFileSync(join(tmp.dir, 'snapshot.json'), JSON.stringify(snapshot));
  const imported = await cli(['target', 'import', 'snapshot.json', ...T, '--force']);
  expect(imported.code, imported.stderr).toBe(0);
  for (const c of authorized) {
    const r = await cli(['target', 'authorize', c, '--account', 'alice', ...T]);
    expect(r.code, r.stderr).toBe(0);
  }
}

describe('connectorops plan', () => {
  it('creates everything from an empty target, with no env var set; planning leaves the target unchanged', async () => {
    repo({ 'connectors/crm.yaml': CRM(), 'connections/crm.yaml': `${CONNECTION('crm_sales')}---\n${CONNECTION('crm_support', 'enabled: false')}` });
    const text = await cli(['plan', ...T]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('crm');
    expect(text.stderr).toContain("CRM_CLIENT_SECRET is not set: connector 'crm' is created with its clientSecret; apply needs CRM_CLIENT_SECRET");

    const { code, plan } = await planJson();
    expect(code).toBe(0);
    expect(ops(plan)).toEqual([
      'connector.create crm',
      'connector.markReady crm',
      'connection.create crm_sales',
      'connection.create crm_support',
      'connection.disable crm_support',
    ]);
    expect(plan.target).toBe('local:acct.db');
    expect(plan.base.stateSerial).toBe(0);
    expect(plan.source.commit).toBe(git('rev-parse', 'HEAD'));
    // crm_support ends disabled: it cannot be authorized until it is enabled (R11).
    expect(plan.needsAuthorization).toEqual(['crm_sales']);
    expect(plan.summary).toEqual({ create: 3, update: 0, delete: 0, replace: 0, revokes: 0, blocked: 0 });

    // Planning created no target (issue 8): it said so, and where it looked; the plan starts from an empty account.
    expect(text.stderr).toContain(
      `warning: target local:acct.db does not exist yet (there is no file at ${JSON.stringify(join(tmp.dir, 'acct.db'))}): this plan starts from an empty account; apply creates the target`,
    );
    expect(plan.warnings?.[0]?.code).toBe('target-missing');
    expect(existsSync(join(tmp.dir, 'acct.db'))).toBe(false);
    const exported = await cli(['target', 'export', ...T]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain(`Error: target local:acct.db does not exist yet: there is no file at ${JSON.stringify(join(tmp.dir, 'acct.db'))}`);
    expect(existsSync(join(tmp.dir, 'acct.db'))).toBe(false);

    // The saved plan of the missing target applies: apply creates the target.
    const saved = await cli(['plan', ...T, '--out', 'plan.json']);
    expect(saved.code, saved.stderr).toBe(0);
    const applied = await cli(['apply', 'plan.json', ...T], { ...ENV, CRM_CLIENT_SECRET: 'the-client-secret-1' });
    expect(applied.code, applied.stderr).toBe(0);
    expect(existsSync(join(tmp.dir, 'acct.db'))).toBe(true);
  });

  it('disables a connector with its connections: connections first (R8), usages as impact (R15)', async () => {
    repo({
      'connectors/crm.yaml': CRM('enabled: false\n'),
      'connections/crm.yaml': `${CONNECTION('crm_sales', 'enabled: false')}---\n${CONNECTION('crm_support', 'enabled: false')}`,
    });
    const usage = { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' };
    await importAccount([{ linkName: 'crm_sales', usages: [usage] }, { linkName: 'crm_support' }], ['crm_sales']);
    const { code, plan } = await planJson([], { ...ENV, CRM_CLIENT_SECRET: 'old-secret-0001' });
    expect(code).toBe(0);
    expect(ops(plan)).toEqual(['connection.disable crm_sales', 'connection.disable crm_support', 'connector.disable crm']);
    expect(plan.actions[2]!.dependsOn).toEqual(['a1', 'a2']);
    expect(plan.actions[0]!.rules).toEqual(expect.arrayContaining(['R8', 'R15']));
    expect(plan.impact).toEqual([{ connection: 'crm_sales', usages: [{ ...usage, source: 'target' }], rule: 'R15' }]);
    // R17: disabling keeps the authorization.
    expect(plan.revokedAuthorizations).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });

  it('deletes a connector with its connections: connections first (R9)', async () => {
    repo({ 'connectors/other.yaml': 'kind: Connector\nlinkName: other\nname: Other\nauthentication:\n  type: basic\n' });
    await importAccount([{ linkName: 'crm_sales' }, { linkName: 'crm_support', enabled: false }], ['crm_sales']);
    const { code, plan } = await planJson();
    expect(code).toBe(0);
    expect(ops(plan)).toEqual([
      'connection.delete crm_sales',
      'connection.delete crm_support',
      'connector.delete crm',
      'connector.create other',
      'connector.markReady other',
    ]);
    expect(plan.actions.find((a) => a.op === 'connector.delete')!.dependsOn).toEqual(['a1', 'a2']);
    // A deletion the manifests ask for loses the authorization too, and the plan says so (issue 8).
    expect(plan.revokedAuthorizations).toEqual([{ connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['deleted'], rule: 'R11' }]);
    expect(plan.summary).toMatchObject({ create: 1, delete: 3, revokes: 1 });
  });

  it('a connection with usages cannot be deleted: blocked (R14), exit 1, every usage listed', async () => {
    repo({ 'connectors/crm.yaml': CRM() });
    const usages = [
      { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' },
      { app: 'support', component: 'page:home', kind: 'page-panel' },
    ];
    await importAccount([{ linkName: 'crm_old', usages }]);
    const { code, plan, stderr } = await planJson(['--allow-replace', '--detailed-exitcode'], { ...ENV, CRM_CLIENT_SECRET: 'old-secret-0001' });
    expect(code).toBe(1);
    expect(plan.blocked).toEqual([
      expect.objectContaining({ kind: 'Connection', linkName: 'crm_old', rule: 'R14', usages: usages.map((u) => ({ ...u, source: 'target' })) }),
    ]);
    expect(stderr).toMatch(/blocked \(R14: connection 'crm_old'\)/);
    const text = await cli(['plan', ...T], { ...ENV, CRM_CLIENT_SECRET: 'old-secret-0001' });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('workflow:send_invoice');
    expect(text.stdout).toContain('page:home');
  });

  it('rotating a client secret revokes the authorized connections (R5); the value is never printed, in any format or the plan file', async () => {
    repo({ 'connectors/crm.yaml': CRM(), 'connections/crm.yaml': `${CONNECTION('crm_sales')}---\n${CONNECTION('crm_support')}` });
    const OLD = 'old-secret-0001';
    const NEW = 'n3w-s3cr3t-value-that-must-not-leak';
    await importAccount([{ linkName: 'crm_sales' }, { linkName: 'crm_support' }], ['crm_sales'], OLD);
    const env = { ...ENV, CRM_CLIENT_SECRET: NEW };

    const { code, plan } = await planJson(['--out', 'plan.json'], env);
    expect(code).toBe(0);
    expect(ops(plan)).toEqual(['connector.update crm']);
    expect(plan.actions[0]!.changes).toEqual([{ path: 'authentication.clientSecret', from: '(sensitive)', to: '(sensitive, changed)' }]);
    expect(plan.revokedAuthorizations).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientSecret'], rule: 'R5' },
    ]);
    // crm_support was never authorized: it needs authorization too (issue 24).
    expect(plan.needsAuthorization).toEqual(['crm_sales', 'crm_support']);
    expect(plan.summary).toMatchObject({ update: 1, revokes: 1 });

    const file = readFileSync(join(tmp.dir, 'plan.json'), 'utf8');
    const outputs = [file];
    for (const format of ['text', 'json', 'markdown', 'runbook']) {
      const r = await cli(['plan', ...T, '--format', format], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/crm\\?_sales/);
      outputs.push(r.stdout, r.stderr);
    }
    for (const out of outputs) {
      expect(out).not.toContain(NEW);
      expect(out).not.toContain(OLD);
    }
    // --out writes what --json prints, and reads back as the same plan.
    expect(file).toBe((await cli(['plan', '--json', ...T], env)).stdout);
    expect(planId(await readPlanFile(join(tmp.dir, 'plan.json')))).toBe(planId(plan));
  });

  it('a replacement (R3 → R10) is blocked without --allow-replace and planned with it', async () => {
    repo({
      'connectors/crm.yaml': 'kind: Connector\nlinkName: crm\nname: Acme CRM\ndescription: CRM of the sales team\nauthentication:\n  type: basic\n',
      'connections/crm.yaml': 'kind: Connection\nlinkName: crm_sales\nname: CRM crm_sales\nconnector: crm\n',
    });
    await importAccount([{ linkName: 'crm_sales' }], ['crm_sales']);

    const blocked = await planJson(['--detailed-exitcode']);
    expect(blocked.code).toBe(1);
    expect(blocked.plan.actions).toEqual([]);
    expect(blocked.plan.blocked.map((b) => `${b.kind} ${b.linkName} ${b.rule}`)).toEqual(['Connector crm R10', 'Connection crm_sales R10']);
    expect(blocked.plan.blocked[0]!.message).toMatch(/authentication type of ready connector 'crm' cannot change in place \(oauth2 → basic\) \(R3\)/);
    expect(blocked.stderr).toMatch(/the plan is blocked/);

    const allowed = await planJson(['--allow-replace', '--detailed-exitcode']);
    expect(allowed.code).toBe(2);
    expect(ops(allowed.plan)).toEqual([
      'connection.delete crm_sales',
      'connector.delete crm',
      'connector.create crm',
      'connector.markReady crm',
      'connection.create crm_sales',
    ]);
    expect(allowed.plan.actions.filter((a) => a.replace).map((a) => a.op)).toEqual(['connection.delete', 'connector.delete', 'connector.create', 'connection.create']);
    expect(allowed.plan.revokedAuthorizations).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['replaced', 'authentication.type'], rule: 'R10' },
    ]);
    expect(allowed.plan.summary).toMatchObject({ replace: 2, revokes: 1, blocked: 0 });
  });

  it('exit codes: 0 without changes, 2 with changes under --detailed-exitcode, 1 for invalid manifests or flags', async () => {
    repo({ 'connectors/crm.yaml': CRM(), 'connections/crm.yaml': CONNECTION('crm_sales') });
    await importAccount([{ linkName: 'crm_sales' }]);
    const env = { ...ENV, CRM_CLIENT_SECRET: 'old-secret-0001' };
    expect((await cli(['plan', ...T, '--detailed-exitcode'], env)).code).toBe(0);
    expect((await cli(['plan', ...T], env)).code).toBe(0);

    write({ 'connections/crm.yaml': CONNECTION('crm_sales', 'enabled: false') });
    expect((await cli(['plan', ...T], env)).code).toBe(0);
    expect((await cli(['plan', ...T, '--detailed-exitcode'], env)).code).toBe(2);

    write({ 'connections/crm.yaml': CONNECTION('crm_sales', 'connector: nope') });
    const invalid = await cli(['plan', ...T], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toMatch(/connections\/crm\.yaml:\d+:\d+: error/);

    const flag = await cli(['plan', ...T, '--format', 'yaml'], env);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/unknown format 'yaml'/);
  });

  it('--ref plans the manifests of a git ref; --base scopes the plan to the change since REF', async () => {
    repo({ 'connectors/crm.yaml': CRM(), 'connections/crm.yaml': `${CONNECTION('crm_sales')}---\n${CONNECTION('crm_support')}` });
    // The target drifted: crm_support was renamed there, outside any change under review.
    await importAccount([{ linkName: 'crm_sales' }, { linkName: 'crm_support' }]);
    const env = { ...ENV, CRM_CLIENT_SECRET: 'old-secret-0001' };
    const renamed = JSON.parse((await cli(['target', 'export', ...T])).stdout) as Snapshot;
    renamed.connections.find((c) => c.linkName === 'crm_support')!.name = 'Renamed by hand';
    writeFileSync(join(tmp.dir, 'snapshot.json'), JSON.stringify(renamed));
    expect((await cli(['target', 'import', 'snapshot.json', ...T, '--force'])).code).toBe(0);
    const base = git('rev-parse', 'HEAD');

    // The change under review: disable crm_sales.
    write({ 'connections/crm.yaml': `${CONNECTION('crm_sales', 'enabled: false')}---\n${CONNECTION('crm_support')}` });
    git('commit', '-qam', 'disable crm_sales');

    const full = (await planJson([], env)).plan;
    expect(ops(full)).toEqual(['connection.disable crm_sales', 'connection.update crm_support']);

    const scoped = await planJson(['--base', base], env);
    expect(scoped.code).toBe(0);
    expect(ops(scoped.plan)).toEqual(['connection.disable crm_sales']);
    expect(scoped.plan.warnings).toEqual([expect.objectContaining({ code: 'outside-change' })]);
    expect(scoped.stderr).toContain('1 resource differs from the target outside this change');

    // --ref: the manifests as they were at the base commit (crm_sales enabled) against the target.
    const atBase = (await planJson(['--ref', base], env)).plan;
    expect(ops(atBase)).toEqual(['connection.update crm_support']);
    expect(atBase.source).toMatchObject({ ref: base, commit: base });
  });
});
