/**
 * The whole life of a ledger target through the CLI (in this process; `connectorops serve` and
 * `rollout walk` as real children), against a local target and against the same kind of target served over HTTP by `connectorops serve`:
 * init → adopt → a change in git → plan → apply (rollout opened, state unchanged) → plan again
 * (only what is new, rollout in progress) → rollout next → done out of order (refused) and in
 * order → authorizations → the last step (closed; re-plan empty) → rollout log. Plus `rollout
 * walk` driven through a real child's stdin, and `rollout abandon`.
 */
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { killHard, startChild, type Child } from '../support/child.js';
import { BIN, ensureBuilt } from '../support/dist.js';
import { runCli } from '../support/in-process-cli.js';
import { git } from '../support/repo.js';
import { tempDir } from '../support/target.js';

const TOKEN = 'e2e-rollout-token-7d2e91c4';
const SECRETS = { CRM_SECRET: 'crm-s3cret-value-0001', ERP_SECRET: 'erp-s3cret-value-0002' };
const BASE_ENV: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1', CONNECTOROPS_TOKEN: TOKEN, USER: 'ops-runner' };
const ENV: NodeJS.ProcessEnv = { ...BASE_ENV, ...SECRETS };

let tmp: ReturnType<typeof tempDir>;
const children: Child[] = [];
const closed = new WeakMap<Child, Promise<unknown>>();

beforeAll(() => ensureBuilt());
beforeEach(() => {
  tmp = tempDir('connectorops-rollout-e2e-');
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) await killHard(c);
  tmp.cleanup();
});

