/**
 * Hostile manifests through the real CLI (issue 13): what a manifest says is never echoed where
 * it could be a secret, files outside the manifest directory are never read, and every bad input
 * is a clear error with its position, never a stack trace.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanRepos, tempRepo } from '../support/repo.js';
import { cli, type CliResult } from '../support/in-process-cli.js';

afterAll(() => cleanRepos());

const SECRET = 'SECRET-VALUE-9f8e7d';
const ENV = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1' };

const connector = (clientSecret: string) => `kind: Connector
linkName: crm
name: Acme CRM
authentication:
  type: oauth2
  grantType: authorization_code
  clientId: "1000.ABC"
  clientSecret: ${clientSecret}
  authorizeUrl: https://accounts.acme.example/oauth/authorize
  accessTokenUrl: https://accounts.acme.example/oauth/token
  scopes: [contacts.read]
`;

function run(dir: string, ...args: string[]): Promise<CliResult> {
  return cli(args, { cwd: dir, env: ENV });
}

/** A clear refusal: exit 1, no stack trace, no internal error. */
function refused(r: CliResult): string {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/Internal error|\n {4}at /);
  return r.stderr;
}

describe('YAML messages never quote a secret', () => {
  const forms = [
    `*${SECRET}`,
    `!${SECRET}`,
    `!<${SECRET}>`,
    `!!${SECRET} x`,
    `|${SECRET}\n    x`,
    `>${SECRET}\n    x`,
    `]${SECRET}`,
    `}${SECRET}`,
    `"${SECRET}\\q"`,
    `@${SECRET}`,
  ];
  it.each(forms)('clientSecret: %s', async (form) => {
    const dir = tempRepo({ 'connectors/crm.yaml': connector(form) });
    for (const args of [['validate'], ['plan', '--target', `local:${join(dir, 'state.db')}`]]) {
      const r = await run(dir, ...args);
      const stderr = refused(r);
      expect(stderr).toMatch(/connectors\/crm\.yaml:\d+:\d+: (?:error|warning) yaml: /);
      expect(stderr + r.stdout).not.toContain('SECRET');
      expect(stderr + r.stdout).not.toContain('9f8e7d');
    }
  });

  it('keeps the report of random bytes short, escaped and bounded', async () => {
    let seed = 42;
    const random = Buffer.alloc(200_000, 0);
    for (let i = 0; i < random.length; i++) random[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const dir = tempRepo({
      'connectors/noise.yaml': Buffer.from(random.toString('latin1'), 'latin1')
        .toString('utf8')
        .replace(/\uFFFD/g, '?'),
    });
    const stderr = refused(await run(dir, 'validate'));
    expect(stderr.length).toBeLessThan(10_000);
    // eslint-disable-next-line no-control-regex
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('names the user chose are looked up as own properties only', () => {
  it.each(['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'])('fromEnv: %s plans and applies without a crash', async (name) => {
    const dir = tempRepo({ 'connectors/crm.yaml': connector(`{ fromEnv: ${name} }`) });
    const target = `local:${join(dir, 'state.db')}`;
    expect((await run(dir, 'validate')).code).toBe(0);
    const plan = await run(dir, 'plan', '--target', target, '--detailed-exitcode');
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stderr).toContain(`${name} is not set`);
    const apply = refused(await run(dir, 'apply', '--auto-approve', '--target', target));
    expect(apply).toMatch(new RegExp(`^Error: S1: environment variable ${name} \\(for connector 'crm'\\) is not set; nothing was carried out`, 'm'));
  });

  it('--target constructor is an unknown target, not a crash', async () => {
    const dir = tempRepo({ 'connectorops.yaml': 'targets:\n  prod: { url: "local:prod.db" }\n' });
    expect(refused(await run(dir, 'plan', '--target', 'constructor'))).toMatch(/^Error: unknown target 'constructor'/m);
    expect(refused(await run(dir, 'constructor'))).toMatch(/^Error: unknown command "constructor"/);
  });
});

describe('files outside the manifest directory are never read', () => {
  it('refuses a symlinked manifest that points outside, naming the link, not quoting the target', async () => {
    const outside = tempRepo({ 'services.txt': 'tcpmux 1/tcp # TCP port service multiplexer\nLEAKED-LINE: yes\n' });
    const dir = tempRepo({ 'connectors/ok.yaml': connector('{ fromEnv: CRM_SECRET }') });
    symlinkSync(join(outside, 'services.txt'), join(dir, 'connectors/x.yaml'));
    const stderr = refused(await run(dir, 'validate'));
    expect(stderr).toContain('connectors/x.yaml:1:1: error symlink: is a symbolic link to a file outside the manifest directory; it was not read');
    expect(stderr).not.toContain('LEAKED');
    expect(stderr).not.toContain('tcpmux');
  });

  it('still follows a symlinked manifest that stays inside', async () => {
    const dir = tempRepo({ 'common/crm.yaml': connector('{ fromEnv: CRM_SECRET }') });
    mkdirSync(join(dir, 'connectors'));
    symlinkSync('../common/crm.yaml', join(dir, 'connectors/crm.yaml'));
    const r = await run(dir, 'validate');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 connector');
  });

  it('refuses a symlinked connectors/ folder, naming it', async () => {
    const outside = tempRepo({ 'crm.yaml': connector('{ fromEnv: CRM_SECRET }') });
    const dir = tempRepo({});
    symlinkSync(outside, join(dir, 'connectors'));
    const stderr = refused(await run(dir, 'plan', '--target', `local:${join(dir, 'state.db')}`));
    expect(stderr).toContain('connectors:1:1: error symlink: is a symbolic link to a folder; manifest folders must be real folders under --dir');
  });

  it('reports a symlink loop clearly', async () => {
    const dir = tempRepo({ 'connectors/ok.yaml': connector('{ fromEnv: CRM_SECRET }') });
    symlinkSync('loop.yaml', join(dir, 'connectors/loop.yaml'));
    expect(refused(await run(dir, 'validate'))).toContain('connectors/loop.yaml:1:1: error symlink: is a symbolic link that loops');
  });

  it('a symlinked connectorops.yaml pointing outside is refused, for commands that read only the config too', async () => {
    const outside = tempRepo({ passwd: 'root:x:0:0:LEAKED:/root:/bin/bash\n' });
    const dir = tempRepo({});
    symlinkSync(join(outside, 'passwd'), join(dir, 'connectorops.yaml'));
    for (const args of [['validate'], ['target', 'export']]) {
      const stderr = refused(await run(dir, ...args));
      expect(stderr).toContain('connectorops.yaml:1:1: error symlink: is a symbolic link to a file outside the manifest directory');
      expect(stderr).not.toContain('LEAKED');
    }
  });
});

describe('limits and encodings', () => {
  it('refuses a manifest over 1 MiB without parsing it', async () => {
    const big = `kind: Connector\nlinkName: big\nname: ${'x'.repeat(2 * 1024 * 1024)}\n`;
    const dir = tempRepo({ 'connectors/big.yaml': big });
    const stderr = refused(await run(dir, 'validate'));
    expect(stderr).toContain(`connectors/big.yaml:1:1: error size: the file has ${big.length} bytes; a manifest file may have at most 1048576 (1 MiB)`);
  });

  it('a list of many thousands of wrong entries is one error at the document, not an Internal error', async () => {
    // zod gathers the problems of a list's entries with push(...issues), one argument each: 300,000
    // of them (a 900 KB manifest) overflowed the stack, and validate printed an Internal error.
    const scopes = new Array(300_000).fill('1').join(', ');
    const dir = tempRepo({ 'connectors/big.yaml': `kind: Connector\nlinkName: big\nname: Big\nstage: draft\nauthentication:\n  type: oauth2\n  scopes: [${scopes}]\n` });
    const stderr = refused(await run(dir, 'validate'));
    expect(stderr).toContain('connectors/big.yaml:1:1: error schema: the document: too many problems to list (many thousands of entries are wrong)');
  });

  it('rejects invalid UTF-8 with its position', async () => {
    const [head, tail] = connector('{ fromEnv: CRM_SECRET }').split('1000.ABC');
    const dir = tempRepo({});
    mkdirSync(join(dir, 'connectors'));
    writeFileSync(join(dir, 'connectors/crm.yaml'), Buffer.concat([Buffer.from(`${head!}1000.AB`), Buffer.from([0xff]), Buffer.from(`C${tail!}`)]));
    const stderr = refused(await run(dir, 'validate'));
    expect(stderr).toMatch(/^connectors\/crm\.yaml:7:21: error encoding: byte \d+ \(0xff\) is not valid UTF-8; connectorops reads manifests and code as UTF-8 text/m);
  });

  it('escapes a file name with a line break or an escape sequence', async () => {
    const dir = tempRepo({ 'connectors/evil\n\u001b[2Jname.yaml': 'kind: [' });
    const stderr = refused(await run(dir, 'validate'));
    expect(stderr).toContain('connectors/evil\\u000a\\u001b[2Jname.yaml:1:');
    expect(stderr).not.toContain('\u001b');
  });
});
