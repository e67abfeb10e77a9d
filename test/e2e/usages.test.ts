/**
 * Usages from Deluge code kept in Git, through the real CLI in temp git repositories: a Creator
 * export and loose scripts next to the manifests, a local target set up with `target import`.
 * Deleting a used connection is blocked, naming file, line, application and component; disabling
 * one lists the impact; the same holds when reading from `--ref`; `connectorops usages` lists it all.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { CRM_API_KEY, crmConnection } from '../support/manifests.js';
import { cleanRepos, commitAll, git, tempRepo, writeFiles } from '../support/repo.js';
import { cli } from '../support/in-process-cli.js';

const FIXTURES = new URL('../usages/fixtures/', import.meta.url);
const T = ['--target', 'local:acct.db'];
const ENV = { CI: '1', NO_COLOR: '1', GITHUB_REPOSITORY: '', GITHUB_SERVER_URL: '' };

const SNAPSHOT = {
  formatVersion: 1,
  connectors: [{ linkName: 'crm', name: 'Acme CRM', description: '', stage: 'ready', enabled: true, authentication: { type: 'apiKey', parameterKey: 'X-Api-Key' } }],
  connections: ['crm_sales', 'legacy_erp', 'billing'].map((linkName) => ({
    linkName,
    name: linkName,
    connector: 'crm',
    enabled: true,
    scopes: [],
    authorization: { status: 'unauthorized' },
    usages: [],
  })),
};

/**
 * A repository whose target holds crm_sales, legacy_erp and billing, and whose manifests disable
 * crm_sales and drop legacy_erp, next to the export and scripts of test/usages/fixtures.
 */
async function setUp(): Promise<string> {
  const dir = tempRepo({
    'connectors/crm.yaml': CRM_API_KEY,
    'connections/crm_sales.yaml': crmConnection('crm_sales', 'enabled: false\n'),
    'connections/billing.yaml': crmConnection('billing'),
    'snapshot.json': JSON.stringify(SNAPSHOT),
    '.gitignore': '*.db*\nsnapshot.json\nplan.json\n',
  });
  for (const [from, to] of [
    ['order-desk.ds', 'apps/order-desk.ds'],
    ['scripts/sync_contacts.dg', 'scripts/sync_contacts.dg'],
    ['scripts/retry_invoices.deluge', 'scripts/retry_invoices.deluge'],
  ]) {
    mkdirSync(dirname(join(dir, to!)), { recursive: true });
    copyFileSync(new URL(from!, FIXTURES), join(dir, to!));
  }
  // Dependencies are never read for usages.
  writeFiles(dir, {
    'node_modules/lib/vendor.ds': 'application "Vendor"\n{\n\tfunctions\n\t{\n\t\tvoid f()\n\t\t{\n\t\t\tinvokeurl [ connection:"legacy_erp" ];\n\t\t}\n\t}\n}\n',
  });
  const imported = await cli(['target', 'import', 'snapshot.json', ...T, '--force'], { cwd: dir, env: ENV });
  expect(imported.code, imported.stderr).toBe(0);
  commitAll(dir);
  return dir;
}

let dir: string;
beforeAll(async () => {
  dir = await setUp();
});
afterAll(() => cleanRepos());

const run = (args: string[], env: Record<string, string> = {}) => cli(args, { cwd: dir, env: { ...ENV, ...env } });

async function planJson(args: string[] = []): Promise<{ code: number | null; plan: Plan; stderr: string }> {
  const r = await run(['plan', '--json', ...T, ...args]);
  expect(r.stdout, r.stderr).not.toBe('');
  return { code: r.code, plan: JSON.parse(r.stdout) as Plan, stderr: r.stderr };
}

