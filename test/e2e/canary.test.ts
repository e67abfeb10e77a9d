/**
 * A PostgreSQL password is never printed, written or sent (issue 18, item 3). Every command and
 * output format runs, through the real CLI, against a real PostgreSQL target whose URL holds a
 * canary password (with an `@` in it, and once with a leading space), plus the GitHub stand-in;
 * the canary is then looked for everywhere: stdout, stderr, every file the commands wrote (plan
 * files, imported manifests), every request GitHub received, and every row of the target's tables.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../support/dist.js';
import { ACTIONS_BOT, GitHubStandIn } from '../support/github-server.js';
import { freshSchema, startPostgres, type TestPostgres } from '../support/postgres-server.mjs';
import { commitAll, writeFiles } from '../support/repo.js';
import { tempDir } from '../support/target.js';

const CANARY = 'Kanary@pw-7q1z';
const TOKEN = 'ghs_canaryTestTokenNeverPrinted01';
const REPO = 'acme/infra';

let server: TestPostgres;
let gh: GitHubStandIn;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  ensureBuilt();
  server = await startPostgres();
  gh = await GitHubStandIn.start();
  gh.addToken(TOKEN, ACTIONS_BOT).addPullRequest(REPO, 7);
  tmp = tempDir('connectorops-canary-');
}, 120_000);
afterAll(async () => {
  await gh?.close();
  server?.stop();
  tmp?.cleanup();
});

interface Run {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: tmp.dir,
      env: {
        ...process.env,
        NO_COLOR: '1',
        CI: '1',
        USER: 'ops',
        GITHUB_TOKEN: TOKEN,
        GITHUB_API_URL: gh.url,
        GITHUB_REPOSITORY: REPO,
        CRM_SECRET: 'crm-secret-value-1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ args, code, stdout, stderr }));
  });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

const MANIFESTS = {
  'connectors/crm.yaml': `kind: Connector
linkName: crm
name: Acme CRM
authentication:
  type: oauth2
  grantType: authorization_code
  clientId: 1000.CRM
  clientSecret: { fromEnv: CRM_SECRET }
  authorizeUrl: https://accounts.acme.example/oauth/authorize
  accessTokenUrl: https://accounts.acme.example/oauth/token
  refreshTokenUrl: https://accounts.acme.example/oauth/token
  scopes: [contacts.read]
`,
  'connections/crm_sales.yaml': `kind: Connection
linkName: crm_sales
name: CRM sales
connector: crm
scopes: [contacts.read]
`,
};

it('no command, output format, file, GitHub request or table row holds the password of the target URL', async () => {
  const schema = freshSchema('canary');
  const plain = server.target(schema);
  const url = plain.replace('postgres://postgres@', `postgres://postgres:${CANARY}@`);
  expect(url).toContain(CANARY);
  writeFiles(tmp.dir, MANIFESTS);
  commitAll(tmp.dir);
  const T = ['--target', url];
  const spaced = ['--target', `  ${url}`];
  const runs: Run[] = [];
  const run = async (args: string[], expected: number | null = 0) => {
    const r = await cli(args);
    runs.push(r);
    if (expected !== null) expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(expected);
    return r;
  };

  await run(['target', 'init', ...T, '--mode', 'ledger', '--account', 'Acme (EU)']);
  await run(['target', 'info', ...spaced], null);
  for (const format of ['text', 'json', 'markdown', 'runbook']) await run(['plan', ...T, '--format', format], null);
  await run(['plan', ...spaced, '--out', 'plan.json'], null);
  await run(['comment', 'plan.json', '--pr', '7', '--repo', REPO], null);
  await run(['apply', ...T, '--auto-approve']);
  await run(['plan', ...T, '--out', 'plan2.json'], null);
  await run(['comment', 'plan2.json', '--pr', '7', '--repo', REPO], null);
  await run(['apply', 'plan2.json', ...T], null);
  await run(['rollout', ...T]);
  for (const format of ['text', 'json', 'markdown']) await run(['rollout', 'next', ...T, '--format', format], null);
  await run(['rollout', 'issue', ...T, '--repo', REPO]);
  await run(['rollout', 'done', 'a1', ...T, '--by', 'alice'], null);
  await run(['rollout', 'log', ...T]);
  await run(['rollout', 'abandon', ...T, '--by', 'alice'], null);
  await run(['target', 'export', ...T]);
  await run(['target', 'adopt', ...T], null);
  await run(['import', ...T, '--out', 'imported'], null);
  await run(['unlock', 'no-such-lock', ...T], null);
  // Refusals name the target too: a wrong port, a spec that is no spec, an unknown name.
  await run(['plan', '--target', url.replace(/:(\d+)\//, ':1/')], 1);
  await run(['plan', '--target', url.replace('postgres://', 'postgres:/')], 1);
  await run(['plan', '--target', `x${url}`], 1);

  // Every leak at once, each named by its command and the line that holds it (the URL shown as `URL`).
  const pw = CANARY.split('@')[0]!;
  const leaks = runs.flatMap((r) =>
    (r.stdout + '\n' + r.stderr)
      .split('\n')
      .filter((line) => CANARY.split('@').some((part) => line.includes(part)))
      .map((line) => `${r.args.map((a) => (a.includes(pw) ? 'URL' : a)).join(' ')}: ${line}`),
  );
  expect(leaks).toEqual([]);
  expect(runs.filter((r) => r.args[0] === 'plan' && r.code !== 1).every((r) => r.stdout.length > 0)).toBe(true);
  const files = filesUnder(tmp.dir);
  expect(files.some((f) => f.endsWith('plan.json'))).toBe(true);
  expect(files.filter((file) => readFileSync(file, 'utf8').includes(pw))).toEqual([]);
  const requests = JSON.stringify(gh.requests);
  expect(gh.requests.length).toBeGreaterThan(0);
  expect(requests).not.toContain(pw);

  const client = new pg.Client({ connectionString: plain.replace(/\?.*$/, '') });
  await client.connect();
  try {
    const tables = await client.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema]);
    expect(tables.rows.length).toBeGreaterThan(0);
    for (const { tablename } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${tablename}" t`);
      for (const { row } of rows.rows) expect(row, tablename).not.toContain(pw);
    }
  } finally {
    await client.end();
  }
}, 300_000);
