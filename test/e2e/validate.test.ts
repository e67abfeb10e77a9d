/**
 * `connectorops validate` as a user runs it: the built CLI in a child process, against manifest
 * directories and git repositories in temp dirs. The bad-input corpus checks, for every case, the
 * exit code, the `file:line` and the code of the error, and that the directory is untouched.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/dist.js';
import { cleanRepos, cli as binary, commitAll, fingerprint, git, lineOf, tempRepo, writeFiles } from '../support/repo.js';
import { cli } from '../support/in-process-cli.js';
import { APIKEY, BASIC, CONNECTION, OAUTH1, OAUTH2, SECRET_VALUE } from '../manifest/docs.js';

afterAll(cleanRepos);

interface BadCase {
  name: string;
  files: Record<string, string>;
  /** The file the error is in, and the text on its line. */
  file: string;
  line: string | number;
  code: string;
  /** Which occurrence of `line` (default the first). */
  occurrence?: number;
  /** Text that must appear in the message. */
  says?: string;
}

const long = (n: number, ch = 'a') => ch.repeat(n);
const connector = (extra: string) => OAUTH2 + extra;
const withAuth = (auth: string, head = 'kind: Connector\nlinkName: svc\nname: Service\n') => `${head}authentication:\n${auth}`;

const CASES: BadCase[] = [
  // N1
  {
    name: 'N1 name starting with #',
    files: { 'connectors/a.yaml': OAUTH2.replace('name: Acme CRM', 'name: "#crm"') },
    file: 'connectors/a.yaml',
    line: 'name: "#crm"',
    code: 'N1',
  },
  {
    name: 'N1 name of 51 characters',
    files: { 'connectors/a.yaml': OAUTH2.replace('name: Acme CRM', `name: ${long(51)}`) },
    file: 'connectors/a.yaml',
    line: `name: ${long(51)}`,
    code: 'N1',
  },
  {
    name: 'N1 name with a character outside the list',
    files: { 'connectors/a.yaml': OAUTH2.replace('name: Acme CRM', 'name: Acme [CRM]') },
    file: 'connectors/a.yaml',
    line: 'name: Acme [CRM]',
    code: 'N1',
  },
  { name: 'N1 empty name', files: { 'connectors/a.yaml': OAUTH2.replace('name: Acme CRM', 'name: ""') }, file: 'connectors/a.yaml', line: 'name: ""', code: 'N1' },
  {
    name: 'N1 connection name with a comma',
    files: { 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': CONNECTION.replace('name: CRM sales team', 'name: CRM, sales') },
    file: 'connections/c.yaml',
    line: 'name: CRM, sales',
    code: 'N1',
  },
  // N2
  {
    name: 'N2 description with an apostrophe',
    files: { 'connectors/a.yaml': OAUTH2.replace('description: CRM of the sales team', "description: the team's CRM") },
    file: 'connectors/a.yaml',
    line: 'description:',
    code: 'N2',
  },
  {
    name: 'N2 description of 256 characters',
    files: { 'connectors/a.yaml': OAUTH2.replace('description: CRM of the sales team', `description: ${long(256)}`) },
    file: 'connectors/a.yaml',
    line: 'description:',
    code: 'N2',
  },
  {
    name: 'N2 description with a line break',
    files: { 'connectors/a.yaml': OAUTH2.replace('description: CRM of the sales team', 'description: |\n  two\n  lines') },
    file: 'connectors/a.yaml',
    line: 'description:',
    code: 'N2',
  },
  {
    name: 'N2 description with a hash',
    files: { 'connectors/a.yaml': OAUTH2.replace('description: CRM of the sales team', 'description: "team #1"') },
    file: 'connectors/a.yaml',
    line: 'description:',
    code: 'N2',
  },
  // N3
  {
    name: 'N3 upper-case link name',
    files: { 'connectors/a.yaml': OAUTH2.replace('linkName: crm', 'linkName: CRM') },
    file: 'connectors/a.yaml',
    line: 'linkName: CRM',
    code: 'N3',
  },
  {
    name: 'N3 link name starting with a digit',
    files: { 'connectors/a.yaml': OAUTH2.replace('linkName: crm', 'linkName: 1crm') },
    file: 'connectors/a.yaml',
    line: 'linkName: 1crm',
    code: 'N3',
  },
  {
    name: 'N3 link name of 51 characters',
    files: { 'connectors/a.yaml': OAUTH2.replace('linkName: crm', `linkName: ${long(51)}`) },
    file: 'connectors/a.yaml',
    line: 'linkName:',
    code: 'N3',
  },
  {
    name: 'N3 connection link name with a hyphen',
    files: { 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': CONNECTION.replace('linkName: crm_sales', 'linkName: crm-sales') },
    file: 'connections/c.yaml',
    line: 'linkName: crm-sales',
    code: 'N3',
  },
  {
    name: 'N3 connector reference that is no link name',
    files: { 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': CONNECTION.replace('connector: crm', 'connector: Acme CRM') },
    file: 'connections/c.yaml',
    line: 'connector: Acme CRM',
    code: 'N3',
  },
  // S1
  {
    name: 'S1 plain-text OAuth2 client secret',
    files: { 'connectors/a.yaml': OAUTH2.replace('{ fromEnv: CRM_CLIENT_SECRET }', SECRET_VALUE) },
    file: 'connectors/a.yaml',
    line: 'clientSecret:',
    code: 'S1',
  },
  {
    name: 'S1 plain-text OAuth1 consumer secret',
    files: { 'connectors/a.yaml': OAUTH1.replace('{ fromEnv: ERP_CONSUMER_SECRET }', `"${SECRET_VALUE}"`) },
    file: 'connectors/a.yaml',
    line: 'consumerSecret:',
    code: 'S1',
  },
  {
    name: 'S1 numeric client secret',
    files: { 'connectors/a.yaml': OAUTH2.replace('{ fromEnv: CRM_CLIENT_SECRET }', '12345678') },
    file: 'connectors/a.yaml',
    line: 'clientSecret:',
    code: 'S1',
  },
  {
    name: 'S1 secret given both ways',
    files: { 'connectors/a.yaml': OAUTH2.replace('{ fromEnv: CRM_CLIENT_SECRET }', `{ fromEnv: CRM_CLIENT_SECRET, value: ${SECRET_VALUE} }`) },
    file: 'connectors/a.yaml',
    line: 'clientSecret:',
    code: 'schema',
    says: 'a secret reference holds only fromEnv',
  },
  {
    name: 'fromEnv that is no environment variable name',
    files: { 'connectors/a.yaml': OAUTH2.replace('fromEnv: CRM_CLIENT_SECRET', 'fromEnv: 1-BAD') },
    file: 'connectors/a.yaml',
    line: 'clientSecret:',
    code: 'schema',
    says: 'fromEnv',
  },
  // unknown keys
  {
    name: 'unknown top-level key',
    files: { 'connectors/a.yaml': connector('owner: sales\n') },
    file: 'connectors/a.yaml',
    line: 'owner: sales',
    code: 'schema',
    says: "unknown key 'owner'",
  },
  {
    name: 'unknown key in authentication (typo)',
    files: { 'connectors/a.yaml': OAUTH2.replace('  clientId:', '  clientID: x\n  clientId:') },
    file: 'connectors/a.yaml',
    line: 'clientID:',
    code: 'schema',
    says: "did you mean 'clientId'",
  },
  {
    name: 'unknown key in a connection',
    files: { 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': CONNECTION + 'description: x\n' },
    file: 'connections/c.yaml',
    line: 'description: x',
    code: 'schema',
  },
  {
    name: 'unknown key in an apiKey parameter',
    files: { 'connectors/a.yaml': withAuth('  type: apiKey\n  parameters:\n    - parameterKey: key\n      location: query\n') },
    file: 'connectors/a.yaml',
    line: 'location: query',
    code: 'schema',
  },
  {
    name: 'username on basic authentication',
    files: { 'connectors/a.yaml': BASIC + '  username: admin\n' },
    file: 'connectors/a.yaml',
    line: 'username: admin',
    code: 'schema',
  },
  // wrong types
  {
    name: 'enabled: yes',
    files: { 'connectors/a.yaml': connector('enabled: yes\n') },
    file: 'connectors/a.yaml',
    line: 'enabled: yes',
    code: 'schema',
    says: 'true or false',
  },
  {
    name: 'scopes as a string',
    files: { 'connectors/a.yaml': OAUTH2.replace('scopes: [contacts.read, contacts.write]', 'scopes: contacts.read') },
    file: 'connectors/a.yaml',
    line: 'scopes: contacts.read',
    code: 'schema',
  },
  { name: 'numeric name', files: { 'connectors/a.yaml': OAUTH2.replace('name: Acme CRM', 'name: 2024') }, file: 'connectors/a.yaml', line: 'name: 2024', code: 'schema' },
  {
    name: 'authentication as a string',
    files: { 'connectors/a.yaml': 'kind: Connector\nlinkName: a\nname: A\nauthentication: oauth2\n' },
    file: 'connectors/a.yaml',
    line: 'authentication: oauth2',
    code: 'schema',
  },
  // bad enums
  { name: 'unknown stage', files: { 'connectors/a.yaml': connector('stage: published\n') }, file: 'connectors/a.yaml', line: 'stage: published', code: 'schema' },
  {
    name: 'unknown grant type',
    files: { 'connectors/a.yaml': OAUTH2.replace('grantType: authorization_code', 'grantType: password') },
    file: 'connectors/a.yaml',
    line: 'grantType: password',
    code: 'schema',
  },
  {
    name: 'unknown apiKey addTo',
    files: { 'connectors/a.yaml': APIKEY.replace('addTo: header', 'addTo: body') },
    file: 'connectors/a.yaml',
    line: 'addTo: body',
    code: 'schema',
  },
  {
    name: 'unknown scope separator',
    files: { 'connectors/a.yaml': OAUTH2 + '  scopeSeparator: ";"\n' },
    file: 'connectors/a.yaml',
    line: 'scopeSeparator',
    code: 'schema',
  },
  { name: 'unknown authentication type', files: { 'connectors/a.yaml': withAuth('  type: oauth3\n') }, file: 'connectors/a.yaml', line: 'type: oauth3', code: 'schema' },
  {
    name: 'ftp URL',
    files: { 'connectors/a.yaml': OAUTH2.replace('accessTokenUrl: https://accounts.acme.example/oauth/token', 'accessTokenUrl: ftp://acme.example/token') },
    file: 'connectors/a.yaml',
    line: 'accessTokenUrl: ftp',
    code: 'schema',
  },
  // kinds and missing keys
  { name: 'missing kind', files: { 'connectors/a.yaml': OAUTH2.replace('kind: Connector\n', '') }, file: 'connectors/a.yaml', line: 1, code: 'kind' },
  {
    name: 'unknown kind',
    files: { 'connectors/a.yaml': OAUTH2.replace('kind: Connector', 'kind: Connecter') },
    file: 'connectors/a.yaml',
    line: 'kind: Connecter',
    code: 'kind',
    says: "did you mean 'Connector'",
  },
  { name: 'a list instead of a mapping', files: { 'connections/a.yaml': '- kind: Connection\n' }, file: 'connections/a.yaml', line: 1, code: 'kind' },
  {
    name: 'missing linkName',
    files: { 'connectors/a.yaml': '# a comment first\n' + OAUTH2.replace('linkName: crm\n', '') },
    file: 'connectors/a.yaml',
    line: 'kind: Connector',
    code: 'schema',
    says: "missing required key 'linkName'",
  },
  {
    name: 'missing authentication type',
    files: { 'connectors/a.yaml': withAuth('  parameterKey: k\n') },
    file: 'connectors/a.yaml',
    line: 'authentication:',
    code: 'schema',
    says: "'type'",
  },
  // YAML syntax
  {
    name: 'tab indentation',
    files: { 'connectors/a.yaml': 'kind: Connector\nlinkName: a\nname: A\nauthentication:\n\ttype: basic\n' },
    file: 'connectors/a.yaml',
    line: '\ttype: basic',
    code: 'yaml',
  },
  {
    name: 'unclosed bracket',
    files: { 'connectors/a.yaml': OAUTH2.replace('scopes: [contacts.read, contacts.write]', 'scopes: [contacts.read, contacts.write') + 'stage: ready\n' },
    file: 'connectors/a.yaml',
    line: 'scopes: [contacts.read',
    code: 'yaml',
    says: 'never closed',
  },
  {
    name: 'unclosed quote',
    files: { 'connectors/a.yaml': OAUTH2.replace('name: Acme CRM', 'name: "Acme CRM') },
    file: 'connectors/a.yaml',
    line: 'name: "Acme CRM',
    code: 'yaml',
    says: 'never closed',
  },
  {
    name: 'duplicate YAML key',
    files: { 'connectors/a.yaml': OAUTH2 + 'name: Other\n' },
    file: 'connectors/a.yaml',
    line: 'name: Other',
    code: 'yaml',
    says: "duplicate key 'name'",
  },
  {
    name: 'unresolved alias',
    files: { 'connectors/a.yaml': OAUTH2.replace('name: Acme CRM', 'name: *missing') },
    file: 'connectors/a.yaml',
    line: 'name: *missing',
    code: 'yaml',
  },
  // apiKey forms
  {
    name: 'apiKey flat and list at once',
    files: { 'connectors/a.yaml': APIKEY + '  parameters:\n    - parameterKey: k2\n' },
    file: 'connectors/a.yaml',
    line: 'parameterKey: X-Api-Key',
    code: 'schema',
    says: 'not both',
  },
  {
    name: 'apiKey displayName without parameterKey',
    files: { 'connectors/a.yaml': withAuth('  type: apiKey\n  displayName: Key\n') },
    file: 'connectors/a.yaml',
    line: 'displayName: Key',
    code: 'schema',
  },
  {
    name: 'apiKey empty parameter list',
    files: { 'connectors/a.yaml': withAuth('  type: apiKey\n  parameters: []\n') },
    file: 'connectors/a.yaml',
    line: 'parameters: []',
    code: 'schema',
  },
  // across documents
  {
    name: 'N3 duplicate connector link name across files',
    files: { 'connectors/a.yaml': OAUTH2, 'connectors/b.yaml': OAUTH2.replace('name: Acme CRM', 'name: Other CRM') },
    file: 'connectors/b.yaml',
    line: 'linkName: crm',
    code: 'N3',
    says: 'also defined at connectors/a.yaml:2:11',
  },
  {
    name: 'N3 duplicate connection link name in one file',
    files: { 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': `${CONNECTION}---\n${CONNECTION}` },
    file: 'connections/c.yaml',
    line: 'linkName: crm_sales',
    occurrence: 2,
    code: 'N3',
    says: 'also defined at connections/c.yaml:2:11',
  },
  {
    name: 'connection of a connector nobody defines',
    files: { 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': CONNECTION.replace('connector: crm', 'connector: crm_eu') },
    file: 'connections/c.yaml',
    line: 'connector: crm_eu',
    code: 'reference',
  },
  {
    name: 'scope the connector does not offer',
    files: { 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': CONNECTION.replace('scopes: [contacts.read]', 'scopes:\n  - contacts.read\n  - deals.read') },
    file: 'connections/c.yaml',
    line: '- deals.read',
    code: 'scopes',
  },
  {
    name: 'scopes on a connection of an apiKey connector',
    files: { 'connectors/a.yaml': APIKEY, 'connections/c.yaml': CONNECTION.replace('connector: crm', 'connector: weather') },
    file: 'connections/c.yaml',
    line: 'scopes:',
    code: 'scopes',
  },
  {
    name: 'R6 connection of a draft connector',
    files: { 'connectors/a.yaml': connector('stage: draft\n'), 'connections/c.yaml': CONNECTION },
    file: 'connections/c.yaml',
    line: 'connector: crm',
    code: 'R6',
  },
  {
    name: 'R16 enabled connection under a disabled connector',
    files: { 'connectors/a.yaml': connector('enabled: false\n'), 'connections/c.yaml': CONNECTION + 'enabled: true\n' },
    file: 'connections/c.yaml',
    line: 'enabled: true',
    code: 'R16',
  },
  {
    name: 'R2 ready OAuth2 connector without its client secret',
    files: { 'connectors/a.yaml': OAUTH2.replace('  clientSecret: { fromEnv: CRM_CLIENT_SECRET }\n', '') },
    file: 'connectors/a.yaml',
    line: 'authentication:',
    code: 'R2',
    says: 'clientSecret',
  },
  {
    name: 'R2 ready authorization_code connector without authorizeUrl',
    files: { 'connectors/a.yaml': OAUTH2.replace('  authorizeUrl: https://accounts.acme.example/oauth/authorize\n', '') },
    file: 'connectors/a.yaml',
    line: 'authentication:',
    code: 'R2',
    says: 'authorizeUrl',
  },
  {
    name: 'R2 ready OAuth1 connector without consumerKey and requestTokenUrl',
    files: { 'connectors/a.yaml': OAUTH1.replace('  consumerKey: key\n', '').replace('  requestTokenUrl: https://erp.example/request\n', '') },
    file: 'connectors/a.yaml',
    line: 'authentication:',
    code: 'R2',
    says: 'consumerKey, requestTokenUrl',
  },
  {
    name: 'R2 ready apiKey connector without a parameter',
    files: { 'connectors/a.yaml': withAuth('  type: apiKey\n') },
    file: 'connectors/a.yaml',
    line: 'authentication:',
    code: 'R2',
    says: 'parameterKey',
  },
  {
    name: 'R2 ready client_credentials connector without accessTokenUrl',
    files: { 'connectors/a.yaml': withAuth('  type: oauth2\n  grantType: client_credentials\n  clientId: x\n  clientSecret: { fromEnv: X }\n') },
    file: 'connectors/a.yaml',
    line: 'authentication:',
    code: 'R2',
    says: 'accessTokenUrl',
  },
  // multi-document files
  {
    name: 'error in the second document of a file',
    files: { 'connectors/a.yaml': `${OAUTH2}---\n${APIKEY.replace('addTo: header', 'addTo: cookie')}` },
    file: 'connectors/a.yaml',
    line: 'addTo: cookie',
    code: 'schema',
  },
  {
    name: 'error in the third document, after a comment-only one',
    files: { 'connectors/a.yaml': `${OAUTH2}---\n# nothing here\n---\n${BASIC.replace('name: Helpdesk', 'name: Help?')}` },
    file: 'connectors/a.yaml',
    line: 'name: Help?',
    code: 'N1',
  },
  {
    name: 'YAML error in the second document',
    files: { 'connectors/a.yaml': `${OAUTH2}---\n${BASIC}name: again\n` },
    file: 'connectors/a.yaml',
    line: 'name: again',
    code: 'yaml',
  },
  // kind decides, whatever the folder; .yml and nested folders count
  {
    name: 'a Connection in connectors/ is a connection',
    files: { 'connectors/a.yaml': `${OAUTH2}---\n${CONNECTION.replace('connector: crm', 'connector: nope')}` },
    file: 'connectors/a.yaml',
    line: 'connector: nope',
    code: 'reference',
  },
  {
    name: 'a .yml file in a nested folder',
    files: { 'connectors/team/eu/a.yml': OAUTH2.replace('linkName: crm', 'linkName: Crm') },
    file: 'connectors/team/eu/a.yml',
    line: 'linkName: Crm',
    code: 'N3',
  },
  // connectorops.yaml
  {
    name: 'unknown key in connectorops.yaml',
    files: { 'connectorops.yaml': 'defaultTarget: local:x.db\ntarget: prod\n' },
    file: 'connectorops.yaml',
    line: 'target: prod',
    code: 'schema',
  },
  {
    name: 'defaultTarget naming no target',
    files: { 'connectorops.yaml': 'defaultTarget: staging\ntargets:\n  production: { url: "https://creator.example" }\n' },
    file: 'connectorops.yaml',
    line: 'defaultTarget: staging',
    code: 'config',
    says: 'staging',
  },
  {
    name: 'target url that is no target spec',
    files: { 'connectorops.yaml': 'targets:\n  production:\n    url: ftp://creator.example\n' },
    file: 'connectorops.yaml',
    line: 'url: ftp',
    code: 'schema',
  },
  {
    name: 'YAML error in connectorops.yaml',
    files: { 'connectorops.yaml': 'targets: {production: {url: "https://x"}\n' },
    file: 'connectorops.yaml',
    line: 1,
    code: 'yaml',
  },
];

describe('validate: bad input corpus', () => {
  it('has at least 40 cases', async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('$name → $file, $code', async (c) => {
    const dir = tempRepo(c.files);
    const before = fingerprint(dir);
    const r = await cli(['validate', '--dir', dir]);
    const line = typeof c.line === 'number' ? c.line : lineOf(c.files[c.file]!, c.line, c.occurrence);
    expect(r.code, r.stderr).toBe(1);
    const head = `${c.file}:${line}:`;
    const hit = r.stderr.split('\n').find((l) => l.startsWith(head) && l.includes(` error ${c.code}: `));
    expect(hit, `expected '${head}…: error ${c.code}:' in\n${r.stderr}`).toBeDefined();
    if (c.says) expect(hit! + r.stderr).toContain(c.says);
    expect(r.stderr).toMatch(/^Invalid: \d+ errors? /m);
    // S1: whatever the mistake, a secret's value is never repeated back.
    expect(r.stdout + r.stderr).not.toContain(SECRET_VALUE);
    expect(fingerprint(dir)).toEqual(before);
    expect(existsSync(join(dir, '.connectorops'))).toBe(false);
  });
});

describe('validate: valid input', () => {
  it("the repository's example manifests are valid", async () => {
    const r = await cli(['validate', '--dir', ROOT]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Valid: 7 connectors, 7 connections in 14 files \(working tree\)\.\n$/);
    expect(r.code).toBe(0);
  });

  it('defaults to the current directory', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2, 'connections/crm_sales.yaml': CONNECTION });
    const r = await cli(['validate'], { cwd: dir });
    expect(r.stdout).toBe('Valid: 1 connector, 1 connection in 2 files (working tree).\n');
    expect(r.code).toBe(0);
  });

  it('a directory without manifests is valid', async () => {
    const dir = tempRepo({ 'README.md': '# nothing\n', 'connectors/notes.txt': 'not yaml' });
    const r = await cli(['validate', '--dir', dir]);
    expect(r.stdout).toBe('Valid: 0 connectors, 0 connections in 0 files (working tree).\n');
    expect(r.code).toBe(0);
  });

  it('warnings are printed but do not fail', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2.replace('[contacts.read, contacts.write]', '[contacts.read, contacts.read]') });
    const r = await cli(['validate', '--dir', dir]);
    expect(r.stderr).toContain(`connectors/crm.yaml:${lineOf(OAUTH2, 'scopes:')}:`);
    expect(r.stderr).toContain('warning scopes:');
    expect(r.stdout).toBe('Valid: 1 connector, 0 connections in 1 file (working tree), 1 warning.\n');
    expect(r.code).toBe(0);
  });

  it('every error of a run is reported, in file order', async () => {
    const dir = tempRepo({
      'connectors/b.yaml': OAUTH2.replace('linkName: crm', 'linkName: B'),
      'connectors/a.yaml': APIKEY.replace('name: Weather', 'name: "?"'),
    });
    const r = await cli(['validate', '--dir', dir]);
    const lines = r.stderr.split('\n').filter((l) => l.includes(': error '));
    expect(lines.map((l) => l.split(':')[0])).toEqual(['connectors/a.yaml', 'connectors/b.yaml']);
    expect(r.stderr).toContain('Invalid: 2 errors in 2 files (working tree).');
  });
});

describe('validate: usage', () => {
  it('--help prints usage and exits 0', async () => {
    const r = await cli(['validate', '--help']);
    expect(r.stdout).toContain('Usage: connectorops validate [--dir D] [--ref REF]');
    expect(r.code).toBe(0);
  });

  it('an unknown flag exits 1 with our own one-line message and a did-you-mean (issue 8)', async () => {
    const r = await cli(['validate', '--dri', '.']);
    expect(r.stderr).toBe("Error: unknown option '--dri'\n  hint: did you mean '--dir'? (run the command with --help for its options)\n");
    expect(r.code).toBe(1);
  });

  it('a stray argument exits 1', async () => {
    const r = await cli(['validate', 'connectors']);
    expect(r.stderr).toMatch(/Error: .*connectors/);
    expect(r.code).toBe(1);
  });

  it('a nonexistent --dir exits 1', async () => {
    const r = await cli(['validate', '--dir', join(tmpdir(), 'connectorops-no-such-dir')]);
    expect(r.stderr).toContain('does not exist');
    expect(r.code).toBe(1);
  });
});

describe('validate --ref', () => {
  it('reads the ref, not the working tree: an error at the ref fails while the tree is fine', async () => {
    const bad = OAUTH2.replace('{ fromEnv: CRM_CLIENT_SECRET }', SECRET_VALUE);
    const dir = tempRepo({ 'connectors/crm.yaml': bad });
    commitAll(dir);
    writeFiles(dir, { 'connectors/crm.yaml': OAUTH2 });
    const before = fingerprint(dir);

    const tree = await cli(['validate', '--dir', dir]);
    expect(tree.code).toBe(0);

    const ref = await cli(['validate', '--dir', dir, '--ref', 'HEAD']);
    expect(ref.code).toBe(1);
    expect(ref.stderr).toContain(`connectors/crm.yaml:${lineOf(bad, 'clientSecret:')}:17: error S1:`);
    expect(ref.stderr).toMatch(/Invalid: 1 error in 1 file \(ref HEAD at [0-9a-f]{7}\)\./);
    expect(ref.stdout + ref.stderr).not.toContain(SECRET_VALUE);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('and the other way round: a broken working tree does not matter to a good ref', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2, 'connections/c.yaml': CONNECTION });
    commitAll(dir);
    git(dir, 'branch', 'release');
    writeFiles(dir, { 'connections/c.yaml': 'kind: Connection\n\tbroken: [\n' });
    expect((await cli(['validate', '--dir', dir])).code).toBe(1);
    const r = await cli(['validate', '--dir', dir, '--ref', 'release']);
    expect(r.stdout).toMatch(/^Valid: 1 connector, 1 connection in 2 files \(ref release at [0-9a-f]{7}\)\.\n$/);
    expect(r.code).toBe(0);
  });

  it('an unknown ref exits 1', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2 });
    commitAll(dir);
    const r = await cli(['validate', '--dir', dir, '--ref', 'no-such-branch']);
    expect(r.stderr).toContain("unknown git ref 'no-such-branch'");
    expect(r.code).toBe(1);
  });

  it('--ref outside a git repository exits 1', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2 });
    const r = await cli(['validate', '--dir', dir, '--ref', 'HEAD'], { env: { GIT_CEILING_DIRECTORIES: tmpdir() } });
    expect(r.stderr).toContain('needs a git repository');
    expect(r.code).toBe(1);
  });

  it('reads a ref with exactly one git ls-tree and one git cat-file, however many files', async () => {
    const files: Record<string, string> = { 'connectors/crm.yaml': OAUTH2 };
    for (let i = 0; i < 60; i++) {
      files[`connections/team_${i % 7}/deep/c${i}.yaml`] = CONNECTION.replace('linkName: crm_sales', `linkName: crm_${i}`);
    }
    const dir = tempRepo(files);
    commitAll(dir);
    // A `git` first on PATH that logs its arguments and runs the real git.
    const bin = mkdtempSync(join(tmpdir(), 'connectorops-gitlog-'));
    const log = join(bin, 'calls.log');
    const realGit = gitPath();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    // The real binary: git is found on the process's own PATH.
    const r = binary(['validate', '--dir', dir, '--ref', 'main'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.stdout).toContain('Valid: 1 connector, 60 connections in 61 files');
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.startsWith('ls-tree'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('cat-file'))).toHaveLength(1);
    // Nothing else reads blobs one by one.
    expect(calls.filter((c) => /^(show|cat-file -p|rev-parse \S+:)/.test(c))).toEqual([]);
    expect(calls.length).toBeLessThanOrEqual(4);
  });
});

function gitPath(): string {
  return execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
}