describe('plan with usages from code', () => {
  it('deleting a used connection is blocked (R14), naming file, line, application and component; exit 1', async () => {
    const text = await run(['plan', ...T]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('✗ connection "legacy_erp" [R14]');
    expect(text.stdout).toContain('- used by app "Order Desk", form:Returns (on add, on validate) (deluge-invokeurl) at apps/order-desk.ds:52:7');
    expect(text.stderr).toContain("Error: the plan is blocked (R14: connection 'legacy_erp')");

    const { plan } = await planJson();
    expect(plan.blocked).toEqual([
      expect.objectContaining({
        kind: 'Connection',
        linkName: 'legacy_erp',
        rule: 'R14',
        usages: [
          { app: 'Order Desk', component: 'form:Returns (on add, on validate)', kind: 'deluge-invokeurl', source: 'code', file: 'apps/order-desk.ds', line: 52, col: 7 },
        ],
      }),
    ]);
    expect(plan.blocked[0]!.message).toContain('Order Desk › form:Returns (on add, on validate) (deluge-invokeurl at apps/order-desk.ds:52:7)');
    expect(plan.actions.map((a) => `${a.op} ${a.linkName}`)).not.toContain('connection.delete legacy_erp');
  });

  it('disabling a used connection lists every usage as impact (R15), with file and line', async () => {
    const { plan } = await planJson();
    expect(plan.actions.map((a) => `${a.op} ${a.linkName}`)).toContain('connection.disable crm_sales');
    const impact = plan.impact.find((i) => i.connection === 'crm_sales')!;
    expect(impact.rule).toBe('R15');
    expect(impact.usages.map((u) => `${u.file}:${u.line} ${u.app} › ${u.component}`)).toEqual([
      'apps/order-desk.ds:102 Order Desk › workflow:on_add_order (form Orders, on add, on validate)',
      'apps/order-desk.ds:146 Order Desk › schedule:nightly_sync',
      'apps/order-desk.ds:178 Order Desk › function:orders.lookup',
      'scripts/sync_contacts.dg:15 scripts/sync_contacts.dg › function:crm.sync_contacts',
    ]);
    const text = (await run(['plan', ...T])).stdout;
    expect(text).toContain('connection "crm_sales": disabling it stops 4 usages [R15]');
    expect(text).toContain('- app "Order Desk", schedule:nightly_sync (deluge-invokeurl) at apps/order-desk.ds:146:10');

    const runbook = (await run(['plan', ...T, '--format', 'runbook'])).stdout;
    expect(runbook).toContain('- app "Order Desk", component "schedule:nightly_sync" (deluge-invokeurl), in apps/order-desk.ds line 146');
  });

  it('the same holds when reading from --ref, whatever the working tree says', async () => {
    // The working tree drops the call; HEAD still has it.
    const ds = join(dir, 'apps/order-desk.ds');
    const original = readFileSync(ds, 'utf8');
    writeFileSync(ds, original.replace('connection:"legacy_erp"', 'connection:"crm_sales"'));
    try {
      expect((await planJson()).plan.blocked).toEqual([]);
      const fromRef = await planJson(['--ref', 'HEAD']);
      expect(fromRef.code).toBe(1);
      expect(fromRef.plan.blocked.map((b) => `${b.linkName} ${b.rule} ${b.usages?.map((u) => `${u.file}:${u.line}`).join(',')}`)).toEqual([
        'legacy_erp R14 apps/order-desk.ds:52',
      ]);
      expect(fromRef.plan.source.commit).toBe(git(dir, 'rev-parse', 'HEAD').trim());
    } finally {
      writeFileSync(ds, original);
    }
  });

  it("in Markdown, on GitHub, each location links to the file at the plan's commit", async () => {
    const md = await run(['plan', ...T, '--ref', 'HEAD', '--format', 'markdown'], { GITHUB_REPOSITORY: 'acme/infra', GITHUB_SERVER_URL: 'https://github.example' });
    const commit = git(dir, 'rev-parse', 'HEAD').trim();
    expect(md.stdout).toContain(`at [apps/order\\-desk\\.ds:52:7](https://github.example/acme/infra/blob/${commit}/apps/order-desk.ds#L52)`);
    // Without a repository, the location is plain text.
    const plain = await run(['plan', ...T, '--format', 'markdown']);
    expect(plain.stdout).toContain('at apps/order\\-desk\\.ds:52:7');
    expect(plain.stdout).not.toContain('](http');
  });

  it('with the manifests in a folder of the repository (--dir), the location and its link start from the repository root', async () => {
    const repo = tempRepo({
      'README.md': 'the Creator configuration lives in infra/creator\n',
      'infra/creator/connectors/crm.yaml': CRM_API_KEY,
      'infra/creator/connections/billing.yaml': crmConnection('billing', 'enabled: false\n'),
      'infra/creator/scripts/bill.dg': 'invokeurl\n[\n\tconnection:"billing"\n];\n',
      'snapshot.json': JSON.stringify(SNAPSHOT),
      '.gitignore': '*.db*\nsnapshot.json\n',
    });
    const imported = await cli(['target', 'import', 'snapshot.json', '--target', 'local:acct.db', '--force'], { cwd: repo, env: ENV });
    expect(imported.code, imported.stderr).toBe(0);
    commitAll(repo);
    const commit = git(repo, 'rev-parse', 'HEAD').trim();
    for (const cwd of [repo, join(repo, 'infra')]) {
      const dirFlag = cwd === repo ? 'infra/creator' : 'creator';
      const r = await cli(['plan', '--dir', dirFlag, '--target', `local:${join(repo, 'acct.db')}`, '--ref', 'HEAD', '--format', 'markdown'], {
        cwd,
        env: { ...ENV, GITHUB_REPOSITORY: 'acme/infra', GITHUB_SERVER_URL: 'https://github.example' },
      });
      expect(r.stderr).toBe('');
      // The link resolves on the code host: the path from the root, not from --dir.
      expect(r.stdout).toContain(`(https://github.example/acme/infra/blob/${commit}/infra/creator/scripts/bill.dg#L3)`);
    }
  });

  it('warns about unreadable code and unknown connections on stderr, and still plans', async () => {
    writeFiles(dir, {
      'scripts/broken.dg': readFileSync(new URL('scripts/broken.dg', FIXTURES), 'utf8'),
      'scripts/typo.dg': 'invokeurl\n[\n\tconnection:"biling"\n];\n',
    });
    try {
      const r = await run(['plan', ...T]);
      expect(r.stderr).toContain("scripts/broken.dg:6:3: warning deluge: '(' opened here is never closed");
      expect(r.stderr).toContain(
        "warning: Deluge code calls connection 'biling' (scripts/typo.dg:3:2), which no manifest and no target defines: did you mean 'billing'?",
      );
      // The broken file's usages still count: crm_sales at line 4.
      expect(r.stdout).toContain('at scripts/broken.dg:4:2');
    } finally {
      rmSync(join(dir, 'scripts/broken.dg'));
      rmSync(join(dir, 'scripts/typo.dg'));
    }
  });

  it('usages.from in connectorops.yaml picks the files; [] reads none', async () => {
    writeFiles(dir, { 'connectorops.yaml': 'usages:\n  from: ["scripts/**/*.dg"]\n' });
    try {
      const only = (await planJson()).plan;
      expect(only.blocked).toEqual([]);
      expect(only.impact.flatMap((i) => i.usages.map((u) => u.file))).toEqual(['scripts/sync_contacts.dg']);
      writeFiles(dir, { 'connectorops.yaml': 'usages:\n  from: []\n' });
      expect((await planJson()).plan.impact).toEqual([]);
      writeFiles(dir, { 'connectorops.yaml': 'usages:\n  from: ["../elsewhere/**"]\n' });
      const bad = await run(['plan', ...T]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('connectorops.yaml:2:');
      expect(bad.stderr).toContain('a usages pattern is relative to the directory of connectorops.yaml');
    } finally {
      rmSync(join(dir, 'connectorops.yaml'));
    }
  });
});

describe('connectorops usages', () => {
  it('lists every usage per connection, with application, component and file:line:col', async () => {
    const r = await run(['usages']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Connection usages in Deluge code (working tree, 3 files read):');
    expect(r.stdout).toContain(
      'connection "legacy_erp" (no manifest defines it): 1 usage\n  apps/order-desk.ds:52:7  app "Order Desk", form:Returns (on add, on validate) (deluge-invokeurl)',
    );
    expect(r.stdout).toContain('connection "billing": 2 usages');
    expect(r.stdout).toContain('7 usages of 3 connections in 3 files.');
    expect(r.stdout).not.toContain('node_modules');
  });

  it('--format json, from --ref', async () => {
    const r = await run(['usages', '--ref', 'HEAD', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      source: { ref: string; commit: string };
      files: number;
      connections: Array<{ connection: string; defined: boolean; usages: Array<{ file: string; line: number; col: number; app: string; component: string }> }>;
    };
    expect(doc.source).toEqual({ ref: 'HEAD', commit: git(dir, 'rev-parse', 'HEAD').trim() });
    expect(doc.files).toBe(3);
    expect(doc.connections.map((c) => `${c.connection} ${c.defined} ${c.usages.length}`)).toEqual(['billing true 2', 'crm_sales true 4', 'legacy_erp false 1']);
    expect(doc.connections[2]!.usages).toEqual([
      { app: 'Order Desk', component: 'form:Returns (on add, on validate)', kind: 'deluge-invokeurl', file: 'apps/order-desk.ds', line: 52, col: 7 },
    ]);
  });

  it('an unknown format and invalid manifests are errors', async () => {
    expect((await run(['usages', '--format', 'yaml'])).stderr).toContain("unknown format 'yaml'");
    writeFiles(dir, { 'connectorops.yaml': 'usages: {from: "*.ds"}\n' });
    try {
      const r = await run(['usages']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('connectorops.yaml:1:');
    } finally {
      rmSync(join(dir, 'connectorops.yaml'));
    }
  });
});

describe('apply of a saved plan', () => {
  it('refuses a plan that deletes a connection Deluge code started to use after it was made (R14), and changes nothing', async () => {
    const repo = tempRepo({
      'connectors/crm.yaml': CRM_API_KEY,
      'connections/billing.yaml': crmConnection('billing'),
      'snapshot.json': JSON.stringify({ ...SNAPSHOT, connections: SNAPSHOT.connections.filter((c) => c.linkName !== 'crm_sales') }),
      '.gitignore': '*.db*\nsnapshot.json\nplan.json\n',
    });
    const inRepo = (args: string[]) => cli(args, { cwd: repo, env: ENV });
    expect((await inRepo(['target', 'import', 'snapshot.json', ...T, '--force'])).code).toBe(0);
    commitAll(repo);
    const planned = await inRepo(['plan', ...T, '--out', 'plan.json']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain('connection "legacy_erp" will be deleted');

    writeFiles(repo, { 'scripts/erp.dg': '// new since the plan\nresp = invokeurl\n[\n\tconnection:"legacy_erp"\n];\n' });
    const applied = await inRepo(['apply', 'plan.json', ...T, '--auto-approve']);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain(
      "the plan is stale: it deletes connection 'legacy_erp', which Deluge code uses now (scripts/erp.dg › script at scripts/erp.dg:4:2; R14)",
    );
    const exported = JSON.parse((await inRepo(['target', 'export', ...T])).stdout) as { connections: Array<{ linkName: string }> };
    expect(exported.connections.map((c) => c.linkName)).toContain('legacy_erp');
  });
});
