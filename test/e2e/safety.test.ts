/**
 * What a plan must never lose without a word (issue 8), through the real CLI on real local
 * targets: an empty or wrong --dir is refused (unless --allow-empty), `protect:` patterns block
 * deletions and replacements (P1), and every authorization the plan destroys is listed in
 * revokedAuthorizations with its cause and account, whatever destroys it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('connectorops-safety-');
});
afterEach(() => tmp.cleanup());

const ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1' };
const T = ['--target', 'local:acct.db'];

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env: ENV });

function write(files: Record<string, string | null>): void {
  for (const [path, text] of Object.entries(files)) {
    const abs = join(tmp.dir, path);
    if (text === null) rmSync(abs, { force: true });
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
  }
}

const connector = (linkName: string, type = 'apiKey\n  parameterKey: key') =>
  `kind: Connector\nlinkName: ${linkName}\nname: Connector ${linkName}\nauthentication:\n  type: ${type}\n`;
const connection = (linkName: string, on: string, name = `Connection ${linkName}`) => `kind: Connection\nlinkName: ${linkName}\nname: ${name}\nconnector: ${on}\n`;

/** crm (crm_sales, crm_support) and billing (billing_main), applied; crm_sales and billing_main authorized. */
async function account(): Promise<void> {
  write({
    'connectors/crm.yaml': connector('crm'),
    'connectors/billing.yaml': connector('billing'),
    'connections/crm_sales.yaml': connection('crm_sales', 'crm', 'CRM sales'),
    'connections/crm_support.yaml': connection('crm_support', 'crm'),
    'connections/billing_main.yaml': connection('billing_main', 'billing'),
  });
  const applied = await cli(['apply', ...T, '--auto-approve']);
  expect(applied.code, applied.stderr).toBe(0);
  for (const [c, who] of [
    ['crm_sales', 'alice'],
    ['billing_main', 'bob'],
  ]) {
    const r = await cli(['target', 'authorize', c!, '--account', who!, ...T]);
    expect(r.code, r.stderr).toBe(0);
  }
}

async function serial(): Promise<number> {
  const r = await cli(['target', 'export', ...T]);
  expect(r.code, r.stderr).toBe(0);
  const snapshot = JSON.parse(r.stdout) as { connectors: unknown[]; connections: unknown[] };
  return snapshot.connectors.length * 100 + snapshot.connections.length;
}

async function planJson(args: string[] = []): Promise<{ code: number; plan: Plan; stderr: string; stdout: string }> {
  const r = await cli(['plan', '--json', ...T, ...args]);
  return { ...r, plan: (r.stdout ? JSON.parse(r.stdout) : null) as Plan };
}

