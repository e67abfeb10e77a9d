/**
 * The secrets map through the real CLI, as the GitHub Action passes it (CONNECTOROPS_SECRETS):
 * plan reads the secret a manifest names from it (no "not set" warning; the rotation check has a
 * fingerprint), no output holds a value, and a malformed map fails with exit 1 without its text.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('connectorops-secret-map-e2e-');
  mkdirSync(join(tmp.dir, 'connectors'));
  writeFileSync(
    join(tmp.dir, 'connectors/crm.yaml'),
    [
      'kind: Connector',
      'linkName: crm',
      'name: Acme CRM',
      'authentication:',
      '  type: oauth2',
      '  grantType: client_credentials',
      '  clientId: 1000.ABC',
      '  clientSecret: { fromEnv: CRM_CLIENT_SECRET }',
      '  accessTokenUrl: https://accounts.acme.example/oauth/token',
      '',
    ].join('\n'),
  );
});
afterEach(() => tmp.cleanup());

const SECRET = 'sup3r-s3cret-value';

const BARE: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1' };

/** The CLI in this process, with a bare environment and `extraEnv`. */
const cli = (args: string[], extraEnv: NodeJS.ProcessEnv): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env: { ...BARE, ...extraEnv } });

async function plan(extraEnv: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const r = await cli(['plan', '--target', 'local:acct.db', '--out', 'plan.json'], extraEnv);
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('CONNECTOROPS_SECRETS', () => {
  it('gives plan the secret the manifest names; no output or plan file holds it', async () => {
    const without = await plan({});
    expect(without.out).toContain('CRM_CLIENT_SECRET is not set');
    const withMap = await plan({ CONNECTOROPS_SECRETS: JSON.stringify({ CRM_CLIENT_SECRET: SECRET, UNRELATED: 'other-value' }) });
    expect(withMap.code).toBe(0);
    expect(withMap.out).not.toContain('is not set');
    expect(withMap.out).toContain('clientSecret: (sensitive)');
    const file = readFileSync(join(tmp.dir, 'plan.json'), 'utf8');
    for (const text of [withMap.out, file]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('other-value');
      expect(text).not.toContain('CONNECTOROPS_SECRETS');
    }
  });

  it('refuses a malformed map with exit 1, without quoting it', async () => {
    const r = await plan({ CONNECTOROPS_SECRETS: `{"CRM_CLIENT_SECRET": "${SECRET}"` });
    expect(r.code).toBe(1);
    expect(r.out).toContain('CONNECTOROPS_SECRETS is not JSON (its text is not shown: it holds secrets)');
    expect(r.out).not.toContain(SECRET);
  });

  // Issue 18, item 5: a variable named like a property of every object is a variable like any other.
  it.each(['constructor', '__proto__', 'toString'])('fromEnv: %s is read as its own variable by plan, apply and rollout done, never from a prototype', async (name) => {
    const manifest = readFileSync(join(tmp.dir, 'connectors/crm.yaml'), 'utf8').replace('CRM_CLIENT_SECRET', name);
    writeFileSync(join(tmp.dir, 'connectors/crm.yaml'), manifest);
    const run = async (args: string[], extraEnv: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> => {
      const r = await cli(args, { USER: 'ops', ...extraEnv });
      expect(r.stderr).not.toMatch(/Internal error|\n {4}at /);
      return { code: r.code, out: r.stdout + r.stderr };
    };
    const map = { CONNECTOROPS_SECRETS: JSON.stringify({ [name]: SECRET }) };
    // Unset: a warning at plan, S1 at apply and at rollout done: never a function's text sent as a secret.
    expect((await run(['plan', '--target', 'local:a.db'], {})).out).toContain(`${name} is not set`);
    const refused = await run(['apply', '--target', 'local:a.db', '--auto-approve'], {});
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`${name} (for connector 'crm') is not set`);
    // Set in the map: planned, applied, and recorded on a ledger.
    const planned = await run(['plan', '--target', 'local:a.db'], map);
    expect(planned.code, planned.out).toBe(0);
    expect(planned.out).not.toContain('is not set');
    expect((await run(['apply', '--target', 'local:a.db', '--auto-approve'], map)).code).toBe(0);
    expect((await run(['target', 'init', '--target', 'local:l.db', '--mode', 'ledger'], {})).code).toBe(0);
    expect((await run(['apply', '--target', 'local:l.db', '--auto-approve'], map)).code).toBe(0);
    const missing = await run(['rollout', 'done', 'a1', '--target', 'local:l.db', '--by', 'alice'], {});
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(`${name} (step a1`);
    const done = await run(['rollout', 'done', 'a1', '--target', 'local:l.db', '--by', 'alice'], map);
    expect(done.code, done.out).toBe(0);
    for (const r of [planned, done]) expect(r.out).not.toContain(SECRET);
  });

  // Issue 18, item 8: a hand-edited plan file cannot make apply read, and send, another variable.
  it('a plan file whose secret reference names another variable (GITHUB_TOKEN) is stale: apply reads nothing and sends nothing', async () => {
    const token = 'ghs_neverSentToTheTarget0123456789';
    expect((await plan({ CRM_CLIENT_SECRET: SECRET })).code).toBe(0);
    const file = join(tmp.dir, 'plan.json');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"CRM_CLIENT_SECRET"', '"GITHUB_TOKEN"'));
    const r = await cli(['apply', 'plan.json', '--target', 'local:acct.db'], { GITHUB_TOKEN: token, CRM_CLIENT_SECRET: SECRET });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: the plan is stale: the plan reads GITHUB_TOKEN for clientSecret of connector "crm", but the manifests name CRM_CLIENT_SECRET');
    expect(r.stdout + r.stderr).not.toContain(token);
    // Nothing was carried out: the target was not even created.
    expect(existsSync(join(tmp.dir, 'acct.db'))).toBe(false);
  });
});
