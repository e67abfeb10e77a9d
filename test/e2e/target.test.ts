/**
 * `connectorops target export | import | authorize`, `import` and `unlock` through the real CLI
 * (`node bin/connectorops.js`), as a user runs them, against real files in temp dirs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { stateToSnapshot } from '../../src/targets/snapshot.js';
import { killHard, startChild, type Child } from '../support/child.js';
import { BIN, ROOT } from '../support/dist.js';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { state } from '../support/builders.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
let child: Child | null = null;

beforeEach(() => {
  tmp = tempDir('connectorops-e2e-');
});
afterEach(async () => {
  if (child && child.process.exitCode === null && child.process.signalCode === null) await killHard(child);
  child = null;
  tmp.cleanup();
});

const cli = (args: string[], input = ''): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env: { ...process.env, NO_COLOR: '1' }, input });

const T = ['--target', 'local:acct.db'];

const account = () =>
  stateToSnapshot(
    state()
      .connector('crm', { name: 'Acme CRM', description: 'CRM of the sales team' })
      .connector('keyed', { authentication: { type: 'apiKey', parameters: [{ parameterKey: 'X-Key', addTo: 'header' }] } })
      .connection('crm_sales', 'crm', {
        name: 'CRM sales',
        scopes: ['contacts.read'],
        authorizations: [{ environment: 'all', account: 'alice' }],
        usages: [{ app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' }],
      })
      .connection('crm_support', 'crm')
      .connection('keyed_a', 'keyed')
      .build(),
  );

function write(name: string, value: unknown): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return name;
}

/** The target as it stands: export text and serial, read without the CLI. */
async function stands(file = 'acct.db'): Promise<{ serial: number; exported: string }> {
  const t = LocalTarget.open(join(tmp.dir, file));
  try {
    return { serial: await t.serial(), exported: JSON.stringify(await t.exportSnapshot()) };
  } finally {
    await t.close();
  }
}