describe('an empty or wrong --dir (issue 8, item 1)', () => {
  it('apply --dir of an empty folder refuses, names the folder and what the target holds, and changes nothing', async () => {
    await account();
    const before = await serial();
    mkdirSync(join(tmp.dir, 'empty'));
    const r = await cli(['apply', '--dir', 'empty', ...T, '--auto-approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error: the manifests in ${join(tmp.dir, 'empty')} define nothing (an empty folder), but target local:acct.db holds 2 connectors and 3 connections (2 authorized): the plan would delete them all; nothing was planned`,
    );
    expect(r.stderr).toContain(
      `hint: manifests are read from ${join(tmp.dir, 'empty', 'connectors')} and ${join(tmp.dir, 'empty', 'connections')}: check --dir; if emptying the target is meant, add --allow-empty`,
    );
    expect(await serial()).toBe(before);
    // The lock was released: a later apply goes ahead.
    expect((await cli(['apply', ...T, '--auto-approve'])).stdout).toBe('No changes. The target matches the manifests.\n');
  });

  it('plan --dir of the wrong folder refuses and says what that folder holds; validate warns and names the folders', async () => {
    await account();
    const r = await cli(['plan', '--dir', 'connections', '--target', `local:${join(tmp.dir, 'acct.db')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('define nothing (no connectors/ or connections/ YAML files; the folder holds billing_main.yaml, crm_sales.yaml, crm_support.yaml)');
    expect(r.stdout).toBe('');

    const v = await cli(['validate', '--dir', 'connections']);
    expect(v.code).toBe(0);
    const dir = join(tmp.dir, 'connections');
    expect(v.stderr).toContain(`warning: no manifests: nothing in ${join(dir, 'connectors')} and ${join(dir, 'connections')} defines a connector or connection`);
  });

  it('--allow-empty empties the target on purpose', async () => {
    await account();
    mkdirSync(join(tmp.dir, 'empty'));
    const p = await cli(['plan', '--dir', 'empty', ...T, '--allow-empty']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain('Plan: 0 to create, 0 to update, 5 to delete. 2 authorizations will be revoked.');
    const r = await cli(['apply', '--dir', 'empty', ...T, '--auto-approve', '--allow-empty']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'Authorizations revoked:\n  - billing_main (account bob) of connector billing: deleted (R11)\n  - crm_sales (account alice) of connector crm: deleted (R11)',
    );
    expect(await serial()).toBe(0);
  });
});

describe('protect: in connectorops.yaml (P1)', () => {
  it('blocks deleting a protected connection, even when its manifest is gone; the message names the pattern', async () => {
    await account();
    write({ 'connectorops.yaml': 'protect: [crm, "billing_*"]\n', 'connections/billing_main.yaml': null });
    const r = await planJson();
    expect(r.code).toBe(1);
    expect(r.plan.blocked).toContainEqual({
      kind: 'Connection',
      linkName: 'billing_main',
      rule: 'P1',
      message: "connection 'billing_main' is protected by the pattern 'billing_*' in connectorops.yaml: the plan would delete it (P1)",
      hint: "restore its manifest; if deleting it is meant, first remove 'billing_*' from protect: in connectorops.yaml, in a reviewed change",
    });
    expect(r.plan.actions.map((a) => a.op)).not.toContain('connection.delete');
    const text = await cli(['plan', ...T]);
    expect(text.stdout).toContain(`✗ connection "billing_main" [P1]: connection 'billing_main' is protected by the pattern 'billing_*'`);
    expect((await cli(['apply', ...T, '--auto-approve'])).code).toBe(1);
    expect((await cli(['target', 'export', ...T])).stdout).toContain('"billing_main"');
  });

  it('blocks replacing a protected connector even with --allow-replace, and a reviewed change to protect: lifts it', async () => {
    await account();
    write({ 'connectorops.yaml': 'protect: [crm]\n', 'connectors/crm.yaml': connector('crm', 'basic') });
    const r = await planJson(['--allow-replace']);
    expect(r.code).toBe(1);
    expect(r.plan.blocked.find((b) => b.rule === 'P1')).toMatchObject({
      kind: 'Connector',
      linkName: 'crm',
      message: "connector 'crm' is protected by the pattern 'crm' in connectorops.yaml: the plan would replace it (P1)",
    });
    write({ 'connectorops.yaml': 'protect: []\n' });
    const lifted = await planJson(['--allow-replace']);
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(lifted.plan.summary.replace).toBeGreaterThan(0);
  });
});

describe('every authorization the plan destroys is listed (issue 8, item 2)', () => {
  it('a deleted authorized connection: cause deleted, with its account, under the loud warning in every rendering', async () => {
    await account();
    write({ 'connections/billing_main.yaml': null });
    const r = await planJson();
    expect(r.code, r.stderr).toBe(0);
    expect(r.plan.revokedAuthorizations).toEqual([
      { connection: 'billing_main', connector: 'billing', environment: 'all', account: 'bob', cause: ['deleted'], rule: 'R11' },
    ]);
    expect(r.plan.summary.revokes).toBe(1);
    const text = (await cli(['plan', ...T])).stdout;
    expect(text).toContain('! 1 authorization will be revoked:\n    billing_main (bob) — deleted [R11]');
    expect(text).toContain('A deleted connection is gone with its authorization');
    const md = (await cli(['plan', ...T, '--format', 'markdown'])).stdout;
    expect(md).toMatch(/\[!WARNING\][\s\S]*\| billing\\?_main \| bob \| billing \| deleted \| R11 \|/);
    const runbook = (await cli(['plan', ...T, '--format', 'runbook'])).stdout;
    expect(runbook).toContain('Confirm. This loses the authorization of account "bob" for good [R11].');
  });

  it('a linkName change reads as delete + create, and the account must authorize the new one', async () => {
    await account();
    write({ 'connections/crm_sales.yaml': connection('crm_team', 'crm', 'CRM sales') });
    const r = await planJson();
    expect(r.code, r.stderr).toBe(0);
    expect(r.plan.revokedAuthorizations).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['deleted', 'linkName'], rule: 'R12', replacedBy: 'crm_team' },
    ]);
    // crm_support was unauthorized already: it needs authorization too (issue 24).
    expect(r.plan.needsAuthorization).toEqual(['crm_support', 'crm_team']);
    const text = (await cli(['plan', ...T])).stdout;
    expect(text).toContain("crm_sales (alice) — deleted: its linkName changes to 'crm_team', which starts unauthorized [R12]");
    expect(text).toContain("# its linkName changes to 'crm_team' (R12): it is deleted with the authorization of account 'alice', and 'crm_team' is created in its place");
    expect(text).toContain('crm_team — reauthorize as alice [R12]');
    const runbook = (await cli(['plan', ...T, '--format', 'runbook'])).stdout;
    expect(runbook).toContain('Ask alice to authorize new connection "crm_team" [R12].');
  });

  it('connection and connector replacements name their cause, replaced first', async () => {
    await account();
    write({ 'connections/crm_sales.yaml': connection('crm_sales', 'billing', 'CRM sales'), 'connectors/billing.yaml': connector('billing', 'basic') });
    const r = await planJson(['--allow-replace']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.plan.revokedAuthorizations).toEqual([
      { connection: 'billing_main', connector: 'billing', environment: 'all', account: 'bob', cause: ['replaced', 'authentication.type'], rule: 'R10' },
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['replaced', 'connector'], rule: 'R12' },
    ]);
    expect((await cli(['plan', ...T, '--allow-replace'])).stdout).toContain('billing_main (bob) — replaced (authentication.type changed) [R10]');
  });
});

describe('small traps (issue 8, item 5)', () => {
  it('plan --out into a folder that does not exist creates the folder', async () => {
    write({ 'connectors/crm.yaml': connector('crm') });
    const r = await cli(['plan', ...T, '--out', 'plans/pr-12/plan.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Internal error');
    const plan = JSON.parse(readFileSync(join(tmp.dir, 'plans/pr-12/plan.json'), 'utf8')) as Plan;
    expect(plan.actions.map((a) => a.op)).toEqual(['connector.create', 'connector.markReady']);
    write({ blocker: 'a file' });
    const bad = await cli(['plan', ...T, '--out', 'blocker/plan.json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`Error: cannot write the plan file ${join(tmp.dir, 'blocker/plan.json')}: a part of the path is a file, not a folder`);
  });

  it('target export, import, authorize and unlock take --dir: connectorops.yaml and its target names are read there', async () => {
    write({
      'repo/connectorops.yaml': 'targets:\n  production:\n    url: local:prod.db\n',
      'repo/connectors/crm.yaml': connector('crm'),
      'repo/connections/crm.yaml': connection('crm_sales', 'crm'),
    });
    const applied = await cli(['apply', '--dir', 'repo', '--target', 'production', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    const authorized = await cli(['target', 'authorize', 'crm_sales', '--account', 'alice', '--target', 'production', '--dir', 'repo']);
    expect(authorized.code, authorized.stderr).toBe(0);
    const exported = await cli(['target', 'export', '--target', 'production', '--dir', 'repo']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ connections: [{ linkName: 'crm_sales', authorizations: [{ environment: 'all', account: 'alice' }] }] });
    writeFileSync(join(tmp.dir, 'snapshot.json'), exported.stdout);
    const imported = await cli(['target', 'import', 'snapshot.json', '--target', 'production', '--dir', 'repo', '--force']);
    expect(imported.code, imported.stderr).toBe(0);
    const unlock = await cli(['unlock', '0123abcd', '--target', 'production', '--dir', 'repo']);
    expect(unlock.stderr).not.toMatch(/unknown (option|target)/);
  });

  it('a YAML syntax error in a connector file is reported first; its connections are "not checked", once, never "no manifest defines"', async () => {
    write({
      'connectors/crm.yaml': 'kind: Connector\nlinkName: crm\nname: "Acme CRM\nauthentication:\n  type: basic\n',
      'connections/crm.yaml': `${connection('crm_sales', 'crm')}---\n${connection('crm_support', 'crm')}`,
    });
    const r = await cli(['validate']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('which no manifest defines');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^connectors\/crm\.yaml:3:7: error yaml: the double quote opened here is never closed$/);
    expect(lines.filter((l) => l.includes('not checked'))).toEqual([
      "connections/crm.yaml:4:12: warning reference: not checked: connections 'crm_sales', 'crm_support' refer to connector 'crm', whose manifest has errors (connectors/crm.yaml could not be parsed)",
    ]);
  });

  it('an indentation mistake gets the hint about indentation', async () => {
    write({ 'connectors/crm.yaml': 'kind: Connector\nlinkName: crm\nname: Acme CRM\n  description: CRM of the sales team\nauthentication:\n  type: basic\n' });
    const r = await cli(['validate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'connectors/crm.yaml:4:3: error yaml: this line is indented deeper than the key above it, which already has a value\n  hint: check the indentation: keys of the same mapping start at the same column',
    );
    expect(r.stderr).not.toContain('quote the value');
  });

  it('an unknown option, command or target name: our own one-line message, with a did-you-mean', async () => {
    write({ 'connectorops.yaml': 'targets:\n  production:\n    url: local:prod.db\n' });
    expect(await cli(['plann'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `Error: unknown command "plann"; did you mean 'plan'?\n  hint: run 'connectorops --help' for the commands\n`,
    });
    const option = await cli(['plan', '--alow-replace']);
    expect(option).toMatchObject({
      code: 1,
      stderr: "Error: unknown option '--alow-replace'\n  hint: did you mean '--allow-replace'? (run the command with --help for its options)\n",
    });
    expect((await cli(['target', 'export', '--tagret', 'x'])).stderr).toBe(
      "Error: unknown option '--tagret'\n  hint: did you mean '--target'? (run the command with --help for its options)\n",
    );
    const target = await cli(['plan', '--target', 'prod']);
    expect(target.code).toBe(1);
    expect(target.stderr).toContain("Error: unknown target 'prod'; did you mean 'production'?");
  });
});
