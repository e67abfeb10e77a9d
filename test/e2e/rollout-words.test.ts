/**
 * The words a person follows through a rollout (issue 24, items 4 to 7), through the CLI (in-process;
 * the real binary where a terminal is the point) on the example repository of this project: the ledger's audit trail for `target authorize`, adopt
 * without the secrets, pasteable hints, help, did-you-mean, JSON shapes, no file left behind,
 * and `npm run plan` running the build it has.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../support/dist.js';
import { useExampleRepository } from '../support/example-cli.js';

const SECRETS = { CRM_CLIENT_SECRET: 'crm-s3cret-ONE', BILLING_CLIENT_SECRET: 'billing-s3cret-ONE', LEGACY_ERP_CONSUMER_SECRET: 'erp-s3cret-ONE' };
const BARE: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1', USER: 'ops-runner' };
const ENV: NodeJS.ProcessEnv = { ...BARE, ...SECRETS };

const { dir, cli, ok } = useExampleRepository('connectorops-rollout-words-', ENV);

const T = ['--target', 'local:ex.db'];

describe('target authorize on a ledger, and adopt without the secrets', () => {
  it('records who authorized outside a rollout in the log, refuses what a rollout step does, and records adopted secrets with nothing to paste', async () => {
    // A refused adopt creates nothing.
    const bad = await cli(['target', 'adopt', ...T, '--authorized', 'nosuch=alice'], BARE);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("the manifests define no connection 'nosuch'; nothing was recorded");
    expect(existsSync(join(dir(), 'ex.db'))).toBe(false);

    // Adopted without the secrets: adopt says which fingerprints it could not take.
    const adopt = await ok(['target', 'adopt', ...T], BARE);
    expect(adopt.stderr).toMatch(/BILLING_CLIENT_SECRET, CRM_CLIENT_SECRET, LEGACY_ERP_CONSUMER_SECRET are not set/);

    const authorized = await ok(['target', 'authorize', 'crm_sales', '--account', 'mallory', ...T, '--by', 'Eve'], BARE);
    expect(authorized.stdout).toContain('recorded by Eve');
    // crm_support has one authorization per environment (issue 19): one of them.
    await ok(['target', 'authorize', 'crm_support', '--account', 'alice', '--environment', 'production', ...T], BARE);
    const log = (await ok(['rollout', 'log', ...T])).stdout;
    expect(log).toMatch(/ {2}Eve {2}target authorize: connection "crm_sales" authorized by account "mallory"/);
    expect(log).toMatch(/ {2}ops-runner {2}target authorize: connection "crm_support" authorized by account "alice"/);
    const entries = (JSON.parse((await ok(['rollout', 'log', ...T, '--format', 'json'])).stdout) as { entries: Array<Record<string, unknown>> }).entries;
    expect(entries).toEqual([
      expect.objectContaining({ by: 'Eve', rollout: null, event: 'authorized', connection: 'crm_sales', account: 'mallory' }),
      expect.objectContaining({ by: 'ops-runner', rollout: null, event: 'authorized', connection: 'crm_support', account: 'alice' }),
    ]);

    // A revocation in Creator, recorded on the ledger, is an event of the audit trail too (who, when, what).
    const revoked = await ok(['target', 'deauthorize', 'crm_sales', ...T, '--by', 'Trent'], BARE);
    expect(revoked.stdout).toContain("connection 'crm_sales' lost 1 authorization");
    expect((await ok(['rollout', 'log', ...T])).stdout).toMatch(/ {2}Trent {2}target deauthorize: connection "crm_sales" revoked in Creator \("every authorization"\)/);
    const afterRevoke = (JSON.parse((await ok(['rollout', 'log', ...T, '--format', 'json'])).stdout) as { entries: Array<Record<string, unknown>> }).entries;
    expect(afterRevoke.at(-1)).toEqual(
      expect.objectContaining({ by: 'Trent', rollout: null, event: 'deauthorized', connection: 'crm_sales', note: 'every authorization' }),
    );
    // Put back, so that the rest of this story starts from what it did.
    await ok(['target', 'authorize', 'crm_sales', '--account', 'mallory', ...T, '--by', 'Eve'], BARE);

    // With the secrets: the rollout records their fingerprints, with nothing to paste in Creator.
    await ok(['apply', ...T, '--auto-approve']);
    const next = JSON.parse((await ok(['rollout', 'next', ...T, '--format', 'json'])).stdout) as {
      steps: Array<{ id: string; kind: string; op?: string; connection?: string; instructions: string[] }>;
    };
    const updates = next.steps.filter((s) => s.op === 'connector.update');
    expect(updates.length).toBeGreaterThan(0);
    for (const s of updates) {
      expect(s.instructions.join('\n')).toContain('nothing to do in Creator');
      expect(s.instructions.join('\n')).not.toContain('paste');
    }
    const auth = next.steps.find((s) => s.kind === 'authorize' && s.connection === 'billing_finance')!;
    const refused = await cli(['target', 'authorize', 'billing_finance', '--account', 'bob', ...T]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`in step ${auth.id}; nothing was recorded`);
    expect(refused.stderr).toContain(`connectorops rollout done ${auth.id} --target local:ex.db`);

    await ok(['rollout', 'done', ...next.steps.map((s) => s.id), ...T]);
    const plan = JSON.parse((await ok(['plan', ...T, '--json'])).stdout) as { actions: unknown[]; needsAuthorization: string[] };
    expect(plan).toMatchObject({ actions: [], needsAuthorization: [] });
  }, 300_000);
});

describe('the words a person follows', () => {
  it('hints carry --target, help is per subcommand, typos get a suggestion, rollout and rollout log speak JSON', async () => {
    expect((await cli(['--help'])).stdout).toContain('--version');
    const typo = await cli(['rollout', 'nxt', ...T]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("unknown subcommand 'nxt'; did you mean 'next'?");
    const doneHelp = (await ok(['rollout', 'done', '--help'])).stdout;
    expect(doneHelp).toMatch(/^Usage: connectorops rollout done STEP…/);
    expect(doneHelp).not.toContain('abandon');
    const authorizeHelp = (await ok(['target', 'authorize', '--help'])).stdout;
    expect(authorizeHelp).toMatch(/^Usage: connectorops target authorize LINKNAME/);
    expect(authorizeHelp).not.toContain('adopt');

    await ok(['target', 'init', ...T, '--mode', 'ledger']);
    const none = await ok(['rollout', ...T]);
    expect(none.stdout).toContain('has no open rollout');
    expect(JSON.parse((await ok(['rollout', ...T, '--format', 'json'])).stdout)).toEqual({ rollout: null, target: null, steps: [] });

    const apply = await ok(['apply', ...T, '--auto-approve']);
    expect(apply.stdout).toContain(
      'Next: connectorops rollout next --target local:ex.db (instructions for Creator), then connectorops rollout done STEP… --target local:ex.db',
    );
    expect((await ok(['rollout', ...T])).stdout).toContain('Next: connectorops rollout next --target local:ex.db');
    expect((await ok(['rollout', 'next', ...T])).stdout).toMatch(/When a step is done in Creator: connectorops rollout done [a-z0-9 ]+ --target local:ex\.db/);
    const done = await ok(['rollout', 'done', 'a1', ...T]);
    expect(done.stdout).toMatch(/\(connectorops rollout next --target local:ex\.db\)/);
    const status = JSON.parse((await ok(['rollout', ...T, '--format', 'json'])).stdout) as {
      rollout: { done: number };
      steps: Array<{ id: string; state: string; by?: string }>;
    };
    expect(status.rollout.done).toBe(1);
    expect(status.steps[0]).toMatchObject({ id: 'a1', state: 'done', by: 'ops-runner' });

    const abandon = await ok(['rollout', 'abandon', ...T]);
    expect(abandon.stdout).toContain('the 1 done step stays done');
    expect(abandon.stdout).toContain('connectorops plan --target local:ex.db shows what is left');
  }, 300_000);

  it('walk shows why a step fails and lets the person skip it', async () => {
    await ok(['target', 'init', ...T, '--mode', 'ledger']);
    await ok(['apply', ...T, '--auto-approve']);
    // a1 creates a connector with a secret: without its variable the step cannot be recorded.
    const { CRM_CLIENT_SECRET: _crm, BILLING_CLIENT_SECRET: _billing, LEGACY_ERP_CONSUMER_SECRET: _erp, ...unset } = ENV;
    const walk = await cli(['rollout', 'walk', ...T], unset, 'd\ns\nq\n');
    expect(walk.stdout).toMatch(/✗ a1 was not recorded: environment variable \w+ \(step a1/);
    expect(walk.stdout).toContain('[s]kip it for now, or [q]uit?');
    expect(walk.stdout).toMatch(/Step a\d+: \[d\]one, \[s\]kip for now, \[q\]uit\?[^\n]*\n*Stopped\./);
    expect(walk.code).toBe(0);
  }, 300_000);

  it('smaller words: no file left behind, --base outside git, a dash value, --issue, rollout issue, scopeSeparator, a plan for another target, https to plain HTTP', async () => {
    const missing = await cli(['apply', '--auto-approve'], BARE);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nothing was carried out');
    expect(existsSync(join(dir(), '.connectorops'))).toBe(false);

    expect((await cli(['plan', ...T, '--base', 'main'])).stderr).toContain('--base needs a git repository');
    const dash = await cli(['apply', ...T, '--lock-timeout', '-5']);
    expect(dash.stderr).not.toContain('needs a value');
    expect(dash.stderr).toContain('--lock-timeout=');
    expect((await cli(['rollout', 'sync', ...T, '--repo', 'acme/infra', '--actor', 'alice'])).stderr).toContain('rollout sync needs --issue N');
    const issue = await cli(['rollout', 'issue', ...T, '--repo', 'acme/infra']);
    expect(issue.stderr).toContain('rollout issue needs a token that may write issues');
    expect(issue.stderr).toContain('issues: write');
    const noRepo = await cli(['rollout', 'issue', ...T], { ...ENV, GITHUB_TOKEN: 'x' });
    expect(noRepo.stderr).toContain('rollout issue does not know the repository');

    const billing = join(dir(), 'connectors/billing.yaml');
    writeFileSync(billing, readFileSync(billing, 'utf8').replace('scopeSeparator:', 'scopeSeperator:'));
    expect((await cli(['validate'])).stderr).toContain('scopeSeparator');
    writeFileSync(billing, readFileSync(billing, 'utf8').replace('scopeSeperator:', 'scopeSeparator:'));

    await ok(['plan', ...T, '--out', 'plan.json']);
    const elsewhere = await cli(['apply', 'plan.json']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('pass --target local:ex.db');

    const server = createServer((_req, res) => res.end('plain'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      // The server answers in this process while the CLI (in-process, asynchronous) waits for it.
      const r = await cli(['target', 'export', '--target', `https://127.0.0.1:${port}`], { ...ENV, CONNECTOROPS_TOKEN: 'a-token-of-at-least-some-length' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('does not speak TLS');
      expect(r.stderr).not.toMatch(/ssl3_get_record|wrong version number/);
    } finally {
      server.close();
    }
  }, 300_000);

  it('plan prints each warning once on a terminal', async () => {
    const script = spawnSync('script', ['-qec', `${process.execPath} ${BIN} plan ${T.join(' ')}`, '/dev/null'], { cwd: dir(), encoding: 'utf8', env: BARE });
    expect(script.status).toBe(0);
    const count = (script.stdout.match(/CRM_CLIENT_SECRET is not set/g) ?? []).length;
    expect(count).toBe(1);
  }, 120_000);
});

describe('npm run plan', () => {
  it('runs the CLI that is built, without building again', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.plan).toBe('node scripts/plan.js');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/plan.js'), '--target', `local:${join(dir(), 'none.db')}`], { cwd: ROOT, encoding: 'utf8', env: BARE });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('building first');
    expect(r.stdout).toContain('connectorops will perform the following actions');
    // The example repository (issue 19): crm_support has one authorization per environment of
    // connectorops.yaml, helpdesk_agents is a logged-in user connection.
    for (const env of ['development', 'stage', 'production']) {
      expect(r.stdout).toContain(`crm_support — new connection: authorize as the connection's owner in ${env} [R11]`);
    }
    expect(r.stdout).toContain('helpdesk_agents — a logged-in user connection: each user authorizes it on first use [R11]');
    expect(existsSync(join(dir(), 'none.db'))).toBe(false);
  }, 120_000);
});