describe('target export / import', () => {
  it('exports an empty target as pretty JSON with a trailing newline; a missing one is an error and is not created', async () => {
    const missing = await cli(['target', 'export']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error: target local:\.connectorops\/local\.db does not exist yet: there is no file at ".*\/\.connectorops\/local\.db"\n {2}hint: /);
    expect(existsSync(join(tmp.dir, '.connectorops'))).toBe(false);
    for (const args of [
      ['import', '--out', 'out'],
      ['target', 'authorize', 'crm', '--account', 'a@b'],
      ['unlock', 'abcd1234'],
    ]) {
      expect((await cli(args)).stderr, args.join(' ')).toContain('Error: target local:.connectorops/local.db does not exist yet');
      expect(existsSync(join(tmp.dir, '.connectorops'))).toBe(false);
    }
    write('empty.json', { formatVersion: 1, connectors: [], connections: [] });
    expect((await cli(['target', 'import', 'empty.json'])).code).toBe(0);
    const r = await cli(['target', 'export']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{\n  "formatVersion": 2,\n  "connectors": [],\n  "connections": []\n}\n');
  });

  it('imports a snapshot and exports it back identically; refuses a non-empty target without --force', async () => {
    const file = write('snap.json', account());
    const r = await cli(['target', 'import', file, ...T]);
    expect(r).toMatchObject({ code: 0, stdout: 'Imported 2 connectors and 3 connections (serial 1).\n' });
    const exported = await cli(['target', 'export', ...T]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(JSON.stringify(account(), null, 2) + '\n');
    const again = await cli(['target', 'import', file, ...T]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'Error: target local:acct.db is not empty (2 connectors, 3 connections); nothing was imported\n  hint: add --force to replace everything it holds with the snapshot\n',
    );
    expect(await cli(['target', 'import', file, ...T, '--force'])).toMatchObject({ code: 0, stdout: 'Imported 2 connectors and 3 connections (serial 2).\n' });
    // A folder given for the snapshot: said in words, with what to give instead; nothing changed.
    const folder = await cli(['target', 'import', '.', ...T, '--force']);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toBe(
      'Error: cannot read .: it is a folder, not a file\n  hint: give the snapshot file (what `connectorops target export` writes), or - to read it from stdin\n',
    );
    expect((await cli(['target', 'export', ...T])).stdout).toBe(exported.stdout);
  });

  it('reads the snapshot from stdin with FILE -', async () => {
    const r = await cli(['target', 'import', '-', ...T], JSON.stringify(account()));
    expect(r.code).toBe(0);
    expect(JSON.parse((await cli(['target', 'export', ...T])).stdout)).toEqual(account());
  });

  describe('a bad snapshot exits 1 and leaves the target exactly as it was', () => {
    const good = account();
    const cases: [string, unknown, RegExp][] = [
      [
        'malformed JSON',
        '{\n  "formatVersion": 1,\n  "connectors": [,]\n}',
        /^bad\.json:3:18: error json: unexpected character ","; expected a value\nError: bad\.json is not valid JSON; nothing was imported\n$/,
      ],
      [
        'a connection of a draft connector',
        { ...good, connectors: good.connectors.map((c) => ({ ...c, stage: 'draft' })) },
        /R6: connection 'crm_sales' belongs to connector 'crm', which is in draft/,
      ],
      [
        'an enabled connection under a disabled connector',
        { ...good, connectors: good.connectors.map((c) => (c.linkName === 'keyed' ? { ...c, enabled: false } : c)) },
        /R16: connection 'keyed_a' is enabled but its connector 'keyed' is disabled/,
      ],
      [
        'a missing connector',
        { ...good, connectors: good.connectors.filter((c) => c.linkName !== 'keyed') },
        /R9: connection 'keyed_a' refers to connector 'keyed', which does not exist/,
      ],
      [
        'scopes the connector does not offer',
        { ...good, connections: good.connections.map((c) => (c.linkName === 'crm_support' ? { ...c, scopes: ['deals.read'] } : c)) },
        /scopes: connection 'crm_support' has scopes deals\.read that connector 'crm' does not offer/,
      ],
      ['an unknown format version', { ...good, formatVersion: 7 }, /snapshot formatVersion 7 is not supported: this connectorops reads formatVersion 1/],
      ['unknown keys', { ...good, connections: good.connections.map((c, i) => (i === 0 ? { ...c, owner: 'bob' } : c)) }, /connections\[0\]\.owner: unknown key/],
    ];
    for (const [what, value, message] of cases) {
      it(what, async () => {
        await cli(['target', 'import', write('snap.json', good), ...T]);
        await expect(stands()).resolves.toMatchObject({ serial: 1 });
        const before = await stands();
        const r = await cli(['target', 'import', write('bad.json', value), ...T, '--force']);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(message);
        expect(r.stderr).toMatch(/nothing was imported/);
        expect(await stands()).toEqual(before);
      });
    }
  });

  it("asks for the HTTP target's token (test/e2e/serve.test.ts has the rest), and rejects an unknown spec with the accepted forms", async () => {
    const { CONNECTOROPS_TOKEN: _, ...env } = process.env;
    const http = spawnSync(process.execPath, [BIN, 'target', 'export', '--target', 'http://127.0.0.1:9'], { cwd: tmp.dir, encoding: 'utf8', env });
    expect(http.status).toBe(1);
    expect(http.stderr).toMatch(/target http:\/\/127\.0\.0\.1:9 is served over HTTP and needs a token: CONNECTOROPS_TOKEN is not set/);
    const unknown = await cli(['target', 'export', '--target', 'nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown target 'nowhere'/);
  });

  it('resolves --target NAME through connectorops.yaml', async () => {
    write('connectorops.yaml', 'targets:\n  staging:\n    url: local:state/staging.db\n');
    await cli(['target', 'import', write('snap.json', account()), '--target', 'staging']);
    expect(existsSync(join(tmp.dir, 'state/staging.db'))).toBe(true);
    expect(JSON.parse((await cli(['target', 'export', '--target', 'staging'])).stdout)).toEqual(account());
  });
});

describe('target authorize', () => {
  it('R11: authorizes a connection as a person on the consent screen; refuses an unknown one', async () => {
    await cli(['target', 'import', write('snap.json', account()), ...T]);
    const r = await cli(['target', 'authorize', 'crm_support', '--account', 'bob', ...T]);
    expect(r).toMatchObject({ code: 0, stdout: "Connection 'crm_support' is authorized by bob.\n" });
    const c = JSON.parse((await cli(['target', 'export', ...T])).stdout).connections.find((x: { linkName: string }) => x.linkName === 'crm_support');
    expect(c.authorizations).toEqual([{ environment: 'all', account: 'bob' }]);
    const before = await stands();
    const bad = await cli(['target', 'authorize', 'ghost', '--account', 'bob', ...T]);
    expect(bad).toMatchObject({ code: 1, stderr: "Error: connection 'ghost' does not exist\n" });
    const noAccount = await cli(['target', 'authorize', 'crm_support', ...T]);
    expect(noAccount.code).toBe(1);
    expect(noAccount.stderr).toMatch(/needs --account NAME/);
    expect(await stands()).toEqual(before);
  });
});

describe('import (manifests of an account)', () => {
  it('writes manifests that validate, lists the secrets to set, and is idempotent', async () => {
    await cli(['target', 'import', write('snap.json', account()), ...T]);
    const r = await cli(['import', ...T, '--out', 'repo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Wrote 5 manifests (2 connectors, 3 connections) to repo.\n\n' +
        'The manifests name these secrets; set the environment variables before plan and apply:\n' +
        "  CRM_CLIENT_SECRET  clientSecret of connector 'crm'\n",
    );
    expect(readFileSync(join(tmp.dir, 'repo/connections/crm_sales.yaml'), 'utf8')).toBe(
      'kind: Connection\nlinkName: crm_sales\nname: CRM sales\nconnector: crm\nenabled: true\nscopes: [ contacts.read ]\n',
    );
    const valid = spawnSync(process.execPath, [BIN, 'validate', '--dir', 'repo'], { cwd: tmp.dir, encoding: 'utf8' });
    expect(valid.stderr).toBe('');
    expect(valid.status).toBe(0);
    expect((await cli(['import', ...T, '--out', 'repo'])).stdout).toMatch(/^Wrote 0 manifests \(2 connectors, 3 connections; 5 already up to date\) to repo\.\n/);
  });

  it('refuses, writing nothing, when a file it would write exists with other content', async () => {
    await cli(['target', 'import', write('snap.json', account()), ...T]);
    mkdirSync(join(tmp.dir, 'repo/connectors'), { recursive: true });
    writeFileSync(join(tmp.dir, 'repo/connectors/crm.yaml'), 'kind: Connector\n# mine\n');
    const r = await cli(['import', ...T, '--out', 'repo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error: 1 file already exists with other content; nothing was written:\n  repo/connectors/crm.yaml\n  hint: move them away, or import into another directory with --out\n',
    );
    expect(existsSync(join(tmp.dir, 'repo/connectors/keyed.yaml'))).toBe(false);
    expect(existsSync(join(tmp.dir, 'repo/connections'))).toBe(false);
    expect(readFileSync(join(tmp.dir, 'repo/connectors/crm.yaml'), 'utf8')).toBe('kind: Connector\n# mine\n');
  });

  it('points each file at the manifest schema when the output directory has one', async () => {
    await cli(['target', 'import', write('snap.json', account()), ...T]);
    mkdirSync(join(tmp.dir, 'repo/schema'), { recursive: true });
    writeFileSync(join(tmp.dir, 'repo/schema/manifest.schema.json'), readFileSync(join(ROOT, 'schema/manifest.schema.json')));
    expect((await cli(['import', ...T, '--out', 'repo'])).code).toBe(0);
    expect(readFileSync(join(tmp.dir, 'repo/connectors/crm.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/manifest.schema.json');
  });
});

describe('locks through the CLI', () => {
  it('target import refuses while another process holds the lock, naming it; unlock releases it', async () => {
    const path = join(tmp.dir, 'acct.db');
    await LocalTarget.open(path).close();
    child = startChild(join(ROOT, 'test/fixtures/targets/hold-lock.mjs'), [path, 'apply']);
    const held = JSON.parse(await child.waitFor((l) => l.startsWith('{'))) as { id: string; holder: string; pid: number };
    const file = write('snap.json', account());
    const refused = await cli(['target', 'import', file, ...T]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`^Error: target local:acct\\.db is locked by ${held.holder} \\(pid ${held.pid}\\) since \\S+, for apply \\(lock ${held.id}\\)\\n`),
    );
    expect(refused.stderr).toContain(
      `  hint: wait for that run to finish, or, if it is dead, release the lock with: connectorops unlock ${held.id} --target local:acct.db\n`,
    );
    expect((await stands()).serial).toBe(0);
    expect(await cli(['unlock', held.id, ...T])).toMatchObject({ code: 0, stdout: `Released lock ${held.id} of target local:acct.db.\n` });
    const again = await cli(['unlock', held.id, ...T]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^Error: target local:acct\\.db holds no lock ${held.id}; nothing was released`));
    expect((await cli(['target', 'import', file, ...T])).code).toBe(0);
  });
});