function start(args: string[], env: NodeJS.ProcessEnv = ENV): Child {
  const child = startChild(BIN, args, { cwd: tmp.dir, env });
  children.push(child);
  closed.set(child, once(child.process, 'close'));
  return child;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function finished(p: Child): Promise<Result> {
  const { code } = await p.exited;
  await closed.get(p);
  return { code, stdout: p.lines.join('\n') + (p.lines.length ? '\n' : ''), stderr: p.stderr() };
}

/** A command, in this process (the server and `rollout walk` are real children). */
const cli = (args: string[], env: NodeJS.ProcessEnv = ENV): Promise<Result> => runCli(args, { cwd: tmp.dir, env });

const connector = (linkName: string, name: string, secretEnv: string, extra = '') => `kind: Connector
linkName: ${linkName}
name: ${name}
${extra}authentication:
  type: oauth2
  grantType: authorization_code
  clientId: 1000.${linkName.toUpperCase()}
  clientSecret: { fromEnv: ${secretEnv} }
  authorizeUrl: https://accounts.acme.example/oauth/authorize
  accessTokenUrl: https://accounts.acme.example/oauth/token
  refreshTokenUrl: https://accounts.acme.example/oauth/token
  scopes: [contacts.read, contacts.write]
`;

const connection = (linkName: string, connectorName: string, scopes: string) => `kind: Connection
linkName: ${linkName}
name: Connection ${linkName}
connector: ${connectorName}
scopes: [${scopes}]
`;

const V1 = {
  'connectors/crm.yaml': connector('crm', 'Acme CRM', 'CRM_SECRET'),
  'connections/crm_sales.yaml': connection('crm_sales', 'crm', 'contacts.read'),
};
/** v2: a new connector with a connection, and crm_sales gets a scope (its authorization is revoked, R13). */
const V2 = {
  ...V1,
  'connectors/erp.yaml': connector('erp', 'Acme ERP', 'ERP_SECRET'),
  'connections/erp_ops.yaml': connection('erp_ops', 'erp', 'contacts.read'),
  'connections/crm_sales.yaml': connection('crm_sales', 'crm', 'contacts.read, contacts.write'),
};

function commit(files: Record<string, string>, message: string): void {
  git(tmp.dir, 'init', '-q', '-b', 'main');
  for (const dir of ['connectors', 'connections']) {
    rmSync(join(tmp.dir, dir), { recursive: true, force: true });
    mkdirSync(join(tmp.dir, dir));
  }
  for (const [path, text] of Object.entries(files)) writeFileSync(join(tmp.dir, path), text);
  writeFileSync(join(tmp.dir, '.gitignore'), '*.db*\n');
  git(tmp.dir, 'add', '-A');
  git(tmp.dir, 'commit', '-q', '-m', message);
}

interface NextJson {
  rollout: { id: string; done: number; total: number };
  steps: Array<{
    id: string;
    kind: string;
    op?: string;
    linkName?: string;
    connection?: string;
    account?: string | null;
    secrets: Array<{ parameter: string; env: string }>;
    instructions: string[];
  }>;
}

async function nextJson(T: string[]): Promise<NextJson> {
  const r = await cli(['rollout', 'next', '--format', 'json', ...T]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as NextJson;
}

type Kind = 'local' | 'http';

async function targetFlag(kind: Kind): Promise<string[]> {
  if (kind === 'local') return ['--target', 'local:acct.db'];
  const server = start(['serve', '--target', `local:${join(tmp.dir, 'acct.db')}`, '--port', '0']);
  const line = await server.waitFor((l) => l.startsWith('Serving '));
  const url = /(http:\/\/127\.0\.0\.1:\d+)$/.exec(line)![1]!;
  return ['--target', url];
}

describe.each<Kind>(['local', 'http'])('the life of a ledger target (%s)', (kind) => {
  it('init → adopt → plan → apply opens a rollout → steps confirmed one by one → closed, re-plan empty → log', async () => {
    const T = await targetFlag(kind);
    commit(V1, 'v1');

    // init and adopt: the account already holds v1.
    const init = await cli(['target', 'init', ...T, '--mode', 'ledger', '--account', 'Acme (EU)']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('is a ledger target for "Acme (EU)"');
    const adopt = await cli(['target', 'adopt', ...T, '--authorized', 'crm_sales=alice@acme.example']);
    expect(adopt.code, adopt.stderr).toBe(0);
    expect(adopt.stdout).toContain('Adopted 1 connector and 1 connection');
    const adopted = JSON.parse((await cli(['target', 'export', ...T])).stdout) as {
      target: { mode: string; account: string };
      connectors: Array<{ linkName: string; stage: string; secretFingerprints?: Record<string, string> }>;
      connections: Array<{ linkName: string; authorizations: unknown[] }>;
    };
    expect(adopted.target).toEqual({ mode: 'ledger', account: 'Acme (EU)' });
    expect(adopted.connectors[0]).toMatchObject({ linkName: 'crm', stage: 'ready' });
    expect(adopted.connectors[0]!.secretFingerprints?.clientSecret).toMatch(/\S/);
    expect(adopted.connections[0]!.authorizations).toEqual([{ environment: 'all', account: 'alice@acme.example' }]);
    expect((await cli(['plan', ...T, '--detailed-exitcode'])).code).toBe(0);

    // A change in git, planned and applied: a rollout opens, the ledger does not change.
    commit(V2, 'v2');
    const plan = await cli(['plan', ...T, '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    const exportBefore = (await cli(['target', 'export', ...T])).stdout;
    const apply = await cli(['apply', ...T, '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    const id = /Rollout (r-[0-9a-f]+) opened/.exec(apply.stdout)?.[1];
    expect(id, apply.stdout).toBeDefined();
    expect((await cli(['target', 'export', ...T])).stdout).toBe(exportBefore);
    const again = await cli(['apply', ...T, '--auto-approve']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`has an open rollout, ${id} (0 of 6 steps done)`);
    expect(again.stderr).toContain('rollout abandon');

    // Plan again: the rollout's changes are not planned twice; a new change shows alone.
    const inProgress = await cli(['plan', ...T, '--detailed-exitcode']);
    expect(inProgress.code).toBe(0);
    expect(inProgress.stdout).toContain(`Rollout ${id} is in progress (0 of 6 steps done)`);
    expect(inProgress.stdout).toContain('No changes.');
    writeFileSync(join(tmp.dir, 'connectors/crm.yaml'), connector('crm', 'Acme CRM', 'CRM_SECRET', 'description: now with a description\n'));
    const onlyNew = await cli(['plan', ...T, '--json']);
    const planned = JSON.parse(onlyNew.stdout) as { actions: Array<{ op: string; linkName: string }>; rollout: unknown };
    expect(planned.actions.map((a) => `${a.op} ${a.linkName}`)).toEqual(['connector.update crm']);
    expect(planned.rollout).toEqual({ id, done: 0, total: 6 });
    expect((await cli(['plan', ...T, '--format', 'markdown'])).stdout).toContain(`> Rollout \`${id}\` is in progress (0 of 6 steps done)`);
    git(tmp.dir, 'checkout', '-q', '--', 'connectors/crm.yaml');

    // rollout next: instructions for Creator, secrets by variable name only.
    const next = await cli(['rollout', 'next', ...T]);
    expect(next.code).toBe(0);
    expect(next.stdout).toContain('Microservices › Connections › Manage Custom Connectors › +Create New');
    expect(next.stdout).toContain('paste the value of environment variable ERP_SECRET');
    for (const value of Object.values(SECRETS)) expect(next.stdout).not.toContain(value);
    const first = await nextJson(T);
    expect(first.rollout).toEqual({ id, done: 0, total: 6 });
    const createErp = first.steps.find((s) => s.op === 'connector.create')!;
    expect(createErp.secrets).toEqual([{ parameter: 'clientSecret', env: 'ERP_SECRET' }]);

    // The status names every step; the create of erp_ops waits.
    const status = await cli(['rollout', ...T]);
    const waiting = /· (a\d+) create connection "erp_ops" waiting for (a\d+)/.exec(status.stdout);
    expect(waiting, status.stdout).not.toBeNull();

    // Out of order: refused, naming what it waits for; nothing recorded.
    const early = await cli(['rollout', 'done', waiting![1]!, ...T]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`out of order: ${waiting![1]} waits for ${waiting![2]}`);
    // A secret's variable is needed to record the step; without it, refused.
    const noSecret = await cli(['rollout', 'done', createErp.id, ...T], BASE_ENV);
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain('ERP_SECRET');
    expect(noSecret.stderr).toContain('S1');
    expect((await nextJson(T)).rollout.done).toBe(0);

    // In order, step by step, as ready.
    for (;;) {
      const ready = (await nextJson(T)).steps.filter((s) => s.kind === 'action');
      if (!ready.length) break;
      const r = await cli(['rollout', 'done', ...ready.map((s) => s.id), ...T, '--by', 'Bob', '--note', 'clicked in Creator']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('done by Bob');
    }
    // The ledger now holds the actions, and the authorizations are left.
    const mid = JSON.parse((await cli(['target', 'export', ...T])).stdout) as { connections: Array<{ linkName: string; authorizations: unknown[] }> };
    expect(mid.connections.map((c) => [c.linkName, c.authorizations])).toEqual([
      ['crm_sales', []],
      ['erp_ops', []],
    ]);
    const auths = (await nextJson(T)).steps;
    expect(auths.map((s) => [s.kind, s.connection, s.account])).toEqual([
      ['authorize', 'crm_sales', 'alice@acme.example'],
      ['authorize', 'erp_ops', null],
    ]);
    expect(auths[0]!.instructions.join('\n')).toContain('Ask alice@acme.example to authorize connection "crm_sales" again');
    const a1 = await cli(['rollout', 'done', auths[0]!.id, ...T]);
    expect(a1.code, a1.stderr).toBe(0);
    expect(a1.stdout).toContain('done by ops-runner');

    // The last step closes the rollout; a new plan is empty and says nothing of a rollout.
    const last = await cli(['rollout', 'done', auths[1]!.id, ...T, '--by', 'Carol']);
    expect(last.code, last.stderr).toBe(0);
    expect(last.stdout).toContain(`rollout ${id} is closed`);
    const after = JSON.parse((await cli(['target', 'export', ...T])).stdout) as { connections: Array<{ linkName: string; authorizations: unknown }> };
    expect(after.connections.map((c) => c.authorizations)).toEqual([[{ environment: 'all', account: 'alice@acme.example' }], [{ environment: 'all', account: 'Carol' }]]);
    const replan = await cli(['plan', ...T, '--detailed-exitcode']);
    expect(replan.code).toBe(0);
    expect(replan.stdout).toContain('No changes.');
    expect(replan.stdout).not.toContain('Rollout');
    expect((await cli(['rollout', ...T])).stdout).toContain('has no open rollout');

    // The log: who changed the real account, and when.
    const log = await cli(['rollout', 'log', ...T]);
    expect(log.code).toBe(0);
    const lines = log.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^\\S+Z  ops-runner  ${id} opened \\(6 steps`));
    expect(lines.filter((l) => l.includes('  Bob  ') && l.includes('("clicked in Creator")'))).toHaveLength(4);
    expect(lines.at(-2)).toMatch(/ {2}Carol {2}.* done: authorize connection "erp_ops"/);
    expect(lines.at(-1)).toMatch(new RegExp(`  Carol  ${id} closed: every step done$`));
    // Some 30 runs of the real CLI, one after another, on a machine other tests share.
  }, 300_000);
});

describe('rollout walk and abandon', () => {
  it('walk goes through the ready steps on stdin: skip for now, done, quit; resumable', async () => {
    const T = ['--target', 'local:acct.db'];
    commit(V1, 'v1');
    expect((await cli(['target', 'init', ...T, '--mode', 'ledger'])).code).toBe(0);
    commit(V2, 'v2');
    expect((await cli(['apply', ...T, '--auto-approve'])).code).toBe(0);
    const ready = (await nextJson(T)).steps.map((s) => s.id);

    const walk = start(['rollout', 'walk', ...T, '--by', 'Dana']);
    // Each step shows its instructions (first line `ID. Title`), then asks on the same line.
    await walk.waitFor((l) => l.startsWith(`${ready[0]}. `));
    walk.process.stdin.write('s\n');
    await walk.waitFor((l) => l.startsWith(`${ready[1]}. `));
    walk.process.stdin.write('d\n');
    await walk.waitFor((l) => l.includes(`${ready[1]} recorded as done by Dana`));
    walk.process.stdin.write('q\n');
    const r = await finished(walk);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('run connectorops rollout walk --target local:acct.db again to resume');

    const status = await cli(['rollout', ...T]);
    expect(status.stdout).toMatch(new RegExp(`✓ ${ready[1]} .* done by Dana`));
    expect(status.stdout).toMatch(new RegExp(`→ ${ready[0]} `));
  }, 120_000);

  it('abandon closes the rollout; done steps stay done and the next plan shows what is left', async () => {
    const T = ['--target', 'local:acct.db'];
    commit(V1, 'v1');
    expect((await cli(['target', 'init', ...T, '--mode', 'ledger'])).code).toBe(0);
    commit(V2, 'v2');
    expect((await cli(['apply', ...T, '--auto-approve'])).code).toBe(0);
    const first = (await nextJson(T)).steps[0]!;
    expect((await cli(['rollout', 'done', first.id, ...T])).code).toBe(0);
    const before = await cli(['plan', ...T, '--json']);
    expect((JSON.parse(before.stdout) as { actions: unknown[] }).actions).toEqual([]);

    const abandon = await cli(['rollout', 'abandon', ...T, '--reason', 'wrong account @team']);
    expect(abandon.code, abandon.stderr).toBe(0);
    expect(abandon.stdout).toContain('the 1 done step stays done');
    const plan = JSON.parse((await cli(['plan', ...T, '--json'])).stdout) as { actions: Array<{ op: string; linkName: string }>; rollout?: unknown };
    expect(plan.rollout).toBeUndefined();
    expect(plan.actions.length).toBeGreaterThan(0);
    expect(plan.actions.map((a) => `${a.op} ${a.linkName}`)).not.toContain(`${first.op} ${first.linkName}`);
    const log = await cli(['rollout', 'log', ...T]);
    expect(log.stdout.trim().split('\n').at(-1)).toMatch(/abandoned \("wrong account @team"\)$/);
    // A new apply may open the next rollout now.
    expect((await cli(['apply', ...T, '--auto-approve'])).code).toBe(0);
  }, 120_000);
});
